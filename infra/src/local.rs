//! The local server: every route of the contract on `127.0.0.1`, with the embedded store and the
//! outbox mailer by default, plus two pages only this server has: `/app` ("signed in as …", where
//! a tech lands after setup) and `/_dev/mail` (the outbox in a browser).

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

use onboarding::adapters::outbox::{read_outbox, OutboxMessage};
use onboarding::http::pages::MailRow;
use onboarding::http::{html_response, pages, request, see_other, ClientIp, MAX_BODY_BYTES};
use onboarding::App;

/// What the server needs beyond the app: where the outbox is, for `/_dev/mail`.
pub struct Local {
    pub app: App,
    pub outbox_dir: Option<PathBuf>,
}

/// Serves until the task is dropped.
pub async fn serve(listener: TcpListener, local: Arc<Local>) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let local = local.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let local = local.clone();
                async move { Ok::<_, Infallible>(local.respond(req, peer).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Local {
    async fn respond(
        &self,
        req: hyper::Request<Incoming>,
        peer: SocketAddr,
    ) -> hyper::Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        // One byte over the limit is enough to know it is too large.
        let bytes = match Limited::new(body, MAX_BODY_BYTES + 1).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => Bytes::from(vec![0u8; MAX_BODY_BYTES + 1]),
        };
        let body = if bytes.is_empty() {
            Body::Empty
        } else {
            Body::Binary(bytes.to_vec())
        };
        let mut req = Request::from_parts(parts, body);
        req.extensions_mut().insert(ClientIp(peer.ip().to_string()));
        let response = self.route(req).await;
        let (parts, body) = response.into_parts();
        let bytes = match body {
            Body::Empty => Bytes::new(),
            Body::Text(t) => Bytes::from(t),
            Body::Binary(b) => Bytes::from(b),
            _ => Bytes::new(),
        };
        hyper::Response::from_parts(parts, Full::new(bytes))
    }

    /// The local-only pages first, then the contract's router.
    pub async fn route(&self, req: Request) -> Response<Body> {
        let path = req.uri().path().to_owned();
        let mut response = match (req.method(), path.as_str()) {
            (&Method::GET, "/") => see_other("/login"),
            (&Method::GET, "/app") => self.signed_in_page(&req).await,
            (&Method::GET, "/_dev/mail") => self.mailbox(),
            (&Method::GET, p) if p.starts_with("/_dev/mail/") => {
                self.mail_html(&p["/_dev/mail/".len()..])
            }
            _ => return self.app.handle(req).await,
        };
        if !path.starts_with("/_dev/mail/") {
            self.app.secure(&mut response);
        }
        response
    }

    async fn signed_in_page(&self, req: &Request) -> Response<Body> {
        let user = match request::cookie(req, "session") {
            Some(jwt) => self.app.user_for_session(jwt).await.ok().flatten(),
            None => None,
        };
        match user {
            Some(u) => html_response(
                StatusCode::OK,
                pages::signed_in(
                    u.email.as_str(),
                    u.org_name.as_deref(),
                    u.must_change_password(),
                ),
            ),
            None => see_other("/login"),
        }
    }

    fn messages(&self) -> Vec<OutboxMessage> {
        self.outbox_dir
            .as_deref()
            .and_then(|d| read_outbox(d).ok())
            .unwrap_or_default()
    }

    fn mailbox(&self) -> Response<Body> {
        let rows: Vec<MailRow> = self
            .messages()
            .into_iter()
            .map(|m| MailRow {
                date: m.date,
                to: m.to,
                subject: m.subject,
                file_name: m.file_name,
            })
            .collect();
        html_response(StatusCode::OK, pages::mailbox(&rows))
    }

    /// One email's HTML, as a mail client would show it.
    fn mail_html(&self, name: &str) -> Response<Body> {
        let found = self.messages().into_iter().find(|m| m.file_name == name);
        let mut r = match found {
            Some(m) => html_response(StatusCode::OK, m.html),
            None => html_response(
                StatusCode::NOT_FOUND,
                pages::message("No such email", "It may have been deleted from the outbox."),
            ),
        };
        // Email HTML is all inline styles; nothing else may load or run.
        let h = r.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
        );
        r
    }
}
