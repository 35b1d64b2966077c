//! An admin's correction of a user (`PATCH /users/{id}`): a mistyped email or number, a new
//! number, a role, a name, a language. What each change does to the user's links and sessions is decided
//! here, once, for every store.

use super::{Contacts, EmailAddress, Locale, PhoneNumber, Role, User, UserStatus};

/// What the admin asked to change: `None` leaves a field as it is; `Some(None)` removes an
/// email, a phone or a name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correction {
    pub email: Option<Option<EmailAddress>>,
    pub phone: Option<Option<PhoneNumber>>,
    pub name: Option<Option<String>>,
    pub role: Option<Role>,
    pub locale: Option<Locale>,
}

/// Why a correction cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionRefused {
    /// It would leave the user with neither an email nor a phone.
    #[error("a user needs an email or a phone")]
    NoContactLeft,
}

/// What a correction changed, for the caller to act on (notices, logs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrected {
    /// The contacts before, when an email or phone changed.
    pub contacts_were: Option<Contacts>,
    pub role_changed: bool,
    /// Every session and device token of the user ended (a new session version).
    pub sessions_ended: bool,
    /// Every link and code of the user died (both generations moved on).
    pub links_killed: bool,
}

impl User {
    /// Applies `correction`, in every store:
    /// - an email or phone changed kills every link and code of the user (an invited user's
    ///   invite then waits for a resend, on the channel of the contact that remains, and gets no
    ///   reminder: the reminder's link is of the old generation);
    /// - for an active or disabled user it also ends every session and device token (a recycled
    ///   number must not stay signed in);
    /// - a role change ends every session too (a demoted admin's sessions stop at once);
    /// - a name or a locale changes only itself: links, sessions and the invite stay.
    pub fn correct(
        &mut self,
        correction: &Correction,
        new_session_version: String,
    ) -> Result<Corrected, CorrectionRefused> {
        let contacts = Contacts::new(
            correction
                .email
                .clone()
                .unwrap_or_else(|| self.contacts.email.clone()),
            correction
                .phone
                .clone()
                .unwrap_or_else(|| self.contacts.phone.clone()),
        )
        .ok_or(CorrectionRefused::NoContactLeft)?;
        let mut done = Corrected::default();
        if contacts != self.contacts {
            done.contacts_were = Some(std::mem::replace(&mut self.contacts, contacts));
            self.setup_generation += 1;
            self.reset_generation += 1;
            done.links_killed = true;
            if self.status != UserStatus::Invited {
                done.sessions_ended = true;
            }
            if let Some(invite) = self.invite.as_mut() {
                // The remaining contact's channel, for the resend that must follow.
                let channel = invite.channel();
                if channel != super::InviteChannel::Link && channel.to(&self.contacts).is_none() {
                    invite.channel = Some(super::InviteChannel::default_for(&self.contacts));
                }
            }
        }
        if let Some(role) = correction.role.filter(|r| *r != self.role) {
            self.role = role;
            done.role_changed = true;
            done.sessions_ended = true;
        }
        if let Some(name) = &correction.name {
            self.name = name.clone();
        }
        if let Some(locale) = correction.locale {
            self.locale = Some(locale);
        }
        if done.sessions_ended {
            self.session_version = new_session_version;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Invite, InviteChannel, InviteStatus, NewUser, OrgId};
    use chrono::{Duration, Utc};

    fn email(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn phone(s: &str) -> PhoneNumber {
        PhoneNumber::from_e164(s).unwrap()
    }

    fn invited(contacts: Contacts) -> User {
        let now = Utc::now();
        let channel = InviteChannel::default_for(&contacts);
        User::new_invited(
            NewUser {
                org_id: OrgId::generate(),
                org_name: None,
                contacts,
                name: Some("Ana".into()),
                role: Role::Tech,
                temporary_password_hash: None,
                locale: None,
            },
            now,
            Invite::new(InviteStatus::Sent, now + Duration::days(7)).via(channel),
        )
    }

    #[test]
    fn a_mistyped_email_of_an_invited_user_kills_the_links_and_keeps_the_sessions() {
        let mut user = invited(Contacts::email(email("ana@exmaple.com")));
        let before = user.clone();
        let done = user
            .correct(
                &Correction {
                    email: Some(Some(email("ana@example.com"))),
                    ..Correction::default()
                },
                "sv-2".into(),
            )
            .unwrap();
        assert_eq!(done.contacts_were, Some(before.contacts.clone()));
        assert!(done.links_killed && !done.sessions_ended);
        assert_eq!(user.setup_generation, before.setup_generation + 1);
        assert_eq!(user.reset_generation, before.reset_generation + 1);
        assert_eq!(user.session_version, before.session_version);
    }

    #[test]
    fn a_new_number_of_an_active_user_ends_their_sessions_and_links() {
        let mut user = invited(Contacts::new(None, Some(phone("+12015550123"))).unwrap());
        user.set_own_password("$argon2id$own".into(), "sv-1".into());
        let done = user
            .correct(
                &Correction {
                    phone: Some(Some(phone("+12015550199"))),
                    ..Correction::default()
                },
                "sv-2".into(),
            )
            .unwrap();
        assert!(done.links_killed && done.sessions_ended);
        assert_eq!(user.session_version, "sv-2");
    }

    #[test]
    fn removing_the_only_contact_is_refused_and_removing_one_of_two_moves_the_channel() {
        let mut user = invited(Contacts::email(email("ana@example.com")));
        let refused = user.correct(
            &Correction {
                email: Some(None),
                ..Correction::default()
            },
            "sv".into(),
        );
        assert_eq!(refused, Err(CorrectionRefused::NoContactLeft));

        let mut both = invited(
            Contacts::new(Some(email("ana@example.com")), Some(phone("+12015550123"))).unwrap(),
        );
        assert_eq!(
            both.invite.as_ref().unwrap().channel(),
            InviteChannel::Email
        );
        both.correct(
            &Correction {
                email: Some(None),
                ..Correction::default()
            },
            "sv".into(),
        )
        .unwrap();
        assert_eq!(both.invite.as_ref().unwrap().channel(), InviteChannel::Sms);
    }

    #[test]
    fn a_role_change_ends_sessions_and_a_name_change_alone_changes_nothing_else() {
        let mut user = invited(Contacts::email(email("ana@example.com")));
        let before = user.clone();
        let done = user
            .correct(
                &Correction {
                    name: Some(None),
                    ..Correction::default()
                },
                "sv-2".into(),
            )
            .unwrap();
        assert_eq!(done, Corrected::default());
        assert_eq!(user.name, None);
        assert_eq!(user.session_version, before.session_version);
        let done = user
            .correct(
                &Correction {
                    role: Some(Role::Admin),
                    ..Correction::default()
                },
                "sv-2".into(),
            )
            .unwrap();
        assert!(done.role_changed && done.sessions_ended && !done.links_killed);
        assert_eq!(user.session_version, "sv-2");
    }

    #[test]
    fn a_locale_change_alone_kills_no_link_and_ends_no_session() {
        let mut user = invited(Contacts::email(email("ana@example.com")));
        let before = user.clone();
        let done = user
            .correct(
                &Correction {
                    locale: Some(Locale::PtBr),
                    ..Correction::default()
                },
                "sv-2".into(),
            )
            .unwrap();
        assert_eq!(done, Corrected::default());
        assert_eq!(user.locale, Some(Locale::PtBr));
        assert_eq!(
            User {
                locale: before.locale,
                ..user.clone()
            },
            before,
            "nothing else moved"
        );
    }
}
