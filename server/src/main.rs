//! `agency-server`: serve the device contract (and the agency console on its own listener),
//! apply the migrations, make enrolment codes and the device CA, manage offices and console
//! accounts.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "The agency server: what an office's kiosks and desk terminals share"
)]
struct Cli {
    /// The PostgreSQL connection string (libpq key=value or postgresql:// URL; a host that is
    /// a directory means the Unix socket in it).
    #[arg(long, env = "AGENCY_DATABASE", global = true, default_value = "")]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once at start: the size of `Serve` with all its flags does not matter.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Apply pending migrations, then serve.
    Serve {
        /// Where to listen.
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: SocketAddr,
        /// The server's certificate chain (PEM).
        #[arg(long, required_unless_present = "plain_http")]
        tls_cert: Option<std::path::PathBuf>,
        /// The server's private key (PEM).
        #[arg(long, required_unless_present = "plain_http")]
        tls_key: Option<std::path::PathBuf>,
        /// Plain HTTP (behind a TLS-terminating proxy, or for local tools).
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        plain_http: bool,
        /// Database connections of this instance.
        #[arg(long, default_value_t = 16)]
        pool_size: usize,
        /// Case look-ups that find nothing a device may make per hour.
        #[arg(long, default_value_t = agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR)]
        lookup_misses_per_hour: i32,
        /// SAMAD's base URL (`https://host:port`): relay what the devices sent to SAMAD and
        /// pull SAMAD's case events back. Without it the upstream is off.
        #[arg(long, requires_all = ["samad_ca", "samad_cert", "samad_key", "samad_token_file"])]
        samad_url: Option<String>,
        /// The CA that signed SAMAD's server certificate (PEM; the only one trusted).
        #[arg(long, requires = "samad_url")]
        samad_ca: Option<std::path::PathBuf>,
        /// The agency's client certificate for SAMAD (PEM chain).
        #[arg(long, requires = "samad_url")]
        samad_cert: Option<std::path::PathBuf>,
        /// The agency's client key for SAMAD (PEM).
        #[arg(long, requires = "samad_url")]
        samad_key: Option<std::path::PathBuf>,
        /// The file holding the agency's bearer token for SAMAD.
        #[arg(long, requires = "samad_url")]
        samad_token_file: Option<std::path::PathBuf>,
        /// Seconds between pulls of SAMAD's case events.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        samad_event_pull_seconds: u64,
        /// Longest wait for one request to SAMAD, in seconds.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3_600))]
        samad_request_timeout_seconds: u64,
        /// How long a claim holds its items, in seconds: after a crash of the instance holding
        /// them, this long until another (or the restarted one) sends them again. Kept at least
        /// twice the request timeout.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        samad_lease_seconds: u64,
        /// Longest wait after failures, in seconds (the backoff grows to it from 1 s).
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        samad_backoff_cap_seconds: u64,
        /// How often the upstream outbox is looked at when idle, in milliseconds.
        #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
        samad_poll_ms: u64,
        /// The device CA's certificate (PEM, from `init-ca`): enrolment issues client
        /// certificates from it and every device request must present its own. Without it,
        /// bearer tokens alone identify devices.
        #[arg(long, requires = "device_ca_key", conflicts_with = "plain_http")]
        device_ca_cert: Option<std::path::PathBuf>,
        /// The device CA's private key (PEM, from `init-ca`).
        #[arg(long, requires = "device_ca_cert")]
        device_ca_key: Option<std::path::PathBuf>,
        /// Serve the agency console (managers' pages) on this address too: its own listener,
        /// never the devices' port; over TLS with --tls-cert/--tls-key (no client
        /// certificates), else plain HTTP (loopback, or behind a TLS proxy: its cookies are
        /// Secure).
        #[arg(long)]
        console_listen: Option<SocketAddr>,
        /// The devices' heartbeat interval in seconds (kiosk.toml's heartbeat_interval_s): the
        /// console flags a device silent for more than three.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        console_heartbeat_seconds: u64,
        /// The SMS provider's base URL: send notices to applicants who consented (https, or
        /// plain http on loopback, e.g. tools/sms-sim). Without it, notices are written and
        /// wait unsent.
        #[arg(long, requires = "sms_key_file")]
        sms_url: Option<String>,
        /// A file holding the SMS provider's API key.
        #[arg(long, requires = "sms_url")]
        sms_key_file: Option<std::path::PathBuf>,
        /// The CA (PEM) the SMS provider's certificate must chain to (https only).
        #[arg(long, requires = "sms_url")]
        sms_ca: Option<std::path::PathBuf>,
        /// The SMS provider's limit, messages a second: notices are sent no faster.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        sms_rate: u32,
    },
    /// Make the device CA (no database needed): `device-ca.pem` and `device-ca.key` (mode
    /// 0600) in DIR, for `serve --device-ca-cert/--device-ca-key`. Existing files are never
    /// overwritten.
    InitCa {
        /// The directory to write into (made if missing).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Apply pending migrations and print the schema version.
    Migrate,
    /// The upstream outbox to SAMAD: items per state, the oldest pending age, parked items
    /// with SAMAD's reasons.
    UpstreamStatus {
        /// Parked items listed at most.
        #[arg(long, default_value_t = 50)]
        parked: i64,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a one-time enrolment code for a kiosk number (printed on stdout).
    EnrolCode {
        /// The kiosk number the enrolled device will act as.
        #[arg(long)]
        kiosk: u32,
        /// What the device is: `kiosk` (a visitor's) or `desk` (a staff member's terminal,
        /// the only kind that may log staff in, see the office's staff calls and print receipt
        /// copies).
        #[arg(long, default_value = "kiosk", value_parser = ["kiosk", "desk"])]
        role: String,
        /// Hours until the code expires.
        #[arg(long, default_value_t = 24)]
        valid_hours: i64,
    },
    /// Retire the active device of a kiosk number at once (lost, stolen or compromised): its
    /// token and certificate are refused from its next request and its satisfaction key leaves
    /// the fleet's list. (Enrolling the number again with a new code also retires it.)
    Revoke {
        /// The kiosk number whose device is revoked.
        #[arg(long)]
        kiosk: u32,
        /// Drop only the keys of the number's earlier devices (still served while the codes
        /// they signed are valid), not its active device: for a stolen device whose number was
        /// already enrolled again on a new one.
        #[arg(long)]
        retired_keys_only: bool,
    },
    /// Give the active device of a kiosk number, enrolled before devices had roles (it may use
    /// every route), its role: `desk` or `kiosk`. A device that enrolled with a role keeps it
    /// (enrol it again with a code of the other role to change it). Audited.
    SetRole {
        /// The kiosk number.
        #[arg(long)]
        kiosk: u32,
        /// `kiosk` (a visitor's) or `desk` (a staff member's terminal).
        #[arg(long, value_parser = ["kiosk", "desk"])]
        role: String,
    },
    /// Set the catalogue every device of the office downloads (subjects, the agency's scope,
    /// services with their identifiers, guidance destinations, holiday overrides): a
    /// `Catalogue` of the device contract as JSON, from FILE (`-`: standard input). Prints its
    /// ETag; the devices take it at their next catalogue check.
    Catalogue {
        /// The JSON file.
        file: std::path::PathBuf,
    },
    /// Add (or replace) a staff account valid at every desk of the office; the PIN (4–12
    /// digits) is read from the first line of standard input and only its hash is kept.
    StaffAdd {
        /// The employee's code (as on their card).
        #[arg(long)]
        employee_code: String,
        /// Their name as the desks show it.
        #[arg(long)]
        display_name: String,
        /// The office whose desks they log in at (and whose console managers manage them);
        /// without it, every desk's (managed by the agency's accounts).
        #[arg(long)]
        office: Option<String>,
    },
    /// The agency console's accounts.
    ConsoleAccount {
        #[command(subcommand)]
        action: ConsoleAccountCommand,
    },
    /// Offices, the county and province each is in, and the kiosks each holds (what decides
    /// which console accounts see a device).
    Office {
        #[command(subcommand)]
        action: OfficeCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ConsoleAccountCommand {
    /// Add an account. Its password (12 to 256 characters) is read from the environment
    /// variable AGENCY_CONSOLE_PASSWORD when set, else from the first line of standard input;
    /// never from the command line. Only its argon2id hash is kept.
    Add {
        /// The account's name (what it logs in with).
        #[arg(long)]
        name: String,
        /// What it sees: office:NAME, county:NAME, province:NAME or agency.
        #[arg(long)]
        scope: agency_server::console::accounts::Scope,
        /// `viewer` (reads the pages) or `manager` (also makes the changes of its scope:
        /// devices, staff, and for the agency the catalogue).
        #[arg(long, default_value = "viewer")]
        role: agency_server::console::accounts::Role,
    },
}

#[derive(Debug, Subcommand)]
enum OfficeCommand {
    /// Add an office (or move it) in a county of a province.
    Add {
        /// The office's name.
        #[arg(long)]
        name: String,
        /// Its county (added with it when new).
        #[arg(long)]
        county: String,
        /// The county's province.
        #[arg(long)]
        province: String,
    },
    /// Place a kiosk number in an office (moving it if it was elsewhere).
    Place {
        /// The kiosk number.
        #[arg(long)]
        kiosk: u32,
        /// The office.
        #[arg(long)]
        office: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    agency_server::logging::init(
        std::env::var("RUST_LOG").ok().as_deref(),
        std::io::stderr,
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    )
    .map_err(|e| anyhow::anyhow!("the log: {e}"))?;
    let cli = Cli::parse();
    if let Command::InitCa { out } = &cli.command {
        return init_ca(out);
    }
    anyhow::ensure!(
        !cli.database.is_empty(),
        "no database: pass --database or set AGENCY_DATABASE"
    );
    let size = match &cli.command {
        Command::Serve { pool_size, .. } => *pool_size,
        _ => 2,
    };
    let pool = agency_server::db::pool(&cli.database, size)?;
    let report = agency_server::db::migrate(&pool)
        .await
        .context("migrating the database")?;
    // The upstream to SAMAD runs beside the device contract when --samad-url is given.
    let upstream = match &cli.command {
        Command::Serve {
            samad_url: Some(url),
            samad_ca: Some(ca),
            samad_cert: Some(cert),
            samad_key: Some(key),
            samad_token_file: Some(token),
            samad_event_pull_seconds,
            samad_request_timeout_seconds,
            samad_lease_seconds,
            samad_backoff_cap_seconds,
            samad_poll_ms,
            ..
        } => {
            use std::time::Duration;
            let mut settings =
                agency_server::upstream::UpstreamSettings::from_files(url, ca, cert, key, token)
                    .context("the SAMAD upstream")?;
            settings.event_pull_interval = Some(Duration::from_secs(*samad_event_pull_seconds));
            settings.request_timeout = Duration::from_secs(*samad_request_timeout_seconds);
            settings.connect_timeout = settings.connect_timeout.min(settings.request_timeout);
            settings.lease =
                Duration::from_secs(*samad_lease_seconds).max(2 * settings.request_timeout);
            settings.backoff.cap = Duration::from_secs(*samad_backoff_cap_seconds);
            settings.backoff.base = settings.backoff.base.min(settings.backoff.cap);
            settings.poll_interval = Duration::from_millis(*samad_poll_ms);
            tracing::info!(samad = %url, "upstream to SAMAD on");
            Some(agency_server::upstream::Upstream::new(pool.clone(), settings).spawn())
        }
        Command::Serve { .. } => {
            tracing::info!("no --samad-url: upstream to SAMAD off");
            None
        }
        _ => None,
    };
    // Notices to applicants go out beside the device contract when --sms-url is given.
    let notices = match &cli.command {
        Command::Serve {
            sms_url: Some(url),
            sms_key_file: Some(key),
            sms_ca,
            sms_rate,
            ..
        } => {
            let mut settings = agency_server::notices::sender::NoticeSettings::from_files(
                url,
                key,
                sms_ca.as_deref(),
            )
            .context("the SMS provider")?;
            settings.rate_per_second = *sms_rate;
            tracing::info!(sms = %url, rate = sms_rate, "notices to applicants on");
            Some(agency_server::notices::sender::NoticeSender::new(pool.clone(), settings)?.spawn())
        }
        Command::Serve { .. } => {
            tracing::info!("no --sms-url: notices to applicants are written, not sent");
            None
        }
        _ => None,
    };
    match cli.command {
        Command::Migrate => {
            println!(
                "schema version {} (was {}; applied {:?})",
                report.to, report.from, report.applied
            );
        }
        Command::UpstreamStatus { parked, json } => {
            let status = agency_server::upstream::status(&pool, parked).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{status}");
            }
        }
        Command::EnrolCode {
            kiosk,
            role,
            valid_hours,
        } => {
            let role =
                agency_server::auth::Role::parse(&role).context("--role is kiosk or desk")?;
            let code = agency_server::auth::create_enrol_code(
                &pool,
                kiosk,
                role,
                chrono::Duration::hours(valid_hours.clamp(1, 24 * 30)),
            )
            .await?;
            eprintln!(
                "enrolment code for {} {kiosk}, valid {valid_hours} h, usable once:",
                role.as_str()
            );
            println!("{code}");
        }
        Command::Revoke {
            kiosk,
            retired_keys_only: true,
        } => {
            let dropped = agency_server::auth::drop_retired_keys(&pool, kiosk).await?;
            eprintln!(
                "kiosk {kiosk}: {dropped} retired satisfaction key(s) dropped; its active device \
                 is untouched"
            );
        }
        Command::Revoke {
            kiosk,
            retired_keys_only: false,
        } => match agency_server::auth::revoke(&pool, kiosk).await? {
            Some(revoked) => eprintln!(
                "kiosk {kiosk} revoked (device {}, {} certificate(s)): its token and \
                 certificate are refused and its satisfaction key left the fleet's list",
                revoked.device_id, revoked.certificates
            ),
            None => anyhow::bail!("kiosk {kiosk} has no active device to revoke"),
        },
        Command::SetRole { kiosk, role } => {
            use agency_server::auth::{self, RoleSet};
            let role = auth::Role::parse(&role).context("--role is kiosk or desk")?;
            match auth::set_legacy_role(&pool, auth::CLI_ACTOR, kiosk, role).await? {
                RoleSet::Set => eprintln!("kiosk {kiosk}'s device is a {} now", role.as_str()),
                RoleSet::NoDevice => anyhow::bail!("kiosk {kiosk} has no active device"),
                RoleSet::HasRole(has) => anyhow::bail!(
                    "kiosk {kiosk}'s device enrolled as a {}: its role stays (enrol it again \
                     with a {} code to change it)",
                    has.as_str(),
                    role.as_str()
                ),
            }
        }
        Command::InitCa { out } => init_ca(&out)?,
        Command::Catalogue { file } => {
            let body = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    .context("reading the catalogue from standard input")?;
                text
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let etag = agency_server::contract::set_catalogue(&pool, &body).await?;
            eprintln!("catalogue set; the devices take it at their next check");
            println!("{etag}");
        }
        Command::StaffAdd {
            employee_code,
            display_name,
            office,
        } => {
            let mut pin = String::new();
            std::io::stdin()
                .read_line(&mut pin)
                .context("reading the PIN from standard input")?;
            agency_server::staff::add_in(
                &pool,
                agency_server::auth::CLI_ACTOR,
                &employee_code,
                &display_name,
                pin.trim(),
                office.as_deref(),
            )
            .await?;
            eprintln!("staff account {employee_code} saved (its PIN only as a hash)");
        }
        Command::ConsoleAccount {
            action: ConsoleAccountCommand::Add { name, scope, role },
        } => {
            let password = match std::env::var("AGENCY_CONSOLE_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            agency_server::console::accounts::add_account_as(
                &pool, "cli", &name, &scope, role, &password,
            )
            .await?;
            eprintln!(
                "console account {name} added, seeing {scope} as a {} (its password only as a \
                 hash)",
                role.as_str()
            );
        }
        Command::Office {
            action:
                OfficeCommand::Add {
                    name,
                    county,
                    province,
                },
        } => {
            agency_server::console::accounts::add_office(&pool, "cli", &name, &county, &province)
                .await?;
            eprintln!("office {name} in {county}, {province}");
        }
        Command::Office {
            action: OfficeCommand::Place { kiosk, office },
        } => {
            agency_server::console::accounts::place_kiosk(&pool, "cli", kiosk, &office).await?;
            eprintln!("kiosk {kiosk} placed in {office}");
        }
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            plain_http,
            lookup_misses_per_hour,
            device_ca_cert,
            device_ca_key,
            console_listen,
            console_heartbeat_seconds,
            ..
        } => {
            let device_ca = match (device_ca_cert, device_ca_key) {
                (Some(cert), Some(key)) => {
                    let read = |p: &std::path::Path| {
                        std::fs::read_to_string(p)
                            .with_context(|| format!("reading {}", p.display()))
                    };
                    Some(std::sync::Arc::new(
                        agency_server::pki::DeviceCa::from_pem(&read(&cert)?, &read(&key)?)
                            .with_context(|| format!("the device CA {}", cert.display()))?,
                    ))
                }
                _ => None,
            };
            let pems = match (plain_http, tls_cert, tls_key) {
                (true, _, _) => None,
                (false, Some(cert), Some(key)) => Some((
                    std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?,
                    std::fs::read(&key).with_context(|| format!("reading {}", key.display()))?,
                )),
                _ => anyhow::bail!("pass --tls-cert and --tls-key, or --plain-http"),
            };
            let tls = match &pems {
                Some((cert, key)) => {
                    Some(agency_server::tls_config(cert, key, device_ca.as_deref())?)
                }
                None => None,
            };
            let console = match console_listen {
                Some(console_listen) => {
                    let console = agency_server::console::start(
                        pool.clone(),
                        agency_server::console::ConsoleConfig {
                            listen: console_listen,
                            tls: match &pems {
                                Some((cert, key)) => {
                                    Some(agency_server::tls_config(cert, key, None)?)
                                }
                                None => None,
                            },
                            heartbeat: std::time::Duration::from_secs(console_heartbeat_seconds),
                        },
                    )
                    .await?;
                    println!("console on {}", console.base_url());
                    Some(console)
                }
                None => None,
            };
            let server = agency_server::start(
                pool,
                agency_server::ServerConfig {
                    listen,
                    tls,
                    lookup_misses_per_hour,
                    clock: chrono::Utc::now,
                    device_ca,
                },
            )
            .await?;
            println!("listening on {}", server.base_url());
            tokio::select! {
                () = server.wait() => {}
                r = tokio::signal::ctrl_c() => r?,
            }
            if let Some(console) = console {
                console.shutdown().await;
            }
        }
    }
    if let Some(upstream) = upstream {
        upstream.shutdown().await;
    }
    if let Some(notices) = notices {
        notices.shutdown().await;
    }
    Ok(())
}

/// `init-ca`: the device CA's certificate and key into `out`, the key readable by its owner
/// only; refuses to overwrite either file.
fn init_ca(out: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::create_dir_all(out).with_context(|| format!("making {}", out.display()))?;
    let cert_path = out.join("device-ca.pem");
    let key_path = out.join("device-ca.key");
    for p in [&cert_path, &key_path] {
        anyhow::ensure!(
            !p.exists(),
            "{} exists: a device CA is made once (remove it first to make another, and \
             re-enrol every device)",
            p.display()
        );
    }
    let (cert_pem, key_pem) = agency_server::pki::generate_ca()?;
    let write = |path: &std::path::Path, mode: u32, text: &str| -> anyhow::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)
            .with_context(|| format!("creating {}", path.display()))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .with_context(|| format!("writing {}", path.display()))
    };
    write(&key_path, 0o600, &key_pem)?;
    write(&cert_path, 0o644, &cert_pem)?;
    println!("{}", cert_path.display());
    println!("{}", key_path.display());
    Ok(())
}
