//! What each route costs on Lambda, modelled from what the bench measured here: CPU time per
//! request (`flows`, argon2 at the configured parameters included) and the store and mail round
//! trips it made, at each memory size Lambda offers the CPU of.
//!
//! The model: Lambda gives a function CPU in proportion to its memory, one full vCPU at
//! 1,769 MB, so a request's CPU time stretches by 1,769 / MB below that; the round trips add a
//! stated latency each, one after the other. Billed duration is that wall time rounded up to the
//! millisecond; the price is arm64's (the template's default architecture).

use std::time::Duration;

use super::flows::FlowCost;
use super::Row;
use onboarding::{Function, ROUTES};

/// The memory sizes the table models, in MB.
pub const SIZES: [u32; 4] = [256, 512, 1024, 1769];
/// Memory at which Lambda gives one full vCPU.
const FULL_CORE_MB: f64 = 1769.0;
/// arm64 Lambda, us-east-1: USD per GB-second (first 7.5 billion GB-s a month) and per request.
pub const ARM64_GB_SECOND_USD: f64 = 0.000_013_333_4;
pub const REQUEST_USD: f64 = 0.000_000_2;
/// Latencies assumed per round trip, in-region: DynamoDB single-item calls and queries,
/// DynamoDB transactions (two phases), SES v2 SendEmail.
const DYNAMODB_MS: f64 = 4.0;
const TRANSACTION_MS: f64 = 8.0;
const SES_MS: f64 = 25.0;

/// The latency assumption, as the table states it.
pub fn latency_note() -> String {
    format!(
        "round trips at {DYNAMODB_MS} ms per DynamoDB call, {TRANSACTION_MS} ms per TransactWriteItems, {SES_MS} ms per SendEmail, one after the other (calls a route sends together are counted apart: an upper bound); CPU time × 1769 / MB below 1,769 MB, measured on this x86_64 machine (argon2's AVX2 code; arm64 runs its portable code, not measured here, so arm64's hashing routes take longer than modelled); forgot-password padded to FORGOT_MIN_RESPONSE_MS as deployed; priced at arm64's ${ARM64_GB_SECOND_USD} per GB-s + ${REQUEST_USD} per request (x86_64: $0.0000166667 per GB-s)"
    )
}

fn round_trip_ms(flow: &FlowCost) -> f64 {
    let dynamo: f64 = flow
        .dynamo
        .iter()
        .map(|op| {
            if op == "TransactWriteItems" {
                TRANSACTION_MS
            } else {
                DYNAMODB_MS
            }
        })
        .sum();
    dynamo + flow.ses as f64 * SES_MS
}

/// Modelled wall time in ms at `mb`.
pub fn wall_ms(cpu: Duration, round_trips_ms: f64, mb: u32) -> f64 {
    let stretch = (FULL_CORE_MB / f64::from(mb)).max(1.0);
    cpu.as_secs_f64() * 1e3 * stretch + round_trips_ms
}

/// A route's modelled wall time at `mb`, never under its floor.
fn route_wall_ms(f: &FlowCost, mb: u32) -> f64 {
    wall_ms(f.cpu, round_trip_ms(f), mb).max(f.floor.as_secs_f64() * 1e3)
}

/// Modelled USD per million requests at `mb` for a wall time of `wall_ms`.
pub fn cost_per_million(wall_ms: f64, mb: u32) -> f64 {
    let billed_s = wall_ms.ceil() / 1e3;
    1e6 * (f64::from(mb) / 1024.0 * billed_s * ARM64_GB_SECOND_USD + REQUEST_USD)
}

/// The function behind a request, from the route table (`{id}` matches one segment).
pub fn function_of(method: &str, path: &str) -> Option<Function> {
    let segments: Vec<&str> = path.split('/').collect();
    ROUTES
        .iter()
        .find(|r| {
            let pattern: Vec<&str> = r.path.split('/').collect();
            r.method == method
                && pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p.starts_with('{') || p == s)
        })
        .map(|r| r.function)
}

/// The memory the model picks for a function: the smallest size at which its slowest route is
/// within 1.5× of its wall time on a full core. Below that, sign-ins wait on a CPU share for
/// little saving; above it, memory buys almost no time and costs in proportion.
pub fn chosen_size(flows: &[&FlowCost]) -> u32 {
    let worst = |mb: u32| {
        flows
            .iter()
            // The work, not a padding floor: memory cannot shorten that.
            .map(|f| wall_ms(f.cpu, round_trip_ms(f), mb))
            .fold(0.0, f64::max)
    };
    let full = worst(1769);
    SIZES
        .into_iter()
        .find(|&mb| worst(mb) <= 1.5 * full)
        .unwrap_or(1769)
}

/// Each function's `MemorySize` in template.yaml (its `Properties`).
pub fn template_memory(template: &str, resource: &str) -> Option<u32> {
    let start = template.find(&format!("\n  {resource}:\n"))?;
    let rest = &template[start + resource.len() + 5..];
    // The resource ends where the next one starts: two spaces of indent, then a name.
    let end = rest
        .match_indices("\n  ")
        .find(|(i, _)| rest[i + 3..].starts_with(|c: char| c.is_ascii_alphabetic()))
        .map_or(rest.len(), |(i, _)| i);
    let body = &rest[..end];
    body.lines()
        .find_map(|l| l.trim().strip_prefix("MemorySize:"))
        .and_then(|v| v.trim().parse().ok())
}

fn resource(function: Function) -> &'static str {
    match function {
        Function::CreateUser => "CreateUserFunction",
        Function::RedeemToken => "RedeemTokenFunction",
        Function::Login => "LoginFunction",
    }
}

/// The table's rows: one per route measured, then each function's chosen size beside the
/// template's.
pub fn rows(flows: &[FlowCost], template: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for f in flows {
        let rt = round_trip_ms(f);
        let function = function_of(f.method.as_str(), &f.path)
            .map(|f| f.name())
            .unwrap_or("?");
        let per_size: Vec<String> = SIZES
            .iter()
            .map(|&mb| {
                let wall = route_wall_ms(f, mb);
                format!("{mb} MB {wall:.0} ms ${:.2}", cost_per_million(wall, mb))
            })
            .collect();
        rows.push(Row::new(
            "cost per route",
            format!("{} [{function}]", f.name),
            format!(
                "CPU {}; {} DynamoDB + {} SES round trips ({rt:.0} ms), {:.1} capacity units; wall and USD per million: {}",
                super::fmt_duration(f.cpu),
                f.dynamo.len(),
                f.ses,
                f.units,
                per_size.join(" · ")
            ),
        ));
    }
    rows.push(Row::new("cost per route", "the model", latency_note()));
    for function in [Function::CreateUser, Function::RedeemToken, Function::Login] {
        let served: Vec<&FlowCost> = flows
            .iter()
            .filter(|f| function_of(f.method.as_str(), &f.path) == Some(function))
            .collect();
        if served.is_empty() {
            continue;
        }
        let chosen = chosen_size(&served);
        let set = template_memory(template, resource(function));
        rows.push(
            Row::new(
                "cost per route",
                format!("{} MemorySize", function.name()),
                format!(
                    "template.yaml: {}; the model's choice: {chosen} MB (smallest size whose slowest route is within 1.5× of a full core)",
                    set.map_or("unset".to_owned(), |mb| format!("{mb} MB"))
                ),
            )
            .target("template = the model's choice", set == Some(chosen)),
        );
    }
    rows
}

/// The mailer is not on the route table: its unit of work is one email of a sweep, which the
/// sweep paces at `MAIL_SEND_RATE` (14 a second, SES's default quota). Its size: the smallest at
/// which one email's modelled wall time fits in its 1/14 s slot, so the sweep keeps SES's pace.
pub fn mailer_rows(cost: &super::mail::MailCost, template: &str) -> Vec<Row> {
    const RATE: f64 = 14.0;
    let rt: f64 = cost
        .calls
        .iter()
        .map(|(op, n)| {
            n * match *op {
                "TransactWriteItems" => TRANSACTION_MS,
                "SendEmail" => SES_MS,
                _ => DYNAMODB_MS,
            }
        })
        .sum();
    let per_size: Vec<String> = SIZES
        .iter()
        .map(|&mb| {
            let wall = wall_ms(cost.cpu, rt, mb);
            format!("{mb} MB {wall:.0} ms ${:.2}", cost_per_million(wall, mb))
        })
        .collect();
    let slot = 1e3 / RATE;
    let chosen = SIZES
        .into_iter()
        .find(|&mb| wall_ms(cost.cpu, rt, mb) <= slot)
        .unwrap_or(1769);
    let set = template_memory(template, "MailerFunction");
    vec![
        Row::new(
            "cost per route",
            "one email of a sweep [mailer]",
            format!(
                "CPU {}; round trips {rt:.0} ms; wall and USD per million emails (billed per email): {}",
                super::fmt_duration(cost.cpu),
                per_size.join(" · ")
            ),
        ),
        Row::new(
            "cost per route",
            "mailer MemorySize",
            format!(
                "template.yaml: {}; the model's choice: {chosen} MB (smallest size at which one email fits its {slot:.0} ms slot at {RATE} a second)",
                set.map_or("unset".to_owned(), |mb| format!("{mb} MB"))
            ),
        )
        .target("template = the model's choice", set == Some(chosen)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_stretches_below_a_full_core_only() {
        let cpu = Duration::from_millis(10);
        assert!((wall_ms(cpu, 5.0, 1769) - 15.0).abs() < 1e-9);
        assert!((wall_ms(cpu, 5.0, 3008) - 15.0).abs() < 1e-9);
        assert!((wall_ms(cpu, 0.0, 256) - 10.0 * 1769.0 / 256.0).abs() < 1e-9);
    }

    #[test]
    fn cost_is_billed_by_the_started_millisecond() {
        // 1 GB for 100 ms: 0.1 GB-s, plus the request.
        let c = cost_per_million(99.2, 1024);
        assert!((c - (1e6 * 0.1 * ARM64_GB_SECOND_USD + 0.2)).abs() < 1e-9);
    }

    #[test]
    fn requests_find_their_function() {
        assert_eq!(function_of("POST", "/login"), Some(Function::Login));
        assert_eq!(
            function_of("POST", "/users/abc/disable"),
            Some(Function::CreateUser)
        );
        assert_eq!(function_of("GET", "/setup"), Some(Function::RedeemToken));
        assert_eq!(function_of("GET", "/nope"), None);
    }

    #[test]
    fn the_templates_sizes_are_read_per_function() {
        let t = "Resources:\n  LoginFunction:\n    Type: X\n    Properties:\n      MemorySize: 1024\n  MailerFunction:\n    Properties:\n      MemorySize: 256\n";
        assert_eq!(template_memory(t, "LoginFunction"), Some(1024));
        assert_eq!(template_memory(t, "MailerFunction"), Some(256));
        assert_eq!(template_memory(t, "CreateUserFunction"), None);
    }
}
