//! authz for axum 0.8: the request level, the request's authorizer as an extractor, and
//! refusals as responses.
//!
//! - [`Rules`]: which method and path needs which [`Access`] (public, any credentials, a
//!   scope such as `issues:read`), declared once; a request no rule matches is refused.
//! - [`RequestPolicy`]: the layer. It authenticates every request with the application's
//!   [`Authenticate`] (no credentials: a guest; credentials that do not verify: refused) and
//!   applies the rules before any handler or query runs.
//! - [`Authorizer`]: the extractor of the request's principal, loaded by the application's
//!   one loader ([`Authenticate::load_principal`]: claims → principal with its roles, groups
//!   and grants) at most once per request; `authorizer.authz()` is the request's
//!   [`Authz`](authz_core::Authz). [`Caller`] extracts the verified claims.
//! - [`Refused`]: a handler's error that `?` makes of a [`Denied`](authz_core::Denied) — 404
//!   when the actor may not even read the resource, 403 otherwise, with a JSON body; other
//!   bodies through [`Responses`].
//! - `#[requires(..)]` on handlers: [`principal_extractor!`] makes the principal type an
//!   extractor, so the macro finds the actor among the handler's arguments.
//!
//! ```
//! use authz_axum::{Access, Authenticate, Authorizer, JsonResponses, Refused, RequestPolicy,
//!                  Responses, Rules, Scopes};
//! use authz_core::prelude::*;
//! use axum::extract::{FromRequestParts, Path};
//! use axum::http::{request::Parts, Request, StatusCode};
//! use axum::response::{IntoResponse, Response};
//! use axum::routing::{get, post};
//! use axum::Router;
//! use tower::ServiceExt;
//!
//! #[derive(Actor, Clone)]
//! pub struct User { pub id: i64 }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[permission(Read, if = self.is_public || self.owner_id == actor.id)]
//! #[permission(Edit, if = self.owner_id == actor.id)]
//! pub struct Doc { pub id: i64, pub owner_id: i64, pub is_public: bool }
//!
//! fn find(id: i64) -> Option<Doc> {
//!     [Doc { id: 1, owner_id: 7, is_public: true }, Doc { id: 2, owner_id: 7, is_public: false }]
//!         .into_iter().find(|doc| doc.id == id)
//! }
//!
//! /// Verified credentials. (A real service verifies a signed token here.)
//! pub struct Claims { user_id: i64, scopes: Vec<String> }
//! impl Scopes for Claims {
//!     fn has_scope(&self, scope: &str) -> bool { self.scopes.iter().any(|s| s == scope) }
//! }
//!
//! struct Auth;
//! impl Authenticate for Auth {
//!     type Claims = Claims;
//!     type Principal = User;
//!     type Rejection = StatusCode;
//!
//!     async fn authenticate(&self, parts: &Parts) -> Result<Option<Claims>, StatusCode> {
//!         let Some(value) = parts.headers.get("authorization") else { return Ok(None) }; // a guest
//!         let user_id = value.to_str().ok()
//!             .and_then(|v| v.strip_prefix("Bearer user-"))
//!             .and_then(|id| id.parse().ok())
//!             .ok_or(StatusCode::UNAUTHORIZED)?;
//!         Ok(Some(Claims { user_id, scopes: vec!["docs:read".into(), "docs:write".into()] }))
//!     }
//!
//!     // The one loader: claims -> principal (roles and groups would be loaded here).
//!     async fn load_principal(&self, claims: Option<&Claims>) -> Result<User, StatusCode> {
//!         Ok(User { id: claims.map_or(0, |c| c.user_id) }) // a guest owns nothing
//!     }
//! }
//!
//! // Resource level with the extractor: 404 when not readable, as if missing.
//! async fn read(authorizer: Authorizer<User>, Path(id): Path<i64>) -> Result<String, Refused> {
//!     let doc = find(id).ok_or_else(|| Refused::from(not_found()))?;
//!     authorizer.authz().authorize(Doc::Read, &doc)?;
//!     Ok(format!("doc {}", doc.id))
//! }
//! # fn not_found() -> Denied {
//! #     Denied { resource: "Doc", permission: "Read", reason: authz_core::DenyReason::NotFound }
//! # }
//!
//! // `#[requires]` on a handler: the actor and the resource are extracted arguments.
//! authz_axum::principal_extractor!(User);
//! impl<S: Send + Sync> FromRequestParts<S> for Doc {
//!     type Rejection = Response;
//!     async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Doc, Response> {
//!         let Path(id) = Path::<i64>::from_request_parts(parts, state).await
//!             .map_err(IntoResponse::into_response)?;
//!         find(id).ok_or_else(JsonResponses::not_found)
//!     }
//! }
//!
//! #[requires(Doc::Edit)]
//! async fn edit(actor: User, doc: Doc) -> Result<String, Refused> {
//!     Ok(format!("{} edits doc {}", actor.id, doc.id))
//! }
//!
//! let rules = Rules::new()
//!     .rule("GET", "/docs/{id}", Access::Public)                     // guests too
//!     .rule("POST", "/docs/{id}/edit", Access::scope("docs:write")); // checked before `edit`
//! let app = Router::new()
//!     .route("/docs/{id}", get(read))
//!     .route("/docs/{id}/edit", post(edit))
//!     .layer(RequestPolicy::new(Auth, rules));
//!
//! let status = |method: &str, uri: &str, token: Option<&str>| {
//!     let mut request = Request::builder().method(method).uri(uri);
//!     if let Some(token) = token {
//!         request = request.header("authorization", format!("Bearer {token}"));
//!     }
//!     let request = request.body(axum::body::Body::empty()).unwrap();
//!     let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
//!     runtime.block_on(app.clone().oneshot(request)).unwrap().status().as_u16()
//! };
//! assert_eq!(status("GET", "/docs/1", None), 200);            // public doc, guest
//! assert_eq!(status("GET", "/docs/2", None), 404);            // private: as if missing
//! assert_eq!(status("GET", "/docs/2", Some("user-7")), 200);  // the owner
//! assert_eq!(status("POST", "/docs/1/edit", None), 401);      // the rule needs a scope
//! assert_eq!(status("POST", "/docs/1/edit", Some("user-8")), 403); // reads, may not edit
//! assert_eq!(status("POST", "/docs/2/edit", Some("user-8")), 404);
//! assert_eq!(status("POST", "/docs/2/edit", Some("user-7")), 200);
//! assert_eq!(status("GET", "/docs/1", Some("garbage")), 401); // never a guest's
//! assert_eq!(status("DELETE", "/docs/1", Some("user-7")), 403); // no rule: refused
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod request;
mod response;
mod rules;

pub use request::{Authenticate, Authorizer, Caller, Enforce, RequestPolicy};
pub use response::{JsonResponses, Refused, RequestRefused, Responses};
pub use rules::{Access, RequestRefusal, Rules, Scopes};

#[doc(hidden)]
pub mod __private {
    pub use axum::extract::FromRequestParts;
    pub use axum::http::request::Parts;
    pub use axum::response::Response;
}
