//! The worker thread: the [`Backend`] carries out slow jobs away from the screen's thread.
//!
//! The screen's thread hands a [`Job`] over and goes on drawing; the worker commits, prints or
//! looks up, then posts the answer as a flow event through the `post` function it was given
//! (in the firmware, the device's inbox, which wakes the event loop) and keeps the slips it sent
//! for [`Worker::take_printed`]. Jobs run one at a time, in the order they were handed over.
//!
//! The backend sits behind a mutex so the desk and rating journeys, the health screen and the
//! purge can still reach the store between jobs; [`Worker::try_backend`] never waits for a job
//! to end (the idle purge skips a round rather than stall the screen).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError, mpsc};

use super::backend::{Answer, Backend, Done, Job, PrintedSlip};
use super::printer::PrintSink;

/// Where the worker posts its answers; `false` when nobody listens any more.
pub type Post = Box<dyn Fn(Answer) -> bool + Send>;

/// The handle the screen's side keeps.
pub struct Worker<P: PrintSink> {
    backend: Arc<Mutex<Backend<P>>>,
    jobs: mpsc::Sender<Job>,
    in_flight: Arc<AtomicUsize>,
    printed: Arc<Mutex<Vec<PrintedSlip>>>,
}

impl<P: PrintSink + Send + 'static> Worker<P> {
    /// Starts the thread around `backend`; answers go to `post`.
    pub fn start(backend: Backend<P>, post: Post) -> std::io::Result<Self> {
        let backend = Arc::new(Mutex::new(backend));
        let (jobs, queue) = mpsc::channel::<Job>();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let printed = Arc::new(Mutex::new(Vec::new()));
        {
            let (backend, in_flight, printed) =
                (backend.clone(), in_flight.clone(), printed.clone());
            std::thread::Builder::new()
                .name("kiosk-worker".into())
                .spawn(move || {
                    // Ends when the handle (the only sender) is dropped.
                    while let Ok(job) = queue.recv() {
                        let failure = job.failure_answer();
                        // A job that panics (a bug) still answers, so no visitor waits on the
                        // printing screen for ever; the store's transactions keep the data
                        // whole and the next job goes on.
                        let run = std::panic::AssertUnwindSafe(|| lock(&backend).perform(job));
                        let done = std::panic::catch_unwind(run).unwrap_or_else(|_| {
                            tracing::error!("a worker job panicked; answered as failed");
                            Done {
                                answer: failure,
                                printed: Vec::new(),
                            }
                        });
                        lock(&printed).extend(done.printed);
                        if let Some(answer) = done.answer
                            && !post(answer)
                        {
                            tracing::warn!("the worker's answer found nobody listening");
                        }
                        // Counted down once the answer is posted: a reader that finds nothing
                        // in flight finds every answer already waiting.
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                    }
                })?;
        }
        Ok(Self {
            backend,
            jobs,
            in_flight,
            printed,
        })
    }
}

impl<P: PrintSink> Worker<P> {
    /// Hands a job over; it runs after those handed over before it.
    pub fn submit(&self, job: Job) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        if self.jobs.send(job).is_err() {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            tracing::error!("the worker thread is gone; a job was dropped");
        }
    }

    /// Jobs handed over and not finished.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The slips the worker sent since the last call.
    pub fn take_printed(&self) -> Vec<PrintedSlip> {
        std::mem::take(&mut *lock(&self.printed))
    }

    /// The backend, waiting for a running job to end.
    pub fn backend(&self) -> MutexGuard<'_, Backend<P>> {
        lock(&self.backend)
    }

    /// The backend if no job is running now.
    pub fn try_backend(&self) -> Option<MutexGuard<'_, Backend<P>>> {
        match self.backend.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

/// A job that panicked left the backend as it was between statements; the store's own
/// transactions keep the data whole, so the next job may go on.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
