//! The event stream every input device hands to the firmware, and the redacting wrapper for
//! personal text carried in events.
//!
//! A device backend runs its blocking I/O on its own thread and sends events through a bounded
//! tokio channel. [`EventStream`] is the receiving end: the firmware awaits
//! [`EventStream::next`] or polls it as a `Stream`. Dropping it raises the stop flag the device
//! thread checks between reads, so the thread ends within one read timeout.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::sync::mpsc;

/// How many events a device may queue before its thread waits for the firmware.
pub const EVENT_CAPACITY: usize = 64;

/// The receiving end of one device's events.
pub struct EventStream<E> {
    rx: mpsc::Receiver<E>,
    stop: Arc<AtomicBool>,
}

/// The sending end, held by a device thread.
#[derive(Clone)]
pub struct EventSender<E> {
    tx: mpsc::Sender<E>,
    stop: Arc<AtomicBool>,
}

/// A connected sender/stream pair.
pub fn channel<E>() -> (EventSender<E>, EventStream<E>) {
    let (tx, rx) = mpsc::channel(EVENT_CAPACITY);
    let stop = Arc::new(AtomicBool::new(false));
    (
        EventSender {
            tx,
            stop: Arc::clone(&stop),
        },
        EventStream { rx, stop },
    )
}

impl<E> EventStream<E> {
    /// The next event, or `None` once the device thread has ended.
    pub async fn next(&mut self) -> Option<E> {
        self.rx.recv().await
    }

    /// The next event if one is already queued (for synchronous callers and tests).
    pub fn try_next(&mut self) -> Option<E> {
        self.rx.try_recv().ok()
    }
}

impl<E> Drop for EventStream<E> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl<E> futures_core::Stream for EventStream<E> {
    type Item = E;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        self.rx.poll_recv(cx)
    }
}

impl<E> EventSender<E> {
    /// Whether the firmware dropped the stream: the device thread should end.
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.tx.is_closed()
    }

    /// Sends from a device thread, waiting while the queue is full. Returns `false` when the
    /// stream is gone (the thread should end).
    pub fn send_blocking(&self, event: E) -> bool {
        !self.is_stopped() && self.tx.blocking_send(event).is_ok()
    }

    /// Sends without waiting; the event is dropped when the queue is full (for events that
    /// must never hold up the sender, such as speech progress). Returns `false` if dropped.
    pub fn try_send(&self, event: E) -> bool {
        !self.is_stopped() && self.tx.try_send(event).is_ok()
    }

    /// Sends from async code. Returns `false` when the stream is gone.
    pub async fn send(&self, event: E) -> bool {
        !self.is_stopped() && self.tx.send(event).await.is_ok()
    }
}

/// Text that may hold personal data (a scanned line, a card holder's name): usable by code,
/// but `Debug` shows only its length, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(String);

impl Redacted {
    /// Wraps text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text itself, for the code that really needs it (never for logs).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in characters.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redacted({} chars)", self.char_count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_debug_hides_the_text() {
        let r = Redacted::new("0012345678 Ali");
        let shown = format!("{r:?}");
        assert_eq!(shown, "Redacted(14 chars)");
        assert!(!shown.contains("0012345678"));
        assert_eq!(r.expose(), "0012345678 Ali");
    }

    #[tokio::test]
    async fn dropping_the_stream_stops_the_sender() {
        let (tx, mut rx) = channel::<u8>();
        assert!(tx.try_send(1));
        assert_eq!(rx.next().await, Some(1));
        drop(rx);
        assert!(tx.is_stopped());
        assert!(!tx.send(2).await);
    }
}
