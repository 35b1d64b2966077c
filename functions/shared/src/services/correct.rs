//! An admin's correction of a user (`PATCH /users/{id}`): a mistyped email or number, a new
//! number (a recycled one), a role, a name, a language. `User::correct` decides what each change does to the
//! user's links and sessions; this use case reads the user, checks the admin may make it, stores
//! it (retrying a write that lost to a concurrent change on a fresh read) and sends the notices.

use chrono::{DateTime, Utc};

use super::invite::{user_in_org, FindUserError, InviteError, InviteTech};
use super::limits::OverLimit;
use super::outbox_texts::take_daily_text;
use super::Services;
use crate::domain::user::new_session_version;
use crate::domain::{
    Actor, AuditAction, AuditEvent, Correction, CorrectionRefused, EmailAddress, Identifier,
    Locale, PhoneError, PhoneNumber, PhoneRules, Role, User, UserStatus,
};
use crate::notices::{notify, Notice};
use crate::ports::{Clock, Crew, Limits, Mailer, StoreError, Texter, Users};

/// What an admin asked to change, as read at the edge: `None` leaves a field as it is,
/// `Some(None)` removes it. The number is read here, with the configured rules.
/// No `Debug`: it holds a mobile number as typed.
#[derive(Clone, Default)]
pub struct CorrectionRequest {
    pub email: Option<Option<EmailAddress>>,
    pub phone: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub role: Option<Role>,
    pub locale: Option<Locale>,
}

#[derive(Debug, thiserror::Error)]
pub enum CorrectError {
    #[error("no such user in the admin's organisation")]
    NotFound,
    #[error("the mobile number is not accepted: {0}")]
    Phone(#[source] PhoneError),
    /// It would leave the user with neither contact: `field` is the one the request removed.
    #[error("a user needs an email or a phone")]
    NoContactLeft { field: &'static str },
    /// The organisation met too many contacts taken by other organisations this hour.
    #[error(transparent)]
    TooManyTakenElsewhere(OverLimit),
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
    /// The probe budget a changed contact takes, as an invite's does (`probing`).
    pub invite: InviteTech<'a>,
    /// The organisation's texts of the day, which a notice by text takes one of.
    pub limits: &'a dyn Limits,
    pub sms_daily_limit: u32,
    pub users: &'a dyn Users,
    pub crew: &'a dyn Crew,
    pub mailer: &'a dyn Mailer,
    pub texter: &'a dyn Texter,
    pub clock: &'a dyn Clock,
    pub phone_rules: &'a PhoneRules,
    /// The language of a notice.
    pub langs: crate::i18n::Langs,
}

impl Services {
    /// The correction use case on this app's ports.
    pub fn correct_case(&self) -> CorrectUser<'_> {
        CorrectUser {
            invite: self.invite_case(),
            limits: self.store.as_ref(),
            sms_daily_limit: self.config.sms.daily_limit_per_org,
            users: self.store.as_ref(),
            crew: self.store.as_ref(),
            mailer: self.mailer.as_ref(),
            texter: self.texter.as_ref(),
            clock: self.clock.as_ref(),
            phone_rules: &self.config.sms.rules,
            langs: self.config.langs(),
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
        // Which contact a refusal to leave none names: the one the request removed.
        let removed = if matches!(request.phone, Some(None)) {
            "phone"
        } else {
            "email"
        };
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
            locale: request.locale,
        };
        // A new contact may be another organisation's, and a 409 says so: the same hourly budget
        // as an invite's (`probing`), taken before the store is asked, kept only for a contact
        // found elsewhere.
        let new_contacts: Vec<Identifier> = correction
            .email
            .iter()
            .flatten()
            .cloned()
            .map(Identifier::Email)
            .chain(
                correction
                    .phone
                    .iter()
                    .flatten()
                    .cloned()
                    .map(Identifier::Phone),
            )
            .collect();
        let probe = if new_contacts.is_empty() {
            None
        } else {
            match self.invite.take_probe_slot(admin).await {
                Ok(probe) => Some(probe),
                Err(InviteError::TooManyTakenElsewhere(over)) => {
                    return Err(CorrectError::TooManyTakenElsewhere(over))
                }
                Err(e) => {
                    // Only the budget refuses; anything else is logged and the probe not counted.
                    crate::telemetry::log_unexpected("taking a correction's probe slot", &e);
                    None
                }
            }
        };
        let result = self.correct_with(admin, id, &correction, removed).await;
        if let Some(probe) = &probe {
            let taken = match &result {
                Err(CorrectError::EmailTaken) => new_contacts.iter().find(|c| c.email().is_some()),
                Err(CorrectError::PhoneTaken) => new_contacts.iter().find(|c| c.phone().is_some()),
                _ => None,
            };
            match taken {
                Some(taken) => self.invite.settle_taken_email(admin, taken, probe).await,
                None => self.invite.give_back_probe_slot(admin, probe).await,
            }
        }
        result
    }

    async fn correct_with(
        &self,
        admin: &User,
        id: &str,
        correction: &Correction,
        removed: &'static str,
    ) -> Result<User, CorrectError> {
        for _ in 0..ATTEMPTS {
            let user = user_in_org(self.users, admin, id).await?;
            if user.id == admin.id && correction.role.is_some_and(|r| r != Role::Admin) {
                return Err(CorrectError::CannotDemoteSelf);
            }
            let mut after = user.clone();
            let done = after.correct(correction, new_session_version()).map_err(
                |CorrectionRefused::NoContactLeft| CorrectError::NoContactLeft { field: removed },
            )?;
            if after == user {
                return Ok(user);
            }
            let event = AuditEvent::about_user(
                AuditAction::UserUpdated,
                Actor::admin(admin),
                &user,
                self.clock.now(),
            )
            .with("fields", changed_fields(&user, &after));
            match self.crew.correct_user(&user, &after, &[event]).await {
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
                locale_changed = after.locale != user.locale,
                sessions_ended = done.sessions_ended,
            );
            if let Some(before) = &done.contacts_were {
                if user.status != UserStatus::Invited {
                    let now: DateTime<Utc> = self.clock.now();
                    let to = self
                        .within_daily_texts(changed_contacts(before, &after), &after, now)
                        .await;
                    notify(
                        Notice::ContactChanged,
                        self.mailer,
                        self.texter,
                        &to,
                        self.langs.for_user(&after),
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

impl CorrectUser<'_> {
    /// `to` less the numbers the organisation has no texts left for today: a notice by text
    /// takes one of the day's texts, as every text does (a store that fails: not sent).
    async fn within_daily_texts(
        &self,
        to: Vec<Identifier>,
        user: &User,
        now: DateTime<Utc>,
    ) -> Vec<Identifier> {
        let mut kept = Vec::with_capacity(to.len());
        for contact in to {
            if contact.phone().is_some() {
                match take_daily_text(self.limits, self.sms_daily_limit, &user.org_id, now).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(audit = "sms_daily_limit_reached", org_id = %user.org_id.0, user_id = %user.id.0, "a contact-changed notice was not texted: the organisation's texts of the day are used up");
                        continue;
                    }
                    Err(e) => {
                        crate::telemetry::log_unexpected("counting a notice's text", &e);
                        continue;
                    }
                }
            }
            kept.push(contact);
        }
        kept
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

/// The names of the fields a correction changed (`GET /users/{id}`'s names; never their values).
fn changed_fields(before: &User, after: &User) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if before.contacts.email != after.contacts.email {
        fields.push("email");
    }
    if before.contacts.phone != after.contacts.phone {
        fields.push("phone");
    }
    if before.name != after.name {
        fields.push("name");
    }
    if before.role != after.role {
        fields.push("role");
    }
    if before.locale != after.locale {
        fields.push("locale");
    }
    fields
}
