//! Sign-ups and sign-ins that work.

use super::*;

fn a_passkey_signs_up_and_signs_in_at(base_url: &str) {
    let rp = relying_party(base_url);
    let mut authenticator = SoftAuthenticator::new();
    let handle = user_handle(32);

    let (started, response) = registration_response(&rp, &mut authenticator, &handle);
    let response = to_bytes(&response);
    assert_eq!(challenge_of(&response), Ok(started.challenge.clone()));
    let passkey =
        finish_registration(&rp, &started.state, &response).expect("the sign-up verifies");
    assert_eq!(passkey.id, authenticator.last_credential_id());
    assert_eq!(passkey.sign_count, 1);
    assert!(!passkey.backup_eligible && !passkey.backed_up);
    assert_eq!(passkey.public_key.first(), Some(&1), "tagged P-256");
    let enrolled = Enrolled {
        passkey,
        user_handle: handle,
    };

    let (started, response) = authentication_response(&rp, &mut authenticator);
    let response = to_bytes(&response);
    assert_eq!(challenge_of(&response), Ok(started.challenge.clone()));
    assert_eq!(
        assertion_names(&response),
        Ok((enrolled.passkey.id.clone(), enrolled.user_handle.clone()))
    );
    let assertion = finish_authentication(&rp, &started.state, &response, &enrolled.stored(1));
    assert_eq!(
        assertion,
        Ok(Assertion {
            sign_count: 2,
            backed_up: false
        })
    );

    let again = sign_in(&rp, &mut authenticator, &enrolled, 2).expect("a second sign-in verifies");
    assert_eq!(again.sign_count, 3);
}

#[test]
fn a_passkey_signs_up_and_signs_in_at_https_auth_example_com() {
    a_passkey_signs_up_and_signs_in_at(HTTPS_BASE);
}

#[test]
fn a_passkey_signs_up_and_signs_in_at_http_localhost_3000() {
    let rp = relying_party(LOCALHOST_BASE);
    assert_eq!(
        (rp.id(), rp.origin()),
        ("localhost", "http://localhost:3000")
    );
    a_passkey_signs_up_and_signs_in_at(LOCALHOST_BASE);
}

#[test]
fn user_handles_of_16_and_64_bytes_both_sign_in() {
    let rp = relying_party(HTTPS_BASE);
    for length in [16, 64] {
        let mut authenticator = SoftAuthenticator::new();
        let handle = user_handle(length);
        let (started, response) = registration_response(&rp, &mut authenticator, &handle);
        let passkey = finish_registration(&rp, &started.state, &to_bytes(&response))
            .expect("the sign-up verifies");
        let enrolled = Enrolled {
            passkey,
            user_handle: handle,
        };
        let (_, response) = authentication_response(&rp, &mut authenticator);
        assert_eq!(
            assertion_names(&to_bytes(&response)).map(|(_, handle)| handle.len()),
            Ok(length)
        );
        sign_in(&rp, &mut authenticator, &enrolled, 1).expect("the sign-in verifies");
    }
}

#[test]
fn a_synced_passkey_that_always_says_zero_keeps_working() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new().synced();
    let enrolled = enroll(&rp, &mut authenticator);
    assert_eq!(enrolled.passkey.sign_count, 0);
    assert!(enrolled.passkey.backup_eligible && enrolled.passkey.backed_up);
    for _ in 0..2 {
        assert_eq!(
            sign_in(&rp, &mut authenticator, &enrolled, 0),
            Ok(Assertion {
                sign_count: 0,
                backed_up: true
            })
        );
    }
}

#[test]
fn a_counter_that_jumps_ahead_is_accepted_and_returned() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let enrolled = enroll(&rp, &mut authenticator);
    authenticator.set_counter(9);
    let assertion = sign_in(&rp, &mut authenticator, &enrolled, 5).expect("9 is above 5");
    assert_eq!(assertion.sign_count, 9);
}

#[test]
fn the_authenticator_picks_the_latest_passkey_for_the_rp_id() {
    let rp = relying_party(HTTPS_BASE);
    let mut authenticator = SoftAuthenticator::new();
    let _older = enroll(&rp, &mut authenticator);
    let newer = enroll(&rp, &mut authenticator);
    sign_in(&rp, &mut authenticator, &newer, 1).expect("the newer passkey signs in");
}
