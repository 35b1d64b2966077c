//! What one audit event adds to a store write, through the store's port on DynamoDB Local: the
//! same write on two users made alike, once with `audit: &[]` and once with its event; round
//! trips, items written and capacity units of each. And the fan-out an event pays later, by
//! the number of endpoints that want it (none, one, the most an organisation may have).

use chrono::Utc;

use super::{about, active_user, endpoint, invited_user, summary, Measured, Rig};
use crate::Row;
use onboarding::domain::user::new_session_version;
use onboarding::domain::webhook::MAX_WEBHOOKS;
use onboarding::domain::{AuditAction, AuditEvent, DeliveryJob, OrgId, User};
use onboarding::ports::{Crew, SessionChange, Users, Webhooks};

/// What an event may add. Disabling, enabling and changing a password answer the user as left:
/// an `UpdateItem` returns it, a transaction cannot, so with an event the store reads the user
/// back, one round trip more; those rows say so rather than the target bending.
const TARGET: &str = "+1 item in the same write, +0 round trips";

pub async fn run(rig: &Rig) -> anyhow::Result<Vec<Row>> {
    let org = OrgId::generate();
    let mut rows = Vec::new();
    let mut pair = |name: &str, without: Measured, with: Measured| {
        rows.push(row(name, &without, &with));
    };

    // Creation itself: the user and their email's claim, no link nor mail.
    let now = Utc::now();
    let (x, y) = (invited_user(&org, now)?, invited_user(&org, now)?);
    rig.take().await?;
    rig.store.create_user_with_mail(&x, None, &[], &[]).await?;
    let without = rig.take().await?;
    let event = about(AuditAction::UserInvited, &y, now);
    rig.store
        .create_user_with_mail(&y, None, &[], &[event])
        .await?;
    pair(
        "create_user_with_mail (user.invited)",
        without,
        rig.take().await?,
    );

    let (x, y) = (
        made(rig, active_user(&org, now)?).await?,
        made(rig, active_user(&org, now)?).await?,
    );
    let now = Utc::now();
    rig.take().await?;
    let x = rig
        .store
        .disable_user(&x, &new_session_version(), &[])
        .await?;
    let without = rig.take().await?;
    let event = about(AuditAction::UserDisabled, &y, now);
    let y = rig
        .store
        .disable_user(&y, &new_session_version(), &[event])
        .await?;
    pair("disable_user (user.disabled)", without, rig.take().await?);

    rig.store.enable_user(&x, &[]).await?;
    let without = rig.take().await?;
    let event = about(AuditAction::UserEnabled, &y, now);
    rig.store.enable_user(&y, &[event]).await?;
    pair("enable_user (user.enabled)", without, rig.take().await?);

    // Own account writes, on users read back as the store holds them.
    let (x, y) = (reread(rig, &x).await?, reread(rig, &y).await?);
    rig.take().await?;
    rig.store
        .end_sessions(&SessionChange::of(&x, new_session_version()), &[])
        .await?;
    let without = rig.take().await?;
    let event = about(AuditAction::SessionsRevoked, &y, now);
    rig.store
        .end_sessions(&SessionChange::of(&y, new_session_version()), &[event])
        .await?;
    pair(
        "end_sessions (sessions.revoked)",
        without,
        rig.take().await?,
    );

    let (x, y) = (reread(rig, &x).await?, reread(rig, &y).await?);
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$changed";
    rig.take().await?;
    rig.store
        .change_password(&SessionChange::of(&x, new_session_version()), hash, &[])
        .await?;
    let without = rig.take().await?;
    let event = about(AuditAction::PasswordChanged, &y, now);
    rig.store
        .change_password(
            &SessionChange::of(&y, new_session_version()),
            hash,
            &[event],
        )
        .await?;
    pair(
        "change_password (password.changed)",
        without,
        rig.take().await?,
    );

    let (x, y) = (reread(rig, &x).await?, reread(rig, &y).await?);
    let renamed = |u: &User| User {
        name: Some("Bo Tech".into()),
        ..u.clone()
    };
    rig.take().await?;
    rig.store.correct_user(&x, &renamed(&x), &[]).await?;
    let without = rig.take().await?;
    let event = about(AuditAction::UserUpdated, &y, now).with("fields", vec!["name"]);
    rig.store.correct_user(&y, &renamed(&y), &[event]).await?;
    pair("correct_user (user.updated)", without, rig.take().await?);

    let (x, y) = (
        made(rig, invited_user(&org, now)?).await?,
        made(rig, invited_user(&org, now)?).await?,
    );
    rig.take().await?;
    rig.store.cancel_invite(&x, &[]).await?;
    let without = rig.take().await?;
    let event = about(AuditAction::InviteCancelled, &y, now);
    rig.store.cancel_invite(&y, &[event]).await?;
    pair(
        "cancel_invite (invite.cancelled)",
        without,
        rig.take().await?,
    );

    for endpoints in [0, 1, MAX_WEBHOOKS] {
        rows.push(fan_out(rig, endpoints).await?);
    }
    Ok(rows)
}

/// `user` as the store holds them once created (unmeasured).
async fn made(rig: &Rig, user: User) -> anyhow::Result<User> {
    rig.store
        .create_user_with_mail(&user, None, &[], &[])
        .await?;
    reread(rig, &user).await
}

async fn reread(rig: &Rig, user: &User) -> anyhow::Result<User> {
    rig.store
        .user_by_id(&user.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user {} is gone", user.id.0))
}

fn shape(m: &Measured) -> String {
    format!(
        "{} ({} item{} written), {:.1} units",
        summary(&m.calls),
        m.write_items(),
        if m.write_items() == 1 { "" } else { "s" },
        m.units()
    )
}

fn row(name: &str, without: &Measured, with: &Measured) -> Row {
    let items = with.write_items() as i64 - without.write_items() as i64;
    let trips = with.calls.len() as i64 - without.calls.len() as i64;
    let units = with.units() - without.units();
    let value = format!(
        "without: {}; with: {}; the event: {units:+.1} units ({:+.0}%), {items:+} item{}, {trips:+} round trip{}",
        shape(without),
        shape(with),
        100.0 * units / without.units(),
        if items.abs() == 1 { "" } else { "s" },
        if trips.abs() == 1 { "" } else { "s" },
    );
    Row::new("audit per write", name, value).target(TARGET, items == 1 && trips == 0)
}

/// One event of an organisation with `endpoints` endpoints, all wanting every action, fanned
/// out as the schedule does it: one job per endpoint and the mark's removal, in one write.
async fn fan_out(rig: &Rig, endpoints: usize) -> anyhow::Result<Row> {
    let org = OrgId::generate();
    let now = Utc::now();
    let mut hooks = Vec::new();
    for _ in 0..endpoints {
        let (hook, created) = endpoint(&org, "https://hooks.example.com/onboarding", now);
        rig.store
            .create_webhook(&hook, MAX_WEBHOOKS, &created)
            .await?;
        hooks.push(hook);
    }
    let user = made(rig, active_user(&org, now)?).await?;
    let event: AuditEvent = about(AuditAction::UserDisabled, &user, now);
    rig.store
        .disable_user(&user, &new_session_version(), std::slice::from_ref(&event))
        .await?;
    let jobs: Vec<DeliveryJob> = hooks
        .iter()
        .map(|h| DeliveryJob::new(&h.id, &event, now))
        .collect();
    rig.take().await?;
    anyhow::ensure!(
        rig.store.fan_out(&event, &jobs).await?,
        "the event was fanned out already"
    );
    let m = rig.take().await?;
    // The endpoints go, and their queued jobs with them: nothing here is ever delivered.
    for hook in &hooks {
        let deleted = AuditEvent::about_webhook(
            AuditAction::WebhookDeleted,
            event.actor.clone(),
            &org,
            &hook.id,
            now,
        );
        rig.store.delete_webhook(hook, &deleted).await?;
    }
    let one_write = m.calls.len() == 1 && m.write_items() == 1 + endpoints;
    Ok(Row::new(
        "audit fan-out",
        format!(
            "one event, {endpoints} endpoint{} subscribed",
            if endpoints == 1 { "" } else { "s" }
        ),
        shape(&m),
    )
    .target(
        format!(
            "1 write: the mark's removal + {endpoints} job{}",
            if endpoints == 1 { "" } else { "s" }
        ),
        one_write,
    ))
}
