//! `kioskctl staff add|set-pin|list|unlock`: the staff members who log in at the service-desk
//! terminal (`mode = "desk"`) with their staff card and a PIN.
//!
//! A PIN is read from standard input (its first line), never from the command line, where it
//! would land in the shell history and in `ps`; it is stored only as an argon2id hash. A staff
//! card is registered for its employee in the store's settings as `staff_card:<CODE>` →
//! employee code (the desk firmware reads the same key; a card not registered is taken to
//! carry the employee code itself). `<CODE>` is the card's code after the scanner's employee
//! prefix (a card reading `EMP-2041` is `2041`).

use std::io::BufRead as _;
use std::path::{Path, PathBuf};

use kiosk_store::{DeskError, NewStaff, PinPolicy, Store, StoreError, hash_pin};
use serde_json::json;

use crate::commands::db::KioskDb;
use crate::commands::outbox::{open_existing, open_read_only};
use crate::output::{self, Outcome};

/// Settings key of a card's employee (shared with the desk firmware).
const CARD_KEY: &str = "staff_card:";
/// Settings key of an employee's card (for `list`).
const CARD_OF_KEY: &str = "staff_card_of:";

/// Subcommands of `staff`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Add a staff member; the PIN (4 to 12 digits) is read from standard input.
    Add {
        /// The kiosk database.
        #[arg(long)]
        db: PathBuf,
        /// The staff card's code (after the scanner's employee prefix).
        #[arg(long)]
        card: String,
        /// The employee code issued by the national organisation.
        #[arg(long)]
        employee_code: String,
        /// The name shown on the terminal.
        #[arg(long)]
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace a member's PIN (read from standard input); clears failures and any lockout.
    SetPin {
        /// The kiosk database.
        #[arg(long)]
        db: PathBuf,
        /// The member's employee code.
        #[arg(long)]
        employee_code: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the staff members (never their PINs).
    List {
        /// The kiosk database.
        #[arg(long)]
        db: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// End a member's lockout after too many wrong PINs (the PIN stays).
    Unlock {
        /// The kiosk database.
        #[arg(long)]
        db: PathBuf,
        /// The member's employee code.
        #[arg(long)]
        employee_code: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn fail(json_mode: bool, reason: &str) -> Outcome {
    output::invalid(json_mode, json!({"valid": false, "reason": reason}), reason)
}

/// The PIN from the first line of standard input.
fn read_pin(json_mode: bool) -> Result<String, Outcome> {
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) => Err(fail(
            json_mode,
            "no PIN on standard input (pipe it in, e.g. `read -s PIN; echo \"$PIN\" | kioskctl staff ...`)",
        )),
        Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
        Err(e) => Err(fail(
            json_mode,
            &format!("cannot read the PIN from standard input: {e}"),
        )),
    }
}

fn pin_hash(pin: &str, json_mode: bool) -> Result<String, Outcome> {
    hash_pin(pin, &PinPolicy::default()).map_err(|e| match e {
        DeskError::BadPin(why) => fail(json_mode, &format!("PIN not acceptable: {why}")),
        other => fail(json_mode, &other.to_string()),
    })
}

fn open(db: &Path, json_mode: bool) -> Result<Store, Outcome> {
    open_existing(&KioskDb::at(db, None), json_mode)
}

fn add(
    db: &Path,
    card: &str,
    employee_code: &str,
    name: &str,
    json_mode: bool,
) -> Result<Outcome, Outcome> {
    let (card, employee_code, name) = (card.trim(), employee_code.trim(), name.trim());
    if card.is_empty() || employee_code.is_empty() || name.is_empty() {
        return Err(fail(
            json_mode,
            "--card, --employee-code and --name must not be empty",
        ));
    }
    let mut store = open(db, json_mode)?;
    let store_err = |e: StoreError| fail(json_mode, &e.to_string());
    if let Some(owner) = store
        .setting(&format!("{CARD_KEY}{card}"))
        .map_err(store_err)?
    {
        return Err(fail(
            json_mode,
            &format!("card {card} is already registered for employee {owner}"),
        ));
    }
    let pin = read_pin(json_mode)?;
    let pin_hash = pin_hash(&pin, json_mode)?;
    let id = store
        .insert_staff(NewStaff {
            employee_code: employee_code.to_owned(),
            display_name: name.to_owned(),
            pin_hash,
            active: true,
        })
        .map_err(|e| match e {
            StoreError::DuplicateEmployeeCode { employee_code, .. } => fail(
                json_mode,
                &format!("employee code {employee_code} is already on this terminal"),
            ),
            other => fail(json_mode, &other.to_string()),
        })?;
    store
        .set_setting(&format!("{CARD_KEY}{card}"), employee_code)
        .map_err(store_err)?;
    store
        .set_setting(&format!("{CARD_OF_KEY}{employee_code}"), card)
        .map_err(store_err)?;
    Ok(output::valid(
        json_mode,
        json!({"valid": true, "id": id, "employee_code": employee_code, "card": card, "name": name}),
        &format!("added {name} ({employee_code}), card {card}"),
    ))
}

fn set_pin(db: &Path, employee_code: &str, json_mode: bool) -> Result<Outcome, Outcome> {
    let mut store = open(db, json_mode)?;
    let pin = read_pin(json_mode)?;
    let hash = pin_hash(&pin, json_mode)?;
    set_hash(&mut store, employee_code, &hash, json_mode)?;
    Ok(output::valid(
        json_mode,
        json!({"valid": true, "employee_code": employee_code}),
        &format!("PIN of {employee_code} replaced; failures and lockout cleared"),
    ))
}

fn set_hash(
    store: &mut Store,
    employee_code: &str,
    hash: &str,
    json_mode: bool,
) -> Result<(), Outcome> {
    store
        .set_staff_pin(employee_code, hash)
        .map_err(|e| match e {
            DeskError::UnknownStaff => fail(
                json_mode,
                &format!("no staff member with employee code {employee_code}"),
            ),
            other => fail(json_mode, &other.to_string()),
        })
}

fn unlock(db: &Path, employee_code: &str, json_mode: bool) -> Result<Outcome, Outcome> {
    let mut store = open(db, json_mode)?;
    let Some(member) = store
        .staff_by_employee_code(employee_code)
        .map_err(|e| fail(json_mode, &e.to_string()))?
    else {
        return Err(fail(
            json_mode,
            &format!("no staff member with employee code {employee_code}"),
        ));
    };
    // Setting the same hash again clears the failure count and the lockout.
    set_hash(&mut store, employee_code, &member.pin_hash, json_mode)?;
    let was = member
        .locked_until
        .map(|t| format!("locked until {}", t.to_rfc3339()))
        .unwrap_or_else(|| "not locked".to_owned());
    Ok(output::valid(
        json_mode,
        json!({"valid": true, "employee_code": employee_code, "was_locked_until": member.locked_until.map(|t| t.to_rfc3339())}),
        &format!("unlocked {employee_code} (was {was})"),
    ))
}

fn list(db: &Path, json_mode: bool) -> Result<Outcome, Outcome> {
    let store = open_read_only(&KioskDb::at(db, None), json_mode)?;
    let mut members = Vec::new();
    for m in store
        .list_staff()
        .map_err(|e| fail(json_mode, &e.to_string()))?
    {
        let card = store
            .setting(&format!("{CARD_OF_KEY}{}", m.employee_code))
            .map_err(|e| fail(json_mode, &e.to_string()))?;
        members.push((m, card));
    }
    let now = chrono::Utc::now();
    let rows: Vec<serde_json::Value> = members
        .iter()
        .map(|(m, card)| {
            json!({
                "id": m.id,
                "employee_code": m.employee_code,
                "name": m.display_name,
                "card": card,
                "active": m.active,
                "failed_attempts": m.failed_attempts,
                "locked_until": m.locked_until.filter(|t| *t > now).map(|t| t.to_rfc3339()),
            })
        })
        .collect();
    let human = members
        .iter()
        .map(|(m, card)| {
            let mut line = format!(
                "{}\t{}\tcard {}\t{}",
                m.employee_code,
                m.display_name,
                card.as_deref().unwrap_or("-"),
                if m.active { "active" } else { "inactive" }
            );
            if let Some(t) = m.locked_until.filter(|t| *t > now) {
                line.push_str(&format!("\tlocked until {}", t.to_rfc3339()));
            } else if m.failed_attempts > 0 {
                line.push_str(&format!("\t{} wrong PINs", m.failed_attempts));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n");
    let human = if human.is_empty() {
        "no staff members".to_owned()
    } else {
        human
    };
    Ok(output::valid(
        json_mode,
        json!({"valid": true, "staff": rows}),
        &human,
    ))
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    let result = match command {
        Command::Add {
            db,
            card,
            employee_code,
            name,
            json,
        } => add(db, card, employee_code, name, *json),
        Command::SetPin {
            db,
            employee_code,
            json,
        } => set_pin(db, employee_code, *json),
        Command::List { db, json } => list(db, *json),
        Command::Unlock {
            db,
            employee_code,
            json,
        } => unlock(db, employee_code, *json),
    };
    result.unwrap_or_else(|outcome| outcome)
}
