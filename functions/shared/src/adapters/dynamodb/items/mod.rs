//! The items: one serde struct per kind of item, mapped to and from attribute maps by
//! `serde_dynamo`, and their conversions to and from the domain. Deployed tables hold these items,
//! so names, types and formats are a stored format: the tests (`tests.rs`) pin them attribute by
//! attribute, as the hand-written mapping before them wrote them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::errors::{malformed, unwritable};
use super::layout::{home_key, message_key, token_key, ttl_seconds, user_key, Item, StoredTime};
use crate::domain::{
    BounceType, Contacts, EmailAddress, FailureReason, Identifier, InviteChannel, InviteStatus,
    Locale, OrgId, PhoneNumber, Role, TokenHash, TokenPurpose, TokenRecord, User, UserId,
    UserStatus,
};
use crate::domain::{CodeHash, Invite};
use crate::ports::{StoreError, MESSAGE_LOOKUP_DAYS};
use chrono::{DateTime, Duration, Utc};

mod audit;
mod passkeys;
pub(super) use audit::{AttemptItem, AuditItem, DeliveryJobItem, OrderKey, WebhookItem};
pub(super) use passkeys::{CeremonyItem, PasskeyPointerItem, StoredPasskey};

/// One of the item structs as an attribute map.
pub(super) fn to_item<T: Serialize>(what: &'static str, value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| unwritable(what, e))
}

/// An attribute map as one of the item structs; `what` names the kind of item in the error.
pub(super) fn from_item<T: DeserializeOwned>(
    what: &'static str,
    item: Item,
) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| malformed(what, e))
}

// ---------------------------------------------------------------------------------------------
// Items

/// `EMAIL#<normalised email>`, or `PHONE#<E.164>` for a user without an email (the identifier
/// the user is filed under, [`Contacts::home`]): the whole user. Optional attributes are left out when empty rather
/// than stored as NULL, as they always were.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserItem {
    pk: String,
    entity: String,
    id: UserId,
    org_id: OrgId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<EmailAddress>,
    /// A phone beside an email also has a `PHONE#` item pointing here ([`PhoneItem`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    role: Role,
    status: UserStatus,
    created_at: StoredTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    temporary_password_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_hash: Option<String>,
    session_version: String,
    setup_generation: u64,
    reset_generation: u64,
    /// With `inviteExpiresAt`, the user's invite; both absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_status: Option<InviteStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_expires_at: Option<StoredTime>,
    /// The mail service's id of the invite's newest welcome email, and how it bounced (if it
    /// did); a `MSG#<id>` item points back here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_bounce_type: Option<BounceType>,
    /// When the invite's one reminder was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_reminder_sent_at: Option<StoredTime>,
    /// How the invite's link went out (`email`, `sms`, `link`); absent before texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_channel: Option<InviteChannel>,
    /// Why a `failed` invite failed, when the recipient refused (`opted_out`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_failure: Option<FailureReason>,
    /// The organisation again, as the partition key of the organisation index (`byOrg`, sorted
    /// by `createdAt`), which lists an organisation's users. Only user items carry it, so the
    /// index holds nothing else (tokens have an `orgId` and a `createdAt` too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    member_of: Option<OrgId>,
    /// The hashes (hex) of the user's newest setup and reset tokens, so cancelling an invite can
    /// delete them in its transaction; older tokens are dead by generation and left to TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    setup_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reset_token: Option<String>,
    /// The user's language (`en`, `es`, `fr`, `de`, `pt-BR`); absent before languages, and
    /// for a user who has none (`DEFAULT_LOCALE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locale: Option<Locale>,
    /// The WebAuthn user handle of the user's passkeys; absent before passkeys, and for a user
    /// who never had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    passkey_handle: Option<String>,
    /// The user's passkeys, oldest first; each also has a `PASSKEY#` pointer
    /// ([`PasskeyPointerItem`]). Absent before passkeys and until the first one; an empty list
    /// once the last one is removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    passkeys: Vec<StoredPasskey>,
}

impl From<&User> for UserItem {
    fn from(user: &User) -> Self {
        Self {
            pk: home_key(&user.home()),
            entity: "user".into(),
            id: user.id.clone(),
            org_id: user.org_id.clone(),
            org_name: user.org_name.clone(),
            email: user.contacts.email.clone(),
            phone: user.contacts.phone.clone(),
            name: user.name.clone(),
            role: user.role,
            status: user.status,
            created_at: StoredTime(user.created_at),
            temporary_password_hash: user.temporary_password_hash.clone(),
            password_hash: user.password_hash.clone(),
            session_version: user.session_version.clone(),
            setup_generation: user.setup_generation,
            reset_generation: user.reset_generation,
            invite_status: user.invite.as_ref().map(|i| i.status),
            invite_expires_at: user.invite.as_ref().map(|i| StoredTime(i.expires_at)),
            invite_message_id: user.invite.as_ref().and_then(|i| i.message_id.clone()),
            invite_bounce_type: user.invite.as_ref().and_then(|i| i.bounce_type),
            invite_reminder_sent_at: user
                .invite
                .as_ref()
                .and_then(|i| i.reminder_sent_at.map(StoredTime)),
            invite_channel: user.invite.as_ref().and_then(|i| i.channel),
            invite_failure: user.invite.as_ref().and_then(|i| i.failure),
            member_of: Some(user.org_id.clone()),
            setup_token: None,
            reset_token: None,
            locale: user.locale,
            passkey_handle: user.passkey_handle.clone(),
            passkeys: user.passkeys.iter().map(StoredPasskey::from).collect(),
        }
    }
}

impl UserItem {
    /// This item with the newest-token hashes `stored` records (a rewrite that keeps the links).
    pub(super) fn keeping_tokens_of(mut self, stored: &UserItem) -> Self {
        self.setup_token = stored.setup_token.clone();
        self.reset_token = stored.reset_token.clone();
        self
    }

    /// The user this item holds, leaving the item as it is.
    pub(super) fn clone_user(&self) -> Result<User, StoreError> {
        self.clone().into_user()
    }

    /// The item of a new user whose first setup token is `token`.
    pub(super) fn with_setup_token(mut self, token: Option<&TokenRecord>) -> Self {
        self.setup_token = token.map(|t| t.hash.to_hex());
        self
    }

    /// The token hashes this item records (newest setup and reset links).
    pub(super) fn recorded_tokens(&self) -> Vec<TokenHash> {
        [&self.setup_token, &self.reset_token]
            .into_iter()
            .flatten()
            .filter_map(|hex| TokenHash::from_hex(hex))
            .collect()
    }

    pub(super) fn into_user(self) -> Result<User, StoreError> {
        let invite = match self.invite_status {
            None => None,
            Some(status) => Some(Invite {
                status,
                expires_at: self
                    .invite_expires_at
                    .ok_or_else(|| malformed("user", "inviteStatus without inviteExpiresAt"))?
                    .0,
                message_id: self.invite_message_id,
                bounce_type: self.invite_bounce_type,
                reminder_sent_at: self.invite_reminder_sent_at.map(|t| t.0),
                channel: self.invite_channel,
                failure: self.invite_failure,
            }),
        };
        let contacts = Contacts::new(self.email, self.phone)
            .ok_or_else(|| malformed("user", "neither email nor phone"))?;
        Ok(User {
            id: self.id,
            org_id: self.org_id,
            org_name: self.org_name,
            contacts,
            name: self.name,
            role: self.role,
            status: self.status,
            created_at: self.created_at.0,
            temporary_password_hash: self.temporary_password_hash,
            password_hash: self.password_hash,
            session_version: self.session_version,
            setup_generation: self.setup_generation,
            reset_generation: self.reset_generation,
            invite,
            locale: self.locale,
            passkey_handle: self.passkey_handle,
            passkeys: self.passkeys.into_iter().map(Into::into).collect(),
        })
    }
}

/// A stored user item as the domain's user.
pub(super) fn user_from_item(item: Item) -> Result<User, StoreError> {
    from_item::<UserItem>("user", item)?.into_user()
}

/// `USER#<id>`: where a user id's item is, so a session's user is two reads away. The attribute
/// is `email` since before phones; for a user filed under their phone it holds the E.164 number.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserIdItem {
    pk: String,
    entity: String,
    #[serde(rename = "email")]
    pub home: Identifier,
}

impl From<&User> for UserIdItem {
    fn from(user: &User) -> Self {
        Self {
            pk: user_key(&user.id),
            entity: "user-id".into(),
            home: user.home(),
        }
    }
}

/// `PHONE#<E.164>` of a user filed under their email: the phone's claim (phones are unique as
/// emails are) and where its user is, so sign-in by phone is two reads away.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PhoneItem {
    pk: String,
    entity: String,
    pub user_id: UserId,
    pub email: EmailAddress,
}

impl PhoneItem {
    /// The pointer for `user`'s phone, when the user has a phone and is filed under an email.
    pub(super) fn of(user: &User) -> Option<Self> {
        let (Some(email), Some(phone)) = (&user.contacts.email, &user.contacts.phone) else {
            return None;
        };
        Some(Self {
            pk: home_key(&Identifier::Phone(phone.clone())),
            entity: "phone".into(),
            user_id: user.id.clone(),
            email: email.clone(),
        })
    }

    pub(super) fn key(&self) -> &str {
        &self.pk
    }
}

/// What a `PHONE#` item is: the user itself, or a pointer to the user's email item.
pub(super) fn is_phone_pointer(item: &Item) -> bool {
    item.get("entity")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        == Some("phone")
}

/// `MSG#<message id>`: which user's invite a welcome email was, so the mail service's event about
/// it finds the user item in one `GetItem`. Kept [`crate::ports::MESSAGE_LOOKUP_DAYS`] (TTL);
/// whether the email is still the invite's newest is the user item's `inviteMessageId`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MessageItem {
    pk: String,
    entity: String,
    pub user_id: UserId,
    /// Where the user is filed (named `email` since before phones).
    #[serde(rename = "email")]
    pub home: Identifier,
    expires_at: i64,
}

impl MessageItem {
    pub(super) fn new(
        message_id: &str,
        user_id: &UserId,
        home: &Identifier,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            pk: message_key(message_id),
            entity: "message".into(),
            user_id: user_id.clone(),
            home: home.clone(),
            expires_at: ttl_seconds(now + Duration::days(MESSAGE_LOOKUP_DAYS)),
        }
    }
}

/// `TOKEN#<sha256 hex>`: a setup or reset token and its copy of the user's identity. The hash is
/// only in the key. `validUntil` is the exact expiry that code and conditions check; `expiresAt`
/// is the same instant in epoch seconds for TTL, which deletes late.
/// No `Debug`: it carries the code's keyed hash.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TokenItem {
    pk: String,
    entity: String,
    purpose: TokenPurpose,
    user_id: UserId,
    org_id: OrgId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<EmailAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    user_created_at: StoredTime,
    role: Role,
    generation: u64,
    created_at: StoredTime,
    valid_until: StoredTime,
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_at: Option<StoredTime>,
    /// The keyed hash of the code beside the link, and its key's id (`domain::code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_key: Option<String>,
    /// Only ever added to by `UpdateItem` (`links::take_wrong_code_slot`).
    #[serde(default, skip_serializing_if = "is_zero")]
    wrong_codes: u32,
    /// The user's locale when the link was issued; absent for links issued before languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locale: Option<Locale>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl From<&TokenRecord> for TokenItem {
    fn from(token: &TokenRecord) -> Self {
        Self {
            pk: token_key(&token.hash),
            entity: "token".into(),
            purpose: token.purpose,
            user_id: token.user_id.clone(),
            org_id: token.org_id.clone(),
            email: token.contacts.email.clone(),
            phone: token.contacts.phone.clone(),
            org_name: token.org_name.clone(),
            name: token.name.clone(),
            user_created_at: StoredTime(token.user_created_at),
            role: token.role,
            generation: token.generation,
            created_at: StoredTime(token.created_at),
            valid_until: StoredTime(token.expires_at),
            expires_at: ttl_seconds(token.expires_at),
            used_at: token.used_at.map(StoredTime),
            code_hash: token.code.as_ref().map(|c| c.hash.clone()),
            code_key: token.code.as_ref().map(|c| c.key.clone()),
            wrong_codes: token.wrong_codes,
            locale: token.locale,
        }
    }
}

impl TokenItem {
    /// The record, with the hash its key was made from.
    pub(super) fn into_record(self, hash: TokenHash) -> Result<TokenRecord, StoreError> {
        let contacts = Contacts::new(self.email, self.phone)
            .ok_or_else(|| malformed("token", "neither email nor phone"))?;
        Ok(TokenRecord {
            hash,
            purpose: self.purpose,
            user_id: self.user_id,
            org_id: self.org_id,
            contacts,
            org_name: self.org_name,
            name: self.name,
            user_created_at: self.user_created_at.0,
            role: self.role,
            generation: self.generation,
            created_at: self.created_at.0,
            expires_at: self.valid_until.0,
            used_at: self.used_at.map(|t| t.0),
            code: self
                .code_hash
                .zip(self.code_key)
                .map(|(hash, key)| CodeHash { hash, key }),
            wrong_codes: self.wrong_codes,
            locale: self.locale,
        })
    }
}

/// A stored token item as the domain's record.
pub(super) fn token_from_item(hash: TokenHash, item: Item) -> Result<TokenRecord, StoreError> {
    from_item::<TokenItem>("token", item)?.into_record(hash)
}

/// `RATE#<key>#<window start>`: a rate-limit counter. Only ever written by `UpdateItem` with `ADD`
/// (`count`, `entity`, and `expiresAt` at the window's end); this is what is read back.
#[derive(Debug, Deserialize)]
pub(super) struct CounterItem {
    pub count: u64,
}

#[cfg(test)]
mod tests;
