//! The bench: measurements that print as one markdown table. Numbers are medians of repeated
//! runs; ratios are taken between figures of the same run.

pub mod argon2;
pub mod audit;
pub mod costs;
pub mod flows;
pub mod lambda;
pub mod mail;
pub mod passkeys;
pub mod services;
pub mod sessions;
/// The tests' End User Messaging SMS stand-in, compiled in from its one source: the texts' sweep
/// sends to it through the real SDK client.
#[path = "../../tests/support/sms_service.rs"]
pub mod sms_service;
pub mod texts;
pub mod warm;
/// The tests' webhook receiver on 127.0.0.1, compiled in from its one source: the deliveries'
/// rows post to it.
#[path = "../../tests/support/webhook_receiver.rs"]
pub mod webhook_receiver;

use std::time::Duration;

/// The median of `runs` timings of `f`.
pub fn median<F: FnMut() -> Duration>(runs: usize, mut f: F) -> Duration {
    let mut samples: Vec<Duration> = (0..runs).map(|_| f()).collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// One row of the table.
pub struct Row {
    pub section: &'static str,
    pub what: String,
    pub value: String,
    pub target: String,
    pub verdict: Verdict,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    Info,
}

impl Row {
    pub fn new(section: &'static str, what: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            section,
            what: what.into(),
            value: value.into(),
            target: String::new(),
            verdict: Verdict::Info,
        }
    }
    pub fn target(mut self, target: impl Into<String>, met: bool) -> Self {
        self.target = target.into();
        self.verdict = if met { Verdict::Met } else { Verdict::Missed };
        self
    }
}

pub fn fmt_duration(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.1} µs")
    } else {
        format!("{:.2} ms", micros / 1000.0)
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| section | measure | median | target | met |\n| --- | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let met = match r.verdict {
            Verdict::Met => "yes",
            Verdict::Missed => "**no**",
            Verdict::Info => "",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.section, r.what, r.value, r.target, met
        ));
    }
    out
}

/// A plain HTTP/1.0 GET to a local service, the body as text (the bench reads moto's data.json).
pub async fn http_get(url: &str) -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("not http: {url}"))?;
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let (_, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow::anyhow!("no body from {url}"))?;
    Ok(body.to_owned())
}
