//! The table's naming: the partition key of each kind of item, the attribute names that
//! expressions use, and how values are written (times, TTL seconds). Deployed tables hold items in
//! these formats, so they are a stored format, not a choice to revisit.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;

use super::errors::unwritable;
use crate::domain::{EmailAddress, Identifier, OrgId, TokenHash, TokenPurpose, UserId};
use crate::ports::StoreError;

pub(super) type Item = HashMap<String, AttributeValue>;

/// The attribute names that conditions and update expressions use; the item structs spell the same
/// names through `rename_all = "camelCase"`, and a test checks the two agree. `expiresAt` is the
/// table's TTL attribute (`template.yaml`, `infra/src/table.rs`).
pub(super) mod attr {
    pub const PK: &str = "pk";
    pub const ENTITY: &str = "entity";
    pub const ID: &str = "id";
    /// On a webhook item (and others): its organisation.
    pub const ORG_ID: &str = "orgId";
    /// On a `PHONE#` or `PASSKEY#` pointer: the user it points at.
    pub const USER_ID: &str = "userId";
    pub const STATUS: &str = "status";
    pub const ROLE: &str = "role";
    pub const NAME: &str = "name";
    pub const TEMPORARY_PASSWORD_HASH: &str = "temporaryPasswordHash";
    pub const PASSWORD_HASH: &str = "passwordHash";
    pub const SESSION_VERSION: &str = "sessionVersion";
    pub const SETUP_GENERATION: &str = "setupGeneration";
    pub const RESET_GENERATION: &str = "resetGeneration";
    pub const INVITE_STATUS: &str = "inviteStatus";
    pub const INVITE_EXPIRES_AT: &str = "inviteExpiresAt";
    pub const VALID_UNTIL: &str = "validUntil";
    pub const EXPIRES_AT: &str = "expiresAt";
    pub const USED_AT: &str = "usedAt";
    pub const COUNT: &str = "count";
    pub const MEMBER_OF: &str = "memberOf";
    pub const CREATED_AT: &str = "createdAt";
    pub const SETUP_TOKEN: &str = "setupToken";
    pub const RESET_TOKEN: &str = "resetToken";
    /// On a token item: wrong codes tried against its code.
    pub const WRONG_CODES: &str = "wrongCodes";
    pub const INVITE_MESSAGE_ID: &str = "inviteMessageId";
    pub const INVITE_BOUNCE_TYPE: &str = "inviteBounceType";
    pub const INVITE_REMINDER_SENT_AT: &str = "inviteReminderSentAt";
    pub const INVITE_CHANNEL: &str = "inviteChannel";
    pub const INVITE_FAILURE: &str = "inviteFailure";
    /// On a user item and a token item: the user's locale (absent: `DEFAULT_LOCALE`).
    pub const LOCALE: &str = "locale";
    /// On a user item: the WebAuthn user handle of the user's passkeys (set with the first one,
    /// never removed: with `passwordHash`, what "has set up" means in conditions).
    pub const PASSKEY_HANDLE: &str = "passkeyHandle";
    /// On a user item: the user's passkeys, a list of maps (`items::StoredPasskey`), whose
    /// elements expressions reach by index (`passkeys[2].signCount`).
    pub const PASSKEYS: &str = "passkeys";
    /// In a passkey's map: the attributes a sign-in rewrites (`id` is [`ID`]).
    pub const SIGN_COUNT: &str = "signCount";
    pub const BACKED_UP: &str = "backedUp";
    pub const LAST_USED_AT: &str = "lastUsedAt";
    pub const MAIL_QUEUE: &str = "mailQueue";
    pub const MAIL_DUE: &str = "mailDue";
    pub const ATTEMPTS: &str = "attempts";
    /// On a delivery job: the exact instant it is due (`mailDue` is it in milliseconds).
    pub const DUE: &str = "due";
    /// On an audit event about a user: `<org id>#<user id>`, the partition key of the user
    /// index (`byUser`).
    pub const AUDIT_USER: &str = "auditUser";
    /// On an audit event: its action's name (`invite.sent`), which a page of the log filters on.
    pub const ACTION: &str = "action";
    /// On a webhook item.
    pub const DISABLED_AT: &str = "disabledAt";
    pub const FAILING_SINCE: &str = "failingSince";
}

/// The organisation index (`template.yaml`, `infra/src/table.rs`): partition key `memberOf`,
/// sort key `createdAt`, every attribute projected. User items are in it under their
/// organisation's bare id; the audit log's items under prefixed partitions of their own
/// (`AUDIT#<org>`, `WEBHOOKS#<org>`, `HOOKJOBS#<webhook>`, `HOOKTRIES#<webhook>`), so no list
/// ever reads another kind's items.
pub(super) const ORG_INDEX: &str = "byOrg";

/// The outbox index (`template.yaml`, `infra/src/table.rs`): partition key `mailQueue`, sort key
/// `mailDue` (epoch milliseconds); sparse: only queued items carry the two, each with its queue's
/// name (`domain::Queue`: `mail` for emails, `text` for text messages, `expiry` for expiry
/// watches; and the webhooks' [`FANOUT_QUEUE`] and [`HOOK_QUEUE`]).
pub(super) const MAIL_INDEX: &str = "mailQueue";

/// The user index (`template.yaml`, `infra/src/table.rs`): partition key `auditUser`, sort key
/// `createdAt`, every attribute projected; sparse: only audit events about a user carry
/// `auditUser`, so it holds one user's events of one organisation, newest last.
pub(super) const USER_INDEX: &str = "byUser";

/// The attribute that records the newest token of `purpose` on the user item.
pub(super) fn token_attr(purpose: TokenPurpose) -> &'static str {
    match purpose {
        TokenPurpose::Setup => attr::SETUP_TOKEN,
        TokenPurpose::Reset => attr::RESET_TOKEN,
    }
}

// ---------------------------------------------------------------------------------------------
// Keys

pub(super) fn email_key(email: &EmailAddress) -> String {
    format!("EMAIL#{}", email.as_str())
}

/// The item of identifier `id`: `EMAIL#…`, or `PHONE#+…` (the user filed under their phone, or
/// the pointer of a phone beside an email).
pub(super) fn home_key(id: &Identifier) -> String {
    match id {
        Identifier::Email(email) => email_key(email),
        Identifier::Phone(phone) => format!("PHONE#{}", phone.as_str()),
    }
}

pub(super) fn user_key(id: &UserId) -> String {
    format!("USER#{}", id.0)
}

pub(super) fn token_key(hash: &TokenHash) -> String {
    format!("TOKEN#{}", hash.to_hex())
}

pub(super) fn message_key(message_id: &str) -> String {
    format!("MSG#{message_id}")
}

/// A passkey's pointer to its user: `id` is the credential id, base64url.
pub(super) fn passkey_key(id: &str) -> String {
    format!("PASSKEY#{id}")
}

/// A started passkey ceremony, under its challenge (base64url).
pub(super) fn ceremony_key(challenge: &str) -> String {
    format!("CEREMONY#{challenge}")
}

pub(super) fn counter_key(key: &str, window_start: i64) -> String {
    format!("RATE#{key}#{window_start}")
}

// ---------------------------------------------------------------------------------------------
// The audit log and webhooks

/// An audit event, under its id (`evt_…`).
pub(super) fn audit_key(event_id: &str) -> String {
    format!("AUDIT#{event_id}")
}

/// The organisation index's partition of an organisation's audit events: beside its users'
/// (the bare organisation id), never mixed with them.
pub(super) fn audit_feed(org: &OrgId) -> String {
    format!("AUDIT#{}", org.0)
}

/// The user index's partition of one user's audit events: the organisation is part of it, so a
/// query for one user never reads another organisation's events.
pub(super) fn audit_user(org: &OrgId, user: &UserId) -> String {
    format!("{}#{}", org.0, user.0)
}

pub(super) fn webhook_key(id: &str) -> String {
    format!("WEBHOOK#{id}")
}

/// An organisation's webhooks: their partition of the organisation index, and the key of the
/// counter item that holds them to the limit.
pub(super) fn webhooks_of(org: &OrgId) -> String {
    format!("WEBHOOKS#{}", org.0)
}

/// A delivery job, under its key (`<event id>#<webhook id>`, `DeliveryJob::key`).
pub(super) fn hook_job_key(job_key: &str) -> String {
    format!("HOOKJOB#{job_key}")
}

/// A webhook's delivery jobs: their partition of the organisation index (for a delete's sweep).
pub(super) fn hook_jobs_of(webhook_id: &str) -> String {
    format!("HOOKJOBS#{webhook_id}")
}

/// One attempt's record: the webhook, the attempt's [`order_key`].
pub(super) fn hook_attempt_key(webhook_id: &str, order: &str) -> String {
    format!("HOOKTRY#{webhook_id}#{order}")
}

/// A webhook's attempts: their partition of the organisation index, newest last.
pub(super) fn hook_attempts_of(webhook_id: &str) -> String {
    format!("HOOKTRIES#{webhook_id}")
}

/// The outbox index's queue of audit events not fanned out yet (the fan-out mark).
pub(super) const FANOUT_QUEUE: &str = "fanout";

/// The outbox index's queue of webhook deliveries.
pub(super) const HOOK_QUEUE: &str = "hook";

/// A sort key of the organisation or user index: the instant (as stored, fixed width) and a
/// unique tail, so string order is time order and no two items tie.
pub(super) fn order_key(at: DateTime<Utc>, tail: &str) -> String {
    format!("{}#{tail}", StoredTime(at).text())
}

/// The generation attribute that tokens of `purpose` are checked against.
pub(super) fn generation_attr(purpose: TokenPurpose) -> &'static str {
    match purpose {
        TokenPurpose::Setup => attr::SETUP_GENERATION,
        TokenPurpose::Reset => attr::RESET_GENERATION,
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// An instant as stored: nanosecond, fixed-width RFC 3339 (`…T10:00:00.000000000Z`), so string
/// order is time order and conditions such as `validUntil > :now` compare instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StoredTime(pub DateTime<Utc>);

impl StoredTime {
    pub(super) fn text(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Nanos, true)
    }
}

impl Serialize for StoredTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for StoredTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&raw)
            .map(|t| Self(t.to_utc()))
            // The text is a time that failed to parse; it is not worth a log line of its own.
            .map_err(|_| serde::de::Error::custom("a time that is not RFC 3339"))
    }
}

/// Expression values, in the same formats as the item structs' attributes.
pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn time(at: DateTime<Utc>) -> AttributeValue {
    s(StoredTime(at).text())
}

/// Epoch seconds for TTL, rounded up: DynamoDB must not delete an item before it has expired.
pub(super) fn ttl_seconds(at: DateTime<Utc>) -> i64 {
    at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0)
}

/// A value of one of the item structs' attribute types (a status, say) as an expression value.
pub(super) fn value<T: Serialize>(what: &'static str, v: T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(|e| unwritable(what, e))
}

/// What setting one's own password writes on the user item (`User::set_own_password` as an
/// update expression): the hash, `active`, a new session version (every earlier session ends),
/// both link generations moved on (every outstanding link dies), the temporary password gone.
/// A redemption (in its transaction) and a change of password (one `UpdateItem`) both write it.
pub(super) const SET_OWN_PASSWORD: &str = "SET #passwordHash = :hash, #status = :active, \
     #sessionVersion = :sv, #setupGen = #setupGen + :one, #resetGen = #resetGen + :one \
     REMOVE #temporaryPasswordHash";

/// `expression` (a SET clause first: [`SET_OWN_PASSWORD`], `passkeys::SET_OWN_PASSKEY`) that
/// also sets the user's locale (`#locale`, `:locale`): a redemption whose tech chose a language
/// on the link's page.
pub(super) fn with_locale(expression: &str) -> String {
    expression.replacen("SET ", "SET #locale = :locale, ", 1)
}

/// The condition that the user has a credential of their own (`User::has_own_credential`: set
/// up, by password or by passkey), naming `#passwordHash` and `#passkeyHandle`
/// ([`own_credential_names`]). A passkey handle stays once set, and a user drops to no passkey
/// only while holding a password, so the handle stands for "has a passkey or a password".
pub(super) const HAS_OWN_CREDENTIAL: &str =
    "(attribute_exists(#passwordHash) OR attribute_exists(#passkeyHandle))";

/// The opposite of [`HAS_OWN_CREDENTIAL`]: still on the temporary password, or on nothing yet.
pub(super) const NO_OWN_CREDENTIAL: &str =
    "attribute_not_exists(#passwordHash) AND attribute_not_exists(#passkeyHandle)";

/// The names [`HAS_OWN_CREDENTIAL`] and [`NO_OWN_CREDENTIAL`] use.
pub(super) fn own_credential_names() -> [(&'static str, &'static str); 2] {
    [
        ("#passwordHash", attr::PASSWORD_HASH),
        ("#passkeyHandle", attr::PASSKEY_HANDLE),
    ]
}

/// The names and values [`SET_OWN_PASSWORD`] refers to.
pub(super) struct OwnPassword<'a> {
    pub hash: &'a str,
    pub session_version: &'a str,
}

impl OwnPassword<'_> {
    /// Adds the names and values to a builder of either kind (a transaction's `Update`, or an
    /// `UpdateItem` call) through its own two adders.
    pub(super) fn apply<B>(
        &self,
        builder: B,
        name: impl Fn(B, &'static str, &'static str) -> B,
        val: impl Fn(B, &'static str, AttributeValue) -> B,
    ) -> Result<B, StoreError> {
        let names = [
            ("#passwordHash", attr::PASSWORD_HASH),
            ("#status", attr::STATUS),
            ("#sessionVersion", attr::SESSION_VERSION),
            ("#setupGen", attr::SETUP_GENERATION),
            ("#resetGen", attr::RESET_GENERATION),
            ("#temporaryPasswordHash", attr::TEMPORARY_PASSWORD_HASH),
        ];
        let values = [
            (":hash", s(self.hash)),
            (
                ":active",
                value("user status", crate::domain::UserStatus::Active)?,
            ),
            (":sv", s(self.session_version)),
            (":one", n(1)),
        ];
        let builder = names.into_iter().fold(builder, |b, (k, v)| name(b, k, v));
        Ok(values.into_iter().fold(builder, |b, (k, v)| val(b, k, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    /// A placeholder in the expression without its name or value (or the reverse) would fail
    /// only at run time, as DynamoDB's ValidationException.
    #[test]
    fn the_own_password_expression_defines_exactly_the_placeholders_it_uses() {
        let used = |sigil: char| {
            let mut found: Vec<String> = SET_OWN_PASSWORD
                .split(|c: char| !(c.is_alphanumeric() || c == '#' || c == ':'))
                .filter(|w| w.starts_with(sigil))
                .map(str::to_owned)
                .collect();
            found.sort();
            found.dedup();
            found
        };
        let (mut names, mut values) = OwnPassword {
            hash: "h",
            session_version: "v",
        }
        .apply(
            (Vec::new(), Vec::new()),
            |(mut n, v), k, _| {
                n.push(k.to_owned());
                (n, v)
            },
            |(n, mut v), k, _| {
                v.push(k.to_owned());
                (n, v)
            },
        )
        .unwrap();
        names.sort();
        values.sort();
        assert_eq!(names, used('#'));
        assert_eq!(values, used(':'));
    }

    /// A redemption with a chosen language sets exactly one thing more: the locale, in the
    /// SET clause (before REMOVE), under the placeholders `redeem` defines.
    #[test]
    fn the_own_password_and_locale_expression_adds_only_the_locale() {
        let with = with_locale(SET_OWN_PASSWORD);
        assert!(with.starts_with("SET #locale = :locale, "), "{with}");
        assert_eq!(
            with.replacen("#locale = :locale, ", "", 1),
            SET_OWN_PASSWORD
        );
    }

    #[test]
    fn stored_times_sort_as_strings_in_time_order() {
        let a = at("2026-11-24T10:00:00Z");
        let b = a + Duration::nanoseconds(1);
        let c = a + Duration::seconds(1);
        let (AttributeValue::S(a), AttributeValue::S(b), AttributeValue::S(c)) =
            (time(a), time(b), time(c))
        else {
            panic!("times are strings")
        };
        assert!(a < b && b < c, "{a} {b} {c}");
    }

    #[test]
    fn ttl_rounds_up_so_nothing_is_deleted_before_it_expires() {
        let a = at("2026-11-24T10:00:00Z");
        assert_eq!(ttl_seconds(a), a.timestamp());
        assert_eq!(
            ttl_seconds(a + Duration::milliseconds(1)),
            a.timestamp() + 1
        );
    }
}
