//! The audit log's reads: an organisation's events newest first a page at a time, filtered by
//! user and by action, never another organisation's, never past their retention; and the
//! expiry watch, which records `invite.expired` once while the invite still waits on its link.

use super::audit::{about, an_admin, assert_log, log_of, marked, query_of, read_all};
use super::outbox::job;
use super::*;
use onboarding::domain::{Actor, AuditAction, AuditEvent, Queue};
use onboarding::ports::{AuditKey, AuditQuery};

/// `user` created in `org` with `events` (any events of the organisation: one write takes them
/// all, which is how these tests put a log together).
async fn create_with_events(
    store: &SharedStore,
    org: &OrgId,
    label: &str,
    events: impl FnOnce(&User) -> Vec<AuditEvent>,
) -> User {
    let (mut user, token) = invited(&unique_email(label));
    user.org_id = org.clone();
    let written = events(&user);
    store
        .create_user_with_mail(&user, Some(&token.record), &[], &written)
        .await
        .unwrap();
    user
}

fn ids(events: &[AuditEvent]) -> Vec<String> {
    events.iter().map(|e| e.id.clone()).collect()
}

pub async fn the_log_is_read_newest_first_a_page_at_a_time(store: SharedStore) {
    let org = OrgId::generate();
    let admin = an_admin();
    let mut written = Vec::new();
    let user = create_with_events(&store, &org, "audit-pages", |user| {
        // Two events at one instant: the larger id is the newer.
        let mut tied = [
            about(AuditAction::UserUpdated, admin.clone(), user, 3),
            about(AuditAction::UserUpdated, admin.clone(), user, 3),
        ];
        tied.sort_by(|a, b| a.id.cmp(&b.id));
        let events = vec![
            about(AuditAction::UserInvited, admin.clone(), user, 0),
            about(AuditAction::InviteResent, admin.clone(), user, 1),
            // Later by a millisecond only.
            AuditEvent::about_user(
                AuditAction::InviteSent,
                Actor::system(),
                user,
                t0() + Duration::seconds(1) + Duration::milliseconds(1),
            ),
            tied[0].clone(),
            tied[1].clone(),
        ];
        written = events.clone();
        events
    })
    .await;
    let newest_first: Vec<AuditEvent> = written.iter().rev().cloned().collect();

    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .audit_events(&AuditQuery {
                after: after.clone(),
                ..query_of(&org, 2)
            })
            .await
            .unwrap();
        after = page.next.clone();
        pages.push(page);
        if after.is_none() || pages.len() > 5 {
            break;
        }
    }
    assert_eq!(
        pages.iter().map(|p| p.events.len()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    assert_eq!(
        pages[0].next,
        Some(AuditKey::of(&newest_first[1])),
        "a page ends at its last event"
    );
    let listed: Vec<AuditEvent> = pages.into_iter().flat_map(|p| p.events).collect();
    assert_eq!(
        listed, newest_first,
        "every event once, whole, newest first"
    );

    // `after` starts strictly after the event it names.
    let page = store
        .audit_events(&AuditQuery {
            after: Some(AuditKey::of(&newest_first[2])),
            ..query_of(&org, 10)
        })
        .await
        .unwrap();
    assert_eq!(ids(&page.events), ids(&newest_first[3..]));
    assert_eq!(page.next, None);
    assert_eq!(log_of(&store, &org).await, newest_first);
    assert_eq!(
        read_all(
            &store,
            AuditQuery {
                user_id: Some(user.id.clone()),
                ..query_of(&org, 1)
            }
        )
        .await,
        newest_first
    );
}

pub async fn the_log_filters_by_user_and_by_action_filling_pages_past_other_events(
    store: SharedStore,
) {
    let org = OrgId::generate();
    let admin = an_admin();
    let ana = create_with_events(&store, &org, "audit-ana", |_| vec![]).await;
    // Bo's write carries Ana's events among many of Bo's: a page of Ana's is read past them.
    let mut written = Vec::new();
    let bo = create_with_events(&store, &org, "audit-bo", |bo| {
        let mut events = Vec::new();
        for i in 0..12 {
            let action = if i % 4 == 0 {
                AuditAction::UserDisabled
            } else {
                AuditAction::UserUpdated
            };
            events.push(about(action, admin.clone(), bo, i * 10));
            if i % 5 == 4 {
                events.push(about(
                    AuditAction::UserDisabled,
                    admin.clone(),
                    &ana,
                    i * 10 + 1,
                ));
            }
        }
        written = events.clone();
        events
    })
    .await;
    let newest_first: Vec<AuditEvent> = written.iter().rev().cloned().collect();
    let only = |keep: &dyn Fn(&AuditEvent) -> bool| -> Vec<AuditEvent> {
        newest_first.iter().filter(|e| keep(e)).cloned().collect()
    };
    let of_ana = only(&|e| e.target.id == ana.id.0);
    assert_eq!(of_ana.len(), 2);
    let by_ana = AuditQuery {
        user_id: Some(ana.id.clone()),
        ..query_of(&org, 1)
    };
    let first = store.audit_events(&by_ana).await.unwrap();
    assert_eq!(
        first.events,
        of_ana[..1],
        "a page is filled past Bo's events"
    );
    assert_eq!(first.next, Some(AuditKey::of(&of_ana[0])));
    assert_eq!(read_all(&store, by_ana).await, of_ana);

    let disabled = only(&|e| e.action == AuditAction::UserDisabled);
    assert_eq!(disabled.len(), 5);
    let by_action = AuditQuery {
        action: Some(AuditAction::UserDisabled),
        ..query_of(&org, 2)
    };
    let first = store.audit_events(&by_action).await.unwrap();
    assert_eq!(first.events, disabled[..2]);
    assert!(first.next.is_some());
    assert_eq!(read_all(&store, by_action).await, disabled);

    let both = AuditQuery {
        user_id: Some(bo.id.clone()),
        action: Some(AuditAction::UserDisabled),
        ..query_of(&org, 2)
    };
    let bos_disables = only(&|e| e.target.id == bo.id.0 && e.action == AuditAction::UserDisabled);
    assert_eq!(bos_disables.len(), 3);
    assert_eq!(read_all(&store, both).await, bos_disables);
    let none = AuditQuery {
        action: Some(AuditAction::PasskeyAdded),
        ..query_of(&org, 2)
    };
    let page = store.audit_events(&none).await.unwrap();
    assert_eq!((page.events, page.next), (vec![], None));
}

pub async fn another_organisation_sees_none_of_the_log(store: SharedStore) {
    let (ours, theirs) = (OrgId::generate(), OrgId::generate());
    let admin = an_admin();
    let mut our_events = Vec::new();
    create_with_events(&store, &ours, "audit-ours", |u| {
        our_events = vec![
            about(AuditAction::UserInvited, admin.clone(), u, 0),
            about(AuditAction::UserUpdated, admin.clone(), u, 5),
        ];
        our_events.clone()
    })
    .await;
    let mut their_events = Vec::new();
    let them = create_with_events(&store, &theirs, "audit-theirs", |u| {
        their_events = vec![about(AuditAction::UserInvited, admin.clone(), u, 2)];
        their_events.clone()
    })
    .await;
    assert_eq!(log_of(&store, &theirs).await, their_events);
    // A position in our log is only a position in theirs.
    let page = store
        .audit_events(&AuditQuery {
            after: Some(AuditKey::of(&our_events[1])),
            ..query_of(&theirs, 10)
        })
        .await
        .unwrap();
    assert_eq!(page.events, their_events);
    // Our user's id asked of their organisation: nothing.
    let ours_by_user = AuditQuery {
        user_id: our_events[0].user_id(),
        ..query_of(&theirs, 10)
    };
    assert_eq!(
        store.audit_events(&ours_by_user).await.unwrap().events,
        vec![]
    );
    let nobody = store
        .audit_events(&query_of(&OrgId::generate(), 10))
        .await
        .unwrap();
    assert_eq!((nobody.events, nobody.next), (vec![], None));
    assert_eq!(them.org_id, theirs);
}

/// The store's default retention (400 days), which the contract's stores are made with.
const RETENTION_DAYS: i64 = 400;

pub async fn an_event_past_its_retention_is_not_read(store: SharedStore) {
    let org = OrgId::generate();
    let admin = an_admin();
    // On whole seconds, as a TTL counts them (DynamoDB's `expiresAt`): the edge is the same
    // instant in both the store's check and its TTL's.
    let whole = DateTime::from_timestamp(t0().timestamp(), 0).unwrap();
    let mut written = Vec::new();
    create_with_events(&store, &org, "audit-retention", |u| {
        written = vec![
            AuditEvent::about_user(AuditAction::UserInvited, admin.clone(), u, whole),
            AuditEvent::about_user(
                AuditAction::UserUpdated,
                admin.clone(),
                u,
                whole + Duration::days(1),
            ),
        ];
        written.clone()
    })
    .await;
    let read_at = |now: DateTime<Utc>| {
        let store = store.clone();
        let org = org.clone();
        async move {
            read_all(
                &store,
                AuditQuery {
                    now,
                    ..query_of(&org, 1)
                },
            )
            .await
        }
    };
    let end_of_first = written[0].at + Duration::days(RETENTION_DAYS);
    assert_eq!(
        ids(&read_at(end_of_first - Duration::milliseconds(1)).await),
        ids(&[written[1].clone(), written[0].clone()]),
        "both, the moment before the first one's retention ends"
    );
    assert_eq!(
        ids(&read_at(end_of_first).await),
        ids(&written[1..]),
        "the first one is past its retention at its very end"
    );
    assert_eq!(
        read_at(written[1].at + Duration::days(RETENTION_DAYS)).await,
        vec![]
    );
}

/// An invited user stored with an expiry watch on their first link (due when it expires).
async fn invited_with_watch(store: &SharedStore, label: &str) -> (User, IssuedToken, MailJob) {
    let (user, token) = invited(&unique_email(label));
    let mut watch = job(&user, MailKind::Expiry, 1, token.record.expires_at);
    watch.link_expires_at = token.record.expires_at;
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            std::slice::from_ref(&watch),
            &[],
        )
        .await
        .unwrap();
    (user, token, watch)
}

fn expired(user: &User, at: DateTime<Utc>) -> AuditEvent {
    AuditEvent::about_user(AuditAction::InviteExpired, Actor::system(), user, at)
}

/// The due jobs of `queue` among `ids`.
async fn due_of(store: &SharedStore, queue: Queue, at: DateTime<Utc>, ids: &[&str]) -> Vec<String> {
    store
        .due_in(queue, at, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .filter(|id| ids.contains(&id.as_str()))
        .collect()
}

pub async fn an_expiry_is_recorded_once_while_the_invite_waits_on_the_watched_link(
    store: SharedStore,
) {
    let (user, token, watch) = invited_with_watch(&store, "audit-expiry").await;
    let expires = token.record.expires_at;
    let ids = [watch.id.as_str()];
    // A watch is listed in its own queue when its link expires, and in no other.
    assert_eq!(
        due_of(&store, Queue::Expiry, expires - Duration::seconds(1), &ids).await,
        Vec::<String>::new()
    );
    assert_eq!(
        due_of(&store, Queue::Expiry, expires, &ids).await,
        vec![watch.id.clone()]
    );
    for queue in [Queue::Mail, Queue::Text] {
        let later = expires + Duration::days(1);
        assert_eq!(
            due_of(&store, queue, later, &ids).await,
            Vec::<String>::new(),
            "{queue:?}"
        );
    }
    let at = expires + Duration::minutes(1);
    let event = expired(&user, at);
    assert_eq!(store.record_expiry(&watch, &event).await, Ok(true));
    assert_log(&store, &user.org_id, &[&event]).await;
    assert_eq!(
        due_of(&store, Queue::Expiry, at, &ids).await,
        Vec::<String>::new(),
        "the watch is gone"
    );
    // The same watch again (a second sweep): gone, nothing recorded.
    let again = expired(&user, at + Duration::minutes(1));
    assert_eq!(store.record_expiry(&watch, &again).await, Ok(false));
    assert_log(&store, &user.org_id, &[&event]).await;
    assert_eq!(reread(&store, &user).await, user, "the user is not touched");
}

pub async fn no_expiry_is_recorded_once_the_invite_moved_on_or_the_watch_is_gone(
    store: SharedStore,
) {
    let before = marked(&store).await;
    // The user set a password with the link.
    let (user, token, watch) = invited_with_watch(&store, "audit-expiry-used").await;
    let at = token.record.expires_at + Duration::minutes(1);
    store
        .redeem_token(&redemption(
            &token.record,
            "$argon2id$own",
            t0() + Duration::hours(1),
        ))
        .await
        .unwrap();
    assert_eq!(
        store.record_expiry(&watch, &expired(&user, at)).await,
        Ok(false)
    );
    assert_eq!(log_of(&store, &user.org_id).await, vec![]);
    let ids = [watch.id.as_str()];
    assert_eq!(
        due_of(&store, Queue::Expiry, at, &ids).await,
        Vec::<String>::new(),
        "the watch went"
    );

    // A new invite was sent: its link expires later, the old watch records nothing.
    let (user, _, watch) = invited_with_watch(&store, "audit-expiry-resent").await;
    let resent_at = t0() + Duration::days(2);
    let resent = next_token(&user, TokenPurpose::Setup, resent_at);
    store
        .issue_token(
            &resent.record,
            Some(&Invite::new(InviteStatus::Queued, resent.record.expires_at)),
        )
        .await
        .unwrap();
    // Seen after both links expired: the watch was on the old one.
    let after_both = expired(&user, resent.record.expires_at + Duration::minutes(1));
    assert_eq!(store.record_expiry(&watch, &after_both).await, Ok(false));
    assert_eq!(log_of(&store, &user.org_id).await, vec![]);

    // The link has not expired yet at the event's time.
    let (user, token, watch) = invited_with_watch(&store, "audit-expiry-early").await;
    let early = expired(&user, token.record.expires_at - Duration::seconds(1));
    assert_eq!(store.record_expiry(&watch, &early).await, Ok(false));
    assert_eq!(log_of(&store, &user.org_id).await, vec![]);

    // The invite was cancelled (the user is gone), or the watch never was (or went).
    let (user, _, watch) = invited_with_watch(&store, "audit-expiry-cancelled").await;
    store.cancel_invite(&user, &[]).await.unwrap();
    assert_eq!(
        store.record_expiry(&watch, &expired(&user, at)).await,
        Ok(false)
    );
    let (user, token) = create_invited(&store, "audit-expiry-unwatched").await;
    let mut never = job(&user, MailKind::Expiry, 1, token.record.expires_at);
    never.link_expires_at = token.record.expires_at;
    assert_eq!(
        store.record_expiry(&never, &expired(&user, at)).await,
        Ok(false)
    );
    assert_eq!(log_of(&store, &user.org_id).await, vec![]);
    assert_eq!(marked(&store).await, before, "no event was written");
}
