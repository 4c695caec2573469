//! The application's error type and its HTTP answers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Every way a request can fail. A refusal of the framework ([`authz_core::Denied`]) converts
/// into it with `?`, so `#[requires]` functions return it directly.
#[derive(Debug)]
pub enum AppError {
    /// No token, or a token that did not verify (bad signature, expired, wrong algorithm,
    /// malformed), or a user that does not exist: 401. Nothing of such a token is used.
    Unauthorized(&'static str),
    /// The token lacks the scope the route requires: 403, before any handler runs.
    MissingScope(&'static str),
    /// Refused by the policy: 404 when the actor may not even read the resource, else 403.
    Denied(authz_core::Denied),
    /// No such row: 404 — the same answer as a refusal to read, so existence is not disclosed.
    NotFound,
    /// A query parameter out of range: 400.
    BadRequest(String),
    /// A database failure: 500; the detail goes to the log, not to the client.
    Internal(String),
}

impl From<authz_core::Denied> for AppError {
    fn from(denied: authz_core::Denied) -> Self {
        AppError::Denied(denied)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        AppError::Internal(format!("database error: {err}"))
    }
}

impl From<authz_diesel::Error> for AppError {
    fn from(err: authz_diesel::Error) -> Self {
        match err {
            authz_diesel::Error::Denied(denied) => AppError::Denied(denied),
            authz_diesel::Error::Database(err) => err.into(),
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Unauthorized(why) => {
                let mut response =
                    (StatusCode::UNAUTHORIZED, Json(json!({ "error": why }))).into_response();
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            AppError::MissingScope(scope) => (
                StatusCode::FORBIDDEN,
                Json(json!({ "error": "missing scope", "scope": scope })),
            )
                .into_response(),
            AppError::Denied(denied) if denied.is_not_found() => not_found(),
            AppError::Denied(denied) => (
                StatusCode::FORBIDDEN,
                Json(json!({
                    "error": "forbidden",
                    "resource": denied.resource,
                    "permission": denied.permission,
                })),
            )
                .into_response(),
            AppError::NotFound => not_found(),
            AppError::BadRequest(why) => {
                (StatusCode::BAD_REQUEST, Json(json!({ "error": why }))).into_response()
            }
            AppError::Internal(detail) => {
                eprintln!("authz-example-service: internal error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "error": "internal error" })),
                )
                    .into_response()
            }
        }
    }
}
