//! The agency server's look-ups for the worker thread: [`AgencyLookups`] asks the server for
//! a case (any device of the office may have registered it) on a thread and runtime of its
//! own, and waits at most [`LOOKUP_WAIT`] for the answer, so a visitor at a kiosk whose link
//! is down gets the local copy within seconds instead of a spinner for the whole request
//! timeout. The request itself goes through `kiosk_sync`'s client: the same pinned CA, client
//! certificate and token as the relay, the national code in the body, never in a URL.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;
use kiosk_config::SamadSettings;
use kiosk_core::{NationalCode, TrackingCode};
use kiosk_sync::SamadClient;
use kiosk_sync::wire::{CaseLookup, CaseStatus};

use crate::runtime::lookup::RemoteCases;

/// The longest a visitor waits for the server before the local copy answers.
pub const LOOKUP_WAIT: Duration = Duration::from_secs(5);

type Reply = mpsc::Sender<Result<Option<CaseStatus>, String>>;

/// Look-ups at the agency server, from any thread.
pub struct AgencyLookups {
    requests: mpsc::Sender<(CaseLookup, Reply)>,
    wait: Duration,
}

impl std::fmt::Debug for AgencyLookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgencyLookups")
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl AgencyLookups {
    /// Starts the look-up thread for kiosk `kiosk_number` with the `[samad]` section's files;
    /// fails naming the key of a file it cannot use.
    pub fn start(samad: &SamadSettings, kiosk_number: u32) -> anyhow::Result<Self> {
        let client = SamadClient::from_config(samad, kiosk_number)
            .context("setting up the agency server's look-ups")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the look-up runtime")?;
        let (requests, incoming) = mpsc::channel::<(CaseLookup, Reply)>();
        std::thread::Builder::new()
            .name("agency-lookups".into())
            .spawn(move || {
                // One at a time: a visitor asks for one case and waits for it.
                for (asked, reply) in incoming {
                    let answer = runtime
                        .block_on(client.look_up_case(&asked))
                        .map_err(|e| e.to_string());
                    // The visitor may have stopped waiting: nobody to tell, nothing lost.
                    let _ = reply.send(answer);
                }
            })
            .context("starting the look-up thread")?;
        Ok(Self {
            requests,
            wait: LOOKUP_WAIT,
        })
    }

    /// Waits `wait` for an answer instead of [`LOOKUP_WAIT`] (tests).
    #[must_use]
    pub fn waiting(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }
}

impl RemoteCases for AgencyLookups {
    fn look_up(
        &self,
        code: &TrackingCode,
        national_code: &NationalCode,
    ) -> Result<Option<CaseStatus>, String> {
        let (reply, answer) = mpsc::channel();
        let asked = CaseLookup {
            tracking_code: code.as_string(),
            national_code: national_code.as_string(),
        };
        self.requests
            .send((asked, reply))
            .map_err(|_| "the look-up thread has stopped".to_owned())?;
        match answer.recv_timeout(self.wait) {
            Ok(answer) => answer,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "no answer from the agency server within {} s",
                self.wait.as_secs()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err("the look-up thread has stopped".to_owned())
            }
        }
    }
}
