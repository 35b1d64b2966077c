//! The webhook client's network edge: a hyper connector that resolves a host itself, judges every
//! address the name resolved to, and dials exactly an address it judged (API.md, "Webhooks").
//!
//! - Every resolved address must pass, not just one: a name that resolves to one public and one
//!   private address is refused as a whole. Choosing the public one would work too, but a name
//!   that mixes them is either misconfigured or probing, and refusing it leaves nothing to get
//!   wrong about which address a retry happens to pick.
//! - The address checked is the one dialled, as a `SocketAddr`: nothing resolves the name again
//!   between the check and the connection, so DNS rebinding cannot swap it.
//! - Loopback passes only under `allow_loopback_http` (the local server) and only for the hosts
//!   `127.0.0.1`, `[::1]` and `localhost`; plain http only to those same hosts.
//! - Nothing here reads the environment: no `HTTP_PROXY`, `HTTPS_PROXY` nor `NO_PROXY`
//!   (hyper-util's legacy client and hyper-rustls read none either), and nothing follows a
//!   redirect.
//! - Name resolution and the TCP dial are traits ([`Resolve`], [`Dial`]), so the tests can say
//!   what a name resolves to and see which address would have been dialled, with no traffic
//!   leaving the machine.

mod client;
#[cfg(any(test, feature = "test-hooks"))]
mod stubs;
#[cfg(test)]
mod tests;

pub use client::{DeliveryError, WebhookClient, DEFAULT_TIMEOUT, USER_AGENT};
#[cfg(any(test, feature = "test-hooks"))]
pub use stubs::{RecordingDial, StubResolver};

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_trait::async_trait;
use hyper_util::rt::TokioIo;
use lambda_http::http::Uri;
use tokio::net::TcpStream;

use super::address::{is_globally_routable, is_loopback, is_loopback_host};

/// Turns a host name into the addresses to judge and dial.
#[async_trait]
pub trait Resolve: Send + Sync {
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>>;
}

/// The operating system's resolver (`getaddrinfo`, through tokio's `lookup_host`).
pub struct SystemResolver;

#[async_trait]
impl Resolve for SystemResolver {
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(tokio::net::lookup_host((host, port)).await?.collect())
    }
}

/// Opens the TCP connection to an address that has already been judged.
#[async_trait]
pub trait Dial: Send + Sync {
    async fn dial(&self, addr: SocketAddr) -> io::Result<TcpStream>;
}

/// A plain TCP connection to exactly `addr`.
pub struct TcpDial;

#[async_trait]
impl Dial for TcpDial {
    async fn dial(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::connect(addr).await?;
        // Small requests, one round trip each: no waiting for more bytes to fill a segment.
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// Why the connector made no connection.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Some address of the host is not globally routable (or not allowed loopback), or the URL
    /// asks for plain http to a host other than the loopback hosts: nothing was dialled.
    #[error(
        "blocked destination: {host} is or resolves to an address that is not globally routable"
    )]
    Blocked { host: String },
    #[error("{host} did not resolve")]
    Resolve {
        host: String,
        #[source]
        source: io::Error,
    },
    #[error("no connection to {addr}")]
    Dial {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("the request has no host to connect to")]
    NoHost,
}

/// A hyper connector (`tower::Service<Uri>`) that dials only addresses it judged. hyper-rustls
/// wraps it for TLS, which still checks the certificate against the URL's host name.
#[derive(Clone)]
pub struct GuardedConnector {
    resolver: Arc<dyn Resolve>,
    dial: Arc<dyn Dial>,
    allow_loopback_http: bool,
}

impl GuardedConnector {
    pub fn new(resolver: Arc<dyn Resolve>, dial: Arc<dyn Dial>, allow_loopback_http: bool) -> Self {
        Self {
            resolver,
            dial,
            allow_loopback_http,
        }
    }

    async fn connect(self, uri: Uri) -> Result<TcpStream, ConnectError> {
        let host = uri.host().ok_or(ConnectError::NoHost)?;
        let https = uri.scheme_str() == Some("https");
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let loopback_ok = self.allow_loopback_http && is_loopback_host(host);
        let blocked = || ConnectError::Blocked {
            host: host.to_owned(),
        };
        if !https && !loopback_ok {
            return Err(blocked());
        }

        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs =
            match bare.parse::<IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, port)],
                Err(_) => self.resolver.resolve(host, port).await.map_err(|source| {
                    ConnectError::Resolve {
                        host: host.to_owned(),
                        source,
                    }
                })?,
            };
        if addrs.is_empty() {
            return Err(ConnectError::Resolve {
                host: host.to_owned(),
                source: io::Error::new(io::ErrorKind::NotFound, "no address"),
            });
        }
        let passes = |ip: IpAddr| is_globally_routable(ip) || (loopback_ok && is_loopback(ip));
        if !addrs.iter().all(|addr| passes(addr.ip())) {
            return Err(blocked());
        }

        // Every address passed: try them in the resolver's order, each exactly as judged.
        let mut last = None;
        for addr in addrs {
            match self.dial.dial(addr).await {
                Ok(stream) => return Ok(stream),
                Err(source) => last = Some(ConnectError::Dial { addr, source }),
            }
        }
        Err(last.unwrap_or_else(blocked))
    }
}

impl tower::Service<Uri> for GuardedConnector {
    type Response = TokioIo<TcpStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.connect(uri).await.map(TokioIo::new) })
    }
}
