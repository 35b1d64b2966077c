//! The local server: every route of the contract on `127.0.0.1`, with the embedded store and the
//! local mailbox by default, plus pages only this server has: `/app` ("signed in as …", where a
//! tech lands after setup) and `/_dev/mail` (the outbox in a browser, to this computer only). The
//! same router and layers as the functions, served by `axum::serve`.

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

use onboarding::adapters::local_mailbox::{
    read_outbox, simulated_event, simulated_status, OutboxMessage,
};
use onboarding::adapters::local_texts::{read_texts, simulated_text_event};
use onboarding::http::cookies::CookieNames;
use onboarding::http::extract::session_token;
use onboarding::http::pages::{self, MailRow, TextRow};
use onboarding::http::respond::{page, see_other, Format};
use onboarding::http::{contract_routes, layers, ApiError, ClientIp, ErrorCode};
use onboarding::services::Services;
use onboarding::{App, Serves};

/// The local server's application: the contract's routes and this server's own pages.
pub struct Local {
    pub app: App,
    router: Router,
}

/// What the local-only pages read.
#[derive(Clone)]
struct LocalState {
    services: Arc<Services>,
    outbox_dir: Option<PathBuf>,
}

impl Local {
    /// `outbox_dir`: where the local mailbox writes, for `/_dev/mail` (`None` on DynamoDB/SES).
    pub fn new(app: App, outbox_dir: Option<PathBuf>) -> Self {
        let state = LocalState {
            services: app.services.clone(),
            outbox_dir,
        };
        let dev_mail = Router::new()
            .route("/_dev/mail", get(mailbox))
            .route("/_dev/mail/{name}", get(mail_html))
            .route_layer(middleware::from_fn(loopback_host_only));
        let local_pages = Router::new()
            .route("/", get(|| async { see_other("/login") }))
            .route("/app", get(signed_in_page))
            .merge(dev_mail)
            .with_state(state);
        let base: Arc<str> = Arc::from(app.services.config.public_base_url.trim_end_matches('/'));
        // Inside the shared layers, so the 303 has every response's headers (no-store, …).
        let routes = contract_routes(Serves::ALL, app.services.rp.is_some())
            .with_state(app.services.clone())
            .merge(local_pages)
            .layer(middleware::from_fn_with_state(base, one_loopback_origin));
        let router = layers::apply(routes, &app.services.config)
            .layer(middleware::from_fn(client_ip_from_socket))
            .layer(middleware::from_fn(origin_form_only));
        Self { app, router }
    }

    pub fn router(&self) -> Router {
        self.router.clone()
    }
}

/// How often the mailbox simulator looks at the outbox. An email is reported on the first look
/// after the one that found it, so its invite follows one to two ticks after it was written (by
/// then the invite has recorded the email's id).
pub const SIMULATOR_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// The outbox playing SES's mailbox simulator: every email in `outbox_dir` gets the event SES's
/// simulator would send for its recipient (`simulated_event`), applied through the same service
/// operation as SES's events on AWS. Each email is reported once per run; a restart reports
/// them again, which changes nothing (the operation is idempotent). Runs until dropped.
pub fn simulate_mailbox(
    services: Arc<Services>,
    outbox_dir: PathBuf,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = std::collections::HashSet::<String>::new();
        let mut reported = std::collections::HashSet::<String>::new();
        let mut tick = tokio::time::interval(SIMULATOR_TICK);
        loop {
            tick.tick().await;
            let dir = outbox_dir.clone();
            // Emails and texts alike: each (message id, what would be reported for it).
            let read = tokio::task::spawn_blocking(move || {
                let emails = read_outbox(&dir)?
                    .into_iter()
                    .map(|m| (m.message_id, simulated_event(&m.to)));
                let texts = read_texts(&dir)?
                    .into_iter()
                    .map(|t| (t.message_id, simulated_text_event(&t.to)));
                Ok::<_, std::io::Error>(emails.chain(texts).collect::<Vec<_>>())
            })
            .await;
            let Ok(Ok(messages)) = read else {
                continue;
            };
            for (message_id, event) in messages {
                if message_id.is_empty() || reported.contains(&message_id) {
                    continue;
                }
                if seen.insert(message_id.clone()) {
                    continue; // found this tick: reported on the next one
                }
                match services.apply_delivery_event(&message_id, event).await {
                    Ok(_) => {
                        reported.insert(message_id);
                    }
                    // Tried again next tick.
                    Err(e) => onboarding::telemetry::log_unexpected("the mailbox simulator", &e),
                }
            }
        }
    })
}

/// How long one run of the local schedule may go on sending before it lets the next run start
/// (a run ends as soon as nothing is due; this only bounds a very long queue).
const LOCAL_RUN_LIMIT: chrono::Duration = chrono::Duration::minutes(5);

/// The schedule that AWS runs on EventBridge Scheduler, run in this process: every
/// `SCHEDULE_EVERY`, and at once when a request queued email for it (a batch), it sends what is
/// due (queued email, retries, reminders) through the same service operation as the mailer
/// function. Runs until dropped.
pub fn run_schedule(services: Arc<Services>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = services
            .config
            .schedule_every
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(60))
            .max(std::time::Duration::from_millis(100));
        loop {
            let until = services.now() + LOCAL_RUN_LIMIT;
            match services.run_schedule(until).await {
                Ok(report) if report != Default::default() => {
                    tracing::info!(
                        sent = report.sent,
                        retried = report.retried,
                        failed = report.failed,
                        dropped = report.dropped,
                        "schedule"
                    )
                }
                Ok(_) => {}
                Err(e) => onboarding::telemetry::log_unexpected("the schedule", &e),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = services.outbox_wake.notified() => {}
            }
        }
    })
}

/// Serves until the task is dropped.
pub async fn serve(listener: TcpListener, local: Arc<Local>) -> std::io::Result<()> {
    axum::serve(
        listener,
        local
            .router()
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

/// Rate limits count per source address: here, the socket's.
async fn client_ip_from_socket(mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>().cloned() {
        if req.extensions().get::<ClientIp>().is_none() {
            req.extensions_mut().insert(ClientIp(addr.ip().to_string()));
        }
    }
    next.run(req).await
}

/// An HTTP/1 request whose target is in absolute form (`GET http://127.0.0.1:3000/_dev/mail`)
/// names a host of its own, which would win over the `Host` header in [`loopback_host_only`]:
/// browsers send absolute targets only to a proxy, and this server is none, so it refuses them
/// (`400`) before anything reads either.
async fn origin_form_only(req: Request, next: Next) -> Response {
    let absolute = req.version() <= axum::http::Version::HTTP_11
        && (req.uri().scheme().is_some() || req.uri().authority().is_some());
    if !absolute {
        return next.run(req).await;
    }
    let error = ApiError::new(
        ErrorCode::InvalidRequest,
        "This server takes only a path as the request target, not a whole URL.",
    );
    error.to(Format::of(req.headers()))
}

/// The host (and port) of a URL, `http://localhost:3000/x` → `localhost:3000`, and its
/// scheme's default port (which a browser's Host leaves out).
fn authority_of(url: &str) -> (&str, &'static str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else {
        ":80"
    };
    (
        rest.split(['/', '?', '#']).next().unwrap_or(rest),
        default_port,
    )
}

/// Whether two Hosts name the same place: case aside, and with the default port or without.
fn same_host(a: &str, b: &str, default_port: &str) -> bool {
    let bare = |h: &str| {
        let h = h.to_ascii_lowercase();
        h.strip_suffix(default_port).map(str::to_owned).unwrap_or(h)
    };
    bare(a) == bare(b)
}

/// The Host a request names (HTTP/2's authority, else the Host header).
fn host_of(req: &Request) -> Option<String> {
    req.uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            req.headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
}

/// The local server listens on 127.0.0.1 and `[::1]`, and its pages live on one origin, the
/// public base URL's (`http://localhost:3000` by default: browsers refuse an IP address as a
/// passkey's relying party, and `localhost` is a secure context). A page asked for under another
/// loopback name (`127.0.0.1:3000`, `[::1]:3000`) is sent there (`303`, the same path and query),
/// so its forms post to the origin they are checked against and its cookies are that origin's
/// (API.md, "Passkeys"). API calls (`curl` to 127.0.0.1) answer wherever they arrive; a base URL
/// that is not a loopback one is left alone.
async fn one_loopback_origin(State(base): State<Arc<str>>, req: Request, next: Next) -> Response {
    let page = matches!(*req.method(), Method::GET | Method::HEAD)
        && Format::of(req.headers()) == Format::Page;
    let (canonical, default_port) = authority_of(&base);
    let elsewhere = host_of(&req).filter(|h| {
        is_loopback_host(h) && is_loopback_host(canonical) && !same_host(h, canonical, default_port)
    });
    if page && elsewhere.is_some() {
        let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        return see_other(&format!("{base}{target}"));
    }
    next.run(req).await
}

/// What a page on any other host is told when it asks for the outbox.
pub const LOOPBACK_ONLY: &str =
    "The outbox is shown on this computer only: open it at http://127.0.0.1 or http://localhost.";

/// The outbox holds live setup and reset links. The server listens on 127.0.0.1, but a page on
/// the web can rebind its own name to 127.0.0.1 (DNS rebinding) and read same-origin whatever
/// answers there; its requests still carry its own name as Host. So the outbox answers only a
/// loopback Host, which no other site can be.
async fn loopback_host_only(req: Request, next: Next) -> Response {
    // HTTP/2 carries the host in the URI's authority, HTTP/1.1 in the Host header.
    if host_of(&req).as_deref().is_some_and(is_loopback_host) {
        return next.run(req).await;
    }
    let error = ApiError::new(ErrorCode::Forbidden, LOOPBACK_ONLY);
    error.to(Format::of(req.headers()))
}

/// `127.0.0.1`, `localhost` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let (name, port) = match host.rfind(':') {
        // A colon inside `[::1]` is the address's, not a port's.
        Some(i) if !host[..i].contains(':') || host[..i].ends_with(']') => {
            (&host[..i], Some(&host[i + 1..]))
        }
        _ => (host, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && ["127.0.0.1", "localhost", "[::1]"].contains(&name.to_ascii_lowercase().as_str())
}

async fn signed_in_page(State(state): State<LocalState>, headers: HeaderMap) -> Response {
    let names = CookieNames::of(&state.services.config);
    let user = match session_token(&headers, &names) {
        Some(jwt) => state.services.user_for_session(jwt).await.ok().flatten(),
        None => None,
    };
    match user {
        Some(u) => page(
            StatusCode::OK,
            pages::signed_in(
                onboarding::http::lang::page_lang(u.locale),
                u.home().as_str(),
                u.org_name.as_deref(),
                u.must_change_password(),
            ),
        ),
        None => see_other("/login"),
    }
}

fn messages(state: &LocalState) -> Vec<OutboxMessage> {
    state
        .outbox_dir
        .as_deref()
        .and_then(|d| read_outbox(d).ok())
        .unwrap_or_default()
}

async fn mailbox(State(state): State<LocalState>) -> Response {
    let rows: Vec<MailRow> = messages(&state)
        .into_iter()
        .map(|m| MailRow {
            date: m.date,
            status: simulated_status(&m.to).to_owned(),
            to: m.to,
            subject: m.subject,
            file_name: m.file_name,
        })
        .collect();
    let texts: Vec<TextRow> = state
        .outbox_dir
        .as_deref()
        .and_then(|d| read_texts(d).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|t| TextRow {
            date: t.sent_at.to_rfc2822(),
            status: match simulated_text_event(&t.to) {
                onboarding::domain::DeliveryEvent::Delivered => "delivered",
                _ => "bounced (permanent)",
            }
            .to_owned(),
            to: t.to,
            body: t.body,
        })
        .collect();
    page(StatusCode::OK, pages::mailbox(&rows, &texts))
}

/// One email's HTML, as a mail client would show it.
async fn mail_html(State(state): State<LocalState>, Path(name): Path<String>) -> Response {
    let found = messages(&state).into_iter().find(|m| m.file_name == name);
    let mut r = match found {
        Some(m) => page(StatusCode::OK, m.html),
        None => page(
            StatusCode::NOT_FOUND,
            // The developer's outbox, in English like the rest of it.
            pages::message(
                onboarding::i18n::Lang::english(),
                "No such email",
                "It may have been deleted from the outbox.",
            ),
        ),
    };
    // Email HTML is all inline styles; nothing else may load or run.
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
    );
    r
}
