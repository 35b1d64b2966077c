//! Cross-organisation probing (`docs/THREAT_MODEL.md`, "Cross-organisation probing"): emails
//! are unique across organisations (the contract), so a `409 email_taken` for an address another
//! company has tells the admin it exists. Every invite takes a slot of its organisation's hourly
//! budget of such meetings before asking the store, keeps it when the address turns out to be
//! another organisation's, and gives it back otherwise.

use chrono::{DateTime, Duration, Utc};

use super::invite::{InviteError, InviteTech};
use super::limits::{take_slots, LimitError, Limited};
use crate::domain::{Identifier, User};
use crate::telemetry::log_unexpected;

/// How many emails that belong to other organisations one organisation's admins may meet in
/// [`PROBE_WINDOW`] before every invite of theirs waits for the window to end (`docs/THREAT_MODEL.md`,
/// "Cross-organisation probing"): a tech moving between companies is an occasional `409`; a
/// batch of addresses to probe is not.
pub const TAKEN_ELSEWHERE_PER_HOUR: u64 = 20;
const PROBE_WINDOW: Duration = Duration::hours(1);

/// Per organisation, not per admin: an admin can make more admins (a `delivery: link` invite
/// hands over the link), and each would bring a fresh budget.
fn taken_elsewhere_key(admin: &User) -> String {
    format!("invite:taken-elsewhere:{}", admin.org_id.0)
}

/// The probe slot an invite took before asking the store to create its user: kept when the
/// email turns out to belong to another organisation, given back otherwise.
pub(super) struct ProbeSlot {
    /// `false` when the counter could not be written (the store failing): the invite goes on.
    taken: bool,
    now: DateTime<Utc>,
}

impl InviteTech<'_> {
    /// Takes one slot of the organisation's probe budget before its invite asks the store to
    /// create the user: refused (`429`) for the rest of the hour once the organisation's admins
    /// have met [`TAKEN_ELSEWHERE_PER_HOUR`] emails that belong to other organisations. Emails are
    /// unique across organisations (the contract), so each such `409` tells them that someone
    /// elsewhere has that address. Taken before any invite, whatever its email, so the refusal
    /// says nothing about the address in hand, and taken (not read) so that a burst of parallel
    /// invites cannot all pass a count read before any of them was answered. A store failure
    /// here does not stop the invite.
    pub(super) async fn take_probe_slot(&self, admin: &User) -> Result<ProbeSlot, InviteError> {
        let now = self.clock.now();
        let budget = [Limited {
            key: taken_elsewhere_key(admin),
            max: TAKEN_ELSEWHERE_PER_HOUR,
        }];
        match take_slots(self.limits, &budget, PROBE_WINDOW, now).await {
            Ok(()) => Ok(ProbeSlot { taken: true, now }),
            Err(LimitError::Over(over)) => {
                tracing::warn!(audit = "invite_probe_limited", by = %admin.id.0, org_id = %admin.org_id.0);
                Err(over.into())
            }
            Err(LimitError::Store(e)) => {
                log_unexpected("taking an invite probe slot", &e);
                Ok(ProbeSlot { taken: false, now })
            }
        }
    }

    /// The invite did not meet another organisation's email: its probe slot goes back.
    pub(super) async fn give_back_probe_slot(&self, admin: &User, probe: &ProbeSlot) {
        if !probe.taken {
            return;
        }
        let keys = [taken_elsewhere_key(admin)];
        if let Err(e) = self
            .limits
            .give_back_slots(&keys, PROBE_WINDOW, probe.now)
            .await
        {
            // The slot stays counted: the budget runs out a little early, nothing leaks.
            log_unexpected("giving back an invite probe slot", &e);
        }
    }

    /// A `409 email_taken`: the probe slot stays taken when the address belongs to another
    /// organisation; one of the organisation's own users costs nothing (its admins can list
    /// those). When the slot could not be taken before, the meeting is counted now.
    pub(super) async fn settle_taken_email(
        &self,
        admin: &User,
        taken: &Identifier,
        probe: &ProbeSlot,
    ) {
        let elsewhere = match self.users.user_by(taken).await {
            Ok(Some(other)) => other.org_id != admin.org_id,
            Ok(None) => false,
            Err(e) => {
                // Unknown: counted, the strict side.
                log_unexpected("reading who holds a taken email", &e);
                true
            }
        };
        match (elsewhere, probe.taken) {
            (true, true) => {}
            (true, false) => {
                let key = taken_elsewhere_key(admin);
                if let Err(e) = self
                    .limits
                    .count_event(&key, PROBE_WINDOW, self.clock.now())
                    .await
                {
                    log_unexpected("counting an email taken elsewhere", &e);
                }
            }
            (false, _) => self.give_back_probe_slot(admin, probe).await,
        }
    }
}
