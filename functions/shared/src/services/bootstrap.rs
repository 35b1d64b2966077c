//! Making the first admin of an organisation: the local server's seeded admin and the
//! operators' first-admin command use these.

use secrecy::SecretString;

use super::invite::{InviteOptions, InviteTech};
use super::Services;
use crate::domain::{Actor, Contacts, EmailAddress, InviteStatus, NewUser, OrgId, Role, User};
use crate::hashing::HashError;
use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("hashing the admin's password")]
    Hash(#[from] HashError),
    #[error("storing the admin")]
    Store(#[source] StoreError),
}

impl From<StoreError> for BootstrapError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::EmailTaken => Self::EmailTaken,
            e => Self::Store(e),
        }
    }
}

fn org_name_of(raw: &str) -> Option<String> {
    Some(raw.to_owned()).filter(|n| !n.trim().is_empty())
}

/// Making a first admin, holding only what it uses: the invite use case (its users, hasher and
/// clock make an admin with a password; the rest invites one).
pub struct FirstAdmin<'a> {
    pub invite: InviteTech<'a>,
}

impl Services {
    /// The first-admin use case on this app's ports.
    pub fn first_admin_case(&self) -> FirstAdmin<'_> {
        FirstAdmin {
            invite: self.invite_case(),
        }
    }

    /// [`FirstAdmin::create_admin`].
    pub async fn create_admin(
        &self,
        email: EmailAddress,
        org_name: &str,
        password: SecretString,
    ) -> Result<User, BootstrapError> {
        self.first_admin_case()
            .create_admin(email, org_name, password)
            .await
    }

    /// [`FirstAdmin::invite_first_admin`].
    pub async fn invite_first_admin(
        &self,
        email: EmailAddress,
        org_name: &str,
    ) -> Result<(User, InviteStatus), BootstrapError> {
        self.first_admin_case()
            .invite_first_admin(email, org_name)
            .await
    }
}

impl FirstAdmin<'_> {
    /// Creates an active admin in a new organisation with the given password.
    pub async fn create_admin(
        &self,
        email: EmailAddress,
        org_name: &str,
        password: SecretString,
    ) -> Result<User, BootstrapError> {
        let hash = self.invite.hasher.hash_async(password).await?;
        let user = User::new_admin(email, org_name_of(org_name), hash, self.invite.clock.now());
        self.invite.users.create_user(&user, None).await?;
        Ok(user)
    }

    /// Invites the first admin of a new organisation: an invited admin with no password at all
    /// (so nothing can sign in as them yet) and a setup link sent by email, the same welcome a
    /// tech gets. Nothing secret passes through the operator's hands.
    pub async fn invite_first_admin(
        &self,
        email: EmailAddress,
        org_name: &str,
    ) -> Result<(User, InviteStatus), BootstrapError> {
        let (mut user, _token, jobs) = self
            .invite
            .create_invited(
                NewUser {
                    org_id: OrgId::generate(),
                    org_name: org_name_of(org_name),
                    contacts: Contacts::email(email),
                    name: None,
                    role: Role::Admin,
                    temporary_password_hash: None,
                    // The operator names no language: `DEFAULT_LOCALE`, until the admin
                    // chooses one on the setup page.
                    locale: None,
                },
                self.invite.setup_token_ttl,
                InviteOptions::default(),
                Actor::system(),
            )
            .await?;
        if let Some(job) = jobs.first() {
            self.invite.send_at_once(&mut user, job).await;
        }
        let status = user
            .invite
            .as_ref()
            .map_or(InviteStatus::Failed, |i| i.status);
        Ok((user, status))
    }
}

/// A random password of 24 base64url characters (144 bits).
pub fn generate_password() -> SecretString {
    use base64::Engine;
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    SecretString::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
