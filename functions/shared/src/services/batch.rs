//! Inviting a crew at once (`POST /users/batch`): every row is its own invite, in its own store
//! transaction, a few at a time, and one row's failure never stops the others. The welcome
//! emails are queued, not sent here: the sweep sends them at the configured rate.

use futures_util::stream::{self, StreamExt};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::invite::InviteTech;
use super::{InviteError, InviteOptions, InviteRequest, Invited, Services};
use crate::domain::{Identifier, PhoneNumber, User};

/// The most rows one batch may hold.
pub const MAX_BATCH_ROWS: usize = 500;

/// Rows invited at the same time: enough to hide the store's round trips, few enough that one
/// batch does not take every connection (or every argon2 thread) of the function.
const CONCURRENT_INVITES: usize = 8;

/// Rows with a temporary password hashed at the same time: each argon2 hash holds its memory
/// cost (19 MiB by default) while it runs, and eight at once would take most of a 256 MB
/// function. The rows without one go on meanwhile.
const CONCURRENT_HASHES: usize = 2;

/// How long a batch keeps starting rows. The request is cut off at 8 s
/// (`http::layers::REQUEST_TIMEOUT`), which would lose the whole answer and leave the admin not
/// knowing which rows went in; a row not started by now is answered "not tried" instead, and
/// the rows already started have the rest of the time to finish. A 500-row batch that only
/// writes to the store needs a fraction of this; rows with a temporary password cost an argon2
/// hash each, which on a small function is what can run out.
pub const BATCH_START_BUDGET: Duration = Duration::from_secs(5);

/// Why one row of a batch was not invited. `R` is why the edge refused the row before it
/// reached the service (a bad email, an unknown role): such a row is only counted and answered.
#[derive(Debug)]
pub enum RowFailure<R> {
    Refused(R),
    Failed(InviteError),
    /// Not started before [`BATCH_START_BUDGET`] ran out: nothing was written for it.
    NotTried,
}

/// Inviting a crew at once, holding only what it uses: the invite use case, which each row runs.
pub struct InviteBatch<'a> {
    pub invite: InviteTech<'a>,
}

impl Services {
    /// The batch use case on this app's ports.
    pub fn batch_case(&self) -> InviteBatch<'_> {
        InviteBatch {
            invite: self.invite_case(),
        }
    }

    /// [`InviteBatch::invite_batch`].
    pub async fn invite_batch<R>(
        &self,
        admin: &User,
        rows: Vec<Result<InviteRequest, R>>,
    ) -> Vec<Result<Invited, RowFailure<R>>> {
        self.batch_case().invite_batch(admin, rows).await
    }

    /// [`InviteBatch::invite_batch_within`].
    pub async fn invite_batch_within<R>(
        &self,
        admin: &User,
        rows: Vec<Result<InviteRequest, R>>,
        budget: Duration,
    ) -> Vec<Result<Invited, RowFailure<R>>> {
        self.batch_case()
            .invite_batch_within(admin, rows, budget)
            .await
    }
}

impl InviteBatch<'_> {
    /// Invites every row that the edge could read, each as [`InviteTech::invite`] does but with
    /// its email queued; one outcome per row, in the rows' order. An email that appears twice
    /// (after normalisation) is invited once, at its first row; the later rows get
    /// [`InviteError::EmailTaken`], as they would one at a time.
    pub async fn invite_batch<R>(
        &self,
        admin: &User,
        rows: Vec<Result<InviteRequest, R>>,
    ) -> Vec<Result<Invited, RowFailure<R>>> {
        self.invite_batch_within(admin, rows, BATCH_START_BUDGET)
            .await
    }

    /// [`InviteBatch::invite_batch`], starting rows for no longer than `budget`.
    pub async fn invite_batch_within<R>(
        &self,
        admin: &User,
        rows: Vec<Result<InviteRequest, R>>,
        budget: Duration,
    ) -> Vec<Result<Invited, RowFailure<R>>> {
        let deadline = Instant::now() + budget;
        let total = rows.len();
        // Decided for every row before any runs, so which duplicate is "first" never depends on
        // which invite finishes first.
        let mut seen = HashSet::new();
        let rows: Vec<_> = rows
            .into_iter()
            .map(|row| {
                row.map(|request| {
                    // A number is compared as the invite will store it (E.164).
                    let phone = request
                        .phone
                        .as_deref()
                        .and_then(|raw| PhoneNumber::parse(raw, self.invite.phone_rules).ok())
                        .map(Identifier::Phone);
                    let email = request.email.clone().map(Identifier::Email);
                    // The first of its email or number already met (a later row is refused
                    // as taken, as the store would refuse it).
                    let taken = email
                        .into_iter()
                        .chain(phone)
                        .find(|id| !seen.insert(id.clone()))
                        .map(|id| match id {
                            Identifier::Email(_) => InviteError::EmailTaken,
                            Identifier::Phone(_) => InviteError::PhoneTaken,
                        });
                    (request, taken)
                })
            })
            .collect();
        let hashing = &Semaphore::new(CONCURRENT_HASHES);
        let outcomes: Vec<Result<Invited, RowFailure<R>>> =
            stream::iter(rows.into_iter().map(|row| async move {
                match row {
                    Err(refused) => Err(RowFailure::Refused(refused)),
                    Ok((_, Some(taken))) => Err(RowFailure::Failed(taken)),
                    Ok((request, None)) => self.invite_row(admin, request, hashing, deadline).await,
                }
            }))
            .buffered(CONCURRENT_INVITES)
            .collect()
            .await;
        let created = outcomes.iter().filter(|o| o.is_ok()).count();
        let not_tried = outcomes
            .iter()
            .filter(|o| matches!(o, Err(RowFailure::NotTried)))
            .count();
        tracing::info!(
            audit = "crew_invited",
            org_id = %admin.org_id.0,
            by = %admin.id.0,
            rows = total,
            created,
            failed = total - created,
            not_tried
        );
        outcomes
    }

    /// A row that the edge could read, at its email's first row: invited by email, queued.
    async fn invite_row<R>(
        &self,
        admin: &User,
        mut request: InviteRequest,
        hashing: &Semaphore,
        deadline: Instant,
    ) -> Result<Invited, RowFailure<R>> {
        request.options = InviteOptions {
            queue_only: true,
            ..request.options
        };
        // `None` only if the semaphore were closed, which it never is.
        let _hashing = match request.temporary_password {
            Some(_) => hashing.acquire().await.ok(),
            None => None,
        };
        // Checked once the row may run: a row that waited its turn to hash may be too late.
        if Instant::now() >= deadline {
            return Err(RowFailure::NotTried);
        }
        self.invite
            .invite(admin, request)
            .await
            .map_err(RowFailure::Failed)
    }
}
