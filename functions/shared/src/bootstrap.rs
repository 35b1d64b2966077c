//! Making the first admin of an organisation: the local server's seeded admin and the
//! operators' first-admin command use this one path.

use secrecy::SecretString;

use crate::domain::user::new_session_version;
use crate::domain::{EmailAddress, OrgId, Role, User, UserId, UserStatus};
use crate::hashing::PasswordHasher;
use crate::ports::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Hash(#[from] crate::hashing::HashError),
    #[error(transparent)]
    Store(StoreError),
}

/// Creates an active admin in a new organisation with the given password.
pub async fn create_admin(
    store: &dyn Store,
    hasher: &PasswordHasher,
    email: EmailAddress,
    org_name: &str,
    password: SecretString,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<User, BootstrapError> {
    let hash = hasher.hash_async(password).await?;
    let user = User {
        id: UserId::generate(),
        org_id: OrgId::generate(),
        org_name: Some(org_name.to_owned()).filter(|n| !n.trim().is_empty()),
        email,
        name: None,
        role: Role::Admin,
        status: UserStatus::Active,
        created_at: now,
        temporary_password_hash: None,
        password_hash: Some(hash),
        session_version: new_session_version(),
        setup_generation: 0,
        reset_generation: 0,
        invite: None,
    };
    match store.create_user(&user, None).await {
        Ok(()) => Ok(user),
        Err(StoreError::EmailTaken) => Err(BootstrapError::EmailTaken),
        Err(e) => Err(BootstrapError::Store(e)),
    }
}

/// A random password of 24 base64url characters (144 bits).
pub fn generate_password() -> SecretString {
    use base64::Engine;
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    SecretString::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Invites the first admin of a new organisation: an invited admin with no password at all (so
/// nothing can sign in as them yet) and a setup link sent by email, the same welcome a tech gets.
/// Nothing secret passes through the operator's hands.
pub async fn invite_admin(
    app: &crate::App,
    email: EmailAddress,
    org_name: &str,
) -> Result<(User, crate::domain::InviteStatus), BootstrapError> {
    use crate::http::handlers::users::{invite_new_user, NewUser};

    let invited = invite_new_user(
        app,
        NewUser {
            org_id: OrgId::generate(),
            org_name: Some(org_name.to_owned()).filter(|n| !n.trim().is_empty()),
            email,
            name: None,
            role: Role::Admin,
            temporary_password_hash: None,
        },
    )
    .await;
    let (user, token) = match invited {
        Ok(created) => created,
        Err(StoreError::EmailTaken) => return Err(BootstrapError::EmailTaken),
        Err(e) => return Err(BootstrapError::Store(e)),
    };
    let status = crate::http::handlers::users::send_welcome(app, &user, &token).await;
    Ok((user, status))
}
