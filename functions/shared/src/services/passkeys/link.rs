//! Setting up or resetting with a passkey: the link (or its code) proves who the tech is, as for
//! a password, and the passkey becomes their credential in the redemption's one write.

use secrecy::ExposeSecret;

use super::{PasskeyError, Services};
use crate::domain::passkey::new_user_handle;
use crate::domain::session::Proof;
use crate::domain::user::new_session_version;
use crate::domain::{
    AuditEvent, CeremonyPurpose, Identifier, LinkProblem, Locale, OneTimeCode, TokenPurpose,
    TokenRecord,
};
use crate::ports::{Links, NewCredential, Redemption, StoreError, Users};
use crate::services::codes::{CodeError, TypedCode};
use crate::services::redeem::{Credential, LinkError};
use crate::services::{RedeemError, Session};

impl Services {
    /// `POST /setup/passkey/options`, `POST /reset/passkey/options`: registration options for
    /// the link's user. Checks the link (or the code, which counts like one at `POST /setup`)
    /// and consumes nothing.
    pub async fn link_passkey_options(
        &self,
        purpose: TokenPurpose,
        credential: &Credential,
    ) -> Result<serde_json::Value, PasskeyError> {
        let rp = self.relying_party()?;
        let case = self.redeem_case();
        let (record, user) = match credential {
            Credential::Link(token) => case
                .open_with_user(purpose, token.as_deref())
                .await
                .map_err(RedeemError::from)?,
            Credential::Code {
                identifier,
                code,
                source_ip,
            } => {
                if identifier.trim().is_empty() {
                    return Err(RedeemError::from(LinkError::MissingIdentifier).into());
                }
                let typed = TypedCode {
                    identifier: identifier.trim(),
                    code: code.expose_secret(),
                    source_ip,
                };
                let record = case
                    .find_by_code(purpose, &typed)
                    .await
                    .map_err(RedeemError::from)?;
                // Only a wrong code counts: this one proved right and its link is not used yet
                // (a `POST /setup` uses it in the same breath), so its try is given back.
                if let Err(e) = self.store.give_back_wrong_code_slot(&record.hash).await {
                    crate::telemetry::log_unexpected("giving back a verified code's try", &e);
                }
                let user = Users::user_by(self.store.as_ref(), &record.contacts.home())
                    .await?
                    .filter(|u| record.check_user(Some(u)).is_ok())
                    .ok_or(RedeemError::Code(CodeError::Invalid))?;
                (record, user)
            }
        };
        let handle = user.passkey_handle.clone().unwrap_or_else(new_user_handle);
        let started = self.registration_options(rp, &user, &handle)?;
        let purpose = CeremonyPurpose::Link {
            purpose,
            token: record.hash,
            user_id: user.id.clone(),
            handle,
        };
        self.keep_ceremony(started, purpose).await
    }

    /// `POST /setup/passkey`, `POST /reset/passkey`: verifies the passkey against the ceremony
    /// the same link started, then redeems the link with it: link and code used, temporary
    /// password dead, every other session ended, signed in. A response that does not verify
    /// leaves the link as it was.
    pub async fn redeem_with_passkey(
        &self,
        purpose: TokenPurpose,
        credential: &Credential,
        response: &[u8],
        locale: Option<Locale>,
    ) -> Result<Session, PasskeyError> {
        let rp = self.relying_party()?;
        let ceremony = self.take_ceremony(response).await?;
        let CeremonyPurpose::Link {
            purpose: started_for,
            token,
            ref handle,
            ..
        } = ceremony.purpose
        else {
            return Err(PasskeyError::Invalid);
        };
        if started_for != purpose {
            return Err(PasskeyError::Invalid);
        }
        let record = self.ceremony_link(purpose, credential, &token).await?;
        let passkey = self.verified_registration(rp, &ceremony, response, None)?;
        let by_code = matches!(credential, Credential::Code { .. });
        let now = self.now();
        let first_setup =
            crate::services::redeem::first_setup(self.store.as_ref(), &record).await?;
        let redemption = Redemption {
            audit: vec![AuditEvent::of_redemption(
                &record,
                "passkey",
                by_code,
                first_setup,
                now,
            )],
            token: record,
            credential: NewCredential::Passkey {
                handle: handle.clone(),
                passkey,
            },
            new_session_version: new_session_version(),
            now,
            locale,
        };
        let user =
            match self.store.redeem_token(&redemption).await {
                Ok(user) => user,
                Err(
                    StoreError::TokenUsed | StoreError::TokenExpired | StoreError::TokenInvalid,
                ) if by_code => return Err(RedeemError::Code(CodeError::Invalid).into()),
                Err(StoreError::TokenUsed) => return Err(link_problem(LinkProblem::Used)),
                Err(StoreError::TokenExpired) => return Err(link_problem(LinkProblem::Expired)),
                Err(StoreError::TokenInvalid) => return Err(link_problem(LinkProblem::Invalid)),
                // Another passkey took the handle or the credential id meanwhile, or the user holds
                // the most allowed: this response cannot be kept.
                Err(StoreError::Conflict | StoreError::TooManyPasskeys) => {
                    return Err(PasskeyError::Invalid)
                }
                Err(e) => return Err(e.into()),
            };
        let audit = match purpose {
            TokenPurpose::Setup => "setup_completed",
            TokenPurpose::Reset => "password_reset",
        };
        tracing::info!(audit, user_id = %user.id.0, org_id = %user.org_id.0, by = "passkey");
        if purpose == TokenPurpose::Reset {
            // A reset adds a way in: tell the owner, as a changed password is told.
            self.notify_passkey_added(&user).await;
        }
        Ok(Session::start(
            &self.sessions,
            &self.devices,
            user,
            self.now(),
            Proof::Passkey,
        ))
    }

    /// The live link a registration answer redeems: the one its ceremony was started for, named
    /// again by the request (the token, or the code with its email or phone). The code was
    /// checked, and counted, when the options were asked for: only whoever knew it holds the
    /// ceremony's challenge, so here it is compared without taking another of the link's tries.
    async fn ceremony_link(
        &self,
        purpose: TokenPurpose,
        credential: &Credential,
        started_for: &crate::domain::TokenHash,
    ) -> Result<TokenRecord, PasskeyError> {
        let case = self.redeem_case();
        match credential {
            Credential::Link(token) => {
                let record = case
                    .find_token(purpose, token.as_deref())
                    .await
                    .map_err(RedeemError::from)?;
                if &record.hash != started_for {
                    return Err(PasskeyError::Invalid);
                }
                Ok(record)
            }
            Credential::Code {
                identifier, code, ..
            } => {
                let refused = || PasskeyError::from(RedeemError::Code(CodeError::Invalid));
                let record = Links::token(self.store.as_ref(), started_for)
                    .await?
                    .ok_or_else(refused)?;
                let named = Identifier::for_lookup(identifier, &self.config.sms.rules)
                    .is_ok_and(|id| record.contacts.all().contains(&id));
                let matches = OneTimeCode::parse(code.expose_secret()).is_some_and(|typed| {
                    record.code.as_ref().is_some_and(|stored| {
                        self.codes.verify(stored, &record.user_id, purpose, &typed)
                    })
                });
                if !named || !matches || record.check(purpose, self.now()).is_err() {
                    return Err(refused());
                }
                Ok(record)
            }
        }
    }
}

fn link_problem(problem: LinkProblem) -> PasskeyError {
    RedeemError::from(LinkError::from(problem)).into()
}
