//! The simulator's memory (messages by id and by the caller's reference, the token bucket,
//! the faults), its settings, and the handle a test or the binary holds.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the simulated provider behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The API key callers must send as a bearer token.
    pub api_key: String,
    /// Messages taken per second, at most.
    pub rate_per_second: u32,
    /// Messages that may be taken at once after a quiet time (the bucket's size).
    pub burst: u32,
    /// Most parts of one message.
    pub max_parts: usize,
    /// How long a message stays `queued` before its delivery report.
    pub delivery_delay: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            api_key: "sms-test-key".to_owned(),
            rate_per_second: 50,
            burst: 50,
            max_parts: 2,
            delivery_delay: Duration::from_millis(200),
        }
    }
}

/// Faults to inject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// The next this many requests to send are answered 500 before anything is taken.
    pub fail_next: u32,
    /// The share (0–1) of requests to send answered 503 before anything is taken.
    pub error_rate: f64,
    /// The share (0–1) of messages taken whose answer is never sent (the caller times out).
    pub lost_answer_rate: f64,
    /// Milliseconds every request to send waits first.
    pub latency_ms: u64,
}

/// A message's delivery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Taken, not delivered yet.
    Queued,
    /// On the phone.
    Delivered,
    /// The phone could not be reached.
    Undeliverable,
}

/// A message the simulator took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// The provider's id.
    pub id: String,
    /// The caller's reference.
    pub client_ref: String,
    /// The number.
    pub to: String,
    /// The text.
    pub text: String,
    /// Its parts.
    pub parts: usize,
    /// How many requests asked for it (1, plus the replays).
    pub requests: u32,
    /// Its delivery state now.
    pub status: Status,
}

/// One message, with when it was taken.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub(crate) record: MessageRecord,
    pub(crate) taken: Instant,
}

/// The token bucket limiting messages per second.
#[derive(Debug)]
pub(crate) struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Everything the simulator remembers.
#[derive(Debug)]
pub(crate) struct Memory {
    pub(crate) messages: Vec<Message>,
    pub(crate) by_ref: HashMap<String, usize>,
    pub(crate) by_id: HashMap<String, usize>,
    pub(crate) bucket: Bucket,
    pub(crate) faults: Faults,
    /// Requests to send refused with 429.
    pub(crate) rate_limited: u64,
}

/// The simulator's shared state.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    memory: Mutex<Memory>,
}

impl Shared {
    pub(crate) fn memory(&self) -> MutexGuard<'_, Memory> {
        // A handler never panics holding the lock; a poisoned lock still holds whole data.
        self.memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a token, or says how long until one is there.
    pub(crate) fn take_token(&self, memory: &mut Memory) -> Result<(), Duration> {
        let rate = f64::from(self.config.rate_per_second.max(1));
        let size = f64::from(self.config.burst.max(1));
        let now = Instant::now();
        let b = &mut memory.bucket;
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(size);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / rate))
        }
    }

    /// A message's record with its delivery state as of now.
    pub(crate) fn record(&self, message: &Message) -> MessageRecord {
        let mut record = message.record.clone();
        if message.taken.elapsed() >= self.config.delivery_delay {
            record.status = if record.to.ends_with("0000") {
                Status::Undeliverable
            } else {
                Status::Delivered
            };
        }
        record
    }
}

/// A running simulator.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every message taken, in the order taken, with its state now.
    pub fn messages(&self) -> Vec<MessageRecord> {
        let memory = self.shared.memory();
        memory
            .messages
            .iter()
            .map(|m| self.shared.record(m))
            .collect()
    }

    /// Requests to send refused with 429 so far.
    pub fn rate_limited(&self) -> u64 {
        self.shared.memory().rate_limited
    }

    /// Sets the faults.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.memory().faults = faults;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves on `listen` (`127.0.0.1:0` picks a port) until the handle is dropped.
pub async fn start(listen: SocketAddr, config: SimConfig) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let burst = f64::from(config.burst.max(1));
    let shared = Arc::new(Shared {
        config,
        memory: Mutex::new(Memory {
            messages: Vec::new(),
            by_ref: HashMap::new(),
            by_id: HashMap::new(),
            bucket: Bucket {
                tokens: burst,
                at: Instant::now(),
            },
            faults: Faults::default(),
            rate_limited: 0,
        }),
    });
    let app = crate::api::router(Arc::clone(&shared));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the SMS simulator stopped serving");
        }
    });
    Ok(SimHandle { addr, shared, task })
}
