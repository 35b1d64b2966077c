//! Test doubles for the network edge: a resolver that answers from a table and a dialler that
//! records each address it is asked for. Neither sends a packet off this machine: the recorder
//! refuses, or connects to a local test server instead (which it checks is on loopback).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use async_trait::async_trait;
use tokio::net::TcpStream;

use super::{Dial, Resolve};

/// Names and the addresses they resolve to; any other name does not resolve.
#[derive(Default)]
pub struct StubResolver {
    names: HashMap<String, Vec<IpAddr>>,
}

impl StubResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// `host` resolves to `addrs`, in this order.
    pub fn name(mut self, host: &str, addrs: &[IpAddr]) -> Self {
        self.names.insert(host.to_ascii_lowercase(), addrs.to_vec());
        self
    }
}

#[async_trait]
impl Resolve for StubResolver {
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        match self.names.get(&host.to_ascii_lowercase()) {
            Some(addrs) => Ok(addrs.iter().map(|&ip| SocketAddr::new(ip, port)).collect()),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "unknown name")),
        }
    }
}

/// Records every address it is asked to dial, then refuses, or connects to a local server.
pub struct RecordingDial {
    seen: Mutex<Vec<SocketAddr>>,
    local_server: Option<SocketAddr>,
}

impl RecordingDial {
    /// Records, then answers "connection refused": nothing is sent anywhere.
    pub fn refusing() -> Self {
        Self {
            seen: Mutex::new(Vec::new()),
            local_server: None,
        }
    }

    /// Records, then connects to `local_server` instead, which must be on loopback.
    pub fn to_local_server(local_server: SocketAddr) -> Self {
        assert!(
            local_server.ip().is_loopback(),
            "the recorder only ever connects to this machine, not {local_server}"
        );
        Self {
            seen: Mutex::new(Vec::new()),
            local_server: Some(local_server),
        }
    }

    /// The addresses asked for so far, in order.
    pub fn seen(&self) -> Vec<SocketAddr> {
        self.seen.lock().expect("recorder lock").clone()
    }
}

#[async_trait]
impl Dial for RecordingDial {
    async fn dial(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        self.seen.lock().expect("recorder lock").push(addr);
        match self.local_server {
            Some(local) => TcpStream::connect(local).await,
            None => Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "refused by the test recorder",
            )),
        }
    }
}
