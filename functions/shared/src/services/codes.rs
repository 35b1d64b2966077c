//! One-time codes (API.md, "One-time codes beside every link"): the link a typed code stands
//! for, once the code is verified. Redeeming it is then exactly a link's redemption
//! (`redeem.rs`): the code and its link are one credential.
//!
//! Guessing is bounded three ways, each taken before the code is checked, so a burst of parallel
//! guesses is counted as it arrives: per address (as sign-in, `429`), per user
//! ([`WRONG_CODES_PER_USER`] in 24 hours, whatever links were issued meanwhile: a new reset
//! buys no new guesses) and per link ([`WRONG_CODES_PER_LINK`], on the token itself). The last two
//! answer exactly as a wrong code does, so they say nothing about who has an account; a right
//! code gives the address and user slots back, as a sign-in does.

use chrono::Duration;
use std::time::Instant;

use super::limits::{
    hashed, keys, no_sooner_than, per_ip, take_slots, LimitError, Limited, OverLimit,
};
use super::redeem::RedeemLink;
use crate::domain::code::WRONG_CODES_PER_LINK;
use crate::domain::{Identifier, OneTimeCode, TokenPurpose, TokenRecord, User};
use crate::ports::StoreError;
use crate::telemetry::log_unexpected;

/// Wrong codes one user may try in [`USER_WINDOW`], over all their links.
pub const WRONG_CODES_PER_USER: u64 = 10;
const USER_WINDOW: Duration = Duration::hours(24);

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// A wrong code, an unknown identifier, an expired or used code, or a code past its limits:
    /// one answer for all.
    #[error("the code does not match a live link")]
    Invalid,
    /// Too many attempts from this address.
    #[error(transparent)]
    TooManyAttempts(#[from] OverLimit),
    #[error("checking the code")]
    Store(#[source] StoreError),
}

/// What a tech typed instead of opening the link.
pub struct TypedCode<'a> {
    /// Their email (phones come with texts).
    pub identifier: &'a str,
    pub code: &'a str,
    pub source_ip: &'a str,
}

fn user_limit(user: &User) -> Limited {
    Limited {
        key: hashed("code:user", &user.id.0),
        max: WRONG_CODES_PER_USER,
    }
}

impl RedeemLink<'_> {
    /// One of the user's [`WRONG_CODES_PER_USER`] guesses, in a 24-hour span: counters are
    /// fixed 24-hour windows, so the slot is taken in the current one only while it and the one
    /// before hold fewer than the limit together. Any 24 hours lie within two adjacent windows,
    /// so no 24 hours ever see more than the limit (a lock may last up to 48 hours: the strict
    /// side). The window before is over, so reading it first races with nothing.
    async fn take_user_slot(
        &self,
        user: &User,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), LimitError> {
        let limit = user_limit(user);
        let before = self
            .limits
            .peek_counts(
                std::slice::from_ref(&limit.key),
                USER_WINDOW,
                now - USER_WINDOW,
            )
            .await
            .map_err(LimitError::Store)?
            .first()
            .copied()
            .unwrap_or(0);
        let room = Limited {
            max: limit.max.saturating_sub(before),
            ..limit
        };
        take_slots(self.limits, std::slice::from_ref(&room), USER_WINDOW, now).await
    }

    /// The live link of `purpose` that `typed` stands for. Every refusal but the address's limit
    /// is [`CodeError::Invalid`], padded to the same floor as forgot-password's answers
    /// (`FORGOT_MIN_RESPONSE_MS`), so its timing does not tell an unknown identifier from a
    /// wrong code.
    pub(super) async fn find_by_code(
        &self,
        purpose: TokenPurpose,
        typed: &TypedCode<'_>,
    ) -> Result<TokenRecord, CodeError> {
        let started = Instant::now();
        let result = self.check_code(purpose, typed).await;
        if matches!(result, Err(CodeError::Invalid)) {
            no_sooner_than(self.min_response, started).await;
        }
        result
    }

    async fn check_code(
        &self,
        purpose: TokenPurpose,
        typed: &TypedCode<'_>,
    ) -> Result<TokenRecord, CodeError> {
        // Not six digits: not a guess at anyone's code, so nothing is counted or read.
        let code = OneTimeCode::parse(typed.code).ok_or(CodeError::Invalid)?;
        let rl = self.rate_limits;
        let now = self.clock.now();
        let user = match Identifier::for_lookup(typed.identifier, self.phone_rules) {
            Ok(account) => self
                .users
                .user_by(&account)
                .await
                .map_err(CodeError::Store)?,
            Err(_) => None,
        };
        let per_address = [per_ip("code", typed.source_ip, rl.login_failures_per_ip)];
        // The address first and alone: a refusal here is the same work for every identifier,
        // known or not, and touches no user's counter.
        match take_slots(self.limits, &per_address, rl.login_window, now).await {
            Ok(()) => {}
            Err(LimitError::Over(over)) => {
                tracing::warn!(audit = "code_limited", ip = %typed.source_ip);
                return Err(over.into());
            }
            Err(LimitError::Store(e)) => return Err(CodeError::Store(e)),
        }
        // From here on every refusal is a wrong guess: its slots stay taken.
        let Some(user) = user else {
            return Err(CodeError::Invalid);
        };
        match self.take_user_slot(&user, now).await {
            Ok(()) => {}
            Err(LimitError::Over(_)) => {
                tracing::warn!(audit = "code_user_limited", user_id = %user.id.0);
                return Err(CodeError::Invalid);
            }
            Err(LimitError::Store(e)) => return Err(CodeError::Store(e)),
        }
        let record = self
            .links
            .newest_token(&user, purpose)
            .await
            .map_err(CodeError::Store)?
            .filter(|r| r.check(purpose, now).is_ok() && r.check_user(Some(&user)).is_ok())
            .ok_or(CodeError::Invalid)?;
        let Some(stored) = record.code.clone() else {
            return Err(CodeError::Invalid);
        };
        // The link's own count, taken before the code is compared: parallel guesses at one
        // link never get more than its few checks.
        let checked = self
            .links
            .take_wrong_code_slot(&record.hash, WRONG_CODES_PER_LINK)
            .await
            .map_err(CodeError::Store)?;
        if !checked || !self.codes.verify(&stored, &user.id, purpose, &code) {
            tracing::info!(audit = "code_refused", user_id = %user.id.0, dead = !checked);
            return Err(CodeError::Invalid);
        }
        // Not a wrong guess after all: the address and user slots go back (the link's goes with
        // the link, which this redemption uses).
        let (address_keys, user_keys) = (keys(&per_address), keys(&[user_limit(&user)]));
        let (address, own) = tokio::join!(
            self.limits
                .give_back_slots(&address_keys, rl.login_window, now),
            self.limits.give_back_slots(&user_keys, USER_WINDOW, now)
        );
        if let Err(e) = address.and(own) {
            log_unexpected("giving back a verified code's slots", &e);
        }
        tracing::info!(audit = "code_verified", user_id = %user.id.0);
        Ok(record)
    }
}
