//! The routes, one per enforcement level (request, resource, query, client).
//!
//! | route | scope | level | how |
//! |---|---|---|---|
//! | `GET /me` | — | actor | the verified user and the roles loaded for this request |
//! | `GET /repos?limit=&offset=` | `repos:read` | query + client | `.authorized(&Authz::new(&actor), Repo::Read)`, `count()`, each row's actions in the same query |
//! | `GET /repos/{id}` | `repos:read` | resource | load, `authorize(Read)`: 404 when not readable |
//! | `GET /repos/{id}/actions` | `repos:read` | client | `authz.actions(&repo)`: `["Read","Push"]` |
//! | `POST /repos/{id}/push` | `repos:write` | resource | `#[requires(Repo::Push)]`, `Denied` → `AppError` |
//! | `DELETE /repos/{id}` | `repos:write` | resource | `authorize_by_id(Delete)`: one query, 404 vs 403 |
//! | `POST /issues/{id}/close` | `issues:write` | resource | `load_parents` + `#[requires(Issue::Close, parents = ..)]` |

use authz_core::prelude::*;
use authz_core::ParentMap;
use authz_diesel::prelude::*;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{
    authenticate, require_scope, Authenticated, Scope, ISSUES_WRITE, REPOS_READ, REPOS_WRITE,
};
use crate::error::AppError;
use crate::model::{issues, repos, Issue, Repo, RepoPermission, User};
use crate::{App, Db};

/// The service's routes; every one behind [`authenticate`], each behind its scope.
pub fn router(app: App) -> Router {
    // The request level: the scope each route requires, checked before its handler.
    let scope = |scope: &'static str| from_fn_with_state(Scope(scope), require_scope);
    Router::new()
        .route("/me", get(me))
        .route("/repos", get(list_repos).route_layer(scope(REPOS_READ)))
        .route(
            "/repos/{id}",
            get(get_repo)
                .route_layer(scope(REPOS_READ))
                .merge(delete(delete_repo).route_layer(scope(REPOS_WRITE))),
        )
        .route(
            "/repos/{id}/actions",
            get(repo_actions).route_layer(scope(REPOS_READ)),
        )
        .route(
            "/repos/{id}/push",
            post(push_repo).route_layer(scope(REPOS_WRITE)),
        )
        .route(
            "/issues/{id}/close",
            post(close_issue).route_layer(scope(ISSUES_WRITE)),
        )
        .layer(from_fn_with_state(app.clone(), authenticate))
        .with_state(app)
}

/// `GET /me`: who the token says, and the roles loaded for this request.
async fn me(Authenticated { user, scopes }: Authenticated) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "user": user, "scopes": scopes }))
}

/// A repo with the actions the actor may take on it (client level: for the UI only; every
/// action is enforced again by its own route).
#[derive(Serialize)]
struct RepoView {
    #[serde(flatten)]
    repo: Repo,
    actions: PermissionSet<Repo>,
}

#[derive(Deserialize)]
struct Page {
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize)]
struct RepoPage {
    total: i64,
    limit: i64,
    offset: i64,
    items: Vec<RepoView>,
}

/// `GET /repos?limit=&offset=`: the query level. The same rule as `Authz::new(..).authorize(Read, ..)`,
/// as a SQL predicate: the database returns only what the actor may see, paginated, with the
/// total of visible rows, and each row's permitted actions computed in the same query.
async fn list_repos(
    State(app): State<App>,
    Authenticated { user: actor, .. }: Authenticated,
    Query(page): Query<Page>,
) -> Result<Json<RepoPage>, AppError> {
    let limit = page.limit.unwrap_or(20);
    let offset = page.offset.unwrap_or(0);
    if !(1..=100).contains(&limit) || offset < 0 {
        return Err(AppError::BadRequest(
            "limit must be in 1..=100 and offset >= 0".to_owned(),
        ));
    }
    let page = with_conn!(app.db, |conn| {
        let total: i64 = repos::table
            .authorized(&Authz::new(&actor), Repo::Read)
            .count()
            .get_result(conn)?;
        let rows: Vec<(Repo, PermittedActions<Repo>)> = repos::table
            .authorized(&Authz::new(&actor), Repo::Read)
            .order(repos::id)
            .limit(limit)
            .offset(offset)
            .select((
                Repo::as_select(),
                Authz::new(&actor).permission_bits::<Repo, _>(),
            ))
            .load(conn)?;
        let items = rows
            .into_iter()
            .map(|(repo, actions)| RepoView {
                repo,
                actions: actions.into_set(),
            })
            .collect();
        Ok(RepoPage {
            total,
            limit,
            offset,
            items,
        })
    })?;
    Ok(Json(page))
}

/// Loads repo `id`, or 404.
async fn load_repo(db: &Db, id: i64) -> Result<Repo, AppError> {
    with_conn!(db, |conn| repos::table
        .find(id)
        .select(Repo::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound))
}

/// `GET /repos/{id}`: the resource level. A repo the actor may not read answers 404, exactly
/// as a repo that does not exist.
async fn get_repo(
    State(app): State<App>,
    Authenticated { user: actor, .. }: Authenticated,
    Path(id): Path<i64>,
) -> Result<Json<RepoView>, AppError> {
    let repo = load_repo(&app.db, id).await?;
    Authz::new(&actor).authorize(Repo::Read, &repo)?;
    let actions = Authz::new(&actor).actions(&repo);
    Ok(Json(RepoView { repo, actions }))
}

/// `GET /repos/{id}/actions`: the client level, `["Read","Push"]`. What a UI shows; never
/// trusted as a grant. Unreadable repos are 404 here too.
async fn repo_actions(
    State(app): State<App>,
    Authenticated { user: actor, .. }: Authenticated,
    Path(id): Path<i64>,
) -> Result<Json<PermissionSet<Repo>>, AppError> {
    let repo = load_repo(&app.db, id).await?;
    let actions = Authz::new(&actor).actions(&repo);
    if !actions.contains(RepoPermission::Read) {
        return Err(AppError::NotFound);
    }
    Ok(Json(actions))
}

#[derive(Serialize)]
struct PushReceipt {
    repo: String,
    pushed_by: String,
}

/// The business operation, guarded by its permission: `#[requires]` inserts
/// `Authz::new(actor).authorize(Repo::Push, repo)?` before the body, and `?` turns the `Denied` into an
/// [`AppError`] through `From<Denied>`.
#[requires(Repo::Push)]
fn push(actor: &User, repo: &Repo) -> Result<PushReceipt, AppError> {
    Ok(PushReceipt {
        repo: repo.name.clone(),
        pushed_by: actor.name.clone(),
    })
}

/// `POST /repos/{id}/push`: 403 for a readable repo the actor may not push to, 404 otherwise.
async fn push_repo(
    State(app): State<App>,
    Authenticated { user: actor, .. }: Authenticated,
    Path(id): Path<i64>,
) -> Result<Json<PushReceipt>, AppError> {
    let repo = load_repo(&app.db, id).await?;
    Ok(Json(push(&actor, &repo)?))
}

/// `DELETE /repos/{id}`: decided in the database by id, in one query, without loading the row:
/// 404 when it does not exist or is not readable, 403 when readable but not deletable.
async fn delete_repo(
    State(app): State<App>,
    Authenticated { user: actor, .. }: Authenticated,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    with_conn!(app.db, |conn| conn.transaction(|conn| {
        Authz::new(&actor).authorize_by_id(conn, Repo::Delete, &id)?;
        let deleted = diesel::delete(repos::table.find(id)).execute(conn)?;
        if deleted == 0 {
            return Err(AppError::NotFound);
        }
        Ok(StatusCode::NO_CONTENT)
    }))
}

/// Closing an issue: its rules read the parent repo (`repo.allows(Push)`), which the handler
/// loaded into `parents`; `#[requires(.., parents = ..)]` checks with them.
#[requires(Issue::Close, parents = parents)]
fn close(actor: &User, issue: &Issue, parents: &ParentMap) -> Result<Issue, AppError> {
    Ok(Issue {
        closed: true,
        ..issue.clone()
    })
}

/// `POST /issues/{id}/close`: the creator or anyone who may push to the repo; 404 for an issue
/// of a repo the actor may not read.
async fn close_issue(
    State(app): State<App>,
    Authenticated { user: actor, .. }: Authenticated,
    Path(id): Path<i64>,
) -> Result<Json<Issue>, AppError> {
    with_conn!(app.db, |conn| conn.transaction(|conn| {
        let issue: Issue = issues::table
            .find(id)
            .select(Issue::as_select())
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        let parents = authz_diesel::load_parents(conn, std::slice::from_ref(&issue))?;
        let closed = close(&actor, &issue, &parents)?;
        diesel::update(issues::table.find(id))
            .set(issues::closed.eq(true))
            .execute(conn)?;
        Ok(Json(closed))
    }))
}
