//! Setup and reset links: the page (a GET never consumes the token) and the redemption that
//! consumes it, sets the password and signs the user in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::SecretString;
use std::sync::Arc;

use crate::domain::password::PASSWORDS_DIFFER;
use crate::domain::{LinkProblem, TokenPurpose, TokenRecord};
use crate::http::contract::links::RedeemBody;
use crate::http::extract::{ClientIp, Fields, FromFields, LinkToken, Submitted};
use crate::http::pages::{self, PasswordFormState};
use crate::http::respond::{
    json, page, respond, see_other, session_body, with_session_cookie, Outcome,
};
use crate::http::{ApiError, ErrorCode};
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
        Ok(record) => page(
            StatusCode::OK,
            form(app, purpose, &record, token.as_deref(), None, None, None),
        ),
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

impl FromFields for RedeemBody {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let token = f.string("token")?;
        let identifier = match f.string("identifier")? {
            Some(i) => Some(i),
            None => match f.string("email")? {
                Some(e) => Some(e),
                None => f.string("phone")?,
            },
        };
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
        })
    }
}

/// What a form refused on one of its fields says at its top.
const NOT_SAVED: &str = "Your password wasn't saved. Check the message below and try again.";

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

/// What went wrong with a code form's fields, to show beside them.
#[derive(Default)]
struct Problems<'a> {
    /// The code as typed, shown again when only the password was refused.
    code_typed: &'a str,
    form: Option<&'a str>,
    identifier: Option<&'a str>,
    code: Option<&'a str>,
    password: Option<&'a str>,
    confirmation: Option<&'a str>,
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
        let form_again = |record: &TokenRecord, password: Option<&str>, confirmation| {
            page(
                StatusCode::BAD_REQUEST,
                form(
                    app,
                    purpose,
                    record,
                    token.as_deref(),
                    Some(NOT_SAVED),
                    password,
                    confirmation,
                ),
            )
        };
        match result {
            Ok(session) => with_session_cookie(see_other(&app.config.app_url), &session, app),
            Err(RedeemError::Password {
                record: Some(record),
                message,
            }) => form_again(&record, Some(&message), None),
            Err(RedeemError::Confirmation {
                record: Some(record),
            }) => form_again(&record, None, Some(PASSWORDS_DIFFER)),
            Err(RedeemError::Link(e)) => e.page(app),
            Err(e) => ApiError::from(e).to_page(),
        }
    }

    fn json(self, app: &Services) -> Response {
        match self.result {
            Ok(session) => with_session_cookie(
                json(
                    StatusCode::OK,
                    &session_body(&session, app.config.default_locale),
                ),
                &session,
                app,
            ),
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
                // A language chosen on the page arrives with its `lang` field, which the pages'
                // languages add; until then nobody has chosen one here.
                locale: None,
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
    let code_invalid = ApiError::from(ErrorCode::CodeInvalid).message;
    let missing_identifier = ApiError::from(LinkError::MissingIdentifier).message;
    let e = match result {
        Ok(session) => return with_session_cookie(see_other(&app.config.app_url), &session, app),
        Err(e) => e,
    };
    let problems = match &e {
        RedeemError::Code(CodeError::Invalid) => Problems {
            code: Some(&code_invalid),
            ..Problems::default()
        },
        RedeemError::Link(LinkError::MissingIdentifier) => Problems {
            identifier: Some(&missing_identifier),
            ..Problems::default()
        },
        RedeemError::Password { message, .. } => Problems {
            code_typed: code,
            password: Some(message),
            ..Problems::default()
        },
        RedeemError::Confirmation { .. } => Problems {
            code_typed: code,
            confirmation: Some(PASSWORDS_DIFFER),
            ..Problems::default()
        },
        // Too many attempts, a store failure: the error page, as for any form.
        _ => return ApiError::from(e).to_page(),
    };
    let problems = Problems {
        form: Some(NOT_SAVED),
        ..problems
    };
    page(
        StatusCode::BAD_REQUEST,
        code_form(app, purpose, identifier, problems),
    )
}

fn code_form(app: &Services, purpose: TokenPurpose, identifier: &str, p: Problems<'_>) -> String {
    pages::code_form(
        purpose,
        PasswordFormState {
            token: "",
            email: "",
            min_chars: app.policy.min_chars,
            form_error: p.form,
            password_error: p.password,
            confirmation_error: p.confirmation,
        },
        pages::CodeEntry {
            identifier,
            code: p.code_typed,
            identifier_error: p.identifier,
            code_error: p.code,
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
        page(ApiError::from(self).status(), pages::link_problem(trouble))
    }
    fn json(self, _: &Services) -> Response {
        ApiError::from(self).to_json()
    }
}

fn form(
    app: &Services,
    purpose: TokenPurpose,
    record: &TokenRecord,
    token: Option<&str>,
    form_error: Option<&str>,
    password_error: Option<&str>,
    confirmation_error: Option<&str>,
) -> String {
    let home = record.contacts.home();
    pages::password_form(
        purpose,
        PasswordFormState {
            token: token.unwrap_or_default().trim(),
            email: home.as_str(),
            min_chars: app.policy.min_chars,
            form_error,
            password_error,
            confirmation_error,
        },
    )
}
