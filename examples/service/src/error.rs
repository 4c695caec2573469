//! The application's error type and its HTTP answers.

use authz_axum::{JsonResponses, Responses};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Every way a request can fail. A refusal of the framework ([`authz_core::Denied`]) converts
/// into it with `?`, so `#[requires]` functions return it directly.
#[derive(Debug)]
pub enum AppError {
    /// A token that did not verify (bad signature, expired, not yet valid, wrong algorithm,
    /// malformed, revoked), or a user that does not exist: 401. Nothing of such a token is
    /// used. (A request without a token is a guest; the request-level rules answer 401 where
    /// a guest may not go.)
    Unauthorized(&'static str),
    /// The page cookie's token did not verify: 401 as [`AppError::Unauthorized`], and the
    /// cookie is cleared.
    StaleCookie(&'static str),
    /// Refused by the policy: 404 when the actor may not even read the resource, else 403.
    Denied(authz_core::Denied),
    /// Refused by the application rather than by a rule (a service on a user route, a grant
    /// no camera manages): 403 with the reason.
    Forbidden(&'static str),
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::StaleCookie(why) => {
                let mut response = AppError::Unauthorized(why).into_response();
                response.headers_mut().insert(
                    header::SET_COOKIE,
                    HeaderValue::from_static(
                        "authz_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
                    ),
                );
                response
            }
            AppError::Unauthorized(why) => {
                let mut response =
                    (StatusCode::UNAUTHORIZED, Json(json!({ "error": why }))).into_response();
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            // authz-axum's answers: 404 (as if missing) or 403 with a JSON body.
            AppError::Denied(denied) => JsonResponses::denied(&denied),
            AppError::NotFound => JsonResponses::not_found(),
            AppError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                Json(json!({ "error": "forbidden", "reason": why })),
            )
                .into_response(),
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
