//! Setup and reset links: read a token, issue one (killing every older one of its purpose),
//! issue one within rate limits, and redeem one.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Slots, StoreError};
use crate::domain::Invite;
use crate::domain::{
    AuditEvent, Locale, MailJob, Passkey, TokenHash, TokenPurpose, TokenRecord, User,
};

/// Everything "consume this token and set the password" needs, known before the store is asked.
#[derive(Debug, Clone)]
pub struct Redemption {
    pub token: TokenRecord,
    pub credential: NewCredential,
    pub new_session_version: String,
    pub now: DateTime<Utc>,
    /// The language the tech explicitly chose on the link's page: `Some` sets it as the user's
    /// locale in the same write; `None` leaves the user's locale as it is.
    pub locale: Option<Locale>,
    /// What the log records in the same write (`invite.accepted`, `password.reset`).
    pub audit: Vec<AuditEvent>,
}

/// What a redemption sets as the user's own credential.
#[derive(Debug, Clone)]
pub enum NewCredential {
    /// A password (its hash): `User::set_own_password`.
    Password(String),
    /// A passkey registered under `handle`: `User::set_own_passkey` (a password already set
    /// stays). `handle` must be the user's, or the user has none yet.
    Passkey { handle: String, passkey: Passkey },
}

#[async_trait]
pub trait Links: Send + Sync {
    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError>;

    /// Stores a new token whose generation is one more than the user's current generation for its
    /// purpose, which kills every older token of that purpose in the same write. A setup token
    /// needs the user still `invited` (`AlreadyActive` otherwise) and records `invite` on the user.
    /// `Conflict` when another token was issued meanwhile.
    async fn issue_token(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
    ) -> Result<(), StoreError> {
        self.issue_token_with_mail(token, invite, &[], &[]).await
    }

    /// [`Links::issue_token`], and `mail` (the emails of the new link) and `audit`
    /// (`invite.resent`) in the same write.
    async fn issue_token_with_mail(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail: &[MailJob],
        audit: &[AuditEvent],
    ) -> Result<(), StoreError>;

    /// [`Links::issue_token_with_mail`] and [`super::Limits::take_slots`] in one write, all or nothing:
    /// the link, its emails and one slot under each of `slots`' limits. `Ok(false)` when a limit
    /// is full: nothing is written (no slot, no link, no email), whatever else would have failed.
    /// A refusal of the link itself (`Conflict`, `UserNotFound`, `AlreadyActive`) takes no slot
    /// either, so the caller may retry without counting twice.
    ///
    /// One round trip: DynamoDB, one `TransactWriteItems` whose items are the counters (the
    /// condition of `take_slots`), the user's generation, the token and the jobs; at 2 WCU per
    /// item, as every transactional write.
    async fn issue_token_within_limits(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail: &[MailJob],
        slots: &Slots<'_>,
    ) -> Result<bool, StoreError>;

    /// Consumes the token, sets the credential (a passkey also gets its pointer), clears the temporary password, kills every other
    /// setup and reset token and every earlier session, and sets the redemption's locale (if
    /// any), all or nothing. Exactly one of any number of concurrent redemptions of one token
    /// succeeds.
    ///
    /// Returns the user to sign in: identity (from the token's copy), status, password hashes,
    /// session version and locale as this redemption left them (without a locale of the
    /// redemption's, a store may answer the token's copy of the user's). `invite` and the
    /// generations are not part of the answer: a store that would need another round trip to
    /// read them back (DynamoDB's transactions return no item) may leave them out (`None`,
    /// `0`); read the user for those.
    async fn redeem_token(&self, redemption: &Redemption) -> Result<User, StoreError>;

    /// The newest link of `purpose` issued to `user` (the one its one-time code stands for), if
    /// it is still of the user's current generation of that purpose (a redemption, a disable
    /// or a newer link moves it on), whatever else its state (used or expired: the caller
    /// checks); `None` otherwise.
    ///
    /// DynamoDB: the user item records its newest tokens' hashes (`setupToken`, `resetToken`):
    /// one `GetItem` of the user item, one of the token.
    async fn newest_token(
        &self,
        user: &User,
        purpose: TokenPurpose,
    ) -> Result<Option<TokenRecord>, StoreError>;

    /// Takes one of the `max` wrong-code slots
    /// ([`WRONG_CODES_PER_LINK`](crate::domain::code::WRONG_CODES_PER_LINK)) of the token `hash`, before the typed code is checked: `true` when taken (fewer
    /// than `max` were taken before), `false` when all are taken (the code is dead; the link
    /// still works). Concurrent calls never take more than `max`; `false` too when there is no
    /// such token. Changes nothing else about the token.
    ///
    /// DynamoDB: one conditional `UpdateItem` (`ADD wrongCodes`) on the token item.
    async fn take_wrong_code_slot(&self, hash: &TokenHash, max: u32) -> Result<bool, StoreError>;

    /// Gives back one slot [`Links::take_wrong_code_slot`] took, for a code that proved right
    /// without its link being used (a passkey's options: API.md, only wrong codes count). Never
    /// below zero; nothing for a token that is gone.
    ///
    /// DynamoDB: one conditional `UpdateItem` (`ADD wrongCodes -1`) on the token item.
    async fn give_back_wrong_code_slot(&self, hash: &TokenHash) -> Result<(), StoreError>;
}
