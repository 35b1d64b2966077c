//! Setup and reset links in the embedded store: issued (alone or with rate-limit slots, in one
//! write transaction) and redeemed.

use async_trait::async_trait;
use redb::{ReadableTable, WriteTransaction};

use super::{backend, decode, EmbeddedStore, TOKENS};
use crate::domain::AuditEvent;
use crate::domain::Invite;
use crate::domain::{MailJob, TokenHash, TokenPurpose, TokenRecord, User};
use crate::ports::{window_start, Links, NewCredential, Redemption, Slots, StoreError};

impl EmbeddedStore {
    /// Stores `token` as the user's newest of its purpose, with `invite` and `mail`; an error
    /// leaves the transaction to be dropped (`write` commits only on success).
    pub(super) fn issue_in(
        tx: &WriteTransaction,
        token: &TokenRecord,
        invite: Option<Invite>,
        mail: &[MailJob],
    ) -> Result<(), StoreError> {
        Self::write_jobs(tx, mail)?;
        let mut user = Self::read_user(tx, &token.user_id.0)?.ok_or(StoreError::UserNotFound)?;
        let new_invite = invite.is_some();
        user.accept_link(token, invite)?;
        if new_invite {
            Self::write_message(tx, &user.id, user.invite.as_ref())?;
        }
        Self::write_user(tx, &user)?;
        Self::write_token(tx, token)
    }
}

/// The token stored under `key` (its hash in hex), if any.
fn stored_token(
    tokens: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<TokenRecord>, StoreError> {
    let found = tokens.get(key).map_err(backend)?;
    found.map(|v| decode(v.value())).transpose()
}

#[async_trait]
impl Links for EmbeddedStore {
    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        self.read(|rtx| {
            let tokens = rtx.open_table(TOKENS).map_err(backend)?;
            stored_token(&tokens, &hash.to_hex())
        })
    }

    /// The token of the user's current generation of `purpose`: the embedded store keeps no
    /// pointer, so it looks through the tokens (a local store holds few).
    async fn newest_token(
        &self,
        user: &User,
        purpose: TokenPurpose,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let (id, generation) = (user.id.clone(), user.generation(purpose));
        self.read(move |rtx| {
            let tokens = rtx.open_table(TOKENS).map_err(backend)?;
            for row in tokens.iter().map_err(backend)? {
                let (_, v) = row.map_err(backend)?;
                let token: TokenRecord = decode(v.value())?;
                if token.user_id == id && token.purpose == purpose && token.generation == generation
                {
                    return Ok(Some(token));
                }
            }
            Ok(None)
        })
    }

    async fn take_wrong_code_slot(&self, hash: &TokenHash, max: u32) -> Result<bool, StoreError> {
        let key = hash.to_hex();
        self.write(move |tx| {
            let mut tokens = tx.open_table(TOKENS).map_err(backend)?;
            let Some(mut token) = stored_token(&tokens, &key)? else {
                return Ok(false);
            };
            if token.wrong_codes >= max {
                return Ok(false);
            }
            token.wrong_codes += 1;
            tokens
                .insert(key.as_str(), super::encode(&token)?.as_slice())
                .map_err(backend)?;
            Ok(true)
        })
        .await
    }

    async fn give_back_wrong_code_slot(&self, hash: &TokenHash) -> Result<(), StoreError> {
        let key = hash.to_hex();
        self.write(move |tx| {
            let mut tokens = tx.open_table(TOKENS).map_err(backend)?;
            let found = stored_token(&tokens, &key)?;
            if let Some(mut token) = found.filter(|t| t.wrong_codes > 0) {
                token.wrong_codes -= 1;
                tokens
                    .insert(key.as_str(), super::encode(&token)?.as_slice())
                    .map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn issue_token_with_mail(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail: &[MailJob],
        audit: &[AuditEvent],
    ) -> Result<(), StoreError> {
        let token = token.clone();
        let invite = invite.cloned();
        let (mail, audit) = (mail.to_vec(), audit.to_vec());
        self.write(move |tx| {
            Self::issue_in(tx, &token, invite, &mail)?;
            Self::write_events(tx, &audit)
        })
        .await
    }

    /// The slots and the link in one write transaction: a full limit returns before anything is
    /// written, and a refused link aborts the transaction with the slots in it.
    async fn issue_token_within_limits(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail: &[MailJob],
        slots: &Slots<'_>,
    ) -> Result<bool, StoreError> {
        let token = token.clone();
        let invite = invite.cloned();
        let mail = mail.to_vec();
        let limits = slots.limits.to_vec();
        let window_start = window_start(slots.window, slots.now);
        self.write(move |tx| {
            if !Self::take_slots_in(tx, &limits, window_start)? {
                return Ok(false);
            }
            Self::issue_in(tx, &token, invite, &mail)?;
            Ok(true)
        })
        .await
    }

    async fn redeem_token(&self, r: &Redemption) -> Result<User, StoreError> {
        let r = r.clone();
        self.write(move |tx| {
            let key = r.token.hash.to_hex();
            let mut stored = stored_token(&tx.open_table(TOKENS).map_err(backend)?, &key)?
                .ok_or(StoreError::TokenInvalid)?;
            stored.check(stored.purpose, r.now)?;
            let user = Self::read_user(tx, &stored.user_id.0)?;
            stored.check_user(user.as_ref())?;
            let mut user = user.ok_or(StoreError::TokenInvalid)?;
            stored.used_at = Some(r.now);
            Self::write_token(tx, &stored)?;
            match &r.credential {
                NewCredential::Password(hash) => {
                    user.set_own_password(hash.clone(), r.new_session_version.clone())
                }
                NewCredential::Passkey { handle, passkey } => {
                    user.set_own_passkey(handle, passkey.clone(), r.new_session_version.clone())
                        .map_err(super::passkeys::refused)?;
                    Self::point_passkey(tx, passkey, &user)?;
                }
            }
            if r.locale.is_some() {
                user.locale = r.locale;
            }
            Self::write_user(tx, &user)?;
            Self::write_events(tx, &r.audit)?;
            Ok(user)
        })
        .await
    }
}
