//! The store contract: one suite, written once, that every store must pass. Each test takes a
//! fresh, empty store. `store_contract!(fresh)` expands to one `#[tokio::test]` per function
//! here, for the store that `fresh().await` makes.
//!
//! Times come from a fixed instant, not the clock: what is checked is the store's own logic.
//!
//! One file per port (`users`, `links`, `limits`, `invites`, `crew`, `outbox`, `passkeys`,
//! `audit` and `audit_log`, `webhooks`), and per story across ports (`phones`, `locales`,
//! `passkey_setup`); the helpers they share are here.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;
use std::sync::Arc;

use onboarding::domain::session::SigningSecrets;
use onboarding::domain::token::{issue, IssuedToken};
use onboarding::domain::user::new_session_version;
use onboarding::domain::{
    BounceType, DeliveryEvent, EmailAddress, InviteStatus, MailJob, MailKind, OrgId, Role,
    TokenHash, TokenPurpose, TokenRecord, User, UserId, UserStatus,
};
use onboarding::domain::{CodeKeys, Contacts, Correction, Identifier, Invite, PhoneNumber};
use onboarding::ports::{
    Limited, MailOutcome, NewCredential, PageKey, Redemption, Rehash, SessionChange, Slots, Store,
    StoreError, UserPage, UserQuery,
};

mod audit;
mod audit_log;
mod crew;
mod invites;
mod limits;
mod links;
mod locales;
mod outbox;
mod passkey_setup;
mod passkeys;
mod phones;
mod users;
mod webhooks;

pub use audit::*;
pub use audit_log::*;
pub use crew::*;
pub use invites::*;
pub use limits::*;
pub use links::*;
pub use locales::*;
pub use outbox::*;
pub use passkey_setup::*;
pub use passkeys::*;
pub use phones::*;
pub use users::*;
pub use webhooks::*;

pub type SharedStore = Arc<dyn Store>;

/// Expands to the whole contract for one store. `$fresh` is an async fn returning `SharedStore`.
#[macro_export]
macro_rules! store_contract {
    ($fresh:path) => {
        $crate::store_contract!(@each $fresh;
            a_created_user_is_found_by_email_and_by_id_exactly_as_stored,
            emails_are_found_whatever_their_case_was_when_typed,
            nobody_is_found_by_an_unknown_email_or_id,
            a_second_user_with_the_same_email_is_refused_and_leaves_nothing_behind,
            the_setup_token_is_stored_with_the_user_and_found_by_its_hash,
            an_unknown_token_is_not_found_and_cannot_be_redeemed,
            redeeming_a_setup_link_sets_the_password_and_ends_the_temporary_one,
            the_user_returned_by_a_redemption_is_the_one_to_sign_in,
            a_used_link_is_refused_as_used_and_changes_nothing,
            an_expired_link_that_is_still_stored_is_refused_as_expired,
            a_link_is_expired_at_the_very_instant_it_expires,
            a_new_setup_link_kills_the_older_one,
            a_link_issued_on_a_stale_generation_is_a_conflict_and_stores_nothing,
            a_setup_link_cannot_be_issued_once_the_password_is_set,
            a_link_for_an_unknown_user_is_refused,
            setting_a_password_kills_every_outstanding_setup_and_reset_link,
            a_reset_link_sets_a_new_password_for_an_active_user,
            a_links_code_hash_is_stored_with_it_and_never_the_code,
            the_newest_link_of_a_purpose_is_found_from_its_user,
            wrong_code_slots_stop_at_the_limit_even_under_a_burst,
            resending_records_the_new_invite_on_the_user,
            a_failed_invite_is_recorded_on_the_user,
            recording_an_invite_status_for_an_unknown_user_is_refused,
            a_rehash_replaces_a_hash_only_while_it_is_still_the_old_one,
            changing_a_password_sets_it_as_a_redemption_would_and_kills_every_link,
            a_change_of_password_or_sign_out_from_an_ended_session_is_a_conflict,
            ending_sessions_changes_only_the_session_version,
            two_concurrent_password_changes_from_one_session_give_exactly_one_success,
            events_are_counted_per_key_and_window_and_peeking_does_not_count,
            slots_are_taken_only_under_the_limit_and_given_back,
            a_refused_take_keeps_no_slot_under_any_key,
            fifty_concurrent_takes_of_one_limit_take_exactly_the_limit,
            a_key_given_twice_is_one_counter_held_to_the_stricter_limit,
            slots_are_taken_with_a_link_and_its_email_in_one_write,
            a_full_limit_refuses_the_link_and_writes_neither_slots_nor_link_nor_email,
            a_refused_link_takes_no_slot,
            a_burst_of_links_under_one_limit_issues_exactly_the_limit,
            twenty_concurrent_redemptions_of_one_link_give_exactly_one_success,
            twenty_concurrent_creations_of_one_email_give_exactly_one_user,
            a_redemption_racing_a_resend_never_leaves_two_working_links,
            an_organisation_is_listed_newest_first_a_page_at_a_time,
            a_listed_status_pages_through_only_that_status,
            a_list_never_shows_another_organisation,
            cancelling_an_invite_removes_the_user_their_email_and_their_links,
            an_active_user_cannot_be_cancelled_and_a_gone_one_is_not_found,
            disabling_ends_sessions_and_links_and_enabling_restores_the_status,
            a_cancel_racing_a_setup_of_the_same_invite_has_exactly_one_winner,
            the_welcome_emails_message_id_is_recorded_on_the_invite,
            recording_a_message_id_for_an_unknown_user_is_refused,
            delivery_events_move_the_invite_of_the_newest_email,
            an_event_for_a_superseded_email_changes_nothing,
            a_resend_by_link_stops_the_earlier_emails_events,
            a_used_invite_stays_used_whatever_the_mail_service_says,
            an_event_for_an_unknown_email_changes_nothing,
            text_status_events_move_the_invite_of_the_newest_text,
            jobs_written_with_their_user_come_due_in_order_and_one_sender_takes_each,
            a_refused_write_leaves_no_job_behind,
            a_sent_job_records_the_email_on_the_invite_and_leaves_the_outbox,
            a_job_for_a_replaced_link_leaves_without_touching_the_invite,
            a_retry_puts_the_job_back_for_later_only_while_its_sender_holds_it,
            a_failed_job_marks_the_invite_failed_and_a_reset_job_touches_no_invite,
            a_reminders_link_records_when_it_was_issued_and_a_resend_clears_it,
            a_deferred_job_comes_back_later_without_counting_its_attempt,
            a_user_without_an_email_is_found_by_phone_by_id_and_by_their_link,
            a_phone_beside_an_email_finds_the_same_user,
            a_phone_is_one_users_and_a_refused_create_leaves_nothing,
            cancelling_an_invite_frees_its_phone,
            a_corrected_email_moves_the_user_and_frees_the_old_one,
            removing_the_email_files_the_user_under_their_phone_and_adding_one_moves_them_back,
            a_correction_to_a_taken_phone_or_from_a_stale_read_changes_nothing,
            a_name_or_role_correction_keeps_the_users_links,
            a_correction_never_writes_back_over_a_change_it_did_not_see,
            a_users_locale_is_stored_as_it_was_and_none_stays_none,
            a_link_carries_its_users_locale,
            a_redemption_with_a_chosen_locale_sets_it_and_one_without_keeps_the_users,
            a_locale_correction_keeps_the_users_links_and_sessions,
            a_correction_from_before_a_locale_change_changes_nothing,
            a_ceremony_is_taken_once_and_of_concurrent_takes_exactly_one_gets_it,
            an_expired_ceremony_is_never_taken,
            setting_up_with_a_passkey_activates_the_user_and_points_the_passkey_at_them,
            a_reset_with_a_passkey_replaces_the_password_and_keeps_the_passkeys,
            a_passkey_redemption_under_another_handle_or_a_taken_id_changes_nothing,
            a_signed_in_user_adds_passkeys_up_to_the_limit,
            adding_a_passkey_from_a_moved_session_or_under_another_handle_is_a_conflict,
            a_passkey_is_removed_only_while_another_way_in_remains,
            a_passkey_use_moves_its_counter_only_from_the_value_read,
            two_concurrent_uses_of_one_counter_value_give_exactly_one_success,
            a_passkey_use_is_refused_once_the_user_is_disabled_or_signed_out_everywhere,
            a_verified_codes_slot_comes_back_and_never_below_zero,
            a_passkey_only_user_is_set_up_for_cancel_delivery_events_and_enable,
            a_corrected_email_keeps_the_passkeys_and_a_stale_correction_keeps_them_too,
            creating_a_user_and_resending_a_link_write_their_events_and_refusals_none,
            of_twenty_concurrent_redemptions_only_the_winners_event_is_written,
            password_and_session_changes_write_their_events_only_from_a_current_session,
            admin_changes_write_their_events_only_when_they_change_the_user,
            passkey_changes_write_their_events_only_when_made,
            a_mail_outcome_writes_its_event_only_when_it_changed_the_invite,
            a_delivery_event_writes_its_event_once,
            the_log_is_read_newest_first_a_page_at_a_time,
            the_log_filters_by_user_and_by_action_filling_pages_past_other_events,
            another_organisation_sees_none_of_the_log,
            an_event_past_its_retention_is_not_read,
            an_expiry_is_recorded_once_while_the_invite_waits_on_the_watched_link,
            no_expiry_is_recorded_once_the_invite_moved_on_or_the_watch_is_gone,
            an_organisation_registers_webhooks_up_to_the_limit_listed_oldest_first,
            twelve_concurrent_registrations_leave_exactly_the_limit,
            deleting_a_webhook_writes_its_event_and_drops_its_queued_deliveries,
            an_event_is_fanned_out_once_under_concurrent_calls,
            a_due_delivery_is_listed_longest_waiting_first_and_taken_once,
            a_finished_delivery_is_retried_later_or_done_and_its_attempts_read_newest_first,
            an_endpoints_health_is_recorded_and_a_disable_writes_its_event_once,
        );
    };
    (@each $fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                $crate::store_contract::$name($fresh().await).await;
            }
        )*
    };
}

/// The instant every test starts at.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T10:00:00.250Z")
        .unwrap()
        .to_utc()
}

const SETUP_TTL: i64 = 7 * 24 * 3600;

/// An invited tech of a new organisation, with their first setup link.
pub fn invited(email: &str) -> (User, IssuedToken) {
    let mut user = User {
        id: UserId::generate(),
        org_id: OrgId::generate(),
        org_name: Some("Northwind Plumbing".into()),
        contacts: Contacts::email(EmailAddress::parse(email).unwrap()),
        name: Some("Ana Tech".into()),
        role: Role::Tech,
        status: UserStatus::Invited,
        created_at: t0(),
        temporary_password_hash: Some("$argon2id$v=19$m=1024,t=1,p=1$temporary".into()),
        password_hash: None,
        session_version: new_session_version(),
        setup_generation: 1,
        reset_generation: 0,
        invite: None,
        locale: None,
        passkey_handle: None,
        passkeys: Vec::new(),
    };
    let token = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        t0(),
        Duration::seconds(SETUP_TTL),
    );
    user.invite = Some(Invite::new(InviteStatus::Sent, token.record.expires_at));
    (user, token)
}

/// A fresh email for each call, so tests never share data even on a shared table.
pub fn unique_email(label: &str) -> String {
    format!(
        "{label}.{}@northwind.example",
        uuid::Uuid::new_v4().simple()
    )
}

async fn create_invited(store: &SharedStore, label: &str) -> (User, IssuedToken) {
    let (user, token) = invited(&unique_email(label));
    store.create_user(&user, Some(&token.record)).await.unwrap();
    (user, token)
}

fn next_token(user: &User, purpose: TokenPurpose, at: DateTime<Utc>) -> IssuedToken {
    let lifetime = match purpose {
        TokenPurpose::Setup => Duration::seconds(SETUP_TTL),
        TokenPurpose::Reset => Duration::minutes(30),
    };
    issue(
        purpose,
        user.token_subject(),
        user.generation(purpose) + 1,
        at,
        lifetime,
    )
}

fn redemption(token: &TokenRecord, password_hash: &str, now: DateTime<Utc>) -> Redemption {
    Redemption {
        token: token.clone(),
        credential: NewCredential::Password(password_hash.to_owned()),
        new_session_version: new_session_version(),
        now,
        locale: None,
        audit: Vec::new(),
    }
}

async fn reread(store: &SharedStore, user: &User) -> User {
    store
        .user_by_id(&user.id)
        .await
        .unwrap()
        .expect("the user is stored")
}
