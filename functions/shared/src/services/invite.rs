//! Inviting: a new user with their first setup link and the welcome email, a fresh link for a
//! user who lost theirs, and reading a user of the admin's organisation.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::outbox::{job_token, new_job, reminder_job, status_after, DeliverMail};
use super::Services;
use crate::domain::token::issue;
use crate::domain::{
    Actor, AuditAction, AuditEvent, CodeKeys, Contacts, Identifier, Invite, InviteStatus,
    IssuedToken, LinkKeys, Locale, MailJob, MailKind, NewUser, PasswordPolicy, PasswordRejected,
    PhoneNumber, PhoneRules, TemporaryPassword, TokenPurpose, User, UserId, UserStatus,
};
use crate::hashing::PasswordHasher;
use crate::ports::{BreachedPasswords, Clock, Limits, Links, StoreError, Users};
use crate::telemetry::log_unexpected;

pub use super::invite_types::{
    Delivery, FindUserError, HandedOver, InviteError, InviteOptions, InviteRequest, Invited,
    ResendError, MAX_INVITE_DAYS,
};

/// A concurrent resend or redemption changes a user's generation; an issue is retried this often.
const ISSUE_ATTEMPTS: usize = 3;

/// [`Services::user_in_org`], for a use case that holds the `Users` port alone.
pub(crate) async fn user_in_org(
    users: &dyn Users,
    admin: &User,
    id: &str,
) -> Result<User, FindUserError> {
    if id.is_empty() || id.len() > 64 {
        return Err(FindUserError::NotFound);
    }
    match users.user_by_id(&UserId(id.to_owned())).await? {
        Some(u) if u.org_id == admin.org_id => Ok(u),
        _ => Err(FindUserError::NotFound),
    }
}

/// Inviting and resending, holding only what it uses: users (created with their first link) and
/// links (a resend's), the limits (the probe counter), the delivery of the welcome email, the clock, the hasher, the
/// breached-password check and the policy (a temporary password), the link and code keys, the
/// configuration's link lifetime, reminder time and public address, and the sweep's wake-up.
pub struct InviteTech<'a> {
    pub users: &'a dyn Users,
    pub links: &'a dyn Links,
    /// The admin's count of emails found taken by other organisations (probing).
    pub limits: &'a dyn Limits,
    pub deliver: DeliverMail<'a>,
    pub clock: &'a dyn Clock,
    pub hasher: &'a PasswordHasher,
    pub breached: &'a dyn BreachedPasswords,
    pub policy: &'a PasswordPolicy,
    pub link_keys: &'a LinkKeys,
    /// What the one-time code beside each link is hashed under.
    pub codes: &'a CodeKeys,
    pub setup_token_ttl: Duration,
    pub reminder_before: Duration,
    pub public_base_url: &'a str,
    pub outbox_wake: &'a tokio::sync::Notify,
    /// How a new user's mobile number is read and which are accepted.
    pub phone_rules: &'a PhoneRules,
    /// A new user's locale when the admin names none (`DEFAULT_LOCALE`).
    pub default_locale: Locale,
}

impl Services {
    /// The invite use case on this app's ports.
    pub fn invite_case(&self) -> InviteTech<'_> {
        InviteTech {
            users: self.store.as_ref(),
            links: self.store.as_ref(),
            limits: self.store.as_ref(),
            deliver: self.deliver_case(),
            clock: self.clock.as_ref(),
            hasher: &self.hasher,
            breached: self.breached.as_ref(),
            policy: &self.policy,
            link_keys: &self.links,
            codes: &self.codes,
            setup_token_ttl: self.config.setup_token_ttl,
            reminder_before: self.config.reminder_before,
            public_base_url: &self.config.public_base_url,
            outbox_wake: &self.outbox_wake,
            phone_rules: &self.config.sms.rules,
            default_locale: self.config.default_locale,
        }
    }

    /// [`InviteTech::invite`].
    pub async fn invite(
        &self,
        admin: &User,
        request: InviteRequest,
    ) -> Result<Invited, InviteError> {
        self.invite_case().invite(admin, request).await
    }

    /// [`InviteTech::resend_invite`].
    pub async fn resend_invite(
        &self,
        admin: &User,
        id: &str,
        options: InviteOptions,
    ) -> Result<Invited, ResendError> {
        self.invite_case().resend_invite(admin, id, options).await
    }

    /// A user of the admin's organisation: another organisation's users do not exist here.
    pub async fn user_in_org(&self, admin: &User, id: &str) -> Result<User, FindUserError> {
        user_in_org(self.store.as_ref(), admin, id).await
    }
}

impl InviteTech<'_> {
    /// `user.create`: the tech joins the admin's organisation, gets a 7-day setup link by email,
    /// and the temporary password signs them in until they choose their own. The welcome email is
    /// written with the user (the outbox) and sent at once: `sent` when the mail service took it,
    /// `queued` while it waits for a retry, `failed` when the mail service refused it.
    pub async fn invite(
        &self,
        admin: &User,
        request: InviteRequest,
    ) -> Result<Invited, InviteError> {
        let org_name = admin.org_name.clone();
        // Bad input changes nothing: the number and the temporary password are judged before
        // any write.
        let phone = request
            .phone
            .as_deref()
            .map(|raw| PhoneNumber::parse(raw, self.phone_rules))
            .transpose()
            .map_err(InviteError::Phone)?;
        let contacts = Contacts::new(request.email.clone(), phone).ok_or(InviteError::NoContact)?;
        let options = request.options.resolved(Delivery::default_for(&contacts));
        if options.channel() != Delivery::Link && options.channel().to(&contacts).is_none() {
            return Err(InviteError::NoContactFor(options.channel()));
        }
        let temporary = match &request.temporary_password {
            Some(password) => Some(
                self.check_temporary(password, &contacts, org_name.as_deref())
                    .await?,
            ),
            None => None,
        };
        let hashing = async {
            match temporary {
                Some(t) => self.hasher.hash_async(t.secret().clone()).await.map(Some),
                None => Ok(None),
            }
        };
        // Taken while the temporary password hashes: no wait of its own.
        let (temporary_hash, probe) = tokio::join!(hashing, self.take_probe_slot(admin));
        let probe = probe?;
        let temporary_hash = match temporary_hash {
            Ok(hash) => hash,
            Err(e) => {
                self.give_back_probe_slot(admin, &probe).await;
                return Err(e.into());
            }
        };
        let lifetime = options.lifetime(self.setup_token_ttl);
        let created = self
            .create_invited(
                NewUser {
                    org_id: admin.org_id.clone(),
                    org_name,
                    contacts: contacts.clone(),
                    name: request.name,
                    role: request.role,
                    temporary_password_hash: temporary_hash,
                    // Stored, not left to `DEFAULT_LOCALE`: what the admin saw is what stays.
                    locale: Some(request.locale.unwrap_or(self.default_locale)),
                },
                lifetime,
                options,
                Actor::admin(admin),
            )
            .await;
        let (mut user, token, jobs) = match created {
            Err(StoreError::EmailTaken) => {
                let email = contacts.email.clone().map(Identifier::Email);
                if let Some(email) = email {
                    self.settle_taken_email(admin, &email, &probe).await;
                }
                return Err(InviteError::EmailTaken);
            }
            Err(StoreError::PhoneTaken) => {
                let phone = contacts.phone.clone().map(Identifier::Phone);
                if let Some(phone) = phone {
                    self.settle_taken_email(admin, &phone, &probe).await;
                }
                return Err(InviteError::PhoneTaken);
            }
            Err(e) => {
                self.give_back_probe_slot(admin, &probe).await;
                return Err(InviteError::Store(e));
            }
            Ok(created) => created,
        };
        tracing::info!(audit = "user_created", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0, role = user.role.as_str());
        let deliver = async {
            match options.channel() {
                Delivery::Email | Delivery::Sms => {
                    if options.queue_only {
                        self.outbox_wake.notify_one();
                    } else if let Some(job) = jobs.first() {
                        self.send_at_once(&mut user, job).await;
                    }
                    None
                }
                Delivery::Link => {
                    tracing::info!(audit = "invite_link_handed_over", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0);
                    Some(self.link_of(&token))
                }
            }
        };
        // The probe slot goes back while the email is handed over: no wait of its own.
        let (link, ()) = tokio::join!(deliver, self.give_back_probe_slot(admin, &probe));
        Ok(Invited { user, link })
    }

    /// The temporary password, once it passes the policy and the breach check.
    async fn check_temporary(
        &self,
        password: &SecretString,
        contacts: &Contacts,
        org_name: Option<&str>,
    ) -> Result<TemporaryPassword, InviteError> {
        let email = contacts.email.as_ref().map_or("", |e| e.as_str());
        let phone = contacts.phone.as_ref().map_or("", |p| p.as_str());
        let context = [email, phone, org_name.unwrap_or("")];
        let temporary = TemporaryPassword::parse(password.expose_secret(), self.policy, &context)
            .map_err(InviteError::TemporaryPassword)?;
        if self.breached.is_breached(password).await {
            return Err(InviteError::TemporaryPassword(PasswordRejected::breached(
                super::BREACHED_PASSWORD,
            )));
        }
        Ok(temporary)
    }

    /// The setup link of `token`, on the configured public base URL.
    fn link_of(&self, token: &IssuedToken) -> HandedOver {
        HandedOver {
            url: SecretString::from(token.link(self.public_base_url)),
            code: token.code(),
        }
    }

    /// Stores an invited user with their first setup link and, for an emailed invite, its
    /// emails (the welcome, held by this request unless `queue_only`, and the reminder), all in
    /// one store call (the email's uniqueness checked in the same write). Sending is the caller's
    /// next step; the outbox guarantees it.
    pub(crate) async fn create_invited(
        &self,
        new: NewUser,
        lifetime: Duration,
        options: InviteOptions,
        actor: Actor,
    ) -> Result<(User, IssuedToken, Vec<MailJob>), StoreError> {
        let now = self.clock.now();
        let expires_at = now + lifetime;
        let status = options.channel().first_status();
        let invite = Invite::new(status, expires_at).via(options.channel());
        let user = User::new_invited(new, now, invite);
        let (token, jobs) = self.setup_link(&user, user.setup_generation, expires_at, options, now);
        let event = AuditEvent::about_user(AuditAction::UserInvited, actor, &user, now)
            .with("channel", options.channel().as_str())
            .with("role", user.role.as_str());
        let watched = self.with_expiry_watch(&jobs, &user, user.setup_generation, expires_at, now);
        self.users
            .create_user_with_mail(&user, Some(&token.record), &watched, &[event])
            .await?;
        Ok((user, token, jobs))
    }

    /// `jobs` and the watch that records `invite.expired` if the invite's link of `generation`
    /// (expiring at `expires_at`) is still waited on when it expires: written with the link.
    fn with_expiry_watch(
        &self,
        jobs: &[MailJob],
        user: &User,
        generation: u64,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Vec<MailJob> {
        let watch = MailJob::expiry_watch(
            &user.id,
            &user.home(),
            generation,
            expires_at,
            self.link_keys,
            now,
        );
        jobs.iter().cloned().chain(std::iter::once(watch)).collect()
    }

    /// A setup link of `generation` for `user` and, by email, the jobs that send it: the
    /// welcome (first) and the reminder, if the link lasts long enough for one. A link for the
    /// admin to hand over is random and has no jobs.
    fn setup_link(
        &self,
        user: &User,
        generation: u64,
        expires_at: DateTime<Utc>,
        options: InviteOptions,
        now: DateTime<Utc>,
    ) -> (IssuedToken, Vec<MailJob>) {
        let Some(to) = options.channel().to(&user.contacts) else {
            let token = issue(
                TokenPurpose::Setup,
                user.token_subject(),
                generation,
                now,
                expires_at - now,
            )
            .with_code(self.codes);
            return (token, Vec::new());
        };
        let welcome = new_job(
            self.link_keys,
            MailKind::Welcome,
            user,
            &to,
            generation,
            expires_at,
            now,
            !options.queue_only,
        );
        let token = job_token(self.link_keys, &welcome, user, now).with_code(self.codes);
        let reminder = reminder_job(
            self.link_keys,
            self.reminder_before,
            user,
            &to,
            generation,
            expires_at,
            now,
        );
        (token, std::iter::once(welcome).chain(reminder).collect())
    }

    /// Sends the welcome email this request holds and records on `user` what became of it
    /// (`sent`, or still `queued` for the sweep to retry, or `failed`). Never fails: the user
    /// and the job exist either way.
    pub(crate) async fn send_at_once(&self, user: &mut User, job: &MailJob) {
        match self.deliver.handle_job(job, Some(user)).await {
            Ok(handled) => {
                // As the store recorded it, so the answer says what became of it at once.
                if let Some(status) = status_after(&handled.outcome) {
                    handled.outcome.record_on(user, job, status);
                }
            }
            // The job stays in the outbox, held until its hold runs out: the sweep sends it.
            Err(e) => log_unexpected("recording a sent invite", &e),
        }
    }

    /// A fresh setup link for a user who has not set a password yet; every earlier setup link of
    /// theirs stops working as the new one is stored with its email (or, with
    /// [`Delivery::Link`], handed to the admin). Returns the user with the new invite.
    pub async fn resend_invite(
        &self,
        admin: &User,
        id: &str,
        options: InviteOptions,
    ) -> Result<Invited, ResendError> {
        let lifetime = options.lifetime(self.setup_token_ttl);
        for _ in 0..ISSUE_ATTEMPTS {
            let mut user = user_in_org(self.users, admin, id).await?;
            match user.status {
                UserStatus::Active => return Err(ResendError::AlreadyActive),
                UserStatus::Disabled => return Err(ResendError::Disabled),
                UserStatus::Invited => {}
            }
            // As asked, else the invite's channel, else by the contacts the user has.
            let channel = user
                .invite
                .as_ref()
                .map(|i| i.channel())
                .filter(|c| *c == Delivery::Link || c.to(&user.contacts).is_some())
                .unwrap_or_else(|| Delivery::default_for(&user.contacts));
            let options = options.resolved(channel);
            if options.channel() != Delivery::Link && options.channel().to(&user.contacts).is_none()
            {
                return Err(ResendError::NoContactFor(options.channel()));
            }
            let now = self.clock.now();
            let generation = user.setup_generation + 1;
            let (token, jobs) = self.setup_link(&user, generation, now + lifetime, options, now);
            // The new link and its emails in one write, which kills every earlier setup link:
            // from here the outbox owes the tech this email, whatever happens to this request.
            let status = options.channel().first_status();
            let invite = Invite::new(status, token.record.expires_at).via(options.channel());
            let event =
                AuditEvent::about_user(AuditAction::InviteResent, Actor::admin(admin), &user, now)
                    .with("channel", options.channel().as_str());
            let watched =
                self.with_expiry_watch(&jobs, &user, generation, token.record.expires_at, now);
            match self
                .links
                .issue_token_with_mail(&token.record, Some(&invite), &watched, &[event])
                .await
            {
                Ok(()) => {}
                // Another resend or the password came in between: read again and retry.
                Err(StoreError::Conflict) => continue,
                Err(StoreError::AlreadyActive) => return Err(ResendError::AlreadyActive),
                Err(StoreError::UserNotFound) => return Err(ResendError::NotFound),
                Err(e) => return Err(ResendError::Store(e)),
            }
            tracing::info!(audit = "invite_resent", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0, manual = status == InviteStatus::Manual);
            user.setup_generation = generation;
            user.invite = Some(invite);
            if let Some(job) = jobs.first() {
                if options.queue_only {
                    self.outbox_wake.notify_one();
                } else {
                    self.send_at_once(&mut user, job).await;
                }
            }
            let link = (options.channel() == Delivery::Link).then(|| self.link_of(&token));
            return Ok(Invited { user, link });
        }
        Err(ResendError::Store(StoreError::Conflict))
    }
}
