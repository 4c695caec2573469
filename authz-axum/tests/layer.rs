//! The layer and the extractors in a router: the principal is loaded at most once per request
//! and not at all for a refused one; refusals use the application's responses; a route outside
//! the layer is refused.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use authz_axum::{
    Access, Authenticate, Authorizer, Caller, Refused, RequestPolicy, RequestRefusal, Responses,
    Rules, Scopes,
};
use authz_core::prelude::*;
use authz_core::Denied;
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;

#[derive(Actor, Clone, Debug)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.owner_id == actor.id)]
pub struct Note {
    pub id: i64,
    pub owner_id: i64,
}

pub struct Claims(Vec<&'static str>, i64);
impl Scopes for Claims {
    fn has_scope(&self, scope: &str) -> bool {
        self.0.contains(&scope)
    }
}

#[derive(Default)]
struct Auth {
    loads: Arc<AtomicUsize>,
}

impl Authenticate for Auth {
    type Claims = Claims;
    type Principal = User;
    type Rejection = (StatusCode, &'static str);

    async fn authenticate(&self, parts: &Parts) -> Result<Option<Claims>, Self::Rejection> {
        match parts.headers.get("x-user").map(|v| v.to_str()) {
            None => Ok(None),
            Some(Ok("1")) => Ok(Some(Claims(vec!["notes:read"], 1))),
            Some(Ok("2")) => Ok(Some(Claims(vec![], 2))),
            Some(_) => Err((StatusCode::UNAUTHORIZED, "bad credentials")),
        }
    }

    async fn load_principal(&self, claims: Option<&Claims>) -> Result<User, Self::Rejection> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        Ok(User {
            id: claims.map_or(0, |c| c.1),
        })
    }
}

/// Plain-text answers instead of JSON.
struct Text;
impl Responses for Text {
    fn denied(denied: &Denied) -> Response {
        (StatusCode::from_u16(denied.status_code()).unwrap(), "no").into_response()
    }
    fn request_refused(refusal: &RequestRefusal) -> Response {
        (
            StatusCode::from_u16(refusal.status_code()).unwrap(),
            format!("refused: {refusal}"),
        )
            .into_response()
    }
}

/// Extracts the authorizer twice, and the claims.
async fn note(
    first: Authorizer<User>,
    second: Authorizer<User>,
    Caller(claims): Caller<Claims>,
) -> Result<String, Refused<Text>> {
    let note = Note { id: 5, owner_id: 1 };
    first.authz().authorize(Note::Read, &note)?;
    assert!(Arc::ptr_eq(&first.into_arc(), &second.into_arc()));
    Ok(format!("note 5, scopes {:?}", claims.map(|c| c.0.clone())))
}

fn app(loads: Arc<AtomicUsize>) -> Router {
    let rules = Rules::new()
        .rule("GET", "/notes/{id}", Access::scope("notes:read"))
        .rule("GET", "/me", Access::Public);
    Router::new()
        .route("/notes/{id}", get(note))
        .route(
            "/me",
            get(|user: Authorizer<User>| async move { user.id.to_string() }),
        )
        .layer(RequestPolicy::new(Auth { loads }, rules).responses::<Text>())
        .route(
            "/outside",
            get(|user: Authorizer<User>| async move { user.id.to_string() }),
        )
}

async fn send(app: &Router, path: &str, user: Option<&str>) -> (u16, String) {
    let mut request = Request::builder().uri(path);
    if let Some(user) = user {
        request = request.header("x-user", user);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_principal_is_loaded_once_and_only_when_admitted() {
    let loads = Arc::new(AtomicUsize::new(0));
    let app = app(loads.clone());

    let ok = send(&app, "/notes/5", Some("1")).await;
    assert_eq!(ok, (200, "note 5, scopes Some([\"notes:read\"])".into()));
    assert_eq!(loads.load(Ordering::SeqCst), 1, "two extractors, one load");

    // Refused by the rules: no load.
    assert_eq!(
        send(&app, "/notes/5", Some("2")).await,
        (403, "refused: missing scope `notes:read`".into())
    );
    assert_eq!(
        send(&app, "/notes/5", None).await,
        (401, "refused: authentication required".into())
    );
    // No rule for the path (nor a route): refused before the router's 404.
    assert_eq!(send(&app, "/nowhere", Some("1")).await.0, 403);
    assert_eq!(send(&app, "/nowhere", None).await.0, 401);
    // Credentials that do not verify: the authenticator's answer, even on a public route.
    assert_eq!(
        send(&app, "/me", Some("x")).await,
        (401, "bad credentials".into())
    );
    assert_eq!(loads.load(Ordering::SeqCst), 1);

    // Guests reach public routes with the guest principal.
    assert_eq!(send(&app, "/me", None).await, (200, "0".into()));
    assert_eq!(loads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_handlers_refusal_uses_its_responses() {
    let app = Router::new()
        .route("/notes/{id}", get(note))
        .layer(RequestPolicy::new(
            Auth::default(),
            Rules::new().rule("GET", "/notes/{id}", Access::Authenticated),
        ));
    // Admitted by the rules; the policy refuses (user 2 may not read the note): 404, in the
    // handler's `Refused<Text>` body.
    assert_eq!(send(&app, "/notes/5", Some("2")).await, (404, "no".into()));
    assert_eq!(send(&app, "/notes/5", Some("1")).await.0, 200);
}

#[tokio::test]
async fn a_route_outside_the_layer_is_refused() {
    let app = app(Arc::default());
    assert_eq!(send(&app, "/outside", None).await.0, 500);
}

#[tokio::test]
async fn default_responses_are_json() {
    let app = Router::new()
        .route("/notes/{id}", get(|| async { "unreachable" }))
        .layer(RequestPolicy::new(
            Auth::default(),
            Rules::new().rule("GET", "/notes/{id}", Access::scope("notes:write")),
        ));
    let (status, body) = send(&app, "/notes/1", Some("1")).await;
    assert_eq!(status, 403);
    assert_eq!(body, r#"{"error":"missing scope","scope":"notes:write"}"#);
    let response = app
        .clone()
        .oneshot(Request::get("/notes/1").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}
