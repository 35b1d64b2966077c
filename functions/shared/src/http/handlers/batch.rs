//! `POST /users/batch`: a crew invited at once, from JSON or from a spreadsheet's CSV. The
//! upload as a whole is read here (its media type, its shape, its size); each row is then read
//! as `POST /users` reads its body, and answered with `POST /users`' own shapes.

use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;

use super::users::{invited_view, read_invite};
use crate::http::contract::batch::{CrewResult, CrewRow};
use crate::http::extract::{body_text_up_to, media_type, Admin, Fields, JSON};
use crate::http::json::{self, JsonProblem};
use crate::http::respond::{json, user_view};
use crate::http::{ApiError, ErrorCode, MAX_BATCH_BODY_BYTES};
use crate::services::{Delivery, InviteRequest, RowFailure, Services, MAX_BATCH_ROWS};

const CSV: &str = "text/csv";

/// The CSV's columns, as its header row must name them (in any order; only `email` or `phone` is
/// needed). Each row's cells are read as `POST /users` reads its fields, `locale` included.
const CSV_COLUMNS: [&str; 6] = [
    "email",
    "phone",
    "name",
    "role",
    "temporaryPassword",
    "locale",
];

/// What an admin is told when a CSV's first line is not the header.
fn csv_header_expected() -> ApiError {
    ApiError::bad_request(
        "The first line of the CSV must be the header \
         `email,phone,name,role,temporaryPassword,locale` (only `email` or `phone` is required). \
         Add it and send the file again.",
    )
}

/// The rows of an upload, each read as far as the edge can (a row it cannot read is answered
/// with its own `400`; the others still go ahead).
pub struct CrewUpload(pub Vec<Result<InviteRequest, ApiError>>);

impl<S: Send + Sync> FromRequest<S> for CrewUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let csv = media_type(req.headers()).as_deref() == Some(CSV);
        let rows = match media_type(req.headers()).as_deref() {
            Some(JSON) => json_rows(&body_text_up_to(req, MAX_BATCH_BODY_BYTES).await?)?,
            Some(CSV) => csv_rows(&body_text_up_to(req, MAX_BATCH_BODY_BYTES).await?)?,
            _ => {
                return Err(ApiError::unsupported_media_type(
                    "application/json or text/csv",
                ))
            }
        };
        if rows.is_empty() || rows.len() > MAX_BATCH_ROWS {
            let message = format!(
                "A batch holds 1 to {MAX_BATCH_ROWS} users; this one has {}. Split it and send each part.",
                rows.len()
            );
            // A CSV has no `users` field to blame.
            return Err(if csv {
                ApiError::bad_request(message)
            } else {
                ApiError::invalid("users", message)
            });
        }
        Ok(Self(rows.iter().map(read_row).collect()))
    }
}

/// `{"users": [{…}, …]}`: each row's fields, or why it is not an object.
fn json_rows(text: &str) -> Result<Vec<Result<Fields, ApiError>>, ApiError> {
    let mut body = match json::parse(text) {
        Ok(Value::Object(body)) => body,
        Err(JsonProblem::RepeatedKey) => return Err(JsonProblem::RepeatedKey.into()),
        _ => {
            return Err(ApiError::bad_request(
                "The body is not valid JSON: send {\"users\": [{\"email\": \"…\"}, …]}.",
            ))
        }
    };
    let Some(Value::Array(users)) = body.remove("users") else {
        return Err(ApiError::invalid(
            "users",
            "`users` is required: a list of {\"email\": \"…\"} objects.",
        ));
    };
    Ok(users
        .into_iter()
        .map(|row| match row {
            Value::Object(map) => Ok(Fields::Json(map)),
            _ => Err(ApiError::bad_request(
                "This row is not an object: write it as {\"email\": \"…\"}.",
            )),
        })
        .collect())
}

/// A CSV with its header row, as spreadsheets save it (a byte-order mark, CRLF, quoted fields,
/// blank lines). Empty cells count as absent, so a row may leave out its temporary password.
fn csv_rows(text: &str) -> Result<Vec<Result<Fields, ApiError>>, ApiError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader
        .records()
        .map(|r| r.map_err(|_| ApiError::bad_request("The CSV could not be read.")))
        .filter(|r| {
            !r.as_ref()
                .is_ok_and(|r| r.iter().all(|c| c.trim().is_empty()))
        });
    let header = records
        .next()
        .transpose()?
        .ok_or_else(csv_header_expected)?;
    let columns = csv_columns(&header)?;
    records
        .map(|record| {
            let record = record?;
            if record.len() != columns.len() {
                return Ok(Err(ApiError::bad_request(format!(
                    "This row has {} columns; the header has {}.",
                    record.len(),
                    columns.len()
                ))));
            }
            let pairs = columns
                .iter()
                .zip(record.iter())
                .filter(|(_, cell)| !cell.trim().is_empty())
                .map(|(column, cell)| ((*column).to_owned(), cell.to_owned()))
                .collect();
            Ok(Ok(Fields::Form(pairs)))
        })
        .collect()
}

/// The header's columns, by their names in the contract (matched case-insensitively).
fn csv_columns(header: &csv::StringRecord) -> Result<Vec<&'static str>, ApiError> {
    let mut columns: Vec<&'static str> = Vec::with_capacity(header.len());
    for cell in header {
        let column = CSV_COLUMNS
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(cell.trim()))
            .filter(|c| !columns.contains(c))
            .ok_or_else(csv_header_expected)?;
        columns.push(column);
    }
    if !columns.contains(&"email") && !columns.contains(&"phone") {
        return Err(csv_header_expected());
    }
    Ok(columns)
}

/// One row, read as `POST /users` reads its body (the temporary password optional).
fn read_row(row: &Result<Fields, ApiError>) -> Result<InviteRequest, ApiError> {
    let fields = row.as_ref().map_err(Clone::clone)?;
    let request = read_invite(fields, false)?;
    if request.options.delivery == Some(Delivery::Link) {
        return Err(ApiError::invalid(
            "delivery",
            "A batch sends every invite by email or text. Invite this tech on their own to hand the link over in person.",
        ));
    }
    Ok(request)
}

/// A row the batch ran out of time to start: nothing was written for it.
fn not_tried() -> ApiError {
    ApiError::new(
        ErrorCode::ServiceUnavailable,
        "This row was not tried: the batch ran out of time. Send this row again in a new batch.",
    )
}

/// A refused row: the status and the error `POST /users` would have answered.
fn row_error(index: usize, error: &ApiError) -> CrewRow {
    CrewRow::Refused {
        index,
        status: error.status().as_u16(),
        error: error.detail(),
    }
}

/// `POST /users/batch`: `200` with one result per row, in order.
pub async fn invite_crew(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    CrewUpload(rows): CrewUpload,
) -> Result<Response, ApiError> {
    let outcomes = app.invite_batch(&admin, rows).await;
    let mut created = 0;
    let results: Vec<CrewRow> = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| match outcome {
            Ok(invited) => {
                created += 1;
                CrewRow::Created {
                    index,
                    status: StatusCode::CREATED.as_u16(),
                    user: user_view(&invited.user, app.config.default_locale),
                    invite: invited_view(&app, &invited),
                }
            }
            Err(RowFailure::Refused(error)) => row_error(index, &error),
            Err(RowFailure::Failed(e)) => row_error(index, &ApiError::from(e)),
            Err(RowFailure::NotTried) => row_error(index, &not_tried()),
        })
        .collect();
    let failed = results.len() - created;
    Ok(json(
        StatusCode::OK,
        &CrewResult {
            created,
            failed,
            results,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails(rows: &[Result<Fields, ApiError>]) -> Vec<Option<String>> {
        rows.iter()
            .map(|r| match r {
                Ok(f) => f.string("email").unwrap(),
                Err(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_spreadsheets_csv_reads_with_its_bom_crlf_quotes_and_blank_lines() {
        let text = "\u{feff}Email,name,role,temporaryPassword\r\n\
                    ana@northwind.example,\"Tech, Ana\",tech,\r\n\
                    \r\n\
                    ben@northwind.example,\"Ben \"\"B\"\" Jones\",admin,violet harbour tram 42\r\n\
                    ,,,\r\n";
        let rows = csv_rows(text).unwrap();
        assert_eq!(
            emails(&rows),
            [
                Some("ana@northwind.example".to_owned()),
                Some("ben@northwind.example".to_owned())
            ]
        );
        let ana = rows[0].as_ref().unwrap();
        assert_eq!(ana.string("name").unwrap().as_deref(), Some("Tech, Ana"));
        assert_eq!(ana.string("temporaryPassword").unwrap(), None);
        let ben = rows[1].as_ref().unwrap();
        assert_eq!(
            ben.string("name").unwrap().as_deref(),
            Some("Ben \"B\" Jones")
        );
    }

    #[test]
    fn columns_may_come_in_any_order_and_only_email_is_needed() {
        let rows = csv_rows("role,email\nadmin,cleo@northwind.example\n").unwrap();
        let cleo = rows[0].as_ref().unwrap();
        assert_eq!(cleo.string("role").unwrap().as_deref(), Some("admin"));
        assert_eq!(emails(&rows), [Some("cleo@northwind.example".to_owned())]);
    }

    #[test]
    fn a_csv_without_its_header_or_with_another_is_refused() {
        for text in [
            "",
            "ana@northwind.example,Ana,tech,\n",
            "mail,name\nana@northwind.example,Ana\n",
            "email,email\na@northwind.example,b@northwind.example\n",
            "name,role\nAna,tech\n",
        ] {
            // `Fields` has no `Debug` (a row may hold a password), hence no `unwrap_err`.
            let Err(e) = csv_rows(text) else {
                panic!("{text:?} was read")
            };
            assert_eq!(e.code, ErrorCode::InvalidRequest, "{text:?}");
        }
    }

    #[test]
    fn a_row_with_the_wrong_number_of_cells_is_refused_alone() {
        let rows =
            csv_rows("email,name\na@northwind.example,A,extra\nb@northwind.example,B\n").unwrap();
        assert!(rows[0].is_err());
        assert!(rows[1].is_ok());
    }
}
