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
use crate::http::extract::{Fields, FromFields, LinkToken, Submitted};
use crate::http::pages::{self, PasswordFormState};
use crate::http::respond::{
    json, page, respond, see_other, session_body, with_session_cookie, Outcome,
};
use crate::http::ApiError;
use crate::services::{LinkError, RedeemError, RedeemRequest, Services, Session};

/// `GET /setup?token=…` and `GET /reset?token=…`: the form, or a page that says what is wrong
/// with the link.
pub async fn page_for(app: &Services, purpose: TokenPurpose, token: LinkToken) -> Response {
    let LinkToken(token) = token;
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

impl FromFields for RedeemBody {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let token = f.string("token")?;
        let password = f.string("password")?.unwrap_or_default();
        let confirmation = f.string("passwordConfirmation")?;
        let confirmation = if f.is_form() {
            Some(confirmation.unwrap_or_default())
        } else {
            confirmation
        };
        Ok(Self {
            token,
            password,
            password_confirmation: confirmation,
        })
    }
}

/// The redemption's outcome, with what the form needs to be shown again.
struct Redeemed {
    purpose: TokenPurpose,
    token: Option<String>,
    result: Result<Session, RedeemError>,
}

impl Outcome for Redeemed {
    fn page(self, app: &Services) -> Response {
        let Redeemed {
            purpose,
            token,
            result,
        } = self;
        let form_again = |record: &TokenRecord, password: Option<&str>, confirmation| {
            page(
                StatusCode::BAD_REQUEST,
                form(
                    app,
                    purpose,
                    record,
                    token.as_deref(),
                    Some("Your password wasn't saved. Check the message below and try again."),
                    password,
                    confirmation,
                ),
            )
        };
        match result {
            Ok(session) => with_session_cookie(see_other(&app.config.app_url), &session, app),
            Err(RedeemError::Password { record, message }) => {
                form_again(&record, Some(&message), None)
            }
            Err(RedeemError::Confirmation { record }) => {
                form_again(&record, None, Some(PASSWORDS_DIFFER))
            }
            Err(RedeemError::Link(e)) => e.page(app),
            Err(e) => ApiError::from(e).to_page(),
        }
    }

    fn json(self, app: &Services) -> Response {
        match self.result {
            Ok(session) => {
                with_session_cookie(json(StatusCode::OK, &session_body(&session)), &session, app)
            }
            Err(e) => ApiError::from(e).to_json(),
        }
    }
}

async fn redeem(
    app: &Services,
    purpose: TokenPurpose,
    submitted: Submitted<RedeemBody>,
) -> Response {
    let Submitted { format, input } = submitted;
    let result = app
        .redeem(
            purpose,
            RedeemRequest {
                token: input.token.clone(),
                password: SecretString::from(input.password),
                confirmation: input.password_confirmation.map(SecretString::from),
            },
        )
        .await;
    respond(
        app,
        format,
        Redeemed {
            purpose,
            token: input.token,
            result,
        },
    )
}

pub async fn setup(State(app): State<Arc<Services>>, submitted: Submitted<RedeemBody>) -> Response {
    redeem(&app, TokenPurpose::Setup, submitted).await
}

pub async fn reset(State(app): State<Arc<Services>>, submitted: Submitted<RedeemBody>) -> Response {
    redeem(&app, TokenPurpose::Reset, submitted).await
}

impl Outcome for LinkError {
    /// A link that does not open the form: a page that says why and what to do next, with the
    /// status the API would answer. A store failure is not the link's fault and says so.
    fn page(self, _: &Services) -> Response {
        let trouble = match &self {
            LinkError::Missing => pages::LinkTrouble::Missing,
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
    pages::password_form(
        purpose,
        PasswordFormState {
            token: token.unwrap_or_default().trim(),
            email: record.email.as_str(),
            min_chars: app.policy.min_chars,
            form_error,
            password_error,
            confirmation_error,
        },
    )
}
