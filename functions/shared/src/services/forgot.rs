//! Forgot-password: a reset link by email for a known user, and the same answer, in the same
//! time, for everyone else.

use std::time::Instant;

use super::limits::{per_email, per_email_and_ip, per_ip, LimitError, OverLimit};
use super::{log_unexpected, Services};
use crate::domain::{EmailAddress, MailKind, User, UserStatus};
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

/// A concurrent reset or password change moves the user's reset generation; issuing is retried
/// this often.
const ISSUE_ATTEMPTS: usize = 3;

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

    /// Stores a fresh reset link with its email (the outbox: one transaction, which kills every
    /// earlier reset link), then sends it. Failures are logged, never shown: the caller must not
    /// learn whether the email exists.
    ///
    /// Store first, send second: from the commit on, the outbox owes the user this email, so a
    /// mail service that is down or a process that dies mid-send delays it (the sweep retries)
    /// instead of losing it. A reset link that cannot be handed over after the retries leaves the
    /// user with no working reset link, and a new request makes one.
    async fn send_reset_link(&self, email: &EmailAddress) {
        for _ in 0..ISSUE_ATTEMPTS {
            let user = match self.store.user_by_email(email).await {
                // A disabled account gets nothing; the answer is the same `202`.
                Ok(Some(u)) if u.status == UserStatus::Disabled => {
                    return tracing::info!(audit = "reset_link_refused_disabled", user_id = %u.id.0)
                }
                Ok(Some(u)) => u,
                Ok(None) => return,
                Err(e) => return log_unexpected("forgot-password lookup", &e),
            };
            let now = self.now();
            let job = self.new_job(
                MailKind::Reset,
                &user,
                user.reset_generation + 1,
                now + self.config.reset_token_ttl,
                now,
                true,
            );
            let token = self.job_token(&job, &user, now);
            match self
                .store
                .issue_token_with_mail(&token.record, None, std::slice::from_ref(&job))
                .await
            {
                Ok(()) => {}
                // Another reset link or a new password came in between: read again, so the
                // email this request sends holds the newest link.
                Err(StoreError::Conflict) => continue,
                Err(e) => return log_unexpected("issuing a reset link", &e),
            }
            tracing::info!(audit = "reset_link_issued", user_id = %user.id.0, org_id = %user.org_id.0);
            let user = User {
                reset_generation: job.generation,
                ..user
            };
            if let Err(e) = self.handle_job(&job, Some(&user)).await {
                // The job stays in the outbox until its hold runs out: the sweep sends it.
                log_unexpected("recording a sent reset link", &e);
            }
            return;
        }
        tracing::warn!(
            audit = "reset_link_superseded",
            "other reset links kept winning the race"
        );
    }
}
