//! Console accounts, where kiosks stand, logins, sessions and the audit log
//! (server/migrations/0012_console.sql).
//!
//! An account sees one office, one county, one province or the whole agency ([`Scope`]), as a
//! viewer or as a manager who may change what is in that scope ([`Role`]); a
//! kiosk number is placed in an office, an office in a county, a county in a province, and
//! nothing else is needed to decide what an account may read ([`scope_filter`]).
//!
//! Passwords are kept only as argon2id PHC strings (the `argon2` crate's defaults: 19 MiB,
//! 2 passes, 1 lane). At most [`TRIES_PER_HOUR`] passwords are checked per account in any hour:
//! a try is recorded under a lock on the account's row before its password is checked, so tries
//! spread over several server instances count as if at one. An unknown name is answered as a
//! wrong password, after checking a decoy hash so that it takes as long. Sessions are random
//! 256-bit tokens of which only the SHA-256 is kept; each session has its own CSRF token. Every
//! change (an account, an office, a kiosk's place, a login or logout) is written to
//! `console_audit` in the transaction that makes it.

use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::Pool;
use rand::RngCore as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// Passwords checked per account in any hour, at most.
pub const TRIES_PER_HOUR: i64 = 20;
/// How long a session lasts from its login.
pub const SESSION_HOURS: i64 = 12;
/// Shortest password accepted for an account.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (argon2 takes any length; this bounds the work of a request).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why a console operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No database connection.
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// A statement failed.
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// A scope that does not read.
    #[error(
        "the scope {0:?} does not read: give office:NAME, county:NAME, province:NAME or agency"
    )]
    BadScope(String),
    /// The office, county or province is not known.
    #[error("no {level} named {name:?} is known (add it with `agency-server office add`)")]
    UnknownPlace {
        /// office, county or province.
        level: &'static str,
        /// The name given.
        name: String,
    },
    /// A name that is empty or too long.
    #[error("{0} must have 1 to 100 characters")]
    BadName(&'static str),
    /// An account of that name exists.
    #[error("a console account named {0:?} exists")]
    Exists(String),
    /// A county is already in another province.
    #[error("the county {county:?} is in the province {province:?}")]
    CountyElsewhere {
        /// The county.
        county: String,
        /// Its province.
        province: String,
    },
    /// A password outside the rules.
    #[error("a password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// Hashing failed.
    #[error("hashing the password failed")]
    Hash,
}

/// What an account may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One office and its kiosks.
    Office(String),
    /// The offices of one county.
    County(String),
    /// The counties of one province.
    Province(String),
    /// Everything.
    Agency,
}

impl Scope {
    /// `office`, `county`, `province` or `agency` (as stored).
    pub fn level(&self) -> &'static str {
        match self {
            Self::Office(_) => "office",
            Self::County(_) => "county",
            Self::Province(_) => "province",
            Self::Agency => "agency",
        }
    }

    /// The office's, county's or province's name; none for the agency.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Office(n) | Self::County(n) | Self::Province(n) => Some(n),
            Self::Agency => None,
        }
    }

    /// From the stored columns.
    pub fn from_columns(level: &str, name: Option<String>) -> Option<Self> {
        match (level, name) {
            ("office", Some(n)) => Some(Self::Office(n)),
            ("county", Some(n)) => Some(Self::County(n)),
            ("province", Some(n)) => Some(Self::Province(n)),
            ("agency", None) => Some(Self::Agency),
            _ => None,
        }
    }
}

impl FromStr for Scope {
    type Err = ConsoleError;

    /// `office:NAME`, `county:NAME`, `province:NAME` or `agency`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ConsoleError::BadScope(s.to_owned());
        if s.trim() == "agency" {
            return Ok(Self::Agency);
        }
        let (level, name) = s.split_once(':').ok_or_else(bad)?;
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(bad());
        }
        match level.trim() {
            "office" => Ok(Self::Office(name)),
            "county" => Ok(Self::County(name)),
            "province" => Ok(Self::Province(name)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{}:{n}", self.level()),
            None => f.write_str("agency"),
        }
    }
}

/// A SQL condition that holds when the kiosk number in `column` is in the scope given as the
/// statement's parameters `$1` (the level) and `$2` (the name, text; ignored for the agency).
/// Every console query that reads a device's or a case's data goes through it.
pub fn scope_filter(column: &str) -> String {
    place_filter(column, 1, 2)
}

/// [`scope_filter`] with the level and the name in parameters `$level` and `$name`: a report
/// filters by the account's scope and, with other parameters, by the place it asked for.
pub fn place_filter(column: &str, level: u8, name: u8) -> String {
    format!(
        "(${level}::text = 'agency' OR {column} IN (
            SELECT ok.kiosk_number FROM office_kiosks ok
            JOIN offices o ON o.name = ok.office
            JOIN counties c ON c.name = o.county
            WHERE CASE ${level}::text WHEN 'office' THEN o.name = ${name}::text
                                WHEN 'county' THEN c.name = ${name}::text
                                WHEN 'province' THEN c.province = ${name}::text
                                ELSE false END))"
    )
}

/// The places that contain `place`, itself first and the agency last (an office: itself, its
/// county, its province, the agency), or `None` when no such office, county or province is
/// known. An account may read a place when its scope is one of them.
pub async fn place_chain(pool: &Pool, place: &Scope) -> Result<Option<Vec<Scope>>, ConsoleError> {
    let client = pool.get().await?;
    let chain = match place {
        Scope::Agency => Some(Vec::new()),
        Scope::Office(name) => client
            .query_opt(
                "SELECT c.name, c.province FROM offices o JOIN counties c ON c.name = o.county
                 WHERE o.name = $1",
                &[name],
            )
            .await?
            .map(|r| vec![Scope::County(r.get(0)), Scope::Province(r.get(1))]),
        Scope::County(name) => client
            .query_opt("SELECT province FROM counties WHERE name = $1", &[name])
            .await?
            .map(|r| vec![Scope::Province(r.get(0))]),
        Scope::Province(name) => client
            .query_opt(
                "SELECT 1 FROM counties WHERE province = $1 LIMIT 1",
                &[name],
            )
            .await?
            .map(|_| Vec::new()),
    };
    Ok(chain.map(|above| {
        let mut all = vec![place.clone()];
        all.extend(above.into_iter().filter(|s| s != place));
        if *place != Scope::Agency {
            all.push(Scope::Agency);
        }
        all
    }))
}

/// What an account may do in its scope (migration 0017).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Reads the pages: fleet, cases, reports (and, for the agency, the audit log).
    #[default]
    Viewer,
    /// Reads them and makes the changes of its scope: enrolment codes, revoking devices and
    /// setting their role, the office's staff, and (the agency's only) the catalogue.
    Manager,
}

impl Role {
    /// As stored and as the CLI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Manager => "manager",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "viewer" => Ok(Self::Viewer),
            "manager" => Ok(Self::Manager),
            other => Err(format!("the role {other:?} is viewer or manager")),
        }
    }
}

/// A logged-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its row.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// What it may see.
    pub scope: Scope,
    /// What it may do there.
    pub role: Role,
}

impl Account {
    /// The level, for `$1` of [`scope_filter`].
    pub fn level(&self) -> &'static str {
        self.scope.level()
    }

    /// The name, for `$2` of [`scope_filter`] (empty for the agency).
    pub fn place(&self) -> &str {
        self.scope.name().unwrap_or("")
    }

    /// Whether it may make changes (in its scope).
    pub fn manages(&self) -> bool {
        self.role == Role::Manager
    }
}

/// A session just opened: the cookie's token and the CSRF token of its forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie's value (never stored).
    pub token: String,
    /// The forms' token.
    pub csrf: String,
}

/// What a login came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// The password matched.
    Ok(NewSession),
    /// Unknown name, disabled account or wrong password (not told apart).
    Refused,
    /// The account had its tries for this hour; the password was not checked.
    Locked,
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The argon2id PHC string of `password` with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, ConsoleError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(ConsoleError::WeakPassword);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| ConsoleError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ConsoleError::Hash)
}

/// How many passwords are checked at once, server-wide: each argon2id check takes 19 MiB, so
/// a flood of logins (of unknown names too, which no lockout counts) waits its turn instead
/// of taking the machine's memory.
static CHECKING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Whether `password` matches the PHC string `stored`, off the async workers, at most
/// [`CHECKING`]'s permits at a time.
async fn password_matches(password: String, stored: String) -> bool {
    let Ok(_permit) = CHECKING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return false;
        }
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash no password given matches, checked for unknown names.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Writes one audit row in `tx`.
pub async fn audit(
    tx: &tokio_postgres::Transaction<'_>,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), ConsoleError> {
    tx.execute(
        "INSERT INTO console_audit (actor, action, detail) VALUES ($1, $2, $3)",
        &[&actor, &action, &detail],
    )
    .await?;
    Ok(())
}

fn check_name(what: &'static str, name: &str) -> Result<(), ConsoleError> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(ConsoleError::BadName(what));
    }
    Ok(())
}

/// Adds an office in `county` of `province` (the county is added with it when new). `actor`
/// names who did it in the audit log.
pub async fn add_office(
    pool: &Pool,
    actor: &str,
    office: &str,
    county: &str,
    province: &str,
) -> Result<(), ConsoleError> {
    check_name("an office's name", office)?;
    check_name("a county's name", county)?;
    check_name("a province's name", province)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO counties (name, province) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[&county, &province],
    )
    .await?;
    let known: String = tx
        .query_one("SELECT province FROM counties WHERE name = $1", &[&county])
        .await?
        .get(0);
    if known != province {
        return Err(ConsoleError::CountyElsewhere {
            county: county.to_owned(),
            province: known,
        });
    }
    tx.execute(
        "INSERT INTO offices (name, county) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET county = EXCLUDED.county",
        &[&office, &county],
    )
    .await?;
    audit(
        &tx,
        actor,
        "office.set",
        json!({ "office": office, "county": county, "province": province }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Places kiosk number `kiosk` in `office` (moving it if it was elsewhere).
pub async fn place_kiosk(
    pool: &Pool,
    actor: &str,
    kiosk: u32,
    office: &str,
) -> Result<(), ConsoleError> {
    let kiosk_i = i32::try_from(kiosk).unwrap_or(i32::MAX);
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if tx
        .query_opt("SELECT 1 FROM offices WHERE name = $1", &[&office])
        .await?
        .is_none()
    {
        return Err(ConsoleError::UnknownPlace {
            level: "office",
            name: office.to_owned(),
        });
    }
    tx.execute(
        "INSERT INTO office_kiosks (kiosk_number, office) VALUES ($1, $2)
         ON CONFLICT (kiosk_number) DO UPDATE SET office = EXCLUDED.office",
        &[&kiosk_i, &office],
    )
    .await?;
    // Cases the kiosk sent while it stood in no office belong to its first office; cases
    // already counted for an office stay with it (migration 0018).
    tx.execute(
        "UPDATE cases SET office = $2 WHERE kiosk_number = $1 AND office IS NULL",
        &[&kiosk_i, &office],
    )
    .await?;
    audit(
        &tx,
        actor,
        "kiosk.place",
        json!({ "kiosk": kiosk, "office": office }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a viewer account `name` seeing `scope`, with `password` (only its hash is kept).
pub async fn add_account(
    pool: &Pool,
    actor: &str,
    name: &str,
    scope: &Scope,
    password: &str,
) -> Result<(), ConsoleError> {
    add_account_as(pool, actor, name, scope, Role::Viewer, password).await
}

/// Adds an account `name` seeing `scope` with `role`, with `password` (only its hash is kept).
pub async fn add_account_as(
    pool: &Pool,
    actor: &str,
    name: &str,
    scope: &Scope,
    role: Role,
    password: &str,
) -> Result<(), ConsoleError> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(ConsoleError::BadName("an account's name (at most 64)"));
    }
    let owned = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&owned))
        .await
        .map_err(|_| ConsoleError::Hash)??;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let known = match scope {
        Scope::Agency => true,
        Scope::Office(n) => tx
            .query_opt("SELECT 1 FROM offices WHERE name = $1", &[n])
            .await?
            .is_some(),
        Scope::County(n) => tx
            .query_opt("SELECT 1 FROM counties WHERE name = $1", &[n])
            .await?
            .is_some(),
        Scope::Province(n) => tx
            .query_opt("SELECT 1 FROM counties WHERE province = $1 LIMIT 1", &[n])
            .await?
            .is_some(),
    };
    if !known {
        return Err(ConsoleError::UnknownPlace {
            level: scope.level(),
            name: scope.name().unwrap_or_default().to_owned(),
        });
    }
    let inserted = tx
        .execute(
            "INSERT INTO console_accounts (name, scope_level, scope_name, password_hash, role)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
            &[&name, &scope.level(), &scope.name(), &hash, &role.as_str()],
        )
        .await?;
    if inserted == 0 {
        return Err(ConsoleError::Exists(name.to_owned()));
    }
    audit(
        &tx,
        actor,
        "account.add",
        json!({ "account": name, "scope": scope.to_string(), "role": role.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks `password` for the account `name`, at most [`TRIES_PER_HOUR`] times an hour, and
/// opens a session when it matches.
pub async fn login(pool: &Pool, name: &str, password: &str) -> Result<LoginOutcome, ConsoleError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT account_id, password_hash FROM console_accounts
             WHERE name = $1 AND disabled_at IS NULL FOR UPDATE",
            &[&name],
        )
        .await?;
    let Some(row) = row else {
        drop(tx);
        let _ = password_matches(password.to_owned(), decoy_hash().to_owned()).await;
        return Ok(LoginOutcome::Refused);
    };
    let id: i64 = row.get(0);
    let hash: String = row.get(1);
    let tries: i64 = tx
        .query_one(
            "SELECT count(*) FROM console_login_tries
             WHERE account_id = $1 AND at > now() - interval '1 hour'",
            &[&id],
        )
        .await?
        .get(0);
    if tries >= TRIES_PER_HOUR {
        drop(tx);
        return Ok(LoginOutcome::Locked);
    }
    let try_id: i64 = tx
        .query_one(
            "INSERT INTO console_login_tries (account_id, outcome) VALUES ($1, 'checking')
             RETURNING id",
            &[&id],
        )
        .await?
        .get(0);
    tx.commit().await?;

    let matched = password_matches(password.to_owned(), hash).await;
    let tx = client.transaction().await?;
    tx.execute(
        "UPDATE console_login_tries SET outcome = $2 WHERE id = $1",
        &[&try_id, &if matched { "ok" } else { "wrong" }],
    )
    .await?;
    if !matched {
        audit(&tx, name, "login.refused", json!({})).await?;
        tx.commit().await?;
        return Ok(LoginOutcome::Refused);
    }
    let session = NewSession {
        token: random_token(),
        csrf: random_token(),
    };
    let expires: DateTime<Utc> = Utc::now() + Duration::hours(SESSION_HOURS);
    tx.execute(
        "INSERT INTO console_sessions (token_hash, account_id, csrf_token, expires_at)
         VALUES ($1, $2, $3, $4)",
        &[&token_hash(&session.token), &id, &session.csrf, &expires],
    )
    .await?;
    audit(&tx, name, "login", json!({})).await?;
    tx.commit().await?;
    Ok(LoginOutcome::Ok(session))
}

/// The account and CSRF token of a live session, if `token` is one.
pub async fn session(pool: &Pool, token: &str) -> Result<Option<(Account, String)>, ConsoleError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT a.account_id, a.name, a.scope_level, a.scope_name, s.csrf_token, a.role
             FROM console_sessions s JOIN console_accounts a USING (account_id)
             WHERE s.token_hash = $1 AND s.expires_at > now() AND a.disabled_at IS NULL",
            &[&token_hash(token)],
        )
        .await?;
    Ok(row.and_then(|r| {
        let scope = Scope::from_columns(r.get(2), r.get(3))?;
        let role = r.get::<_, &str>(5).parse().unwrap_or_default();
        Some((
            Account {
                id: r.get(0),
                name: r.get(1),
                scope,
                role,
            },
            r.get(4),
        ))
    }))
}

/// Ends the session `token` of `account`.
pub async fn logout(pool: &Pool, account: &Account, token: &str) -> Result<(), ConsoleError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "DELETE FROM console_sessions WHERE token_hash = $1",
        &[&token_hash(token)],
    )
    .await?;
    audit(&tx, &account.name, "logout", json!({})).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_and_print_back() {
        for text in [
            "office:دفتر مرکزی",
            "county:شمیرانات",
            "province:تهران",
            "agency",
        ] {
            let scope: Scope = text.parse().unwrap_or(Scope::Agency);
            assert_eq!(scope.to_string(), text);
        }
        for bad in ["", "county:", "city:x", "office", "agency:x"] {
            assert!(bad.parse::<Scope>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_hash_as_argon2id_and_short_ones_are_refused() {
        let hash = hash_password("a long enough pass").unwrap_or_default();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(matches!(
            hash_password("short"),
            Err(ConsoleError::WeakPassword)
        ));
    }
}
