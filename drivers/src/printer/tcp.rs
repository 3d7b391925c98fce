//! Network receipt printers on raw TCP port 9100 ("JetDirect" / "AppSocket").
//!
//! A connection is made for each job and each status query and closed after it: many printers
//! serve one client at a time and drop idle connections, so a long-lived one would fail at the
//! worst moment. Connecting, writing and reading each have a timeout; a peer that closes the
//! connection (printer switched off, network lost) is an error of the job, with the printer
//! reported unreachable.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::Transport;
use super::job::Link;

/// The raw printing port.
pub const PORT: u16 = 9100;

/// A printer reached over TCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tcp9100 {
    /// Host name or address, with the port (`10.0.0.5:9100`).
    pub address: String,
    /// Longest a connection attempt (to each resolved address) may take.
    pub connect_timeout: Duration,
}

impl Tcp9100 {
    /// A printer at `address` (`host:port`; port 9100 is added when missing), with a 3 s
    /// connect timeout.
    pub fn new(address: impl Into<String>) -> Self {
        let mut address = address.into();
        if address.parse::<SocketAddr>().is_err() && !address.contains(':') {
            address = format!("{address}:{PORT}");
        }
        Self {
            address,
            connect_timeout: Duration::from_secs(3),
        }
    }
}

impl Transport for Tcp9100 {
    type Link = TcpLink;

    fn open(&mut self) -> io::Result<TcpLink> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "address resolves to nothing");
        for addr in self.address.to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, self.connect_timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(TcpLink { stream });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn keep_open(&self) -> bool {
        false
    }

    fn describe(&self) -> String {
        format!("tcp://{}", self.address)
    }
}

/// An open connection to a network printer.
#[derive(Debug)]
pub struct TcpLink {
    stream: TcpStream,
}

impl TcpLink {
    /// Wraps a connected stream.
    pub fn new(stream: TcpStream) -> Self {
        Self { stream }
    }
}

/// A zero timeout means "block forever" to the socket API; never ask for that.
fn at_least_1ms(timeout: Duration) -> Duration {
    timeout.max(Duration::from_millis(1))
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "printer closed the connection",
    )
}

impl Link for TcpLink {
    fn write_some(&mut self, buf: &[u8], timeout: Duration) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(at_least_1ms(timeout)))?;
        match self.stream.write(buf) {
            Ok(0) => Err(closed()),
            other => other,
        }
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        self.stream.set_read_timeout(Some(at_least_1ms(timeout)))?;
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(0) => Err(closed()),
            Ok(_) => Ok(Some(byte[0])),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.stream.set_nonblocking(true)?;
        let mut buf = [0u8; 256];
        let mut result = Ok(());
        // Bounded: a peer that keeps talking cannot keep us here.
        for _ in 0..64 {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    result = Err(closed());
                    break;
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.stream.set_nonblocking(false)?;
        result
    }
}
