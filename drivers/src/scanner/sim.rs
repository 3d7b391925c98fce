//! The simulated scanner: the demo and the firmware's journey tests "scan" codes, noise and
//! unplugging through a handle, and receive exactly the events a serial scanner would give,
//! because the same framing and classification pipeline runs underneath.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{ClassifierConfig, CodeScanner, FramingConfig, Pipeline, ScanEvent};
use crate::events::{EventSender, EventStream, channel};

/// A scanner driven from code.
pub struct SimScanner {
    events: EventStream<ScanEvent>,
}

/// Drives a [`SimScanner`].
#[derive(Clone)]
pub struct SimScannerHandle {
    tx: EventSender<ScanEvent>,
    pipeline: Arc<Mutex<Pipeline>>,
}

impl SimScanner {
    /// A connected simulated scanner with default framing and the given classification rules.
    pub fn new(classifier: ClassifierConfig) -> (Self, SimScannerHandle) {
        let (tx, events) = channel();
        let pipeline = Pipeline::new(FramingConfig::default(), classifier);
        let handle = SimScannerHandle {
            tx,
            pipeline: Arc::new(Mutex::new(pipeline)),
        };
        (Self { events }, handle)
    }
}

impl CodeScanner for SimScanner {
    fn events(self) -> EventStream<ScanEvent> {
        self.events
    }
}

impl SimScannerHandle {
    /// The scanner delivers raw bytes (pieces of a line, noise). Returns `false` once the
    /// stream is gone.
    pub async fn bytes(&self, bytes: &[u8]) -> bool {
        let events = match self.pipeline.lock() {
            Ok(mut p) => p.push(bytes, Instant::now()),
            Err(_) => return false,
        };
        for e in events {
            if !self.tx.send(e).await {
                return false;
            }
        }
        true
    }

    /// The scanner reads `text` and sends it with its CR terminator.
    pub async fn scan(&self, text: &str) -> bool {
        let mut line = text.as_bytes().to_vec();
        line.push(b'\r');
        self.bytes(&line).await
    }

    /// The scanner is unplugged (`plugged = false`) or plugged back in.
    pub async fn set_plugged(&self, plugged: bool) -> bool {
        if let Ok(mut p) = self.pipeline.lock() {
            p.reset();
        }
        let event = if plugged {
            ScanEvent::Connected
        } else {
            ScanEvent::Disconnected {
                reason: "simulated unplug".to_owned(),
            }
        };
        self.tx.send(event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_simulated_scanner_classifies_like_the_real_one() {
        let (scanner, handle) = SimScanner::new(ClassifierConfig::default());
        let mut events = scanner.events();
        assert!(handle.scan("0499370899").await);
        assert!(handle.bytes(&[0xff, 0x00, b'\r']).await);
        assert!(handle.set_plugged(false).await);
        assert_eq!(events.next().await.map(|e| e.kind()), Some("national_code"));
        assert_eq!(events.next().await.map(|e| e.kind()), Some("not_text"));
        assert_eq!(events.next().await.map(|e| e.kind()), Some("disconnected"));
        drop(events);
        assert!(!handle.scan("x").await);
    }
}
