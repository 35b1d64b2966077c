//! Finishing the ceremonies: the library verifies (challenge, origin, rp id hash, flags, signature,
//! algorithm, counter); this file frames its inputs and names its refusals.

use super::options::{library_handle, read_authentication_state, read_registration_state};
use super::{
    base64url, parse_json, Assertion, AssertionNames, NewPasskey, PasskeyInvalid, RelyingParty,
    StoredPasskey,
};
use serde_json::Value;
use webauthn_rp::bin::{Decode as _, Encode as _};
use webauthn_rp::request::auth::{
    AuthenticationVerificationOptions, AuthenticatorAttachmentEnforcement,
    SignatureCounterEnforcement,
};
use webauthn_rp::request::register::RegistrationVerificationOptions;
use webauthn_rp::request::BackupReq;
use webauthn_rp::response::auth::error::{AuthCeremonyErr, AuthenticatorDataErr};
use webauthn_rp::response::register::error::{AttestationObjectErr, RegCeremonyErr};
use webauthn_rp::response::register::{CompressedPubKey, DynamicState, StaticState};
use webauthn_rp::response::{AuthenticatorAttachment, Backup, CredentialId};
use webauthn_rp::{
    AuthenticatedCredential, DiscoverableAuthentication, DiscoverableAuthenticationServerState,
    Registration, RegistrationServerState,
};

/// A stored public key, as `StaticState::decode` reads it back.
type StoredKey = StaticState<CompressedPubKey<[u8; 32], [u8; 32], [u8; 48], Vec<u8>>>;

/// Verifies a RegistrationResponseJSON (raw JSON of the `credential` object) against the state
/// `start_registration` returned: challenge, origin (exactly `rp.origin()`; no cross-origin or
/// topOrigin), rp id hash, UP and UV flags, the algorithm (EdDSA or ES256), the attestation (the
/// module docs say which are accepted), and that the user handle the credential was made for is
/// the one the ceremony was started with. A RegistrationResponseJSON does not carry the user
/// handle (the authenticator keeps it); the handle is the one in `state`, which the options sent.
pub fn finish_registration(
    rp: &RelyingParty,
    state: &[u8],
    credential_json: &[u8],
) -> Result<NewPasskey, PasskeyInvalid> {
    let (user_handle, library_state) = read_registration_state(state)?;
    let ceremony =
        RegistrationServerState::decode(library_state).map_err(|_| PasskeyInvalid::Malformed)?;
    let registration =
        Registration::from_json_relaxed(credential_json).map_err(|_| PasskeyInvalid::Malformed)?;
    let origins = [rp.origin()];
    let options = RegistrationVerificationOptions::<&str, &str> {
        allowed_origins: &origins,
        allowed_top_origins: None,
        backup_requirement: BackupReq::None,
        // Browsers and password managers add extension outputs nobody asked for; we act on none.
        error_on_unsolicited_extensions: false,
        require_authenticator_attachment: false,
        client_data_json_relaxed: true,
    };
    let credential = ceremony
        .verify(&rp.rp_id, &registration, &options)
        .map_err(registration_refused)?;
    if *credential.user_id() != library_handle(user_handle) {
        return Err(PasskeyInvalid::UserHandle);
    }
    let (id, _transports, _user, static_state, dynamic_state, _metadata) = credential.into_parts();
    let Ok(public_key) = static_state.encode();
    Ok(NewPasskey {
        id: id.as_ref().to_vec(),
        public_key,
        sign_count: dynamic_state.sign_count,
        backup_eligible: !matches!(dynamic_state.backup, Backup::NotEligible),
        backed_up: matches!(dynamic_state.backup, Backup::Exists),
    })
}

/// Verifies an AuthenticationResponseJSON against the state `start_authentication` returned and
/// the stored credential: challenge, origin, rp id hash, UP and UV, signature, that the id and
/// userHandle are the stored ones, that backup eligibility has not changed, and the signature
/// counter as WebAuthn Level 3 says: when the stored or the new counter is nonzero and the new one
/// is not above the stored one → Err(Counter); a synced passkey that always reports 0 keeps
/// working. Ok(new sign count, and the current backed_up flag).
pub fn finish_authentication(
    rp: &RelyingParty,
    state: &[u8],
    credential_json: &[u8],
    stored: &StoredPasskey<'_>,
) -> Result<Assertion, PasskeyInvalid> {
    let ceremony = DiscoverableAuthenticationServerState::decode(read_authentication_state(state)?)
        .map_err(|_| PasskeyInvalid::Malformed)?;
    let mut credential = parse_json(credential_json)?;
    let names = AssertionNames::read(&credential)?;
    if names.id != stored.id {
        return Err(PasskeyInvalid::CredentialId);
    }
    if names.user_handle != stored.user_handle {
        return Err(PasskeyInvalid::UserHandle);
    }
    // The library reads handles at one fixed length (the module docs say why): it gets the
    // response's handle and the stored one each hashed, and compares them again. The handle is
    // not signed by the authenticator, so rewriting it loses nothing.
    let presented = library_handle(&names.user_handle);
    credential["response"]["userHandle"] = Value::String(base64url(presented.as_ref()));
    let credential_json = serde_json::to_vec(&credential).map_err(|_| PasskeyInvalid::Malformed)?;
    let authentication = DiscoverableAuthentication::from_json_relaxed(&credential_json)
        .map_err(|_| PasskeyInvalid::Malformed)?;

    let id = CredentialId::<&[u8]>::decode(stored.id).map_err(|_| PasskeyInvalid::Malformed)?;
    let public_key = StoredKey::decode(stored.public_key).map_err(|_| PasskeyInvalid::Malformed)?;
    let dynamic_state = DynamicState {
        // Registration required it, so every stored passkey was verified at least once.
        user_verified: true,
        backup: if stored.backup_eligible {
            Backup::Eligible
        } else {
            Backup::NotEligible
        },
        sign_count: stored.sign_count,
        authenticator_attachment: AuthenticatorAttachment::None,
    };
    let handle = library_handle(stored.user_handle);
    let mut passkey = AuthenticatedCredential::new(id, &handle, public_key, dynamic_state)
        .map_err(|_| PasskeyInvalid::Malformed)?;
    let origins = [rp.origin()];
    let options = AuthenticationVerificationOptions::<&str, &str> {
        allowed_origins: &origins,
        allowed_top_origins: None,
        // Backup eligibility may not change; being backed up may (BackupReq::from the stored one).
        backup_requirement: None,
        error_on_unsolicited_extensions: false,
        auth_attachment_enforcement: AuthenticatorAttachmentEnforcement::Ignore(false),
        update_uv: false,
        // Refuses exactly when the stored or the new counter is nonzero and the new one is not
        // above the stored one (Level 3 §7.2 step 22).
        sig_counter_enforcement: SignatureCounterEnforcement::Fail,
        client_data_json_relaxed: true,
    };
    ceremony
        .verify(&rp.rp_id, &authentication, &mut passkey, &options)
        .map_err(authentication_refused)?;
    let verified = passkey.dynamic_state();
    Ok(Assertion {
        sign_count: verified.sign_count,
        backed_up: matches!(verified.backup, Backup::Exists),
    })
}

fn registration_refused(error: RegCeremonyErr) -> PasskeyInvalid {
    use PasskeyInvalid as P;
    use RegCeremonyErr as E;
    match error {
        E::Timeout => P::Expired,
        E::ChallengeMismatch => P::Challenge,
        E::OriginMismatch | E::CrossOrigin | E::TopOriginMismatch => P::Origin,
        E::RpIdHashMismatch => P::RpId,
        E::UserNotPresent => P::UserPresence,
        E::UserNotVerified => P::UserVerification,
        E::PublicKeyAlgorithmMismatch => P::Algorithm,
        E::AttestationSignature => P::Signature,
        E::AttestationObject(
            AttestationObjectErr::Attestation(_)
            | AttestationObjectErr::SelfAttestationAlgorithmMismatch,
        ) => P::Attestation,
        E::BackupEligible | E::BackupNotEligible | E::BackupDoesNotExist => P::Backup,
        E::Extension(_) | E::Credential(_) => P::Extension,
        E::CollectedClientData(_)
        | E::CollectedClientDataRelaxed(_)
        | E::AttestationObject(_)
        | E::PubKey(_)
        | E::MissingAuthenticatorAttachment
        | E::AuthenticatorAttachmentMismatch => P::Malformed,
    }
}

fn authentication_refused(error: AuthCeremonyErr) -> PasskeyInvalid {
    use AuthCeremonyErr as E;
    use PasskeyInvalid as P;
    match error {
        E::Timeout => P::Expired,
        E::ChallengeMismatch => P::Challenge,
        E::OriginMismatch | E::CrossOrigin | E::TopOriginMismatch => P::Origin,
        E::RpIdHashMismatch => P::RpId,
        E::AuthenticatorData(AuthenticatorDataErr::UserNotPresent) => P::UserPresence,
        E::UserNotVerified => P::UserVerification,
        E::AssertionSignature => P::Signature,
        E::SignatureCounter => P::Counter,
        E::UserHandleMismatch => P::UserHandle,
        E::CredentialIdMismatch | E::NoMatchingAllowedCredential => P::CredentialId,
        E::BackupEligible | E::BackupNotEligible | E::BackupDoesNotExist => P::Backup,
        E::Extension(_) | E::Credential(_) => P::Extension,
        E::CollectedClientData(_)
        | E::CollectedClientDataRelaxed(_)
        | E::AuthenticatorData(_)
        | E::PubKey(_)
        | E::MissingAuthenticatorAttachment
        | E::AuthenticatorAttachmentMismatch
        | E::MissingUserHandle => P::Malformed,
    }
}
