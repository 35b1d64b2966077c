//! Where a webhook may go (API.md, "Webhooks"): which IP addresses count as globally routable,
//! and which URLs an admin may register.
//!
//! Two gates, on purpose. [`UrlPolicy::check_url`] refuses at registration what is visibly wrong
//! (plain http, credentials in the URL, a literal private address), so the admin hears it at once.
//! A name's addresses can change after that, so the dialler (`webhooks::dial`) judges every
//! resolved address with [`is_globally_routable`] again at connect time, and dials that address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lambda_http::http::Uri;
use url::{Host, Position, Url};

/// Longest URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// IPv4 ranges that are not globally routable: (network, prefix length).
const IPV4_NOT_ROUTABLE: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),       // "this network", the unspecified address among them
    ([10, 0, 0, 0], 8),      // RFC 1918
    ([100, 64, 0, 0], 10),   // carrier-grade NAT (RFC 6598)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local, cloud metadata services among them
    ([172, 16, 0, 0], 12),   // RFC 1918
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
    ([192, 168, 0, 0], 16),  // RFC 1918
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, the broadcast address among them
];

/// Ranges inside 2000::/3 (IPv6 global unicast) that are not globally routable.
const IPV6_GLOBAL_EXCEPTIONS: &[(u128, u8)] = &[
    (0x2001_0000 << 96, 23), // IETF protocol assignments (Teredo, benchmarking, ORCHID)
    (0x2001_0db8 << 96, 32), // documentation
    (0x2002 << 112, 16),     // 6to4: deprecated (RFC 7526), and an IPv4 address in disguise
    (0x3fff << 112, 20),     // documentation (RFC 9637)
];

/// Whether `ip` is an address of the public internet, the only kind a webhook may reach.
///
/// IPv6 is allowed only inside 2000::/3, the global unicast space, which leaves out loopback,
/// unspecified, fc00::/7, fe80::/10, multicast and every reserved range at once. The forms of
/// IPv6 that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::a.b.c.d`) are judged by that IPv4 address.
pub fn is_globally_routable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => ipv4_is_global(v4),
        IpAddr::V6(v6) => match embedded_ipv4(v6) {
            Some(v4) => ipv4_is_global(v4),
            None => ipv6_is_global(v6),
        },
    }
}

fn ipv4_is_global(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !IPV4_NOT_ROUTABLE
        .iter()
        .any(|&(net, len)| same_prefix(bits.into(), u32::from_be_bytes(net).into(), len, 32))
}

fn ipv6_is_global(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    same_prefix(bits, 0x2000 << 112, 3, 128)
        && !IPV6_GLOBAL_EXCEPTIONS
            .iter()
            .any(|&(net, len)| same_prefix(bits, net, len, 128))
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (::ffff:0:0/96), IPv4-compatible
/// (::/96, deprecated but still dialled as IPv4 by some stacks) or NAT64 (64:ff9b::/96).
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(ip);
    let prefix = bits >> 32;
    let carries_ipv4 = prefix == 0xffff || prefix == 0 || prefix == 0x0064_ff9b << 64;
    carries_ipv4.then(|| Ipv4Addr::from(bits as u32))
}

/// Whether the first `len` bits of `a` and `b` (numbers `width` bits wide) are equal.
fn same_prefix(a: u128, b: u128, len: u8, width: u8) -> bool {
    len == 0 || (a ^ b) >> (width - len) == 0
}

/// Whether `ip` is a loopback address (127/8, ::1, or 127/8 written as IPv4-mapped IPv6).
pub(crate) fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// The hosts a local server may send webhooks to over plain http (`WEBHOOK_ALLOW_LOOPBACK`):
/// exactly these three, as a URL writes them (`[::1]` with its brackets, as `Uri::host` gives it).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "[::1]" | "::1") || host.eq_ignore_ascii_case("localhost")
}

/// What a webhook URL may be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// The local server's `WEBHOOK_ALLOW_LOOPBACK`: `http://127.0.0.1`, `http://[::1]` and
    /// `http://localhost` (any port) are allowed too. Never on in the Lambda functions.
    pub allow_loopback_http: bool,
}

/// Why a webhook URL is refused. The API answers `400 invalid_request` with `field: url` and
/// this sentence as its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("The URL is longer than {MAX_URL_LEN} characters. Use a shorter address.")]
    TooLong,
    #[error("The URL is not a valid web address. Check it for typos and spaces.")]
    Unparsable,
    #[error("The URL must start with https:// so that events travel encrypted.")]
    NotHttps,
    #[error(
        "The URL must not contain a user name or password. Check the signature with the secret instead."
    )]
    Credentials,
    #[error(
        "The URL points to a private, local or reserved address. Use an address reachable from the internet."
    )]
    NotRoutable,
}

/// A URL [`UrlPolicy::check_url`] accepted, fragment dropped (receivers never see one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    url: Url,
    uri: Uri,
}

impl WebhookUrl {
    /// The URL as it is stored and shown (normalised: lower-case scheme and host, punycode).
    pub fn as_str(&self) -> &str {
        &self.url[..Position::AfterQuery]
    }

    /// `https`, or `http` for a loopback host the policy allows.
    pub fn scheme(&self) -> &str {
        self.url.scheme()
    }

    /// The host as written in the URL: a name, an IPv4 address or a bracketed IPv6 address.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The literal IP address, when the host is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self.url.host()? {
            Host::Ipv4(v4) => Some(v4.into()),
            Host::Ipv6(v6) => Some(v6.into()),
            Host::Domain(_) => None,
        }
    }

    /// The port, the scheme's default when none is written.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }

    /// The path and query, as sent on the request line.
    pub fn path_and_query(&self) -> &str {
        &self.url[Position::BeforePath..Position::AfterQuery]
    }

    /// The URL as hyper takes it.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }
}

impl UrlPolicy {
    /// `raw` as a webhook destination, or the sentence that says why not.
    pub fn check_url(&self, raw: &str) -> Result<WebhookUrl, WebhookUrlError> {
        if raw.len() > MAX_URL_LEN {
            return Err(WebhookUrlError::TooLong);
        }
        let url = Url::parse(raw.trim()).map_err(|_| WebhookUrlError::Unparsable)?;
        let host = url.host().ok_or(WebhookUrlError::Unparsable)?;
        let loopback_allowed = self.allow_loopback_http
            && match &host {
                Host::Domain(name) => is_loopback_host(name),
                Host::Ipv4(v4) => *v4 == Ipv4Addr::LOCALHOST,
                Host::Ipv6(v6) => *v6 == Ipv6Addr::LOCALHOST,
            };
        match url.scheme() {
            "https" => {}
            "http" if loopback_allowed => {}
            _ => return Err(WebhookUrlError::NotHttps),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookUrlError::Credentials);
        }
        let routable = match &host {
            // Any other name is judged on its resolved addresses, each time it is dialled.
            Host::Domain(name) => loopback_allowed || !is_localhost_name(name),
            Host::Ipv4(v4) => loopback_allowed || is_globally_routable((*v4).into()),
            Host::Ipv6(v6) => loopback_allowed || is_globally_routable((*v6).into()),
        };
        if !routable {
            return Err(WebhookUrlError::NotRoutable);
        }
        let uri = url[..Position::AfterQuery]
            .parse::<Uri>()
            .map_err(|_| WebhookUrlError::Unparsable)?;
        Ok(WebhookUrl { url, uri })
    }
}

/// `localhost` and its subdomains, which resolvers answer with loopback (RFC 6761).
fn is_localhost_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_globally_routable() {
        let table: &[(&str, bool)] = &[
            ("93.184.216.34", true),
            ("8.8.8.8", true),
            ("1.1.1.1", true),
            ("2606:2800:220:1:248:1893:25c8:1946", true),
            ("2a00:1450:4001:80b::200e", true),
            ("10.0.0.1", false),
            ("10.255.255.255", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("172.32.0.1", true),
            ("192.168.1.1", false),
            ("100.64.0.1", false),
            ("100.127.255.255", false),
            ("100.128.0.1", true),
            ("127.0.0.1", false),
            ("127.255.255.254", false),
            ("169.254.169.254", false),
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("255.255.255.255", false),
            ("240.0.0.1", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("198.18.0.1", false),
            ("198.19.255.255", false),
            ("198.20.0.1", true),
            ("::", false),
            ("::1", false),
            ("fc00::1", false),
            ("fd12:3456:789a::1", false),
            ("fe80::1", false),
            ("febf::1", false),
            ("ff02::1", false),
            ("2001:db8::1", false),
            ("3fff::1", false),
            ("2001::1", false),
            ("2002:a00:1::1", false),
            ("100::1", false),
            ("64:ff9b:1::1", false),
            ("::ffff:10.0.0.1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:169.254.169.254", false),
            ("::ffff:93.184.216.34", true),
            ("::10.0.0.1", false),
            ("::93.184.216.34", true),
            ("64:ff9b::10.0.0.1", false),
            ("64:ff9b::a9fe:a9fe", false),
            ("64:ff9b::93.184.216.34", true),
        ];
        for &(ip, expected) in table {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(is_globally_routable(parsed), expected, "{ip}");
        }
    }

    const STRICT: UrlPolicy = UrlPolicy {
        allow_loopback_http: false,
    };
    const LOCAL: UrlPolicy = UrlPolicy {
        allow_loopback_http: true,
    };

    #[test]
    fn an_https_url_is_accepted_with_its_parts() {
        let url = STRICT
            .check_url("HTTPS://Hooks.Example.com/in/onboarding?team=7#top")
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://hooks.example.com/in/onboarding?team=7"
        );
        assert_eq!(url.scheme(), "https");
        assert_eq!(url.host(), "hooks.example.com");
        assert_eq!(url.ip(), None);
        assert_eq!(url.port(), 443);
        assert_eq!(url.path_and_query(), "/in/onboarding?team=7");
        assert_eq!(url.uri().host(), Some("hooks.example.com"));

        let url = STRICT
            .check_url("https://[2606:2800:220:1::1]:8443")
            .unwrap();
        assert_eq!(url.port(), 8443);
        assert_eq!(url.ip(), Some("2606:2800:220:1::1".parse().unwrap()));
        assert_eq!(url.path_and_query(), "/");
    }

    #[test]
    fn plain_http_to_a_public_host_is_refused_even_for_the_local_server() {
        for policy in [STRICT, LOCAL] {
            for raw in ["http://hooks.example.com/in", "http://93.184.216.34/in"] {
                assert_eq!(
                    policy.check_url(raw),
                    Err(WebhookUrlError::NotHttps),
                    "{raw}"
                );
            }
        }
        assert_eq!(
            STRICT.check_url("ftp://hooks.example.com/"),
            Err(WebhookUrlError::NotHttps)
        );
    }

    #[test]
    fn loopback_over_http_is_allowed_only_when_the_policy_allows_it() {
        for raw in [
            "http://127.0.0.1:8080/hook",
            "http://127.0.0.1/hook",
            "http://[::1]:9000/",
            "http://localhost:3000/hook",
            "http://LOCALHOST/",
            "https://127.0.0.1:8443/",
        ] {
            assert!(STRICT.check_url(raw).is_err(), "{raw}");
            assert!(LOCAL.check_url(raw).is_ok(), "{raw}");
        }
        // Only the three loopback hosts: not another loopback address nor a private one.
        for raw in [
            "http://127.0.0.2/",
            "http://10.0.0.1/",
            "http://app.localhost/",
        ] {
            assert!(LOCAL.check_url(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn a_literal_address_must_be_public_however_it_is_written() {
        for raw in [
            "https://10.0.0.1/",
            "https://192.168.0.10:8443/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://127.0.0.1/",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://017700000001/",
            "https://[::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://[::ffff:7f00:1]/",
            "https://[64:ff9b::a00:1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://localhost/",
            "https://status.localhost./",
        ] {
            assert_eq!(
                STRICT.check_url(raw),
                Err(WebhookUrlError::NotRoutable),
                "{raw}"
            );
        }
        assert!(STRICT.check_url("https://93.184.216.34/").is_ok());
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        for raw in [
            "https://user:pass@hooks.example.com/",
            "https://user@hooks.example.com/",
            "https://:pass@hooks.example.com/",
        ] {
            assert_eq!(
                STRICT.check_url(raw),
                Err(WebhookUrlError::Credentials),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_url_past_2048_characters_or_not_a_url_is_refused() {
        let base = "https://hooks.example.com/";
        let fits = format!("{base}{}", "a".repeat(MAX_URL_LEN - base.len()));
        assert!(STRICT.check_url(&fits).is_ok());
        let long = format!("{fits}a");
        assert_eq!(STRICT.check_url(&long), Err(WebhookUrlError::TooLong));
        for raw in [
            "",
            "hooks.example.com/in",
            "https://",
            "https://exa mple.com/",
            "/in",
        ] {
            assert_eq!(
                STRICT.check_url(raw),
                Err(WebhookUrlError::Unparsable),
                "{raw}"
            );
        }
    }

    #[test]
    fn every_refusal_is_a_sentence_that_says_what_to_do() {
        for error in [
            WebhookUrlError::TooLong,
            WebhookUrlError::Unparsable,
            WebhookUrlError::NotHttps,
            WebhookUrlError::Credentials,
            WebhookUrlError::NotRoutable,
        ] {
            let message = error.to_string();
            assert!(message.starts_with("The URL "), "{message}");
            assert!(message.ends_with('.'), "{message}");
        }
    }
}
