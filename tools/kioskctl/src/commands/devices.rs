//! `kioskctl devices scan`, `devices card`, `devices printer` and `kioskctl speak`: the kiosk's
//! devices from a shell, for an operator installing a kiosk (is the scanner's baud rate right?
//! does the card reader read the national card? does the printer answer and print? does speech
//! work?). National codes and names are masked unless `--show` is given.
//!
//! No command writes a byte to a device path that is not a character device (the firmware's
//! rule, `kiosk_config::devices::DeviceFile`): a regular file named as the printer once got the
//! status query appended and, with `--test-print`, a whole receipt. `devices printer` also
//! refuses a printer path that does not exist; `devices scan` waits for a missing scanner to be
//! plugged in, as before.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use kiosk_config::devices::{CardBackend, DeviceFile, PrinterTransport};
use kiosk_drivers::card::{
    ApduProfile, CardEvent, CardReader as _, PcscReader, PcscReaderConfig, list_readers,
};
use kiosk_drivers::printer::ReceiptPrinter as _;
use kiosk_drivers::scanner::{
    ClassifierConfig, CodeScanner as _, ScanEvent, Scanned, SerialScanner, SerialScannerConfig,
};
use kiosk_drivers::speech::{EspeakNg, Lang, Output, Speech as _, SpeechSettings, Utterance};
use serde_json::json;

use crate::output::{self, Outcome};

/// Subcommands of `devices`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Read a serial code scanner and print each event as one JSON line until interrupted.
    Scan {
        /// The scanner's serial device, e.g. /dev/ttyACM0.
        #[arg(long)]
        serial: PathBuf,
        /// Baud rate.
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        /// Portal address satisfaction codes start with.
        #[arg(long, default_value = "https://saamad.ir")]
        portal: String,
        /// Stop after this many scanned or rejected lines (default: never).
        #[arg(long)]
        max: Option<usize>,
    },
    /// Wait for a card on PC/SC and print what it holds (reader, ATR, national code masked
    /// unless --show, name). Exit 1 when pcscd or a reader is missing, the card cannot be read
    /// or none comes in time.
    Card {
        /// Only readers whose name contains this text (default: any reader).
        #[arg(long)]
        reader: Option<String>,
        /// Take the reader filter and APDU profile from this kiosk.toml's [card] section.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Give up after this many seconds without a card.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Print the national code and name in full (they are personal data: masked by default).
        #[arg(long)]
        show: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask the configured receipt printer for its status (DLE EOT) and optionally print the
    /// sample receipt. Exit 1 when the printer is not ready or the test print fails.
    Printer {
        /// The kiosk's configuration file (its [printer] section).
        #[arg(long)]
        config: PathBuf,
        /// Also print the built-in sample receipt.
        #[arg(long)]
        test_print: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// One scanner event as a JSON line: its kind and, for scans, the classified value (national
/// codes masked: this output ends up in terminals and logs).
fn event_json(event: &ScanEvent) -> serde_json::Value {
    match event {
        ScanEvent::Scanned(Scanned::NationalCode(code)) => {
            json!({"kind": event.kind(), "value": code.masked()})
        }
        ScanEvent::Scanned(Scanned::TrackingCode(code)) => {
            json!({"kind": event.kind(), "value": code.as_string()})
        }
        ScanEvent::Scanned(Scanned::SatisfactionCode { token }) => {
            json!({"kind": event.kind(), "value": token})
        }
        ScanEvent::Scanned(Scanned::EmployeeCode(code)) => {
            json!({"kind": event.kind(), "value": code})
        }
        ScanEvent::Scanned(Scanned::Unknown { reason, .. }) => {
            json!({"kind": event.kind(), "reason": reason.code()})
        }
        ScanEvent::Rejected(error) => json!({"kind": event.kind(), "error": error.to_string()}),
        ScanEvent::Unavailable { reason } | ScanEvent::Disconnected { reason } => {
            json!({"kind": event.kind(), "reason": reason})
        }
        ScanEvent::Connected => json!({"kind": event.kind()}),
    }
}

/// Runs `devices`.
pub fn run(command: &Command) -> Outcome {
    match command {
        Command::Scan {
            serial,
            baud,
            portal,
            max,
        } => scan(serial, *baud, portal, *max),
        Command::Card {
            reader,
            config,
            timeout,
            show,
            json,
        } => card(reader.as_deref(), config.as_deref(), *timeout, *show, *json),
        Command::Printer {
            config,
            test_print,
            json,
        } => printer(config, *test_print, *json),
    }
}

fn scan(serial: &std::path::Path, baud: u32, portal: &str, max: Option<usize>) -> Outcome {
    // A missing scanner may still be plugged in (the scanner waits for it); anything else that
    // is not a character device is refused before it is opened.
    match DeviceFile::inspect(serial) {
        DeviceFile::CharDevice | DeviceFile::Missing => {}
        other => {
            return output::usage(&format!(
                "--serial {}",
                other.refusal(serial).unwrap_or_default()
            ));
        }
    }
    let mut config = SerialScannerConfig::new(serial);
    config.baud = baud;
    config.classifier = ClassifierConfig {
        portal_url: portal.trim_end_matches('/').to_owned(),
        ..ClassifierConfig::default()
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return output::usage(&format!("cannot start the event loop: {e}")),
    };
    runtime.block_on(async {
        let mut events = SerialScanner::new(config).events();
        let mut lines = 0usize;
        while let Some(event) = events.next().await {
            println!("{}", event_json(&event));
            if matches!(event, ScanEvent::Scanned(_) | ScanEvent::Rejected(_)) {
                lines += 1;
                if max.is_some_and(|m| lines >= m) {
                    break;
                }
            }
        }
    });
    Outcome::Valid
}

/// Arguments of `speak`.
#[derive(clap::Args)]
pub struct SpeakArgs {
    /// What to say.
    text: String,
    /// Voice language.
    #[arg(long, default_value = "fa", value_parser = ["fa", "en"])]
    lang: String,
    /// Write a WAV file instead of playing on the default ALSA device.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `speak`.
pub fn speak(args: &SpeakArgs) -> Outcome {
    let output = match &args.out {
        Some(path) => Output::WavFile(path.clone()),
        None => Output::Alsa,
    };
    let lang = if args.lang == "en" {
        Lang::En
    } else {
        Lang::Fa
    };
    let mut voice = EspeakNg::new(output);
    let stop = AtomicBool::new(false);
    match voice.speak(
        &Utterance::text(lang, args.text.clone()),
        &SpeechSettings::default(),
        &stop,
    ) {
        Ok(_) => {
            if let Some(path) = &args.out {
                println!("wrote {}", path.display());
            }
            Outcome::Valid
        }
        Err(e) => output::usage(&e.to_string()),
    }
}

// ---- devices card ----------------------------------------------------------------------------

/// Masks all but the last four characters.
fn mask(text: &str) -> String {
    let n = text.chars().count();
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i + 4 < n && !c.is_whitespace() {
                '*'
            } else {
                c
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn fail(json: bool, kind: &str, reason: &str) -> Outcome {
    output::invalid(
        json,
        json!({"ok": false, "error": kind, "reason": reason}),
        reason,
    )
}

fn card(
    reader: Option<&str>,
    config: Option<&std::path::Path>,
    timeout: u64,
    show: bool,
    json: bool,
) -> Outcome {
    let mut settings = PcscReaderConfig::default();
    if let Some(path) = config {
        let kiosk = match kiosk_config::load(path) {
            Ok(k) => k,
            Err(e) => return output::usage(&e.to_string()),
        };
        let card = &kiosk.devices.card;
        if let CardBackend::Pcsc { reader } = &card.backend {
            settings.reader_filter = reader.clone();
        }
        settings.profile = ApduProfile {
            select: card.select.clone(),
            chunk: card.chunk,
            max_len: card.max_certificate_bytes,
        };
        settings.policy = kiosk.national_code_policy;
    }
    if let Some(filter) = reader {
        settings.reader_filter = Some(filter.to_owned());
    }
    let readers = match list_readers() {
        Ok(readers) => readers,
        Err(e) => {
            return fail(
                json,
                "service_unavailable",
                &format!("{e} (is pcscd installed and running? `systemctl status pcscd`)"),
            );
        }
    };
    let matching = readers
        .iter()
        .filter(|r| {
            settings
                .reader_filter
                .as_deref()
                .is_none_or(|f| r.contains(f))
        })
        .count();
    if matching == 0 {
        let reason = match &settings.reader_filter {
            Some(f) if !readers.is_empty() => format!(
                "no smart-card reader's name contains {f:?} (readers: {})",
                readers.join(", ")
            ),
            _ => {
                "no smart-card reader is connected (check the USB cable; `pcsc_scan` lists readers)"
                    .to_owned()
            }
        };
        return fail(json, "no_reader", &reason);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return output::usage(&format!("cannot start the event loop: {e}")),
    };
    if !json {
        eprintln!("waiting up to {timeout} s for a card…");
    }
    runtime.block_on(async {
        let mut events = PcscReader::new(settings).events();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(timeout);
        let mut atr: Option<Vec<u8>> = None;
        loop {
            let event = match tokio::time::timeout_at(deadline, events.next()).await {
                Ok(Some(event)) => event,
                Ok(None) => return fail(json, "service_unavailable", "the card reader stopped"),
                Err(_) => {
                    return fail(
                        json,
                        "timeout",
                        &format!("no card was inserted within {timeout} s"),
                    );
                }
            };
            match event {
                CardEvent::ServiceUnavailable { reason } => {
                    return fail(
                        json,
                        "service_unavailable",
                        &format!("the PC/SC service (pcscd) is not reachable: {reason}"),
                    );
                }
                CardEvent::Inserted { atr: a, .. } => atr = Some(a),
                CardEvent::Removed { .. } => atr = None,
                CardEvent::ReadFailed { reader, error } => {
                    return fail(
                        json,
                        "read_failed",
                        &format!("the card in {reader} could not be read: {error}"),
                    );
                }
                CardEvent::Read { reader, identity } => {
                    let code = if show {
                        identity.national_code.as_string()
                    } else {
                        identity.national_code.masked()
                    };
                    let name = identity.name.as_ref().map(|n| {
                        if show {
                            n.expose().to_owned()
                        } else {
                            mask(n.expose())
                        }
                    });
                    let atr = hex(atr.as_deref().unwrap_or_default());
                    let human = format!(
                        "reader: {reader}\nATR: {atr}\nnational code: {code}\nname: {}\ncertificate serial: {}",
                        name.as_deref().unwrap_or("-"),
                        identity.certificate_serial
                    );
                    return output::valid(
                        json,
                        json!({
                            "ok": true,
                            "reader": reader,
                            "atr": atr,
                            "national_code": code,
                            "masked": !show,
                            "name": name,
                            "certificate_serial": identity.certificate_serial,
                        }),
                        &human,
                    );
                }
            }
        }
    })
}

// ---- devices printer -------------------------------------------------------------------------

fn printer(config: &std::path::Path, test_print: bool, json: bool) -> Outcome {
    let kiosk = match kiosk_config::load(config) {
        Ok(k) => k,
        Err(e) => return output::usage(&e.to_string()),
    };
    let settings = &kiosk.devices.printer;
    // Checked again now, right before the first byte: the configuration may have been checked
    // where the device does not exist, or the path replaced since.
    if let PrinterTransport::Usb { path } | PrinterTransport::Serial { path, .. } =
        &settings.transport
    {
        let found = DeviceFile::inspect(path);
        if let Some(reason) = found.refusal(path) {
            let kind = match found {
                DeviceFile::Missing => "no_device",
                _ => "not_a_device",
            };
            return fail(json, kind, &format!("printer.path: {reason}"));
        }
    }
    // The firmware's own mapping of `[printer]` (crate kiosk-devices, firmware/devices).
    let profile = kiosk_devices::receipt_profile(&settings.profile);
    let (mut device, _) = kiosk_devices::printer(settings);
    let at = kiosk_devices::describe_printer(&settings.transport);
    let status = device.status();
    let mut report = json!({
        "printer": at,
        "profile": profile.to_string(),
        "status": status.condition.kind(),
        "paper_near_end": status.paper_near_end,
        "answers": status.answers.iter().map(|a| a.map(|b| format!("{b:02X}"))).collect::<Vec<_>>(),
    });
    let mut human = format!("printer {at} ({profile}): {status}");
    let mut ok = status.is_ready();
    let mut reason = status
        .condition
        .staff_alert()
        .unwrap_or_else(|| format!("printer is {}", status.condition.kind()));
    if test_print {
        let bytes = match kiosk_receipt::encode(&kiosk_receipt::sample(), &profile) {
            Ok(bytes) => bytes,
            Err(e) => return output::usage(&format!("the sample receipt does not encode: {e}")),
        };
        match device.print(&bytes) {
            Ok(after) => {
                report["printed_bytes"] = json!(bytes.len());
                report["status_after"] = json!(after.condition.kind());
                human.push_str(&format!(
                    "\nsample receipt printed ({} bytes); now {after}",
                    bytes.len()
                ));
                ok = true;
            }
            Err(e) => {
                report["print_error"] = json!(e.to_string());
                ok = false;
                reason = format!("test print failed: {e}; {}", e.staff_alert());
            }
        }
    }
    report["ok"] = json!(ok);
    if ok {
        output::valid(json, report, &human)
    } else {
        report["reason"] = json!(reason);
        if !json {
            println!("{human}");
        }
        output::invalid(json, report, &reason)
    }
}
