//! Refusals as HTTP answers: a [`Denied`] of the resource level becomes 404 (the actor may not
//! even read the resource: as if it did not exist) or 403, and a refusal of the request level
//! 401, 403 or 400, each with a JSON body. The bodies are the [`Responses`] trait's, and an
//! application that wants others implements it on a type of its own.

use std::marker::PhantomData;

use authz_core::Denied;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::rules::RequestRefusal;

/// The answers to refusals. Every method has a default: implement the ones to change.
pub trait Responses: Send + Sync + 'static {
    /// The answer to a refusal of the policy: [`not_found`](Responses::not_found) when the
    /// actor may not read the resource, else 403 `{"error":"forbidden","resource":"Repo","permission":"Push"}`.
    fn denied(denied: &Denied) -> Response {
        if denied.is_not_found() {
            return Self::not_found();
        }
        (
            StatusCode::FORBIDDEN,
            Json(json!({
                "error": "forbidden",
                "resource": denied.resource,
                "permission": denied.permission,
            })),
        )
            .into_response()
    }

    /// 404 `{"error":"not found"}`: the same for a missing row and a row the actor may not
    /// read, so existence is not disclosed.
    fn not_found() -> Response {
        (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response()
    }

    /// The answer to a refusal of the request level: 401 with `WWW-Authenticate: Bearer`,
    /// 403 `{"error":"missing scope","scope":"repos:write"}`, or 400.
    fn request_refused(refusal: &RequestRefusal) -> Response {
        let status = StatusCode::from_u16(refusal.status_code()).unwrap_or(StatusCode::FORBIDDEN);
        let body = match refusal {
            RequestRefusal::MissingScope(scope) => {
                json!({ "error": "missing scope", "scope": scope })
            }
            other => json!({ "error": other.to_string() }),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The default answers: JSON bodies, as documented on [`Responses`].
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonResponses;

impl Responses for JsonResponses {}

/// A refusal of the policy as a handler's error: `?` converts a [`Denied`] into it (so
/// `#[requires]` handlers return it directly), and it answers with `R`'s response.
///
/// ```
/// use authz_axum::Refused;
/// use authz_core::{Denied, DenyReason};
/// use axum::response::IntoResponse;
///
/// let denied = Denied { resource: "Repo", permission: "Push", reason: DenyReason::NotFound };
/// assert_eq!(Refused::<authz_axum::JsonResponses>::from(denied).into_response().status(), 404);
/// ```
pub struct Refused<R = JsonResponses> {
    /// What was refused.
    pub denied: Denied,
    responses: PhantomData<fn() -> R>,
}

impl<R> Refused<R> {
    /// The refusal of `denied`.
    pub fn new(denied: Denied) -> Self {
        Refused {
            denied,
            responses: PhantomData,
        }
    }
}

impl<R> From<Denied> for Refused<R> {
    fn from(denied: Denied) -> Self {
        Refused::new(denied)
    }
}

impl<R> std::fmt::Debug for Refused<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Refused").field(&self.denied).finish()
    }
}

impl<R: Responses> IntoResponse for Refused<R> {
    fn into_response(self) -> Response {
        R::denied(&self.denied)
    }
}

/// A refusal of the request level, answered with `R`'s response.
pub struct RequestRefused<R = JsonResponses> {
    /// Why.
    pub refusal: RequestRefusal,
    responses: PhantomData<fn() -> R>,
}

impl<R> From<RequestRefusal> for RequestRefused<R> {
    fn from(refusal: RequestRefusal) -> Self {
        RequestRefused {
            refusal,
            responses: PhantomData,
        }
    }
}

impl<R: Responses> IntoResponse for RequestRefused<R> {
    fn into_response(self) -> Response {
        R::request_refused(&self.refusal)
    }
}
