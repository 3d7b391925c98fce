//! A TCP proxy on loopback that a fault test puts on a link of the office (kiosk ↔ agency
//! server, agency server ↔ SAMAD). Bytes pass untouched (TLS stays end to end: the proxy sees
//! ciphertext only), and the test can, at any moment:
//!
//! - [`Proxy::cut`] every live connection mid-stream (both sockets shut down at once, so each
//!   side meets an end of stream in the middle of whatever it was sending or awaiting);
//! - [`Proxy::refuse`] new connections: the listening socket is closed, so a connect gets
//!   `ECONNREFUSED` as from a host whose service is down, until [`Proxy::accept_again`] binds
//!   the same port again;
//! - [`Proxy::cut_after`] each new connection once that many bytes went towards the client
//!   (the TLS handshake, the answer's headers or its body, depending on the count).
//!
//! Plain threads (two per connection, one accept thread), so it runs beside any tokio runtime
//! and a blocked runtime never stalls the link. The target can be changed while running.

use std::collections::HashMap;
use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// How long the proxy waits to connect to its target before dropping the client.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Counters of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Connections accepted.
    pub accepted: AtomicU64,
    /// Connections whose target could not be reached (the client was dropped).
    pub unreachable: AtomicU64,
    /// Live connections cut by [`Proxy::cut`].
    pub cut: AtomicU64,
    /// Connections cut by a [`Proxy::cut_after`] limit.
    pub truncated: AtomicU64,
    /// Bytes forwarded, both ways.
    pub bytes: AtomicU64,
}

impl ProxyStats {
    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// A live connection: both sockets, to shut them down from outside.
struct Link {
    client: TcpStream,
    upstream: TcpStream,
}

impl Link {
    fn shut(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.upstream.shutdown(Shutdown::Both);
    }
}

struct Inner {
    target: Mutex<SocketAddr>,
    links: Mutex<HashMap<u64, Link>>,
    next_id: AtomicU64,
    /// Bytes towards the client after which new connections are cut (0: no limit).
    cut_after: AtomicUsize,
    /// The accept thread of this generation runs; a new generation stops the older one.
    generation: AtomicU64,
    stopped: AtomicBool,
    stats: ProxyStats,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A running proxy; stopped, with every connection cut, on drop.
pub struct Proxy {
    inner: Arc<Inner>,
    addr: SocketAddr,
    listening: Mutex<bool>,
}

impl Proxy {
    /// A proxy on `127.0.0.1:0` forwarding to `target`.
    pub fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let inner = Arc::new(Inner {
            target: Mutex::new(target),
            links: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            cut_after: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            stats: ProxyStats::default(),
        });
        spawn_accept(Arc::clone(&inner), listener, 0);
        Self {
            inner,
            addr,
            listening: Mutex::new(true),
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT`.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Forward new connections to `target` from now on.
    pub fn set_target(&self, target: SocketAddr) {
        *lock(&self.inner.target) = target;
    }

    /// Counters.
    pub fn stats(&self) -> &ProxyStats {
        &self.inner.stats
    }

    /// Live connections now.
    pub fn live(&self) -> usize {
        lock(&self.inner.links).len()
    }

    /// Cuts every live connection now; returns how many.
    pub fn cut(&self) -> usize {
        let links = lock(&self.inner.links);
        for link in links.values() {
            link.shut();
        }
        self.inner
            .stats
            .cut
            .fetch_add(links.len() as u64, Ordering::Relaxed);
        links.len()
    }

    /// Cuts each connection made from now on once `bytes` went towards its client (`None`:
    /// no limit).
    pub fn cut_after(&self, bytes: Option<usize>) {
        self.inner
            .cut_after
            .store(bytes.unwrap_or(0), Ordering::Relaxed);
    }

    /// Closes the listening socket: connects are refused until [`Proxy::accept_again`]. Live
    /// connections are left alone ([`Proxy::cut`] them too for a link that is down).
    pub fn refuse(&self) {
        let mut listening = lock(&self.listening);
        if *listening {
            // The accept thread sees the new generation within a few milliseconds and drops
            // the listener; wait for that, so a connect right after this is refused.
            self.inner.generation.fetch_add(1, Ordering::SeqCst);
            let deadline = Instant::now() + Duration::from_secs(5);
            while TcpListener::bind(self.addr).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "the proxy's listener at {} was not closed",
                    self.addr
                );
                thread::sleep(Duration::from_millis(1));
            }
            *listening = false;
        }
    }

    /// Listens again on the same port after [`Proxy::refuse`].
    pub fn accept_again(&self) {
        let mut listening = lock(&self.listening);
        if *listening {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) => {
                    assert!(
                        Instant::now() < deadline,
                        "binding the proxy again at {}: {e}",
                        self.addr
                    );
                    thread::sleep(Duration::from_millis(5));
                }
            }
        };
        let generation = self.inner.generation.load(Ordering::SeqCst);
        spawn_accept(Arc::clone(&self.inner), listener, generation);
        *listening = true;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.cut();
    }
}

/// The accept loop of `generation` (non-blocking, looking at the generation every 2 ms).
fn spawn_accept(inner: Arc<Inner>, listener: TcpListener, generation: u64) {
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    thread::spawn(move || {
        loop {
            if inner.stopped.load(Ordering::SeqCst)
                || inner.generation.load(Ordering::SeqCst) != generation
            {
                return;
            }
            match listener.accept() {
                Ok((client, _)) => {
                    inner.stats.accepted.fetch_add(1, Ordering::Relaxed);
                    let inner = Arc::clone(&inner);
                    thread::spawn(move || serve(&inner, client));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(2));
                }
                Err(_) => thread::sleep(Duration::from_millis(2)),
            }
        }
    });
}

/// One connection: connect to the target, then pump both ways until either side ends.
fn serve(inner: &Arc<Inner>, client: TcpStream) {
    let target = *lock(&inner.target);
    let _ = client.set_nonblocking(false);
    let Ok(upstream) = TcpStream::connect_timeout(&target, CONNECT_TIMEOUT) else {
        inner.stats.unreachable.fetch_add(1, Ordering::Relaxed);
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (Ok(c2), Ok(u2), Ok(c3), Ok(u3)) = (
        client.try_clone(),
        upstream.try_clone(),
        client.try_clone(),
        upstream.try_clone(),
    ) else {
        return;
    };
    let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
    lock(&inner.links).insert(
        id,
        Link {
            client: c3,
            upstream: u3,
        },
    );
    if inner.stopped.load(Ordering::SeqCst) {
        let _ = client.shutdown(Shutdown::Both);
    }
    let limit = match inner.cut_after.load(Ordering::Relaxed) {
        0 => None,
        n => Some(n),
    };
    let up = {
        let inner = Arc::clone(inner);
        thread::spawn(move || pump(&inner, c2, u2, None))
    };
    pump(inner, upstream, client, limit);
    let _ = up.join();
    lock(&inner.links).remove(&id);
}

/// Copies `from` to `to` until an end or error (or `limit` bytes), then shuts both down.
fn pump(inner: &Inner, mut from: TcpStream, mut to: TcpStream, limit: Option<usize>) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let n = match limit {
            Some(limit) if sent + n >= limit => {
                let rest = limit.saturating_sub(sent);
                let _ = to.write_all(&buf[..rest]);
                inner.stats.truncated.fetch_add(1, Ordering::Relaxed);
                break;
            }
            _ => n,
        };
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n;
        inner.stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
