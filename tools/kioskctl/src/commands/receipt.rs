//! `kioskctl receipt preview|escpos`: see and send a receipt exactly as the printer prints it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use kiosk_core::working_days::due_date;
use kiosk_core::{
    CaseKind, DueDatePolicy, MobileNumber, NationalCode, NationalCodePolicy, TrackingCode,
};
use kiosk_receipt::{Profile, ReceiptCase, ReceiptContent, Variant, sample_variant};
use serde::Deserialize;

use crate::output::{self, Outcome};

/// The `--case-json` format, shown by `--help`.
const CASE_JSON_HELP: &str = "A JSON file describing the case, instead of the built-in sample:
{
  \"agency\": \"…\", \"desk\": \"…\",
  \"kind\": \"complaint\",                 (snake_case case kind)
  \"subject\": \"…\",                      (subject label as printed)
  \"tracking_code\": \"1000120000000015\", (16 digits, check digit verified)
  \"registered_at\": \"2026-11-23T06:30:00Z\",
  \"national_code\": \"0499370899\",       (printed masked)
  \"mobile\": \"09121234567\",             (optional, printed masked)
  \"description\": \"…\", \"description_lines\": 0,   (0..=3 lines printed)
  \"portal_url\": \"https://…\", \"phone\": \"111\",
  \"satisfaction_url\": \"https://…\",     (optional)
  \"footer\": \"…\"
}
The response date is computed from kind and registered_at (default calendar, or --config).";

/// Subcommands of `receipt`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Render the receipt to a PNG, QR codes included, exactly as printed.
    Preview(Args),
    /// Write the ESC/POS bytes that print the receipt.
    Escpos(Args),
}

/// Options shared by both subcommands.
#[derive(clap::Args)]
pub struct Args {
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Printer profile: 58mm (384 dots, raster QR) or 80mm (576 dots, native QR).
    #[arg(long, default_value = "80mm")]
    profile: Profile,
    /// Which slip: receipt, reprint, guidance or service (the last two from built-in samples).
    #[arg(long, default_value = "receipt", value_parser = parse_variant)]
    variant: Variant,
    #[arg(long, long_help = CASE_JSON_HELP)]
    /// A JSON file with the case (see --help for the format).
    case_json: Option<PathBuf>,
    /// Configuration whose calendar computes the response date of --case-json.
    #[arg(long)]
    config: Option<PathBuf>,
}

fn parse_variant(text: &str) -> Result<Variant, String> {
    match text {
        "receipt" => Ok(Variant::Receipt),
        "reprint" => Ok(Variant::Reprint),
        "guidance" => Ok(Variant::Guidance),
        "service" => Ok(Variant::ServiceSlip),
        _ => Err(format!(
            "unknown variant {text:?}: receipt, reprint, guidance or service"
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseJson {
    agency: String,
    desk: String,
    kind: String,
    subject: String,
    tracking_code: String,
    registered_at: String,
    national_code: String,
    #[serde(default)]
    mobile: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_lines: usize,
    portal_url: String,
    phone: String,
    #[serde(default)]
    satisfaction_url: Option<String>,
    #[serde(default)]
    footer: String,
}

/// Reads and checks a `--case-json` file; every error names the field.
fn read_case(path: &Path, policy: &DueDatePolicy) -> Result<ReceiptCase, String> {
    // A case is a few hundred bytes; 1 MiB (the configuration's bound) leaves a too-long
    // description to be refused by its own check, naming the field.
    let text = kiosk_store::small_file::read_text(path, 1 << 20)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let raw: CaseJson =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let field = |name: &str, e: &dyn std::fmt::Display| format!("{}: {name}: {e}", path.display());
    let kind: CaseKind = raw.kind.parse().map_err(|e| field("kind", &e))?;
    let tracking =
        TrackingCode::parse(&raw.tracking_code).map_err(|e| field("tracking_code", &e))?;
    let registered_at: DateTime<Utc> = raw
        .registered_at
        .parse()
        .map_err(|e| field("registered_at", &e))?;
    let national_code = NationalCode::parse(&raw.national_code, &NationalCodePolicy::default())
        .map_err(|e| field("national_code", &e))?;
    let mobile = raw
        .mobile
        .as_deref()
        .map(MobileNumber::parse)
        .transpose()
        .map_err(|e| field("mobile", &e))?;
    let due =
        due_date(registered_at, kind, None, policy).map_err(|e| field("registered_at", &e))?;
    // A kind without a response date announces its next visit by the configured rule.
    let next_visit = match due {
        Some(_) => None,
        None => Some(
            kiosk_core::next_visit::next_visit(
                registered_at,
                policy.next_visit_rule_for(kind, None),
                &policy.calendar,
            )
            .map_err(|e| field("registered_at", &e))?,
        ),
    };
    Ok(ReceiptCase {
        agency: raw.agency,
        desk: raw.desk,
        kind,
        subject: raw.subject,
        tracking,
        registered_at,
        due,
        next_visit,
        escalation: None,
        visitor: Some(national_code.into()),
        mobile,
        description: raw.description,
        description_lines: raw.description_lines,
        portal_url: raw.portal_url,
        phone: raw.phone,
        satisfaction_url: raw.satisfaction_url,
        footer: raw.footer,
        logo: None,
    })
}

fn content(args: &Args) -> Result<ReceiptContent, String> {
    let Some(path) = &args.case_json else {
        return Ok(sample_variant(args.variant));
    };
    let policy = match &args.config {
        None => DueDatePolicy::default(),
        Some(config) => {
            kiosk_config::load(config)
                .map_err(|e| e.to_string())?
                .due_date_policy
        }
    };
    let case = read_case(path, &policy)?;
    let built = match args.variant {
        Variant::Receipt => ReceiptContent::receipt(&case),
        Variant::Reprint => ReceiptContent::reprint(&case, Utc::now()),
        Variant::Guidance | Variant::ServiceSlip => {
            return Err(
                "--case-json describes a case: use it with --variant receipt or reprint".into(),
            );
        }
    };
    built.map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    let (args, png) = match command {
        Command::Preview(args) => (args, true),
        Command::Escpos(args) => (args, false),
    };
    let content = match content(args) {
        Ok(content) => content,
        Err(reason) => return output::invalid(false, serde_json::Value::Null, &reason),
    };
    let bytes = if png {
        kiosk_receipt::render_png(&content, &args.profile)
    } else {
        kiosk_receipt::encode(&content, &args.profile)
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(e) => return output::invalid(false, serde_json::Value::Null, &e.to_string()),
    };
    if let Err(e) = std::fs::write(&args.out, &bytes) {
        return output::usage(&format!("cannot write {}: {e}", args.out.display()));
    }
    println!(
        "wrote {} ({} bytes, profile {})",
        args.out.display(),
        bytes.len(),
        args.profile
    );
    Outcome::Valid
}
