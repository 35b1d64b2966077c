//! Setup and reset links: the page (a GET never consumes the token) and the redemption that
//! consumes it, sets the password and signs the user in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::SecretString;
use std::sync::Arc;

use crate::domain::{LinkProblem, Locale, Refusal, TokenPurpose, TokenRecord};
use crate::http::contract::links::RedeemBody;
use crate::http::extract::{ClientIp, Fields, FromFields, LinkToken, Submitted};
use crate::http::lang::{guessed, page_lang, request_lang};
use crate::http::pages::{self, PasswordFormState};
use crate::http::respond::{
    page, respond, see_other, signed_in_json, with_session_cookie, Outcome,
};
use crate::http::ApiError;
use crate::i18n::{Arg, Lang};
use crate::services::{
    CodeError, Credential, LinkError, RedeemError, RedeemRequest, Services, Session,
};

/// `GET /setup?token=…` and `GET /reset?token=…`: the form, or a page that says what is wrong
/// with the link.
pub async fn page_for(app: &Services, purpose: TokenPurpose, token: LinkToken) -> Response {
    let LinkToken(token) = token;
    if token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        // No link: the code form, for a tech typing the code from their email.
        return page(
            StatusCode::OK,
            code_form(app, purpose, "", Problems::default()),
        );
    }
    match app.open_link(purpose, token.as_deref()).await {
        Ok((record, user)) => page(StatusCode::OK, {
            let t = page_lang(record.locale);
            let listed = listed_passkeys(&t, purpose, &user);
            form_listing(
                app,
                purpose,
                &record,
                token.as_deref(),
                Problems::default(),
                listed,
            )
        }),
        Err(e) => e.page(app),
    }
}

pub async fn setup_page(State(app): State<Arc<Services>>, token: LinkToken) -> Response {
    page_for(&app, TokenPurpose::Setup, token).await
}

pub async fn reset_page(State(app): State<Arc<Services>>, token: LinkToken) -> Response {
    page_for(&app, TokenPurpose::Reset, token).await
}

/// `GET /s/{token}`: `303` to the link's page (`/setup?token=…` or `/reset?token=…`), on the
/// configured public base URL; nothing is consumed, so a text's preview opening it costs nothing.
pub async fn short_link(
    State(app): State<Arc<Services>>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    let purpose = app.redeem_case().short_link_purpose(&token).await;
    let base = app.config.public_base_url.trim_end_matches('/');
    // Only a token of ours' shape is carried on (base64url: nothing to escape); anything else
    // opens the page's code form, which the same text message's code fills.
    let target = match crate::domain::token::parse_token(&token) {
        Some(token) => format!("{base}{}?token={token}", purpose.path()),
        None => format!("{base}{}", purpose.path()),
    };
    crate::http::respond::see_other(&target)
}

/// Who a typed code was sent to: the code form's `identifier`, or `email` or `phone` in JSON.
pub(super) fn code_identifier(f: &Fields) -> Result<Option<String>, ApiError> {
    match f.string("identifier")? {
        Some(i) => Ok(Some(i)),
        None => match f.string("email")? {
            Some(e) => Ok(Some(e)),
            None => f.string("phone"),
        },
    }
}

impl FromFields for RedeemBody {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let token = f.string("token")?;
        let identifier = code_identifier(f)?;
        let code = f.string("code")?;
        let password = f.string("password")?.unwrap_or_default();
        let confirmation = f.string("passwordConfirmation")?;
        let confirmation = if f.is_form() {
            Some(confirmation.unwrap_or_default())
        } else {
            confirmation
        };
        Ok(Self {
            token,
            identifier,
            code,
            password,
            password_confirmation: confirmation,
            lang: f.string("lang")?,
            lang_guessed: f.string("langGuessed")?,
        })
    }
}

/// The redemption's outcome, with what the form needs to be shown again.
struct Redeemed {
    purpose: TokenPurpose,
    /// The link's token, or `None` when a code was typed.
    token: Option<String>,
    /// What the code form had in its email and code boxes.
    identifier: Option<String>,
    code: String,
    result: Result<Session, RedeemError>,
}

/// What went wrong with a form's fields, to show beside them (catalogue messages, and a
/// password's refusal).
#[derive(Default)]
struct Problems<'a> {
    /// The code as typed, shown again when only the password was refused.
    code_typed: &'a str,
    identifier: Option<&'static str>,
    code: Option<&'static str>,
    password: Option<Refusal>,
}

impl Problems<'_> {
    fn any(&self) -> bool {
        self.identifier.is_some() || self.code.is_some() || self.password.is_some()
    }
}

/// The words of `problems` in `t`: the form's, the password's and the confirmation's.
struct Said {
    form: Option<String>,
    identifier: Option<String>,
    code: Option<String>,
    password: Option<String>,
    confirmation: Option<String>,
}

fn said(t: &Lang, p: &Problems<'_>) -> Said {
    let (password, confirmation) = match p.password {
        Some(Refusal::Differs) => (None, Some(pages::refusal(t, Refusal::Differs))),
        Some(r) => (Some(pages::refusal(t, r)), None),
        None => (None, None),
    };
    Said {
        form: p.any().then(|| t.get("not-saved")),
        identifier: p.identifier.map(|id| t.get(id)),
        code: p.code.map(|id| t.get(id)),
        password,
        confirmation,
    }
}

impl Outcome for Redeemed {
    fn page(self, app: &Services) -> Response {
        let Redeemed {
            purpose,
            token,
            identifier,
            code,
            result,
        } = self;
        if let Some(identifier) = identifier.filter(|_| token.is_none()) {
            return code_outcome_page(app, purpose, (&identifier, &code), result);
        }
        let form_again = |record: &TokenRecord, password: Refusal| {
            page(
                StatusCode::BAD_REQUEST,
                form(
                    app,
                    purpose,
                    record,
                    token.as_deref(),
                    Problems {
                        password: Some(password),
                        ..Problems::default()
                    },
                ),
            )
        };
        match result {
            Ok(session) => with_session_cookie(see_other(&app.config.app_url), &session, app),
            Err(RedeemError::Password {
                record: Some(record),
                message,
            }) => form_again(&record, message.reason),
            Err(RedeemError::Confirmation {
                record: Some(record),
            }) => form_again(&record, Refusal::Differs),
            Err(RedeemError::Link(e)) => e.page(app),
            Err(e) => ApiError::from(e).to_page(),
        }
    }

    fn json(self, app: &Services) -> Response {
        match self.result {
            Ok(session) => signed_in_json(&session, app),
            Err(e) => ApiError::from(e).to_json(),
        }
    }
}

async fn redeem(
    app: &Services,
    purpose: TokenPurpose,
    ip: &str,
    submitted: Submitted<RedeemBody>,
) -> Response {
    let Submitted { format, input } = submitted;
    let typed_code = input.token.is_none() && (input.code.is_some() || input.identifier.is_some());
    // A language the tech chose becomes their locale; one the page only guessed never does.
    let chosen: Option<Locale> = input
        .lang
        .as_deref()
        .filter(|_| input.lang_guessed.as_deref().is_none_or(str::is_empty))
        .and_then(Locale::from_tag);
    let code_typed = input.code.clone().unwrap_or_default();
    let credential = if typed_code {
        Credential::Code {
            identifier: input.identifier.clone().unwrap_or_default(),
            code: SecretString::from(input.code.unwrap_or_default()),
            source_ip: ip.to_owned(),
        }
    } else {
        Credential::Link(input.token.clone())
    };
    let result = app
        .redeem(
            purpose,
            RedeemRequest {
                credential,
                password: SecretString::from(input.password),
                confirmation: input.password_confirmation.map(SecretString::from),
                locale: chosen,
            },
        )
        .await;
    respond(
        app,
        format,
        Redeemed {
            purpose,
            token: input.token,
            identifier: typed_code.then(|| input.identifier.unwrap_or_default()),
            code: code_typed,
            result,
        },
    )
}

/// A code form's answer as a page: signed in, or the code form again with what went wrong. It
/// shows only what the tech typed, never whose account it is.
fn code_outcome_page(
    app: &Services,
    purpose: TokenPurpose,
    (identifier, code): (&str, &str),
    result: Result<Session, RedeemError>,
) -> Response {
    let e = match result {
        Ok(session) => return with_session_cookie(see_other(&app.config.app_url), &session, app),
        Err(e) => e,
    };
    let problems = match &e {
        RedeemError::Code(CodeError::Invalid) => Problems {
            code: Some("code-invalid"),
            ..Problems::default()
        },
        RedeemError::Link(LinkError::MissingIdentifier) => Problems {
            identifier: Some("code-identifier-missing"),
            ..Problems::default()
        },
        RedeemError::Password { message, .. } => Problems {
            code_typed: code,
            password: Some(message.reason),
            ..Problems::default()
        },
        RedeemError::Confirmation { .. } => Problems {
            code_typed: code,
            password: Some(Refusal::Differs),
            ..Problems::default()
        },
        // Too many attempts, a store failure: the error page, as for any form.
        _ => return ApiError::from(e).to_page(),
    };
    page(
        StatusCode::BAD_REQUEST,
        code_form(app, purpose, identifier, problems),
    )
}

/// The code form, in the request's language (a form's own first) and without a company: it
/// knows nobody, whatever was typed (API.md, "One-time codes").
fn code_form(app: &Services, purpose: TokenPurpose, identifier: &str, p: Problems<'_>) -> String {
    let t = request_lang();
    let s = said(&t, &p);
    pages::code_form(
        t,
        guessed(),
        purpose,
        PasswordFormState {
            passkey: offer(app, purpose),
            passkeys: Vec::new(),
            token: "",
            email: "",
            min_chars: app.policy.min_chars,
            form_error: s.form.as_deref(),
            password_error: s.password.as_deref(),
            confirmation_error: s.confirmation.as_deref(),
        },
        pages::CodeEntry {
            identifier,
            code: p.code_typed,
            identifier_error: s.identifier.as_deref(),
            code_error: s.code.as_deref(),
        },
    )
}

pub async fn setup(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    submitted: Submitted<RedeemBody>,
) -> Response {
    redeem(&app, TokenPurpose::Setup, &ip, submitted).await
}

pub async fn reset(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    submitted: Submitted<RedeemBody>,
) -> Response {
    redeem(&app, TokenPurpose::Reset, &ip, submitted).await
}

impl Outcome for LinkError {
    /// A link that does not open the form: a page that says why and what to do next, with the
    /// status the API would answer. A store failure is not the link's fault and says so.
    fn page(self, _: &Services) -> Response {
        let trouble = match &self {
            LinkError::Missing | LinkError::MissingIdentifier => pages::LinkTrouble::Missing,
            LinkError::Problem(LinkProblem::Invalid) => pages::LinkTrouble::Invalid,
            LinkError::Problem(LinkProblem::Expired) => pages::LinkTrouble::Expired,
            LinkError::Problem(LinkProblem::Used) => pages::LinkTrouble::Used,
            LinkError::Store(_) => return ApiError::from(self).to_page(),
        };
        page(
            ApiError::from(self).status(),
            pages::link_problem(request_lang(), trouble),
        )
    }
    fn json(self, _: &Services) -> Response {
        ApiError::from(self).to_json()
    }
}

/// The account's passkeys as the reset page lists them (the setup page lists none).
fn listed_passkeys(t: &Lang, purpose: TokenPurpose, user: &crate::domain::User) -> Vec<String> {
    if purpose != TokenPurpose::Reset {
        return Vec::new();
    }
    user.passkeys
        .iter()
        .map(|p| {
            let added = t.date_time(p.created_at);
            match &p.name {
                Some(name) => t.with(
                    "passkey-named",
                    &[("name", Arg::Text(name)), ("date", Arg::Text(&added))],
                ),
                None => t.one("passkey-unnamed", "date", &added),
            }
        })
        .collect()
}

/// The passkey button of a link's page, where passkeys are offered.
fn offer(app: &Services, purpose: TokenPurpose) -> Option<pages::PasskeyOffer> {
    app.rp
        .is_some()
        .then(|| pages::PasskeyOffer::register(purpose, &app.config.app_url))
}

/// The form a link opens, in its user's locale as `open` read it (unless the tech chose
/// another), with their company's name.
fn form(
    app: &Services,
    purpose: TokenPurpose,
    record: &TokenRecord,
    token: Option<&str>,
    problems: Problems<'_>,
) -> String {
    form_listing(app, purpose, record, token, problems, Vec::new())
}

/// [`form`], listing the account's `passkeys`.
fn form_listing(
    app: &Services,
    purpose: TokenPurpose,
    record: &TokenRecord,
    token: Option<&str>,
    problems: Problems<'_>,
    passkeys: Vec<String>,
) -> String {
    let t = page_lang(record.locale);
    let s = said(&t, &problems);
    let home = record.contacts.home();
    pages::password_form(
        t,
        record.org_name.as_deref(),
        purpose,
        PasswordFormState {
            passkey: offer(app, purpose),
            passkeys,
            token: token.unwrap_or_default().trim(),
            email: home.as_str(),
            min_chars: app.policy.min_chars,
            form_error: s.form.as_deref(),
            password_error: s.password.as_deref(),
            confirmation_error: s.confirmation.as_deref(),
        },
    )
}
