//! The local mailbox of the local server: each email becomes one RFC 5322 `.eml` file
//! (multipart/alternative, text and HTML) under `DATA_DIR/outbox/`, and its link is printed on
//! the console so a developer can click it. Nothing leaves the machine.
//!
//! It also plays SES's mailbox simulator: [`simulated_event`] says what SES would report for an
//! address (`bounce@simulator.amazonses.com` bounces for good, `complaint@…` draws a complaint,
//! anything else is delivered), and the local server applies that event to the invite shortly
//! after the email is written (`infra::local::simulate_mailbox`).

use async_trait::async_trait;
use base64::Engine;
use chrono::Utc;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

use crate::domain::{BounceType, DeliveryEvent};
use crate::ports::{EmailMessage, MailError, Mailer};

/// The domain of SES's mailbox simulator.
pub const SIMULATOR_DOMAIN: &str = "simulator.amazonses.com";

/// What SES's mailbox simulator reports for mail to `to` (any case; `+label` forms count as the
/// plain address): a permanent bounce for `bounce@`, a complaint for `complaint@`; every other
/// address, at the simulator or not, counts as delivered.
pub fn simulated_event(to: &str) -> DeliveryEvent {
    let to = to.trim().to_ascii_lowercase();
    let Some((local, domain)) = to.rsplit_once('@') else {
        return DeliveryEvent::Delivered;
    };
    if domain != SIMULATOR_DOMAIN {
        return DeliveryEvent::Delivered;
    }
    match local.split('+').next().unwrap_or_default() {
        "bounce" => DeliveryEvent::Bounced(BounceType::Permanent),
        "complaint" => DeliveryEvent::Complained,
        _ => DeliveryEvent::Delivered,
    }
}

/// [`simulated_event`] in words, as `/_dev/mail` shows it.
pub fn simulated_status(to: &str) -> &'static str {
    match simulated_event(to) {
        DeliveryEvent::Delivered => "delivered",
        DeliveryEvent::Bounced(BounceType::Permanent) => "bounced (permanent)",
        DeliveryEvent::Bounced(BounceType::Transient) => "bounced (transient)",
        DeliveryEvent::Complained => "complained",
    }
}

/// The header that carries the id [`LocalMailbox::send`] returns (SES's `MessageId` on AWS).
pub const MESSAGE_ID_HEADER: &str = "X-Outbox-Message-Id";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Clone)]
pub struct LocalMailbox {
    dir: PathBuf,
    from: String,
    print_links: bool,
}

/// An email read back from the outbox.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub file_name: String,
    pub to: String,
    pub from: String,
    pub subject: String,
    pub date: String,
    /// The id `send` returned for it (empty for files an older version wrote).
    pub message_id: String,
    pub text: String,
    pub html: String,
}

impl LocalMailbox {
    /// `from` is the full From header value, e.g. `Onboarding <noreply@example.com>`.
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>, print_links: bool) -> Self {
        Self {
            dir: dir.into(),
            from: from.into(),
            print_links,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn prints_links(&self) -> bool {
        self.print_links
    }

    /// Writes `bytes` as the outbox's file `name`, whole or not at all (write, then rename). The
    /// messages hold live setup and reset links: the folder and each file are this user's only
    /// (0700 and 0600), never readable by other accounts on the machine.
    pub(super) async fn write_private(&self, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let mut folder = tokio::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        folder.mode(0o700);
        folder.create(&self.dir).await?;
        #[cfg(unix)]
        {
            // An outbox an older version made 0755 is narrowed too.
            use std::os::unix::fs::PermissionsExt;
            tokio::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700)).await?;
        }
        let path = self.dir.join(name);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut file = tokio::fs::OpenOptions::new();
        file.write(true).create_new(true);
        #[cfg(unix)]
        file.mode(0o600);
        let mut file = file.open(&tmp).await?;
        file.write_all(bytes).await?;
        // tokio writes on a blocking thread: wait for it before the rename.
        file.flush().await?;
        drop(file);
        tokio::fs::rename(&tmp, &path).await?;
        Ok(path)
    }
}

/// RFC 2047 for headers that are not plain ASCII.
fn encode_header(value: &str) -> String {
    if value.is_ascii() && !value.contains(['\r', '\n']) {
        value.to_owned()
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            B64.encode(value.replace(['\r', '\n'], " "))
        )
    }
}

fn wrap_base64(body: &str) -> String {
    let encoded = B64.encode(body.as_bytes());
    encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Renders the message as RFC 5322 text; `message_id` is the id `send` returns.
pub fn render_eml(from: &str, message: &EmailMessage, boundary: &str, message_id: &str) -> String {
    let date = Utc::now().to_rfc2822();
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{message_id}@outbox.local>\r\n{MESSAGE_ID_HEADER}: {message_id}\r\n\
         MIME-Version: 1.0\r\nX-Email-Purpose: {purpose}\r\n\
         Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{text}\r\n\
         --{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{html}\r\n\
         --{boundary}--\r\n",
        from = encode_header(from),
        to = message.to,
        subject = encode_header(&message.subject),
        purpose = message.purpose,
        text = wrap_base64(&message.text),
        html = wrap_base64(&message.html),
    )
}

#[async_trait]
impl Mailer for LocalMailbox {
    async fn send(&self, message: &EmailMessage) -> Result<String, MailError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let eml = render_eml(&self.from, message, &format!("b-{id}"), &id);
        let name = format!(
            "{}-{}-{}.eml",
            Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
            message.purpose,
            &id[..8]
        );
        let path = self
            .write_private(&name, eml.as_bytes())
            .await
            .map_err(|e| MailError::Unavailable(format!("cannot write to the outbox: {e}")))?;
        if self.print_links {
            // The developer's console, not the log: this is how a local developer clicks the link.
            println!(
                "\n  ✉  {} email to {} saved as {}\n     Open: {}\n",
                message.purpose,
                message.to,
                path.display(),
                message.link
            );
        }
        Ok(id)
    }
}

/// The outbox's finished files whose names end in `suffix` (`.eml`, `.sms.json`), as (name,
/// contents), newest first (names start with the time they were written); none when there is
/// no outbox yet. A file still being written (`.name.tmp`) is not one of them.
pub(super) fn outbox_files(dir: &Path, suffix: &str) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(suffix) && !name.starts_with('.') {
            out.push((name, std::fs::read(entry.path())?));
        }
    }
    out.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(out)
}

/// Reads the outbox, newest first.
pub fn read_outbox(dir: &Path) -> std::io::Result<Vec<OutboxMessage>> {
    Ok(outbox_files(dir, ".eml")?
        .into_iter()
        .filter_map(|(name, raw)| parse_eml(&name, &String::from_utf8_lossy(&raw)))
        .collect())
}

fn decode_header(value: &str) -> String {
    value
        .strip_prefix("=?UTF-8?B?")
        .and_then(|v| v.strip_suffix("?="))
        .and_then(|v| B64.decode(v).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| value.to_owned())
}

/// Parses the `.eml` files this mailer writes (not arbitrary MIME).
pub fn parse_eml(file_name: &str, raw: &str) -> Option<OutboxMessage> {
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(decode_header))
            .unwrap_or_default()
    };
    let boundary = header("Content-Type")
        .split("boundary=\"")
        .nth(1)?
        .trim_end_matches('"')
        .to_owned();
    let mut text = String::new();
    let mut html = String::new();
    for part in body.split(&format!("--{boundary}")) {
        let Some((part_head, part_body)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let decoded = B64
            .decode(part_body.replace("\r\n", "").trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        if part_head.contains("text/plain") {
            text = decoded;
        } else if part_head.contains("text/html") {
            html = decoded;
        }
    }
    Some(OutboxMessage {
        file_name: file_name.to_owned(),
        to: header("To"),
        from: header("From"),
        subject: header("Subject"),
        date: header("Date"),
        message_id: header(MESSAGE_ID_HEADER),
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EmailAddress;

    #[tokio::test]
    async fn an_email_round_trips_through_an_eml_file() {
        let dir = std::env::temp_dir().join(format!("outbox-test-{}", uuid::Uuid::new_v4()));
        let mailer = LocalMailbox::new(&dir, "Onboarding <noreply@example.com>", false);
        let message = EmailMessage {
            to: EmailAddress::parse("ana@example.com").unwrap(),
            subject: "Welcome to Northwind — set up your account".into(),
            html: "<p>Hello <b>Ana</b> ✓</p>".into(),
            text: "Hello Ana ✓\nhttps://x.example/setup?token=abc".into(),
            link: "https://x.example/setup?token=abc".into(),
            purpose: "welcome",
        };
        let id = mailer.send(&message).await.unwrap();
        let messages = read_outbox(&dir).unwrap();
        assert_eq!(messages.len(), 1);
        let m = &messages[0];
        assert_eq!(m.message_id, id);
        assert_eq!(m.to, "ana@example.com");
        assert_eq!(m.subject, message.subject);
        assert_eq!(m.text, message.text);
        assert_eq!(m.html, message.html);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_simulator_addresses_draw_what_ses_would_report() {
        let bounce = DeliveryEvent::Bounced(BounceType::Permanent);
        assert_eq!(simulated_event("bounce@simulator.amazonses.com"), bounce);
        assert_eq!(
            simulated_event("Bounce+Ana@Simulator.AmazonSES.com"),
            bounce
        );
        assert_eq!(
            simulated_event("complaint+x@simulator.amazonses.com"),
            DeliveryEvent::Complained
        );
        for other in [
            "success@simulator.amazonses.com",
            "bounce@example.com",
            "ana@example.com",
        ] {
            assert_eq!(simulated_event(other), DeliveryEvent::Delivered, "{other}");
        }
    }
}
