//! The receipt printer from `[printer]`: which transport, which job timing, which slip layout.
//!
//! Both the firmware and `kioskctl devices printer` build their printer here, so the command an
//! operator runs at installation talks to the printer exactly as the kiosk will: same transport
//! options, same timeouts, same [`Profile`] for the sample receipt.

use kiosk_config::devices::{
    CutMode, PrinterProfileSettings, PrinterSettings, PrinterTransport, QrLevel as CfgQrLevel,
    QrMode as CfgQrMode,
};
use kiosk_drivers::printer::{
    EscPosPrinter, JobConfig, ReceiptPrinter, SerialConfig, SerialTransport, SimPrinter,
    SimPrinterHandle, Tcp9100, UsbLp,
};
use kiosk_receipt::{Cut, Profile, QrLevel, QrMode};

/// A receipt printer of any backend, movable to the printer thread.
pub type AnyPrinter = Box<dyn ReceiptPrinter + Send>;

/// The receipt pipeline's profile for the configured printer (dot width, resolution, how the
/// QR code is drawn, how the paper is cut).
pub fn receipt_profile(settings: &PrinterProfileSettings) -> Profile {
    Profile {
        dots: settings.dots,
        dpi: settings.dpi,
        qr_mode: match settings.qr_mode {
            CfgQrMode::Native => QrMode::Native,
            CfgQrMode::Raster => QrMode::Raster,
        },
        qr_module: settings.qr_module,
        qr_level: match settings.qr_level {
            CfgQrLevel::M => QrLevel::M,
            CfgQrLevel::Q => QrLevel::Q,
        },
        cut: match settings.cut {
            CutMode::Full => Cut::Full,
            CutMode::Partial => Cut::Partial,
            CutMode::None => Cut::None,
        },
        crop_columns: true,
    }
}

/// The job timing of the configured printer (stall and status timeouts, whether a status
/// answer is required before a job).
pub fn job_config(settings: &PrinterSettings) -> JobConfig {
    JobConfig {
        stall_timeout: settings.stall_timeout,
        status_timeout: settings.status_timeout,
        require_status: settings.require_status,
        ..JobConfig::default()
    }
}

/// The configured receipt printer (nothing is opened until the first job or status query),
/// with the simulated printer's handle when the transport is `sim`.
pub fn printer(settings: &PrinterSettings) -> (AnyPrinter, Option<SimPrinterHandle>) {
    let job = job_config(settings);
    match &settings.transport {
        PrinterTransport::Usb { path } => {
            (Box::new(EscPosPrinter::new(UsbLp::new(path), job)), None)
        }
        PrinterTransport::Serial {
            path,
            baud,
            rts_cts,
        } => {
            let mut serial = SerialConfig::new(path, *baud);
            serial.rts_cts = *rts_cts;
            (
                Box::new(EscPosPrinter::new(SerialTransport::new(serial), job)),
                None,
            )
        }
        PrinterTransport::Tcp {
            address,
            connect_timeout,
        } => {
            let mut tcp = Tcp9100::new(address.clone());
            tcp.connect_timeout = *connect_timeout;
            (Box::new(EscPosPrinter::new(tcp, job)), None)
        }
        PrinterTransport::Sim => {
            let (sim, handle) = SimPrinter::new(job);
            (Box::new(sim), Some(handle))
        }
    }
}

/// Where the printer is, for people: `usb /dev/usb/lp0`, `serial /dev/ttyUSB0 at 115200 baud`,
/// `tcp 192.0.2.7:9100` or `simulated` (the start of `kioskctl devices printer`'s report).
pub fn describe_printer(transport: &PrinterTransport) -> String {
    match transport {
        PrinterTransport::Usb { path } => format!("usb {}", path.display()),
        PrinterTransport::Serial { path, baud, .. } => {
            format!("serial {} at {baud} baud", path.display())
        }
        PrinterTransport::Tcp { address, .. } => format!("tcp {address}"),
        PrinterTransport::Sim => "simulated".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use kiosk_drivers::printer::responder::{READY_ANSWERS, Responder};
    use kiosk_drivers::printer::{Condition, SimFault};

    use super::*;
    use crate::testing::{FAST, QUIET, config, sample};

    #[test]
    fn presets_map_onto_the_receipt_pipelines_profiles() {
        let default = config(QUIET);
        assert_eq!(
            receipt_profile(&default.devices.printer.profile),
            Profile::MM80
        );
        let mm58 = config(&format!("{QUIET}[printer]\nprofile = \"58mm\"\n"));
        assert_eq!(
            receipt_profile(&mm58.devices.printer.profile),
            Profile::MM58
        );
        let custom = config(&format!(
            "{QUIET}[printer]\ndots = 512\ndpi = 180\nqr_mode = \"raster\"\nqr_level = \"Q\"\nqr_module = 6\ncut = \"full\"\n"
        ));
        let p = receipt_profile(&custom.devices.printer.profile);
        assert_eq!(
            (p.dots, p.dpi, p.qr_mode, p.qr_level, p.qr_module, p.cut),
            (512, 180, QrMode::Raster, QrLevel::Q, 6, Cut::Full)
        );
        assert!(p.validate().is_ok());
    }

    #[test]
    fn job_timing_comes_from_the_configuration() {
        let settings = config(&format!("{QUIET}[printer]\ntransport = \"sim\"\n{FAST}"));
        let job = job_config(&settings.devices.printer);
        assert_eq!(job.stall_timeout, std::time::Duration::from_millis(2000));
        assert_eq!(job.status_timeout, std::time::Duration::from_millis(300));
        assert_eq!(job.require_status, settings.devices.printer.require_status);
    }

    #[test]
    fn a_configured_simulated_printer_is_built_and_prints() {
        let settings = config(&format!("{QUIET}[printer]\ntransport = \"sim\"\n"));
        let (mut printer, handle) = printer(&settings.devices.printer);
        let handle = handle.expect("a sim transport comes with its handle");
        let job = sample(&receipt_profile(&settings.devices.printer.profile));
        assert!(printer.print(&job).is_ok());
        assert_eq!(handle.jobs(), vec![job.clone()]);

        handle.set_fault(SimFault::PaperEnd);
        let err = printer.print(&job).expect_err("no paper, no receipt");
        assert!(
            matches!(err.status().condition, Condition::PaperEnd),
            "{err}"
        );
        assert_eq!(handle.jobs().len(), 1, "nothing more was printed");
    }

    #[test]
    fn a_tcp_printer_on_loopback_prints_the_sample_receipt() {
        let (responder, address) = Responder::tcp(READY_ANSWERS).expect("listener");
        let settings = config(&format!(
            "{QUIET}[printer]\ntransport = \"tcp\"\nhost = \"{address}\"\nprofile = \"58mm\"\n{FAST}"
        ));
        let (mut printer, handle) = printer(&settings.devices.printer);
        assert!(handle.is_none(), "only the simulated printer has a handle");
        let profile = receipt_profile(&settings.devices.printer.profile);
        assert_eq!(profile, Profile::MM58);
        let job = sample(&profile);
        assert!(printer.print(&job).is_ok());
        let got = responder.received();
        assert!(got.windows(job.len()).any(|w| w == job.as_slice()));
        drop(responder);
        let err = printer
            .print(&job)
            .expect_err("a printer that went away is reported, not waited for");
        assert!(
            matches!(
                err.status().condition,
                Condition::Offline(_) | Condition::Unknown(_)
            ),
            "{err}"
        );
    }

    #[test]
    fn printers_are_described_by_transport_and_place() {
        let described = |printer: &str| {
            let settings = config(&format!("{QUIET}[printer]\n{printer}"));
            describe_printer(&settings.devices.printer.transport)
        };
        assert_eq!(described("transport = \"sim\"\n"), "simulated");
        assert_eq!(
            described("transport = \"tcp\"\nhost = \"192.0.2.7:9100\"\n"),
            "tcp 192.0.2.7:9100"
        );
        assert_eq!(
            described("transport = \"serial\"\npath = \"/dev/ttyUSB9\"\nbaud = 115200\n"),
            "serial /dev/ttyUSB9 at 115200 baud"
        );
        assert_eq!(described("path = \"/dev/usb/lp9\"\n"), "usb /dev/usb/lp9");
    }
}
