//! Durations as operators write them in the environment: `604800`, `604800s`, `30m`, `12h`, `7d`.

use chrono::Duration;

/// Parses `604800`, `604800s`, `30m`, `12h`, `7d`.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (digits, unit) = match raw.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: i64 = digits.parse().ok()?;
    if n <= 0 {
        return None;
    }
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    // Ten years is more than any link or session should live; it also keeps chrono in range.
    (secs <= 10 * 365 * 86_400).then(|| Duration::seconds(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_seconds_or_a_unit() {
        assert_eq!(parse_duration("604800"), Some(Duration::days(7)));
        assert_eq!(parse_duration("7d"), Some(Duration::days(7)));
        assert_eq!(parse_duration("30m"), Some(Duration::minutes(30)));
        assert_eq!(parse_duration("12h"), Some(Duration::hours(12)));
        assert_eq!(parse_duration("5s"), Some(Duration::seconds(5)));
        for bad in ["", "0", "-5", "7w", "d", "1.5h", "99999999999999999999"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }
}
