//! The outbox: jobs written with their change, taken, and finished.

use super::*;

/// A job of `kind` for `user`'s link of `generation`, due at `due`.
pub(super) fn job(user: &User, kind: MailKind, generation: u64, due: DateTime<Utc>) -> MailJob {
    MailJob {
        id: uuid::Uuid::new_v4().simple().to_string(),
        kind,
        user_id: user.id.clone(),
        to: user.home(),
        home: Some(user.home()),
        generation,
        link_expires_at: t0() + Duration::seconds(SETUP_TTL),
        key_id: "k1".into(),
        due,
        attempts: 0,
        created_at: t0(),
    }
}

/// `job` taken for the 30 s a sender holds it: it must be free.
pub(super) async fn hold(store: &SharedStore, job: &MailJob) -> MailJob {
    store
        .take_mail(job, t0() + Duration::seconds(30))
        .await
        .unwrap()
        .expect("the job is free to take")
}

/// The due jobs among `ids`, in the order the store lists them.
pub(super) async fn due_among(store: &SharedStore, at: DateTime<Utc>, ids: &[&str]) -> Vec<String> {
    store
        .due_mail(at, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .filter(|id| ids.contains(&id.as_str()))
        .collect()
}

/// An invited user written with a welcome job due at `t0` and a reminder due five days later.
pub(super) async fn invited_with_mail(
    store: &SharedStore,
    label: &str,
) -> (User, MailJob, MailJob) {
    let (mut user, token) = invited(&unique_email(label));
    user.invite = Some(Invite::new(InviteStatus::Queued, token.record.expires_at));
    let welcome = job(&user, MailKind::Welcome, 1, t0());
    let reminder = job(&user, MailKind::Reminder, 1, t0() + Duration::days(5));
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            &[welcome.clone(), reminder.clone()],
            &[],
        )
        .await
        .unwrap();
    (user, welcome, reminder)
}

pub async fn jobs_written_with_their_user_come_due_in_order_and_one_sender_takes_each(
    store: SharedStore,
) {
    let (user, welcome, reminder) = invited_with_mail(&store, "outbox").await;
    assert_eq!(
        invite_of(&reread(&store, &user).await).0,
        InviteStatus::Queued
    );
    let ids = [welcome.id.as_str(), reminder.id.as_str()];
    assert_eq!(
        due_among(&store, t0() - Duration::seconds(1), &ids).await,
        Vec::<String>::new()
    );
    assert_eq!(
        due_among(&store, t0(), &ids).await,
        vec![welcome.id.clone()]
    );
    assert_eq!(
        due_among(&store, t0() + Duration::days(6), &ids).await,
        vec![welcome.id.clone(), reminder.id.clone()],
        "the longest due first"
    );
    let listed = store.due_mail(t0(), 1000).await.unwrap();
    let listed = listed.into_iter().find(|j| j.id == welcome.id).unwrap();
    assert_eq!(listed, welcome, "a job reads back exactly as written");
    // Twenty senders race for the job: exactly one holds it.
    let until = t0() + Duration::seconds(30);
    let mut race = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (store, listed) = (store.clone(), listed.clone());
        race.spawn(async move { store.take_mail(&listed, until).await.unwrap() });
    }
    let taken: Vec<MailJob> = race.join_all().await.into_iter().flatten().collect();
    assert_eq!(taken.len(), 1, "exactly one sender holds the job");
    assert_eq!(taken[0].attempts, 1);
    assert_eq!(taken[0].due.timestamp_millis(), until.timestamp_millis());
    // Held: not due again until the hold runs out.
    assert_eq!(
        due_among(&store, t0() + Duration::seconds(29), &ids).await,
        Vec::<String>::new()
    );
    assert_eq!(
        due_among(&store, until, &ids).await,
        vec![welcome.id.clone()]
    );
}

pub async fn a_refused_write_leaves_no_job_behind(store: SharedStore) {
    let (user, welcome, _) = invited_with_mail(&store, "refused").await;
    // The same email again: refused, and its job is not written.
    let (mut again, token) = invited(user.email().unwrap().as_str());
    again.invite = Some(Invite::new(InviteStatus::Queued, token.record.expires_at));
    let duplicate = job(&again, MailKind::Welcome, 1, t0());
    assert_eq!(
        store
            .create_user_with_mail(
                &again,
                Some(&token.record),
                std::slice::from_ref(&duplicate),
                &[]
            )
            .await,
        Err(StoreError::EmailTaken)
    );
    // A link on a stale generation: refused, and its job is not written.
    let stale = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        t0(),
        Duration::days(7),
    );
    let stale_job = job(&user, MailKind::Welcome, 1, t0());
    assert_eq!(
        store
            .issue_token_with_mail(&stale.record, None, std::slice::from_ref(&stale_job), &[])
            .await,
        Err(StoreError::Conflict)
    );
    let ids = [
        welcome.id.as_str(),
        duplicate.id.as_str(),
        stale_job.id.as_str(),
    ];
    assert_eq!(
        due_among(&store, t0() + Duration::days(30), &ids).await,
        vec![welcome.id.clone()]
    );
    // A new link with its jobs is written with them.
    let next = next_token(&user, TokenPurpose::Setup, t0());
    let resent = job(&user, MailKind::Welcome, 2, t0());
    store
        .issue_token_with_mail(
            &next.record,
            Some(&Invite::new(InviteStatus::Queued, next.record.expires_at)),
            std::slice::from_ref(&resent),
            &[],
        )
        .await
        .unwrap();
    let ids = [welcome.id.as_str(), resent.id.as_str()];
    assert_eq!(due_among(&store, t0(), &ids).await.len(), 2);
}

pub async fn a_sent_job_records_the_email_on_the_invite_and_leaves_the_outbox(store: SharedStore) {
    let (user, welcome, reminder) = invited_with_mail(&store, "sent").await;
    let held = hold(&store, &welcome).await;
    let id = unique_message_id();
    store
        .finish_mail(
            &held,
            &MailOutcome::Sent {
                message_id: id.clone(),
                at: t0(),
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Sent, None, Some(id.clone()))
    );
    let ids = [welcome.id.as_str(), reminder.id.as_str()];
    assert_eq!(
        due_among(&store, t0() + Duration::days(6), &ids).await,
        vec![reminder.id.clone()],
        "the sent job is gone; the reminder waits"
    );
    // The recorded id finds the invite for the mail service's events.
    assert_eq!(
        store
            .apply_delivery_event(&id, DeliveryEvent::Delivered, t0())
            .await,
        Ok(true)
    );
    // Finishing again (a sender whose hold ran out) changes nothing.
    store
        .finish_mail(&held, &MailOutcome::Failed, t0())
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await).0,
        InviteStatus::Delivered
    );
}

pub async fn a_job_for_a_replaced_link_leaves_without_touching_the_invite(store: SharedStore) {
    let (user, welcome, _) = invited_with_mail(&store, "replaced").await;
    let next = next_token(&user, TokenPurpose::Setup, t0());
    store
        .issue_token(
            &next.record,
            Some(&Invite::new(InviteStatus::Manual, next.record.expires_at)),
        )
        .await
        .unwrap();
    let held = hold(&store, &welcome).await;
    store
        .finish_mail(
            &held,
            &MailOutcome::Sent {
                message_id: unique_message_id(),
                at: t0(),
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Manual, None, None),
        "the email was about a link replaced since"
    );
    assert_eq!(
        due_among(&store, t0(), &[welcome.id.as_str()]).await,
        Vec::<String>::new()
    );
}

pub async fn a_retry_puts_the_job_back_for_later_only_while_its_sender_holds_it(
    store: SharedStore,
) {
    let (user, welcome, _) = invited_with_mail(&store, "retry").await;
    let held = hold(&store, &welcome).await;
    let retry_at = t0() + Duration::seconds(10);
    store
        .finish_mail(&held, &MailOutcome::Retry { at: retry_at }, t0())
        .await
        .unwrap();
    let ids = [welcome.id.as_str()];
    assert_eq!(
        due_among(&store, retry_at - Duration::seconds(1), &ids).await,
        Vec::<String>::new()
    );
    assert_eq!(
        due_among(&store, retry_at, &ids).await,
        vec![welcome.id.clone()]
    );
    assert_eq!(
        invite_of(&reread(&store, &user).await).0,
        InviteStatus::Queued,
        "still queued while it waits"
    );
    // A sender whose hold ran out (another took the job) cannot move it.
    let listed = store.due_mail(retry_at, 1000).await.unwrap();
    let listed = listed.into_iter().find(|j| j.id == welcome.id).unwrap();
    let retaken = store
        .take_mail(&listed, retry_at + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retaken.attempts, 2);
    store
        .finish_mail(
            &held,
            &MailOutcome::Retry {
                at: t0() + Duration::days(1),
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        due_among(&store, retry_at + Duration::seconds(30), &ids).await,
        vec![welcome.id.clone()],
        "the stale sender's retry changed nothing"
    );
}

pub async fn a_failed_job_marks_the_invite_failed_and_a_reset_job_touches_no_invite(
    store: SharedStore,
) {
    let (user, welcome, _) = invited_with_mail(&store, "failed").await;
    let held = hold(&store, &welcome).await;
    store
        .finish_mail(&held, &MailOutcome::Failed, t0())
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await).0,
        InviteStatus::Failed
    );
    // A reset's job: written with its link, finished without touching the invite.
    let user = reread(&store, &user).await;
    let reset = next_token(&user, TokenPurpose::Reset, t0());
    let reset_job = job(&user, MailKind::Reset, 1, t0());
    store
        .issue_token_with_mail(&reset.record, None, std::slice::from_ref(&reset_job), &[])
        .await
        .unwrap();
    let held = hold(&store, &reset_job).await;
    store
        .finish_mail(
            &held,
            &MailOutcome::Sent {
                message_id: unique_message_id(),
                at: t0(),
            },
            t0(),
        )
        .await
        .unwrap();
    let after = reread(&store, &user).await;
    assert_eq!(invite_of(&after), (InviteStatus::Failed, None, None));
    assert_eq!(after.reset_generation, 1);
    assert_eq!(
        due_among(&store, t0() + Duration::days(1), &[reset_job.id.as_str()]).await,
        Vec::<String>::new()
    );
}

pub async fn a_reminders_link_records_when_it_was_issued_and_a_resend_clears_it(
    store: SharedStore,
) {
    let (user, _, _) = invited_with_mail(&store, "reminded").await;
    let at = t0() + Duration::days(5);
    let reminder = next_token(&user, TokenPurpose::Setup, at);
    let reminded = Invite {
        reminder_sent_at: Some(at),
        ..user.invite.clone().unwrap()
    };
    store
        .issue_token(&reminder.record, Some(&reminded))
        .await
        .unwrap();
    let after = reread(&store, &user).await;
    assert_eq!(after.invite.as_ref().unwrap().reminder_sent_at, Some(at));
    assert_eq!(after.setup_generation, 2);
    // A resend is a new invite: no reminder yet.
    let resent = next_token(&after, TokenPurpose::Setup, at);
    store
        .issue_token(
            &resent.record,
            Some(&Invite::new(InviteStatus::Queued, resent.record.expires_at)),
        )
        .await
        .unwrap();
    assert_eq!(
        reread(&store, &user).await.invite.unwrap().reminder_sent_at,
        None
    );
}

/// A text past its organisation's texts of the day is deferred: back for its time like a retry,
/// and the attempt it was taken with is not counted.
pub async fn a_deferred_job_comes_back_later_without_counting_its_attempt(store: SharedStore) {
    let (_user, welcome, _) = invited_with_mail(&store, "defer").await;
    let held = hold(&store, &welcome).await;
    let tomorrow = t0() + Duration::days(1);
    store
        .finish_mail(&held, &MailOutcome::Defer { at: tomorrow }, t0())
        .await
        .unwrap();
    let ids = [welcome.id.as_str()];
    assert_eq!(
        due_among(&store, tomorrow - Duration::seconds(1), &ids).await,
        Vec::<String>::new()
    );
    let listed = store.due_mail(tomorrow, 1000).await.unwrap();
    let listed = listed.into_iter().find(|j| j.id == welcome.id).unwrap();
    assert_eq!(
        listed.attempts,
        held.attempts - 1,
        "the deferral took no attempt"
    );
    let retaken = store
        .take_mail(&listed, tomorrow + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retaken.attempts, held.attempts);
}
