//! Each refusal the contract names, each on its own, against a response that would otherwise pass.

use super::*;

fn refused_sign_up(
    authenticator: &mut SoftAuthenticator,
    origin: &str,
) -> Result<NewPasskey, PasskeyInvalid> {
    let rp = relying_party(HTTPS_BASE);
    let started = start_registration(&rp, &user_handle(32), "tech", "Jo", &[]);
    let response = authenticator.create(&started.options, origin);
    finish_registration(&rp, &started.state, &to_bytes(&response))
}

/// A sign-in's response with `edit` applied, against the passkey stored with `sign_count` 1.
fn edited_sign_in(edit: impl FnOnce(&mut Value)) -> Result<Assertion, PasskeyInvalid> {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let (started, mut response) = authentication_response(&rp, &mut authenticator);
    edit(&mut response);
    finish_authentication(
        &rp,
        &started.state,
        &to_bytes(&response),
        &enrolled.stored(1),
    )
}

#[test]
fn a_sign_up_answering_another_ceremonys_challenge_is_refused() {
    let rp = relying_party(HTTPS_BASE);
    let handle = user_handle(32);
    let (_answered, response) = registration_response(&rp, &mut SoftAuthenticator::new(), &handle);
    let other = start_registration(&rp, &handle, "tech", "Jo", &[]);
    let result = finish_registration(&rp, &other.state, &to_bytes(&response));
    assert_eq!(result, Err(PasskeyInvalid::Challenge));
}

#[test]
fn a_sign_in_answering_another_ceremonys_challenge_is_refused() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let (_answered, response) = authentication_response(&rp, &mut authenticator);
    let other = start_authentication(&rp);
    let result =
        finish_authentication(&rp, &other.state, &to_bytes(&response), &enrolled.stored(1));
    assert_eq!(result, Err(PasskeyInvalid::Challenge));
}

#[test]
fn a_sign_up_from_another_origin_is_refused() {
    let result = refused_sign_up(&mut SoftAuthenticator::new(), EVIL_ORIGIN);
    assert_eq!(result, Err(PasskeyInvalid::Origin));
}

#[test]
fn a_sign_in_from_another_origin_is_refused() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let started = start_authentication(&rp);
    let response = authenticator.get(&started.options, EVIL_ORIGIN);
    let result = finish_authentication(
        &rp,
        &started.state,
        &to_bytes(&response),
        &enrolled.stored(1),
    );
    assert_eq!(result, Err(PasskeyInvalid::Origin));
}

#[test]
fn the_localhost_origin_is_not_accepted_for_another_port() {
    let rp = relying_party(LOCALHOST_BASE);
    let started = start_registration(&rp, &user_handle(32), "tech", "Jo", &[]);
    let response = SoftAuthenticator::new().create(&started.options, "http://localhost:4000");
    let result = finish_registration(&rp, &started.state, &to_bytes(&response));
    assert_eq!(result, Err(PasskeyInvalid::Origin));
}

#[test]
fn a_sign_up_signed_for_another_rp_id_is_refused() {
    let mut authenticator = SoftAuthenticator::new().with_rp_id_override("evil.example");
    let result = refused_sign_up(&mut authenticator, "https://auth.example.com");
    assert_eq!(result, Err(PasskeyInvalid::RpId));
}

#[test]
fn a_sign_in_signed_for_another_rp_id_is_refused() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let mut authenticator = authenticator.with_rp_id_override("example.com");
    let result = sign_in(&rp, &mut authenticator, &enrolled, 1);
    assert_eq!(result, Err(PasskeyInvalid::RpId));
}

#[test]
fn a_sign_up_without_user_verification_is_refused() {
    let mut authenticator = SoftAuthenticator::new().without_user_verification();
    let result = refused_sign_up(&mut authenticator, "https://auth.example.com");
    assert_eq!(result, Err(PasskeyInvalid::UserVerification));
}

#[test]
fn a_sign_in_without_user_verification_is_refused() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let mut authenticator = authenticator.without_user_verification();
    let result = sign_in(&rp, &mut authenticator, &enrolled, 1);
    assert_eq!(result, Err(PasskeyInvalid::UserVerification));
}

fn sign_in_with_counter(stored: u32, reported: u32) -> Result<Assertion, PasskeyInvalid> {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    authenticator.set_counter(reported);
    sign_in(&rp, &mut authenticator, &enrolled, stored)
}

#[test]
fn a_counter_gone_backwards_is_refused() {
    assert_eq!(sign_in_with_counter(5, 3), Err(PasskeyInvalid::Counter));
}

#[test]
fn an_equal_nonzero_counter_is_refused() {
    assert_eq!(sign_in_with_counter(5, 5), Err(PasskeyInvalid::Counter));
}

#[test]
fn a_counter_dropping_to_zero_is_refused() {
    assert_eq!(sign_in_with_counter(5, 0), Err(PasskeyInvalid::Counter));
}

#[test]
fn a_passkey_presented_for_another_users_handle_is_refused() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let another_user = user_handle(32);
    let stored = StoredPasskey {
        user_handle: &another_user,
        ..enrolled.stored(1)
    };
    let (started, response) = authentication_response(&rp, &mut authenticator);
    let result = finish_authentication(&rp, &started.state, &to_bytes(&response), &stored);
    assert_eq!(result, Err(PasskeyInvalid::UserHandle));
}

#[test]
fn a_response_naming_another_credential_than_the_stored_one_is_refused() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let another_id = user_handle(32);
    let stored = StoredPasskey {
        id: &another_id,
        ..enrolled.stored(1)
    };
    let (started, response) = authentication_response(&rp, &mut authenticator);
    let result = finish_authentication(&rp, &started.state, &to_bytes(&response), &stored);
    assert_eq!(result, Err(PasskeyInvalid::CredentialId));
}

#[test]
fn a_tampered_signature_is_refused() {
    let result = edited_sign_in(|response| {
        let field = &mut response["response"]["signature"];
        let mut signature = base64url_decode(field.as_str().unwrap()).unwrap();
        // The last byte of s: the DER stays well formed, the signature no longer verifies.
        *signature.last_mut().unwrap() ^= 0x01;
        *field = Value::from(base64url(&signature));
    });
    assert_eq!(result, Err(PasskeyInvalid::Signature));
}

#[test]
fn tampered_authenticator_data_is_refused() {
    let result = edited_sign_in(|response| {
        let field = &mut response["response"]["authenticatorData"];
        let mut data = base64url_decode(field.as_str().unwrap()).unwrap();
        *data.last_mut().unwrap() ^= 0x40; // a higher counter than the one signed
        *field = Value::from(base64url(&data));
    });
    assert_eq!(result, Err(PasskeyInvalid::Signature));
}

#[test]
fn a_sign_in_without_a_user_handle_is_malformed() {
    let result = edited_sign_in(|response| {
        response["response"]
            .as_object_mut()
            .unwrap()
            .remove("userHandle");
    });
    assert_eq!(result, Err(PasskeyInvalid::Malformed));
}

#[test]
fn malformed_json_is_refused_everywhere() {
    let rp = relying_party(HTTPS_BASE);
    let registration = start_registration(&rp, &user_handle(32), "tech", "Jo", &[]);
    let authentication = start_authentication(&rp);
    let stored = StoredPasskey {
        id: &[7; 32],
        user_handle: &[9; 32],
        public_key: &[1; 34],
        sign_count: 0,
        backup_eligible: false,
    };
    for junk in [
        &b"{not json"[..],
        b"{}",
        b"[]",
        br#"{"response":{"clientDataJSON":"!!"}}"#,
    ] {
        assert_eq!(challenge_of(junk), Err(PasskeyInvalid::Malformed));
        assert_eq!(assertion_names(junk), Err(PasskeyInvalid::Malformed));
        assert_eq!(
            finish_registration(&rp, &registration.state, junk),
            Err(PasskeyInvalid::Malformed)
        );
        assert_eq!(
            finish_authentication(&rp, &authentication.state, junk, &stored),
            Err(PasskeyInvalid::Malformed)
        );
    }
}

#[test]
fn a_state_from_the_other_ceremony_or_cut_short_is_malformed() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let (_, registration) = registration_response(&rp, &mut authenticator, &user_handle(32));
    let (sign_in_started, sign_in) = authentication_response(&rp, &mut authenticator);
    let sign_up_started = start_registration(&rp, &user_handle(32), "tech", "Jo", &[]);

    let result = finish_registration(&rp, &sign_in_started.state, &to_bytes(&registration));
    assert_eq!(result, Err(PasskeyInvalid::Malformed));
    let stored = enrolled.stored(1);
    let result = finish_authentication(&rp, &sign_up_started.state, &to_bytes(&sign_in), &stored);
    assert_eq!(result, Err(PasskeyInvalid::Malformed));
    let cut = &sign_in_started.state[..sign_in_started.state.len() - 1];
    let result = finish_authentication(&rp, cut, &to_bytes(&sign_in), &stored);
    assert_eq!(result, Err(PasskeyInvalid::Malformed));
}

#[test]
fn an_unreadable_stored_public_key_is_malformed() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    let (started, response) = authentication_response(&rp, &mut authenticator);
    let stored = StoredPasskey {
        public_key: &[9, 9, 9],
        ..enrolled.stored(1)
    };
    let result = finish_authentication(&rp, &started.state, &to_bytes(&response), &stored);
    assert_eq!(result, Err(PasskeyInvalid::Malformed));
}

#[test]
fn an_attestation_statement_other_than_none_is_refused() {
    let rp = relying_party(HTTPS_BASE);
    let (started, mut response) =
        registration_response(&rp, &mut SoftAuthenticator::new(), &user_handle(32));
    let authenticator_data =
        base64url_decode(response["response"]["authenticatorData"].as_str().unwrap()).unwrap();
    // {"fmt": "tpm", "attStmt": {}, "authData": …}: a format we never accept.
    let mut attestation_object = vec![0xa3, 0x63];
    attestation_object.extend_from_slice(b"fmt");
    attestation_object.push(0x63);
    attestation_object.extend_from_slice(b"tpm");
    attestation_object.push(0x67);
    attestation_object.extend_from_slice(b"attStmt");
    attestation_object.extend_from_slice(&[0xa0, 0x68]);
    attestation_object.extend_from_slice(b"authData");
    attestation_object.extend_from_slice(&[0x58, authenticator_data.len() as u8]);
    attestation_object.extend_from_slice(&authenticator_data);
    response["response"]["attestationObject"] = Value::from(base64url(&attestation_object));
    let result = finish_registration(&rp, &started.state, &to_bytes(&response));
    assert_eq!(result, Err(PasskeyInvalid::Attestation));
}
