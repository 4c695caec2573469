//! The routes, one per enforcement level (request, resource, query, client).
//!
//! Every route's request-level rule is declared once, in [`rules`]; the `authz-axum` layer
//! checks it before any handler (and any query) runs, and refuses a request no rule matches.
//!
//! | route | rule | level | how |
//! |---|---|---|---|
//! | `GET /home`, `GET/POST /login` | public | client | the HTML page for people (`page`) |
//! | `GET /me` | authenticated | actor | the verified user and the roles loaded for this request |
//! | `GET /repos?limit=&offset=` | `repos:read` | query + client | `.authorized(&authz, Repo::Read)`, `count()`, each row's actions in the same query |
//! | `GET /repos/{id}` | `repos:read` | resource | load, `authorize(Read)`: 404 when not readable |
//! | `GET /repos/{id}/actions` | `repos:read` | client | `authz.actions(&repo)`: `["Read","Push"]` |
//! | `POST /repos/{id}/push` | `repos:write` | resource | `#[requires(Repo::Push)]` on the handler, actor and repo extracted |
//! | `DELETE /repos/{id}` | `repos:write` | resource | `authorize_by_id(Delete)`: one query, 404 vs 403 |
//! | `GET /issues/{id}` | `issues:read` | resource | `load_parents`, `authorize(Issue::Read)` |
//! | `POST /issues/{id}/close` | `issues:write` | resource | `authorize(Issue::Read)` (404), then `#[requires(Issue::Close)]` (403) |
//! | `GET /photos?page=&per_page=` | `photos:read` | query | `.authorized(&authz, Photo::Read)` with `ctx.now`: the photos inside the caller's grants, counted and paginated (`photos`) |
//! | `GET /photos/{id}` | `photos:read` | resource | `authorize_by_id(Photo::Read)`: 404 outside the grants |
//! | `GET /cameras/{id}/grants` | `grants:manage` | resource | `Camera::ManageGrants`, then `grants_on`: who can see the camera |
//! | `POST /cameras/{id}/grants` | `grants:manage` | resource | `Camera::ManageGrants`, then the grant's row |
//! | `DELETE /grants/{id}` | `grants:manage` | resource | `Camera::ManageGrants` of the grant's camera, then `revoke_id` |
//! | `GET /datasets/{id}` | `datasets:read` | resource | users and services: the owner, or a service granted it (`datasets`) |
//! | `POST /tokens/revoke` | authenticated | — | revokes the presented token (its `jti`) |
//! | `GET /authorize` | public | request + resource | a gateway's question about another request (`gateway`) |

use std::sync::LazyLock;

use authz_axum::{Access, Authorizer, Caller, RequestPolicy, Rules};
use authz_core::prelude::*;
use authz_core::ParentMap;
use authz_diesel::prelude::*;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{
    AsUser, Principal, ServiceAuth, Verified, DATASETS_READ, GRANTS_MANAGE, ISSUES_READ,
    ISSUES_WRITE, PHOTOS_READ, REPOS_READ, REPOS_WRITE,
};
use crate::error::AppError;
use crate::model::{issues, repos, revoked_tokens, Issue, Repo, RepoPermission, User};
use crate::{App, Db};

/// The request level of the whole service, in one place. The first rule that matches a
/// request's method and path decides; a request no rule matches is refused (401 for a guest,
/// 403 otherwise), so a route added without a rule is closed, not open.
pub fn rules() -> &'static Rules {
    static RULES: LazyLock<Rules> = LazyLock::new(declare_rules);
    &RULES
}

fn declare_rules() -> Rules {
    let read = Access::scope(REPOS_READ);
    let write = Access::scope(REPOS_WRITE);
    Rules::new()
        // Guests: the pages for people.
        .rule("GET", "/home*", Access::Public)
        .rule("GET, POST", "/login", Access::Public)
        // The gateway's decision endpoint: it applies these rules to the request it is asked
        // about (`gateway`).
        .rule("GET", "/authorize", Access::Public)
        // Files served by a proxy, asked through `/authorize`: guests may read a public
        // repo's; the resource rules decide.
        .rule("GET, HEAD", "/repos/{id}/files/**", Access::Public)
        .rule("PUT, DELETE", "/repos/{id}/files/**", write.clone())
        // Any valid token.
        .rule("GET", "/me", Access::Authenticated)
        .rule("POST", "/tokens/revoke", Access::Authenticated)
        // API tokens: the route's scope.
        .rule("GET", "/repos", read.clone())
        .rule("GET", "/repos/{id}", read.clone())
        .rule("GET", "/repos/{id}/actions", read)
        .rule("POST", "/repos/{id}/push", write.clone())
        .rule("DELETE", "/repos/{id}", write)
        .rule("GET", "/issues/{id}", Access::scope(ISSUES_READ))
        .rule("POST", "/issues/{id}/close", Access::scope(ISSUES_WRITE))
        .rule("GET", "/photos", Access::scope(PHOTOS_READ))
        .rule("GET", "/photos/{id}", Access::scope(PHOTOS_READ))
        .rule(
            "GET, POST",
            "/cameras/{id}/grants",
            Access::scope(GRANTS_MANAGE),
        )
        .rule("DELETE", "/grants/{id}", Access::scope(GRANTS_MANAGE))
        // Users (the owner) and services (a grant) alike: the one scope services hold.
        .rule("GET", "/datasets/{id}", Access::scope(DATASETS_READ))
}

/// The service's routes, behind the request level ([`rules`], authenticated by
/// [`ServiceAuth`]).
pub fn router(app: App) -> Router {
    let policy = RequestPolicy::new(
        ServiceAuth {
            keys: app.keys.clone(),
            db: app.db.clone(),
            cache: app.principals.clone(),
        },
        rules().clone(),
    );
    Router::new()
        .route("/home", get(crate::page::home))
        .route("/home/app.js", get(crate::page::script))
        .route(
            "/login",
            get(crate::page::login_form).post(crate::page::login),
        )
        .route("/me", get(me))
        .route("/authorize", get(crate::gateway::authorize))
        .route("/tokens/revoke", post(revoke_token))
        .route("/repos", get(list_repos))
        .route("/repos/{id}", get(get_repo).delete(delete_repo))
        .route("/repos/{id}/actions", get(repo_actions))
        .route("/repos/{id}/push", post(push_repo))
        .route("/issues/{id}", get(get_issue))
        .route("/issues/{id}/close", post(close_issue))
        .route("/photos", get(crate::photos::list_photos))
        .route("/photos/{id}", get(crate::photos::get_photo))
        .route(
            "/cameras/{id}/grants",
            get(crate::photos::camera_grants).post(crate::photos::create_grant),
        )
        .route("/grants/{id}", delete(crate::photos::delete_grant))
        .route("/datasets/{id}", get(crate::datasets::get_dataset))
        .layer(policy)
        .with_state(app)
}

/// `GET /me`: who the token says, and the roles loaded for this request (a user), or the
/// service.
async fn me(
    principal: Authorizer<Principal>,
    Caller(claims): Caller<Verified>,
) -> Json<serde_json::Value> {
    let scopes = claims.map(|c| c.scopes.clone()).unwrap_or_default();
    Json(match principal.principal() {
        Principal::User { user, .. } => serde_json::json!({ "user": &**user, "scopes": scopes }),
        Principal::Service { id, name, .. } => {
            serde_json::json!({ "service": { "id": id, "name": name }, "scopes": scopes })
        }
        Principal::Guest => serde_json::json!({ "guest": true, "scopes": scopes }),
    })
}

/// `POST /tokens/revoke`: the presented token is refused from its next use on (until its
/// expiry, after which it is refused anyway).
async fn revoke_token(
    State(app): State<App>,
    Caller(claims): Caller<Verified>,
) -> Result<StatusCode, AppError> {
    let claims = claims.ok_or(AppError::Unauthorized("missing bearer token"))?;
    with_conn!(app.db, |conn| {
        diesel::insert_into(revoked_tokens::table)
            .values((
                revoked_tokens::jti.eq(&claims.jti),
                revoked_tokens::user_id.eq(claims.user_id),
                revoked_tokens::expires_at.eq(i64::try_from(claims.exp).unwrap_or(i64::MAX)),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        // Expired tokens are refused anyway: their rows need not be kept.
        let now = i64::try_from(crate::auth::now()).unwrap_or(i64::MAX);
        diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now)))
            .execute(conn)?;
        Ok(StatusCode::NO_CONTENT)
    })
}

/// A repo with the actions the actor may take on it (client level: for the UI only; every
/// action is enforced again by its own route).
#[derive(Serialize)]
pub(crate) struct RepoView {
    /// The fields the actor may read (`description` only with `Push`).
    #[serde(flatten)]
    repo: serde_json::Value,
    actions: PermissionSet<Repo>,
}

impl RepoView {
    /// The view of `repo` for an actor holding `actions` on it.
    pub(crate) fn new(repo: &Repo, actions: PermissionSet<Repo>) -> Result<Self, AppError> {
        let readable = FieldSet::readable_given(actions);
        let repo = serde_json::to_value(authz_core::Redacted::new(repo, readable))
            .map_err(|err| AppError::Internal(format!("serialize: {err}")))?;
        Ok(RepoView { repo, actions })
    }
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

/// `GET /repos?limit=&offset=`: the query level. The same rule as `authz.authorize(Read, ..)`,
/// as a SQL predicate: the database returns only what the actor may see, paginated, with the
/// total of visible rows, and each row's permitted actions computed in the same query.
async fn list_repos(
    State(app): State<App>,
    authorizer: AsUser,
    Query(page): Query<Page>,
) -> Result<Json<RepoPage>, AppError> {
    let limit = page.limit.unwrap_or(20);
    let offset = page.offset.unwrap_or(0);
    if !(1..=100).contains(&limit) || offset < 0 {
        return Err(AppError::BadRequest(
            "limit must be in 1..=100 and offset >= 0".to_owned(),
        ));
    }
    let actor = authorizer.into_arc();
    let page = with_conn!(app.db, |conn| {
        let authz = Authz::new(&*actor);
        let total: i64 = repos::table
            .authorized(&authz, Repo::Read)
            .count()
            .get_result(conn)?;
        let rows: Vec<(Repo, PermittedActions<Repo>)> = repos::table
            .authorized(&authz, Repo::Read)
            .order(repos::id)
            .limit(limit)
            .offset(offset)
            .select((Repo::as_select(), authz.permission_bits::<Repo, _>()))
            .load(conn)?;
        let items = rows
            .iter()
            .map(|(repo, actions)| RepoView::new(repo, actions.into_set()))
            .collect::<Result<_, _>>()?;
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
pub(crate) async fn load_repo(db: &Db, id: i64) -> Result<Repo, AppError> {
    with_conn!(db, |conn| repos::table
        .find(id)
        .select(Repo::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound))
}

/// The repo of the path's `{id}` as an extractor, or 404: the resource argument of
/// `#[requires]` handlers. Loading a row is not permission to see it: the handler checks.
impl FromRequestParts<App> for Repo {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Repo, AppError> {
        let Path(id) = Path::<i64>::from_request_parts(parts, app)
            .await
            .map_err(|err| AppError::BadRequest(err.body_text()))?;
        load_repo(&app.db, id).await
    }
}

/// `GET /repos/{id}`: the resource level. A repo the actor may not read answers 404, exactly
/// as a repo that does not exist.
async fn get_repo(
    State(app): State<App>,
    authorizer: AsUser,
    Path(id): Path<i64>,
) -> Result<Json<RepoView>, AppError> {
    let repo = load_repo(&app.db, id).await?;
    let authz = authorizer.authz();
    authz.authorize(Repo::Read, &repo)?;
    Ok(Json(RepoView::new(&repo, authz.actions(&repo))?))
}

/// `GET /repos/{id}/actions`: the client level, `["Read","Push"]`. What a UI shows; never
/// trusted as a grant. Unreadable repos are 404 here too.
async fn repo_actions(
    State(app): State<App>,
    authorizer: AsUser,
    Path(id): Path<i64>,
) -> Result<Json<PermissionSet<Repo>>, AppError> {
    let repo = load_repo(&app.db, id).await?;
    let actions = authorizer.authz().actions(&repo);
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

/// `POST /repos/{id}/push`: `#[requires]` on the handler itself. The actor (a clone of the
/// request's principal) and the repo (loaded from the path, 404 when missing) are extracted
/// arguments; the macro inserts `Authz::new(&actor).authorize(Repo::Push, &repo)?` before the
/// body, and `?` turns the `Denied` into an [`AppError`]: 403 for a readable repo the actor may
/// not push to, 404 otherwise.
#[requires(Repo::Push)]
async fn push_repo(actor: User, repo: Repo) -> Result<Json<PushReceipt>, AppError> {
    Ok(Json(PushReceipt {
        repo: repo.name,
        pushed_by: actor.name,
    }))
}

/// `DELETE /repos/{id}`: decided in the database by id, in one query, without loading the row:
/// 404 when it does not exist or is not readable, 403 when readable but not deletable.
async fn delete_repo(
    State(app): State<App>,
    authorizer: AsUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let actor = authorizer.into_arc();
    with_conn!(app.db, |conn| conn.transaction(|conn| {
        Authz::new(&*actor).authorize_by_id(conn, Repo::Delete, &id)?;
        let deleted = diesel::delete(repos::table.find(id)).execute(conn)?;
        if deleted == 0 {
            return Err(AppError::NotFound);
        }
        Ok(StatusCode::NO_CONTENT)
    }))
}

/// `GET /issues/{id}`: readable through its repo; 404 otherwise.
async fn get_issue(
    State(app): State<App>,
    authorizer: AsUser,
    Path(id): Path<i64>,
) -> Result<Json<Issue>, AppError> {
    let actor = authorizer.into_arc();
    with_conn!(app.db, |conn| {
        let issue: Issue = issues::table
            .find(id)
            .select(Issue::as_select())
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        let parents = authz_diesel::load_parents(conn, std::slice::from_ref(&issue))?;
        Authz::new(&*actor)
            .parents(&parents)
            .authorize(Issue::Read, &issue)?;
        Ok(Json(issue))
    })
}

/// Closing an issue: its rules read the parent repo (`repo.allows(Push)`), so the authorizer
/// carries the parent rows; `#[requires]` checks with it.
#[requires(Issue::Close)]
fn close(authz: &Authz<'_, User, (), ParentMap>, issue: &Issue) -> Result<Issue, AppError> {
    Ok(Issue {
        closed: true,
        ..issue.clone()
    })
}

/// `POST /issues/{id}/close`: the creator or anyone who may push to the repo — among those
/// who may read the issue. An issue of a repo the actor may not read answers 404, its creator
/// included (one who has since lost access to the repo): `Issue::Read` is checked first,
/// because the `Close` rule alone grants the creator without reading the repo. A readable
/// issue the actor may not close answers 403.
async fn close_issue(
    State(app): State<App>,
    authorizer: AsUser,
    Path(id): Path<i64>,
) -> Result<Json<Issue>, AppError> {
    let actor = authorizer.into_arc();
    with_conn!(app.db, |conn| conn.transaction(|conn| {
        let issue: Issue = issues::table
            .find(id)
            .select(Issue::as_select())
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        let parents = authz_diesel::load_parents(conn, std::slice::from_ref(&issue))?;
        let authz = Authz::new(&*actor).parents(&parents);
        authz.authorize(Issue::Read, &issue)?;
        let closed = close(&authz, &issue)?;
        diesel::update(issues::table.find(id))
            .set(issues::closed.eq(true))
            .execute(conn)?;
        Ok(Json(closed))
    }))
}
