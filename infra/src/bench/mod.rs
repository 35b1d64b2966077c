//! The bench: measurements that print as one markdown table. Numbers are medians of repeated
//! runs; ratios are taken between figures of the same run.

pub mod argon2;
pub mod warm;

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
