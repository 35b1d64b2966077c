//! An admin's correction of a user (`PATCH /users/{id}`): a mistyped email or number, a new
//! number (a recycled one), a role, a name. `User::correct` decides what each change does to the
//! user's links and sessions; this use case reads the user, checks the admin may make it, stores
//! it (retrying a write that lost to a concurrent change on a fresh read) and sends the notices.

use chrono::{DateTime, Utc};

use super::invite::{user_in_org, FindUserError};
use super::Services;
use crate::domain::user::new_session_version;
use crate::domain::{
    Correction, CorrectionRefused, EmailAddress, Identifier, PhoneError, PhoneNumber, PhoneRules,
    Role, User, UserStatus,
};
use crate::notices::notify_contact_changed;
use crate::ports::{Clock, Crew, Mailer, StoreError, Texter, Users};

/// What an admin asked to change, as read at the edge: `None` leaves a field as it is,
/// `Some(None)` removes it. The number is read here, with the configured rules.
#[derive(Debug, Clone, Default)]
pub struct CorrectionRequest {
    pub email: Option<Option<EmailAddress>>,
    pub phone: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub role: Option<Role>,
}

#[derive(Debug, thiserror::Error)]
pub enum CorrectError {
    #[error("no such user in the admin's organisation")]
    NotFound,
    #[error("the mobile number is not accepted: {0}")]
    Phone(#[source] PhoneError),
    #[error(transparent)]
    Refused(#[from] CorrectionRefused),
    #[error("an admin cannot demote themselves")]
    CannotDemoteSelf,
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("a user with this phone number already exists")]
    PhoneTaken,
    #[error("correcting the user")]
    Store(#[source] StoreError),
}

impl From<FindUserError> for CorrectError {
    fn from(e: FindUserError) -> Self {
        match e {
            FindUserError::NotFound => Self::NotFound,
            FindUserError::Store(e) => Self::Store(e),
        }
    }
}

/// A write that lost to a concurrent change is tried again this often, on a fresh read.
const ATTEMPTS: usize = 3;

/// Correcting a user, holding only what it uses: users (to find them), the crew port (to store
/// the correction), the mailer and the texter (the notices), the clock and the phone rules.
pub struct CorrectUser<'a> {
    pub users: &'a dyn Users,
    pub crew: &'a dyn Crew,
    pub mailer: &'a dyn Mailer,
    pub texter: &'a dyn Texter,
    pub clock: &'a dyn Clock,
    pub phone_rules: &'a PhoneRules,
}

impl Services {
    /// The correction use case on this app's ports.
    pub fn correct_case(&self) -> CorrectUser<'_> {
        CorrectUser {
            users: self.store.as_ref(),
            crew: self.store.as_ref(),
            mailer: self.mailer.as_ref(),
            texter: self.texter.as_ref(),
            clock: self.clock.as_ref(),
            phone_rules: &self.config.sms.rules,
        }
    }

    /// [`CorrectUser::correct_user`].
    pub async fn correct_user(
        &self,
        admin: &User,
        id: &str,
        request: CorrectionRequest,
    ) -> Result<User, CorrectError> {
        self.correct_case().correct_user(admin, id, request).await
    }
}

impl CorrectUser<'_> {
    /// `PATCH /users/{id}`: the user as corrected. A correction that changes nothing writes
    /// nothing. An active or disabled user whose email or phone changed gets a notice at the old
    /// contact and at the new one.
    pub async fn correct_user(
        &self,
        admin: &User,
        id: &str,
        request: CorrectionRequest,
    ) -> Result<User, CorrectError> {
        // Bad input changes nothing: the number is judged before anything is read or written.
        let phone = match request.phone {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => Some(Some(
                PhoneNumber::parse(&raw, self.phone_rules).map_err(CorrectError::Phone)?,
            )),
        };
        let correction = Correction {
            email: request.email,
            phone,
            name: request.name,
            role: request.role,
        };
        for _ in 0..ATTEMPTS {
            let user = user_in_org(self.users, admin, id).await?;
            if user.id == admin.id && correction.role.is_some_and(|r| r != Role::Admin) {
                return Err(CorrectError::CannotDemoteSelf);
            }
            let mut after = user.clone();
            let done = after.correct(&correction, new_session_version())?;
            if after == user {
                return Ok(user);
            }
            match self.crew.correct_user(&user, &after).await {
                Ok(()) => {}
                Err(StoreError::Conflict) => continue,
                Err(StoreError::UserNotFound) => return Err(CorrectError::NotFound),
                Err(StoreError::EmailTaken) => return Err(CorrectError::EmailTaken),
                Err(StoreError::PhoneTaken) => return Err(CorrectError::PhoneTaken),
                Err(e) => return Err(CorrectError::Store(e)),
            }
            tracing::info!(
                audit = "user_corrected",
                user_id = %after.id.0,
                org_id = %after.org_id.0,
                by = %admin.id.0,
                contacts_changed = done.contacts_were.is_some(),
                role_changed = done.role_changed,
                sessions_ended = done.sessions_ended,
            );
            if let Some(before) = &done.contacts_were {
                if user.status != UserStatus::Invited {
                    let to = changed_contacts(before, &after);
                    let now: DateTime<Utc> = self.clock.now();
                    notify_contact_changed(
                        self.mailer,
                        self.texter,
                        &to,
                        after.org_name.as_deref(),
                        now,
                    )
                    .await;
                }
            }
            return Ok(after);
        }
        Err(CorrectError::Store(StoreError::Conflict))
    }
}

/// Who hears of a change of contacts: each old contact that changed or went, and each new one.
fn changed_contacts(before: &crate::domain::Contacts, after: &User) -> Vec<Identifier> {
    let now = after.contacts.all();
    let was = before.all();
    let mut to: Vec<Identifier> = was.iter().filter(|c| !now.contains(c)).cloned().collect();
    to.extend(now.iter().filter(|c| !was.contains(c)).cloned());
    to
}
