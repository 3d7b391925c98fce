//! The speech queue: one thread owns a [`Speech`] backend and speaks queued utterances in
//! order. [`SpeechQueue::interrupt`] stops the current utterance at once and drops the queue
//! (the visitor moved on); [`SpeechQueue::repeat`] interrupts and says the last utterance
//! again. Progress is reported as [`SpeechEvent`]s, dropped rather than waited for when nobody
//! reads them, so speech never waits for the firmware.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;

use super::{SpeakOutcome, Speech, SpeechSettings, Utterance};
use crate::events::{EventSender, EventStream, channel};

/// Progress of queued utterances, by the id [`SpeechQueue::say`] returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeechEvent {
    /// Speaking began.
    Started(u64),
    /// Spoken to the end.
    Finished(u64),
    /// Stopped by an interrupt.
    Interrupted(u64),
    /// The backend failed; the message says why.
    Failed(u64, String),
}

struct State {
    pending: VecDeque<(u64, Utterance)>,
    last: Option<Utterance>,
    settings: SpeechSettings,
    current_stop: Arc<AtomicBool>,
    next_id: u64,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep going with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Queue in front of a speech backend. Dropping it stops the current utterance and the thread.
pub struct SpeechQueue {
    shared: Arc<Shared>,
}

impl SpeechQueue {
    /// Starts the speech thread for `backend`.
    pub fn new<S: Speech + 'static>(
        backend: S,
        settings: SpeechSettings,
    ) -> (Self, EventStream<SpeechEvent>) {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                pending: VecDeque::new(),
                last: None,
                settings,
                current_stop: Arc::new(AtomicBool::new(false)),
                next_id: 1,
                shutdown: false,
            }),
            wake: Condvar::new(),
        });
        let (tx, rx) = channel();
        let worker = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("speech".into())
            .spawn(move || run(backend, &worker, &tx));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the speech thread");
        }
        (Self { shared }, rx)
    }

    /// Queues an utterance; returns its id.
    pub fn say(&self, utterance: Utterance) -> u64 {
        let mut state = self.shared.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.pending.push_back((id, utterance));
        self.shared.wake.notify_all();
        id
    }

    /// Stops the current utterance and drops everything queued.
    pub fn interrupt(&self) {
        let mut state = self.shared.lock();
        state.pending.clear();
        state.current_stop.store(true, Ordering::SeqCst);
    }

    /// Interrupts, then says the last utterance again. Returns its new id, or `None` when
    /// nothing was said yet.
    pub fn repeat(&self) -> Option<u64> {
        self.interrupt();
        let last = self.shared.lock().last.clone()?;
        Some(self.say(last))
    }

    /// Changes rate and volume from the next utterance on.
    pub fn set_settings(&self, settings: SpeechSettings) {
        self.shared.lock().settings = settings;
    }

    /// The current rate and volume.
    pub fn settings(&self) -> SpeechSettings {
        self.shared.lock().settings
    }
}

impl Drop for SpeechQueue {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.shutdown = true;
        state.pending.clear();
        state.current_stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_all();
    }
}

fn run<S: Speech>(mut backend: S, shared: &Shared, tx: &EventSender<SpeechEvent>) {
    loop {
        let (id, utterance, settings, stop) = {
            let mut state = shared.lock();
            loop {
                if state.shutdown {
                    return;
                }
                if let Some(next) = state.pending.pop_front() {
                    let stop = Arc::new(AtomicBool::new(false));
                    state.current_stop = Arc::clone(&stop);
                    state.last = Some(next.1.clone());
                    break (next.0, next.1, state.settings, stop);
                }
                state = shared.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
        };
        tx.try_send(SpeechEvent::Started(id));
        let event = match backend.speak(&utterance, &settings, &stop) {
            Ok(SpeakOutcome::Completed) => SpeechEvent::Finished(id),
            Ok(SpeakOutcome::Interrupted) => SpeechEvent::Interrupted(id),
            Err(e) => {
                tracing::warn!(error = %e, "speech failed");
                SpeechEvent::Failed(id, e.to_string())
            }
        };
        tx.try_send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::{Lang, SimSpeech};
    use std::time::Duration;

    async fn next(events: &mut EventStream<SpeechEvent>) -> SpeechEvent {
        tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .expect("a speech event in time")
            .expect("speech thread alive")
    }

    #[tokio::test]
    async fn utterances_are_spoken_in_order_with_current_settings() {
        let sim = SimSpeech::new(Duration::from_millis(1));
        let (queue, mut events) = SpeechQueue::new(sim.clone(), SpeechSettings::default());
        let slow = SpeechSettings {
            rate_wpm: 90,
            volume: 40,
        };
        queue.set_settings(slow);
        let a = queue.say(Utterance::text(Lang::Fa, "سلام"));
        let b = queue.say(Utterance::text(Lang::En, "hello"));
        assert_eq!(next(&mut events).await, SpeechEvent::Started(a));
        assert_eq!(next(&mut events).await, SpeechEvent::Finished(a));
        assert_eq!(next(&mut events).await, SpeechEvent::Started(b));
        assert_eq!(next(&mut events).await, SpeechEvent::Finished(b));
        let spoken = sim.spoken();
        assert_eq!(
            spoken
                .iter()
                .map(|(u, _)| u.text.as_str())
                .collect::<Vec<_>>(),
            ["سلام", "hello"]
        );
        assert!(spoken.iter().all(|(_, s)| *s == slow));
    }

    #[tokio::test]
    async fn interrupt_stops_the_current_utterance_and_drops_the_queue() {
        // One second per character: only an interrupt ends these quickly.
        let sim = SimSpeech::new(Duration::from_secs(1));
        let (queue, mut events) = SpeechQueue::new(sim.clone(), SpeechSettings::default());
        let long = queue.say(Utterance::text(Lang::Fa, "a long review of the case"));
        let queued = queue.say(Utterance::text(Lang::Fa, "never said"));
        assert_eq!(next(&mut events).await, SpeechEvent::Started(long));
        let t0 = std::time::Instant::now();
        queue.interrupt();
        assert_eq!(next(&mut events).await, SpeechEvent::Interrupted(long));
        assert!(t0.elapsed() < Duration::from_millis(500));
        let after = queue.say(Utterance::text(Lang::Fa, "x"));
        assert_eq!(next(&mut events).await, SpeechEvent::Started(after));
        assert_ne!(after, queued);
        assert!(sim.spoken().iter().all(|(u, _)| u.text != "never said"));
    }

    #[tokio::test]
    async fn repeat_says_the_last_utterance_again() {
        let sim = SimSpeech::new(Duration::from_millis(1));
        let (queue, mut events) = SpeechQueue::new(sim.clone(), SpeechSettings::default());
        assert_eq!(queue.repeat(), None, "nothing to repeat yet");
        let first = queue.say(Utterance::prompt("welcome", Lang::Fa, "خوش آمدید"));
        assert_eq!(next(&mut events).await, SpeechEvent::Started(first));
        assert_eq!(next(&mut events).await, SpeechEvent::Finished(first));
        let again = queue.repeat().expect("something to repeat");
        assert_eq!(next(&mut events).await, SpeechEvent::Started(again));
        assert_eq!(next(&mut events).await, SpeechEvent::Finished(again));
        let ids: Vec<_> = sim
            .spoken()
            .into_iter()
            .map(|(u, _)| u.message_id)
            .collect();
        assert_eq!(ids, [Some("welcome".into()), Some("welcome".into())]);
    }
}
