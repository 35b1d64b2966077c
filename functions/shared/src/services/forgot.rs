//! Forgot-password: a reset link by email for a known user, and the same answer, in the same
//! time, for everyone else.

use std::time::Instant;

use super::limits::{per_email, per_email_and_ip, per_ip, LimitError, OverLimit};
use super::{log_unexpected, Services};
use crate::domain::token::issue;
use crate::domain::{EmailAddress, TokenPurpose, UserStatus};
use crate::emails::ResetEmail;
use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ForgotError {
    #[error(transparent)]
    TooManyRequests(#[from] OverLimit),
    #[error("counting the request")]
    Store(#[from] StoreError),
}

impl From<LimitError> for ForgotError {
    fn from(e: LimitError) -> Self {
        match e {
            LimitError::Over(o) => Self::TooManyRequests(o),
            LimitError::Store(e) => Self::Store(e),
        }
    }
}

impl Services {
    /// Accepted for any email, known or not; a known user gets a reset link. Answers no faster
    /// for an unknown email than for a known one.
    pub async fn forgot_password(
        &self,
        email: &EmailAddress,
        source_ip: &str,
    ) -> Result<(), ForgotError> {
        let started = Instant::now();
        let rl = self.config.rate_limits;
        // Strict per email from one source, looser per email from anywhere: one address cannot
        // use up the owner's own requests (`limits`).
        let limits = [
            per_email_and_ip("forgot", email, source_ip, rl.forgot_per_email_and_ip),
            per_email("forgot", email, rl.forgot_per_email),
            per_ip("forgot", source_ip, rl.forgot_per_ip),
        ];
        // Counted for every email, known or not, so a refusal says nothing about who has an
        // account; taken before any email is sent, so a burst cannot send more than the limit.
        self.take_slots(&limits, rl.forgot_window, self.now())
            .await?;
        self.send_reset_link(email).await;
        // Known emails cost a write and an email; pad so the answer's timing says nothing.
        let floor = self.config.forgot_min_response.to_std().unwrap_or_default();
        if let Some(rest) = floor.checked_sub(started.elapsed()) {
            tokio::time::sleep(rest).await;
        }
        Ok(())
    }

    /// Emails a fresh reset link, then stores it (which kills earlier reset links). Failures are
    /// logged, never shown: the caller must not learn whether the email exists.
    ///
    /// Send first, store second: storing the new token bumps the user's reset generation, which
    /// kills the link they already hold, so a send that failed after the store would leave them
    /// with no working link. In this order a failed send stores nothing and the earlier link still
    /// works; a store write that fails after the send leaves the emailed link dead but the earlier
    /// one alive (logged). A two-step store (pending, then active) would buy nothing more and cost
    /// a second write; this order keeps the request at one read and one write.
    async fn send_reset_link(&self, email: &EmailAddress) {
        let user = match self.store.user_by_email(email).await {
            // A disabled account gets nothing; the answer is the same `202`.
            Ok(Some(u)) if u.status == UserStatus::Disabled => {
                return tracing::info!(audit = "reset_link_refused_disabled", user_id = %u.id.0)
            }
            Ok(Some(u)) => u,
            Ok(None) => return,
            Err(e) => return log_unexpected("forgot-password lookup", &e),
        };
        let token = issue(
            TokenPurpose::Reset,
            user.token_subject(),
            user.reset_generation + 1,
            self.now(),
            self.config.reset_token_ttl,
        );
        let message = ResetEmail {
            to: &user.email,
            org_name: user.org_name.as_deref(),
            token: &token,
            public_base_url: &self.config.public_base_url,
            lifetime: self.config.reset_token_ttl,
        }
        .render();
        if let Err(e) = self.mailer.send(&message).await {
            return tracing::warn!(audit = "reset_link_failed", user_id = %user.id.0, error = %e);
        }
        match self.store.issue_token(&token.record, None).await {
            Ok(()) => {
                tracing::info!(audit = "reset_link_sent", user_id = %user.id.0, org_id = %user.org_id.0)
            }
            // Another reset link or a new password came in between: the emailed link is dead and
            // is not retried, since a retry would email again; the newer link (or the new
            // password) is what the user has now.
            Err(StoreError::Conflict) => {
                tracing::warn!(audit = "reset_link_superseded", user_id = %user.id.0)
            }
            Err(e) => {
                tracing::warn!(audit = "reset_link_dead", user_id = %user.id.0, "the emailed reset link was not stored; the earlier one still works");
                log_unexpected("issuing a reset link", &e)
            }
        }
    }
}
