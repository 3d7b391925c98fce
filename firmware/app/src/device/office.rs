//! The agency server's answers for the worker thread: [`AgencyLink`] asks the server, on a
//! thread and runtime of its own, for a case (any device of the office may have registered
//! it), a receipt's copy or the office's owed receipts (a desk's reprint), or a staff login
//! (the office's accounts, valid at every desk), and waits at most
//! [`ANSWER_WAIT`] for the answer, so a visitor or a staff member at a device whose link is
//! down is answered from the device's own copy within seconds instead of waiting out the whole
//! request timeout. Requests go through `kiosk_sync`'s client: the same pinned CA, client
//! certificate and token as the relay; national codes and PINs in bodies, never in a URL.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;
use kiosk_config::SamadSettings;
use kiosk_core::{NationalCode, TrackingCode, VisitorId};
use kiosk_sync::wire::{
    CaseIdentity, CaseLookup, CaseStatus, OwedReceipt, ReceiptCopy, StaffLogin,
};
use kiosk_sync::{SamadClient, SyncError};

use crate::journeys::desk_store::{RemoteLogin, RemoteStaff};
use crate::runtime::lookup::RemoteCases;

/// The longest a visitor or a staff member waits for the server before the device's own copy
/// answers.
pub const ANSWER_WAIT: Duration = Duration::from_secs(5);

/// One request, run on the link's thread.
type Request = Box<dyn FnOnce(&SamadClient, &tokio::runtime::Runtime) + Send>;

/// Requests to the agency server from any thread (cheap to clone: one thread serves all).
#[derive(Clone)]
pub struct AgencyLink {
    requests: mpsc::Sender<Request>,
    wait: Duration,
}

impl std::fmt::Debug for AgencyLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgencyLink")
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl AgencyLink {
    /// Starts the link's thread for kiosk `kiosk_number` with the `[samad]` section's files;
    /// fails naming the key of a file it cannot use.
    pub fn start(samad: &SamadSettings, kiosk_number: u32) -> anyhow::Result<Self> {
        let client = SamadClient::from_config(samad, kiosk_number)
            .context("setting up the agency server's link")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the agency link's runtime")?;
        let (requests, incoming) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("agency-link".into())
            .spawn(move || {
                // One at a time: a visitor or a staff member waits for one answer.
                for request in incoming {
                    request(&client, &runtime);
                }
            })
            .context("starting the agency link's thread")?;
        Ok(Self {
            requests,
            wait: ANSWER_WAIT,
        })
    }

    /// Waits `wait` for an answer instead of [`ANSWER_WAIT`] (tests).
    #[must_use]
    pub fn waiting(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Runs `call` on the link's thread without waiting: its answer goes to `reply`, on that
    /// thread (the staff calls' re-sending and the desk's polling: device/call_relay.rs and
    /// device/call_board.rs). `false` when the link's thread has stopped.
    pub fn send<T: 'static>(
        &self,
        call: impl FnOnce(&SamadClient, &tokio::runtime::Runtime) -> T + Send + 'static,
        reply: impl FnOnce(T) + Send + 'static,
    ) -> bool {
        let request: Request = Box::new(move |client, runtime| reply(call(client, runtime)));
        self.requests.send(request).is_ok()
    }

    /// Runs `call` on the link's thread and waits for its answer; `Err` says why there is none.
    fn ask<T: Send + 'static>(
        &self,
        call: impl FnOnce(&SamadClient, &tokio::runtime::Runtime) -> T + Send + 'static,
    ) -> Result<T, String> {
        let (reply, answer) = mpsc::channel();
        let request: Request = Box::new(move |client, runtime| {
            // The asker may have stopped waiting: nobody to tell, nothing lost.
            let _ = reply.send(call(client, runtime));
        });
        self.requests
            .send(request)
            .map_err(|_| "the agency link's thread has stopped".to_owned())?;
        answer.recv_timeout(self.wait).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => format!(
                "no answer from the agency server within {} s",
                self.wait.as_secs()
            ),
            mpsc::RecvTimeoutError::Disconnected => {
                "the agency link's thread has stopped".to_owned()
            }
        })
    }
}

impl RemoteCases for AgencyLink {
    fn look_up(
        &self,
        code: &TrackingCode,
        visitor: &VisitorId,
    ) -> Result<Option<CaseStatus>, String> {
        // A visitor without a national code is named by the identifier the case was
        // registered with (contract 1.6.0).
        let asked = CaseLookup {
            tracking_code: code.as_string(),
            national_code: visitor
                .national_code()
                .map(NationalCode::as_string)
                .unwrap_or_default(),
            identity: visitor.national_code().is_none().then(|| CaseIdentity {
                kind: visitor.kind().as_str().to_owned(),
                value: visitor.value(),
                country: visitor.country().map(|c| c.alpha3.to_owned()),
            }),
        };
        self.ask(move |client, runtime| runtime.block_on(client.look_up_case(&asked)))?
            .map_err(|e| e.to_string())
    }

    fn receipt_copy(&self, code: &TrackingCode) -> Result<Option<ReceiptCopy>, String> {
        let code = code.as_string();
        self.ask(move |client, runtime| runtime.block_on(client.receipt_copy(&code)))?
            .map_err(|e| e.to_string())
    }

    fn receipt_printed(&self, code: &TrackingCode) -> Result<(), String> {
        let code = code.as_string();
        self.ask(move |client, runtime| runtime.block_on(client.receipt_copy_printed(&code)))?
            .map_err(|e| e.to_string())
    }

    fn owed_receipts(&self) -> Result<Vec<OwedReceipt>, String> {
        self.ask(|client, runtime| runtime.block_on(client.owed_receipts()))?
            .map(|list| list.receipts)
            .map_err(|e| e.to_string())
    }
}

impl RemoteStaff for AgencyLink {
    fn login(&self, employee_code: &str, pin: &str) -> RemoteLogin {
        let asked = StaffLogin {
            employee_code: employee_code.to_owned(),
            pin: pin.to_owned(),
        };
        let answer =
            match self.ask(move |client, runtime| runtime.block_on(client.staff_login(&asked))) {
                Ok(answer) => answer,
                Err(why) => return RemoteLogin::Unreachable(why),
            };
        match answer {
            Ok(accepted) => RemoteLogin::Accepted {
                display_name: accepted.display_name,
            },
            Err(SyncError::Unauthorized { reason, .. }) if reason.starts_with("wrong_pin") => {
                RemoteLogin::Refused("کد کارمندی یا رمز نادرست است.".to_owned())
            }
            Err(SyncError::Refused { status: 423, .. }) => RemoteLogin::Refused(
                "به دلیل رمزهای نادرست پیاپی، این حساب برای مدتی در همه‌ی میزهای این اداره قفل است."
                    .to_owned(),
            ),
            // The device's own identity refused, the server down: not the staff member's fault.
            Err(e) => RemoteLogin::Unreachable(e.to_string()),
        }
    }
}
