//! Forgot-password: a reset link by email for a known user, and the same answer, in the same
//! time, for everyone else.

use chrono::Duration;
use std::time::Instant;

use super::limits::{
    no_sooner_than, per_email, per_email_and_ip, per_ip, retry_after, take_slots, LimitError,
    Limited, OverLimit,
};
use super::outbox::{job_token, new_job, DeliverMail};
use super::Services;
use crate::config::RateLimits;
use crate::domain::{
    CodeKeys, DeviceKeys, Identifier, LinkKeys, MailJob, MailKind, User, UserStatus,
};
use crate::ports::{Clock, Limits, Links, Slots, StoreError, Users};
use crate::telemetry::log_unexpected;

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

/// Reset requests from one known device of the user in one `FORGOT_WINDOW` (API.md, "Known
/// devices": at most 5 an hour).
pub const DEVICE_RESETS_PER_WINDOW: u64 = 5;

/// A concurrent reset or password change moves the user's reset generation; issuing is retried
/// this often.
const ISSUE_ATTEMPTS: usize = 3;

/// What became of a request that was counted under the limits.
enum Counted {
    /// A reset link was stored with its email (the job), and the slots with it.
    Issued(Box<(MailJob, User)>),
    /// Only the slots: nobody to send a link to (an unknown email, a disabled account, a store
    /// that failed to read the user).
    SlotsOnly,
}

/// Forgot-password, holding only what it uses: users, the forgot-password counters, links, the
/// delivery of the reset email, the clock, the link, device and code keys, and the configuration's limits,
/// reset-link lifetime and answer floor.
pub struct ForgotPassword<'a> {
    pub users: &'a dyn Users,
    pub limits: &'a dyn Limits,
    pub links: &'a dyn Links,
    pub deliver: DeliverMail<'a>,
    pub clock: &'a dyn Clock,
    pub link_keys: &'a LinkKeys,
    pub devices: &'a DeviceKeys,
    pub codes: &'a CodeKeys,
    pub rate_limits: RateLimits,
    pub reset_token_ttl: Duration,
    /// `FORGOT_MIN_RESPONSE_MS`: no answer comes sooner.
    pub min_response: Duration,
}

impl Services {
    /// The forgot-password use case on this app's ports.
    pub fn forgot_case(&self) -> ForgotPassword<'_> {
        ForgotPassword {
            users: self.store.as_ref(),
            limits: self.store.as_ref(),
            links: self.store.as_ref(),
            deliver: self.deliver_case(),
            clock: self.clock.as_ref(),
            link_keys: &self.links,
            devices: &self.devices,
            codes: &self.codes,
            rate_limits: self.config.rate_limits,
            reset_token_ttl: self.config.reset_token_ttl,
            min_response: self.config.forgot_min_response,
        }
    }

    /// [`ForgotPassword::forgot_password`].
    pub async fn forgot_password(
        &self,
        email: &Identifier,
        source_ip: &str,
        device_tokens: &[&str],
    ) -> Result<(), ForgotError> {
        self.forgot_case()
            .forgot_password(email, source_ip, device_tokens)
            .await
    }
}

impl ForgotPassword<'_> {
    /// Accepted for any email, known or not; a known user gets a reset link. Answers no faster
    /// for an unknown email than for a known one.
    ///
    /// Store cost: one conditional update (the per-address slot, taken first and alone: every
    /// request behind that address meets on it, so it never rides in a transaction), one read
    /// (the user by email), then for a known, enabled user one transaction that takes the user's
    /// own slots and stores the link and its email (the outbox) at once; for anyone else the same
    /// slots as plain conditional updates. A refusal wrote nothing (slots taken before it are
    /// given back) and says nothing about who has an account. Then, for a link, the outbox's own
    /// work: the mail service's send and the job's removal.
    ///
    /// `device_tokens`: the request's device tokens. From a known device of this very user the
    /// request is limited per device ([`DEVICE_RESETS_PER_WINDOW`]) instead of per email, so
    /// requests from other addresses cannot keep the owner's reset email from them.
    pub async fn forgot_password(
        &self,
        email: &Identifier,
        source_ip: &str,
        device_tokens: &[&str],
    ) -> Result<(), ForgotError> {
        let started = Instant::now();
        let result = self.count_and_issue(email, source_ip, device_tokens).await;
        // Known emails cost a bigger write and an email; pad every answer (a refusal too) so its
        // timing says nothing.
        no_sooner_than(self.min_response, started).await;
        result
    }

    async fn count_and_issue(
        &self,
        email: &Identifier,
        source_ip: &str,
        device_tokens: &[&str],
    ) -> Result<(), ForgotError> {
        let rl = self.rate_limits;
        // Strict per email from one source, looser per email from anywhere: one address cannot
        // use up the owner's own requests (`limits`). Both are counters of this one email, so
        // they may ride in the link's transaction.
        let per_user = [
            per_email_and_ip("forgot", email, source_ip, rl.forgot_per_email_and_ip),
            per_email("forgot", email, rl.forgot_per_email),
        ];
        // The per-address counter is shared by everyone behind that address: never inside a
        // transaction (real DynamoDB cancels transactions that meet on one item), so it is taken
        // first, on its own, for every email alike.
        let per_address = [per_ip("forgot", source_ip, rl.forgot_per_ip)];
        let window = rl.forgot_window;
        // One reading of the clock for the address slot's take and give-back: the same window.
        let now = self.clock.now();
        take_slots(self.limits, &per_address, window, now).await?;
        // Counted for every email, known or not, so a refusal says nothing about who has an
        // account; counted in the same write that stores the email, so a burst cannot send more
        // than the limit.
        let counted = self.issue_reset_link(email, &per_user, device_tokens).await;
        if counted.is_err() {
            // Refused or failed, the request did nothing: its address slot goes back, for a
            // known email as for an unknown one (whose slots are taken all or none), so the
            // address limit fills alike for both.
            let keys = super::limits::keys(&per_address);
            if let Err(e) = self.limits.give_back_slots(&keys, window, now).await {
                log_unexpected("giving back a forgot-password address slot", &e);
            }
        }
        match counted? {
            Counted::Issued(issued) => {
                let (job, user) = *issued;
                // The job stays in the outbox until its hold runs out if this fails: the sweep
                // sends it.
                if let Err(e) = self.deliver.handle_job(&job, Some(&user)).await {
                    log_unexpected("recording a sent reset link", &e);
                }
                Ok(())
            }
            Counted::SlotsOnly => Ok(()),
        }
    }

    /// Stores a fresh reset link with its email (the outbox) and the request's per-user rate-limit
    /// slots, all in one transaction, which kills every earlier reset link; or, when there is no
    /// link to store, takes the slots alone (`SlotsOnly`, conditional updates, no transaction).
    /// Lookup failures are logged, never shown: the caller must not learn whether the email
    /// exists.
    ///
    /// A transaction that loses a race (another reset link or password change on the user, or
    /// on AWS another transaction on the same counter) reads again. When the user then holds a
    /// newer reset link than the one this request tried, that request's link serves: this one is
    /// counted by its slots alone, exactly as an unknown email is, so a burst of requests for a
    /// known email answers `202` like one for an unknown email (it used to answer `503`).
    ///
    /// Store first, send second: from the commit on, the outbox owes the user this email, so a
    /// mail service that is down or a process that dies mid-send delays it (the sweep retries)
    /// instead of losing it. A reset link that cannot be handed over after the retries leaves the
    /// user with no working reset link, and a new request makes one.
    async fn issue_reset_link(
        &self,
        email: &Identifier,
        per_user: &[Limited],
        device_tokens: &[&str],
    ) -> Result<Counted, ForgotError> {
        let window = self.rate_limits.forgot_window;
        // The reset generation this request tried to issue, once it lost a race.
        let mut lost_at: Option<u64> = None;
        // The known device's own counter was full: the email's limits apply, as for sign-in.
        let mut device_full = false;
        for _ in 0..ISSUE_ATTEMPTS {
            let linkable = match self.users.user_by(email).await {
                // Another request issued a reset link after this one read the user: the user has
                // a fresh link, so this request is done, counted like one with nobody to send to
                // (its slots alone). Answering `503` here told a known email from an unknown one
                // under a burst (issue 25).
                Ok(Some(u)) if lost_at.is_some_and(|g| u.reset_generation >= g) => None,
                Ok(Some(u)) if u.status == UserStatus::Disabled => {
                    // A disabled account gets nothing; the answer is the same `202`.
                    tracing::info!(audit = "reset_link_refused_disabled", user_id = %u.id.0);
                    None
                }
                Ok(Some(u)) => Some(u),
                Ok(None) => None,
                Err(e) => {
                    log_unexpected("forgot-password lookup", &e);
                    None
                }
            };
            let now = self.clock.now();
            let Some(user) = linkable else {
                match take_slots(self.limits, per_user, window, now).await {
                    Ok(()) => return Ok(Counted::SlotsOnly),
                    // Another request's transaction held a counter: as a known email would.
                    Err(LimitError::Store(StoreError::Conflict)) => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            let job = new_job(
                self.link_keys,
                MailKind::Reset,
                &user,
                // A request by phone gets its link by text message.
                email,
                user.reset_generation + 1,
                now + self.reset_token_ttl,
                now,
                true,
            );
            let token = job_token(self.link_keys, &job, &user, now).with_code(self.codes);
            // From a known device of this user: its own counter instead of the email's.
            let own_device = self
                .devices
                .find(device_tokens.iter().copied(), &user)
                .filter(|_| !device_full)
                .map(|device| {
                    [Limited {
                        key: device.limit_key("forgot", &user.id),
                        max: DEVICE_RESETS_PER_WINDOW,
                    }]
                });
            let slots = Slots {
                limits: own_device.as_ref().map_or(per_user, |d| d.as_slice()),
                window,
                now,
            };
            match self
                .links
                .issue_token_within_limits(&token.record, None, std::slice::from_ref(&job), &slots)
                .await
            {
                Ok(true) => {}
                Ok(false) if own_device.is_some() => {
                    device_full = true;
                    continue;
                }
                Ok(false) => {
                    return Err(OverLimit {
                        retry_after: retry_after(window, now),
                    }
                    .into())
                }
                // Another reset link or a new password came in between (or the user went, or
                // another request's transaction held a counter): read again, so the email this
                // request sends holds the newest link. The cancelled transaction took no slot.
                Err(StoreError::Conflict | StoreError::UserNotFound) => {
                    lost_at = Some(job.generation);
                    continue;
                }
                // Nothing was written, the slots included: answered as the slots alone would be
                // if the store failed (`503`), whether or not the email is known.
                Err(e) => return Err(e.into()),
            }
            tracing::info!(audit = "reset_link_issued", user_id = %user.id.0, org_id = %user.org_id.0);
            let user = User {
                reset_generation: job.generation,
                ..user
            };
            return Ok(Counted::Issued(Box::new((job, user))));
        }
        // Other requests kept winning the race on this user's items (on AWS, transactions that
        // met on the user's counters): they are issuing links. This request counts as one with
        // nobody to send to, so it answers exactly as an unknown email does.
        tracing::warn!(
            audit = "forgot_password_contended",
            "other requests kept winning the race"
        );
        take_slots(self.limits, per_user, window, self.clock.now()).await?;
        Ok(Counted::SlotsOnly)
    }
}
