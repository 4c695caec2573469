//! `GET /authorize`: the decision for a gateway, in the style of nginx's `auth_request`. The
//! proxy asks, for each request it is about to serve (files, another backend), "may this token
//! do METHOD on PATH", forwarding the client's credentials and the original method and URI:
//!
//! ```text
//! location /repos/ {
//!     auth_request /authorize;
//!     proxy_pass http://files;
//! }
//! location = /authorize {
//!     internal;
//!     proxy_pass http://127.0.0.1:8080/authorize;
//!     proxy_pass_request_body off;
//!     proxy_set_header Content-Length "";
//!     proxy_set_header X-Original-Method $request_method;
//!     proxy_set_header X-Original-URI $request_uri;
//! }
//! ```
//!
//! The answer comes from the same policy as the service's own routes: the request-level
//! [`rules`](crate::api::rules) for the method and path, then the resource rules of the
//! resource the path names (`/repos/{id}/files/**`: `Repo::Read` to read, `Repo::Push` to
//! write; photos, datasets and grants as their routes decide). A service's token is refused
//! wherever a user's resource rules decide. 204 allowed; 401 when credentials are missing or do not verify (a guest refused by
//! a resource rule too: logging in may help); 403 otherwise — a resource the caller may not
//! even read included, since a gateway passes on only 2xx, 401 and 403. A missing or malformed
//! method or URI is refused (403), never allowed.

use authz_axum::{Authorizer, Caller, RequestRefusal, Scopes};
use authz_core::prelude::*;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diesel::prelude::*;
use serde_json::json;

use crate::api::{load_repo, rules};
use crate::auth::{Principal, Verified};
use crate::error::AppError;
use crate::model::{issues, Issue, IssuePermission, RepoPermission, User};
use crate::App;
use crate::{datasets, photos};

/// The header carrying the original request's method.
pub const ORIGINAL_METHOD: &str = "x-original-method";
/// The header carrying the original request's URI (path and query).
pub const ORIGINAL_URI: &str = "x-original-uri";

/// The resource a path names, and the permission its method needs.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Repo(i64, RepoPermission),
    Issue(i64, IssuePermission),
    /// `Photo::Read`.
    Photo(i64),
    /// `Camera::ManageGrants`, of the camera or of the grant's camera.
    Camera(i64),
    Grant(i64),
    /// `Dataset::Read`.
    Dataset(i64),
}

/// `Ok(None)`: the path names no resource (the request level decides alone). `Err`: it is
/// under a resource's path but malformed (an id that is not a number, an unknown action).
fn target(method: &Method, path: &str) -> Result<Option<Target>, ()> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let read = matches!(*method, Method::GET | Method::HEAD);
    let id = |s: &str| s.parse::<i64>().map_err(|_| ());
    Ok(Some(match segments.as_slice() {
        ["repos", id_, rest @ ..] => {
            let id = id(id_)?;
            let perm = match rest {
                [] if read => RepoPermission::Read,
                [] if *method == Method::DELETE => RepoPermission::Delete,
                ["actions"] if read => RepoPermission::Read,
                ["push"] if *method == Method::POST => RepoPermission::Push,
                ["files", ..] if read => RepoPermission::Read,
                ["files", ..] if matches!(*method, Method::PUT | Method::DELETE) => {
                    RepoPermission::Push
                }
                _ => return Err(()),
            };
            Target::Repo(id, perm)
        }
        ["issues", id_, rest @ ..] => {
            let id = id(id_)?;
            let perm = match rest {
                [] if read => IssuePermission::Read,
                ["close"] if *method == Method::POST => IssuePermission::Close,
                _ => return Err(()),
            };
            Target::Issue(id, perm)
        }
        ["photos", id_] if read => Target::Photo(id(id_)?),
        ["cameras", id_, "grants"] if read || *method == Method::POST => Target::Camera(id(id_)?),
        ["grants", id_] if *method == Method::DELETE => Target::Grant(id(id_)?),
        ["datasets", id_] if read => Target::Dataset(id(id_)?),
        ["photos" | "cameras" | "grants" | "datasets", _, ..] => return Err(()),
        _ => return Ok(None),
    }))
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, Json(json!({ "allowed": false, "error": why }))).into_response()
}

/// `GET /authorize`.
pub async fn authorize(
    State(app): State<App>,
    Caller(claims): Caller<Verified>,
    authorizer: Authorizer<Principal>,
    headers: HeaderMap,
) -> Response {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(method) = header(ORIGINAL_METHOD).and_then(|m| m.parse::<Method>().ok()) else {
        return refuse(
            StatusCode::FORBIDDEN,
            "missing or malformed X-Original-Method",
        );
    };
    let Some(path) = header(ORIGINAL_URI).map(|uri| uri.split(['?', '#']).next().unwrap_or(""))
    else {
        return refuse(StatusCode::FORBIDDEN, "missing X-Original-URI");
    };
    let guest = claims.is_none();
    // The request level: the same rules as the service's own routes.
    if let Err(refusal) = rules().check(&method, path, claims.as_deref().map(|c| c as &dyn Scopes))
    {
        let status = match refusal {
            RequestRefusal::Unauthenticated
            | RequestRefusal::NoRule {
                authenticated: false,
            } => StatusCode::UNAUTHORIZED,
            _ => StatusCode::FORBIDDEN,
        };
        return refuse(status, &refusal.to_string());
    }
    // The resource level: the rules of the resource the path names.
    let decided = match target(&method, path) {
        Err(()) => return refuse(StatusCode::FORBIDDEN, "no such resource action"),
        Ok(None) => Ok(()),
        Ok(Some(target)) => check(&app, authorizer, target).await,
    };
    match decided {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(AppError::Denied(_) | AppError::NotFound | AppError::Forbidden(_)) if guest => {
            refuse(StatusCode::UNAUTHORIZED, "authentication required")
        }
        Err(AppError::Denied(_) | AppError::NotFound | AppError::Forbidden(_)) => {
            refuse(StatusCode::FORBIDDEN, "forbidden")
        }
        Err(other) => other.into_response(),
    }
}

async fn check(
    app: &App,
    authorizer: Authorizer<Principal>,
    target: Target,
) -> Result<(), AppError> {
    let principal = authorizer.into_arc();
    // Datasets are read by users and services; every other resource is a user's.
    let user = || match &*principal {
        Principal::User { user, .. } => Ok::<std::sync::Arc<User>, AppError>(user.clone()),
        Principal::Guest => Ok(std::sync::Arc::new(User::guest())),
        Principal::Service { .. } => Err(AppError::Forbidden("a resource of users")),
    };
    match target {
        Target::Dataset(id) => datasets::read_dataset(app, &principal, id).await.map(drop),
        Target::Photo(id) => photos::read_photo(app, user()?, id).await.map(drop),
        Target::Camera(id) => photos::managed_camera(app, &*user()?, id).await.map(drop),
        Target::Grant(id) => photos::managed_grant(app, &*user()?, id).await.map(drop),
        Target::Repo(id, perm) => {
            let user = user()?;
            let repo = load_repo(&app.db, id).await?;
            Authz::new(&*user).authorize(perm, &repo)?;
            Ok(())
        }
        Target::Issue(id, perm) => {
            let actor = user()?;
            with_conn!(app.db, |conn| {
                let issue: Issue = issues::table
                    .find(id)
                    .select(Issue::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or(AppError::NotFound)?;
                let parents = authz_diesel::load_parents(conn, std::slice::from_ref(&issue))?;
                let authz = Authz::new(&*actor).parents(&parents);
                // As `POST /issues/{id}/close`: reading the issue first.
                authz.authorize(Issue::Read, &issue)?;
                authz.authorize(perm, &issue)?;
                Ok(())
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_resources() {
        let t = |m: Method, p: &str| target(&m, p);
        assert_eq!(
            t(Method::GET, "/repos/7/files/a/b"),
            Ok(Some(Target::Repo(7, RepoPermission::Read)))
        );
        assert_eq!(
            t(Method::PUT, "/repos/7/files/a"),
            Ok(Some(Target::Repo(7, RepoPermission::Push)))
        );
        assert_eq!(
            t(Method::DELETE, "/repos/7"),
            Ok(Some(Target::Repo(7, RepoPermission::Delete)))
        );
        assert_eq!(
            t(Method::POST, "/issues/3/close"),
            Ok(Some(Target::Issue(3, IssuePermission::Close)))
        );
        assert_eq!(t(Method::GET, "/repos/x/files/a"), Err(()));
        assert_eq!(t(Method::POST, "/repos/7/files/a"), Err(()));
        assert_eq!(t(Method::GET, "/photos/5"), Ok(Some(Target::Photo(5))));
        assert_eq!(
            t(Method::POST, "/cameras/1/grants"),
            Ok(Some(Target::Camera(1)))
        );
        assert_eq!(t(Method::DELETE, "/grants/2"), Ok(Some(Target::Grant(2))));
        assert_eq!(t(Method::GET, "/datasets/1"), Ok(Some(Target::Dataset(1))));
        assert_eq!(t(Method::DELETE, "/photos/5"), Err(()));
        assert_eq!(t(Method::GET, "/grants/2"), Err(()));
        assert_eq!(t(Method::GET, "/photos"), Ok(None));
        assert_eq!(t(Method::GET, "/repos"), Ok(None));
        assert_eq!(t(Method::GET, "/me"), Ok(None));
    }
}
