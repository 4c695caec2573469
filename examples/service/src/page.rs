//! The client level for a person: a server-rendered HTML page (maud: every value is escaped by
//! construction), no front-end build step.
//!
//! - `GET /home`: the caller's repos (the query level: the rows it may read, with each row's
//!   permission bits from the same query). A button is enabled when its permission is in the
//!   row's bits; a disabled button says why, from `authz.explain`. The `description` column is
//!   guarded (`#[field_guard(read = Push)]`): shown only where the caller may push, redacted
//!   elsewhere. Buttons call the JSON API, which enforces every action again: the page is
//!   never trusted.
//! - `GET /login`, `POST /login`: paste a token; it is verified and set as an `HttpOnly`,
//!   `SameSite=Strict` cookie, which the API accepts as it accepts a bearer header.
//! - `GET /home/app.js`: the buttons' script (served, not inline, under a
//!   `Content-Security-Policy` of `'self'`).

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use diesel::prelude::*;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use crate::auth::TOKEN_COOKIE;
use crate::error::AppError;
use crate::model::{repos, Repo, RepoField, User};
use crate::App;

const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1f2328; }
h1 { font-size: 1.4rem; } .who { color: #59636e; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d1d9e0; vertical-align: top; }
th { background: #f6f8fa; }
.redacted { color: #8c959f; font-style: italic; }
button { font: inherit; padding: .2rem .7rem; border-radius: 6px; border: 1px solid #1f883d;
         background: #1f883d; color: white; cursor: pointer; }
button.danger { border-color: #cf222e; background: #cf222e; }
button:disabled { background: #eaeef2; color: #8c959f; border-color: #d1d9e0; cursor: not-allowed; }
.why { display: block; color: #9a6700; font-size: .8rem; margin-top: .15rem; }
output { display: block; margin-top: 1rem; padding: .5rem; background: #f6f8fa; min-height: 1.4rem;
         font-family: ui-monospace, monospace; font-size: .85rem; white-space: pre-wrap; }
";

/// The buttons' script: each enabled button calls its API route and shows the answer.
pub const SCRIPT: &str = "\
for (const button of document.querySelectorAll('button[data-url]')) {
  button.addEventListener('click', async () => {
    const out = document.getElementById('result');
    const response = await fetch(button.dataset.url, { method: button.dataset.method, credentials: 'same-origin' });
    out.textContent = button.dataset.method + ' ' + button.dataset.url + ' -> ' + response.status + ' ' + await response.text();
    out.dataset.status = response.status;
  });
}
";

fn page(title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (STYLE) }
            }
            body { (body) script src="/home/app.js" {} }
        }
    };
    let mut response = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'"),
    );
    response
}

/// Why `actor` may not do `perm` on `repo`: the parts of the rule that failed.
fn why_not<Q: authz_core::Permission<Repo>>(actor: &User, perm: Q, repo: &Repo) -> String {
    let explanation = Authz::new(actor).explain(perm, repo);
    let failed: Vec<&str> = explanation.failed_conditions().map(|n| n.text).collect();
    format!("needs {}", failed.join(" or "))
}

/// One action button: enabled from the row's permission bits, or disabled with its reason.
fn button(
    actor: &User,
    repo: &Repo,
    actions: PermissionSet<Repo>,
    (perm, label, method, url, class): (crate::model::RepoPermission, &str, &str, String, &str),
) -> Markup {
    let id = format!("{}-{}", label.to_lowercase(), repo.id);
    if actions.contains(perm) {
        html! { button id=(id) class=(class) data-method=(method) data-url=(url) { (label) } }
    } else {
        let why = why_not(actor, perm, repo);
        html! {
            button id=(id) class=(class) data-method=(method) data-url=(url) disabled title=(why) { (label) }
            span class="why" id={ "why-" (id) } { (why) }
        }
    }
}

/// `GET /home`: the caller's repos with their action buttons.
pub async fn home(
    State(app): State<App>,
    authorizer: crate::auth::AsUser,
) -> Result<Response, AppError> {
    let actor = authorizer.into_arc();
    let loaded = actor.clone();
    let rows: Vec<(Repo, PermittedActions<Repo>)> = with_conn!(app.db, |conn| {
        let authz = Authz::new(&*loaded);
        Ok(repos::table
            .authorized(&authz, Repo::Read)
            .order(repos::id)
            .limit(100)
            .select((Repo::as_select(), authz.permission_bits::<Repo, _>()))
            .load(conn)?)
    })?;
    let guest = actor.id == 0;
    use crate::model::RepoPermission::{Delete, Push};
    let body = html! {
        h1 { "Repositories" }
        p class="who" id="who" {
            @if guest {
                "Browsing as a guest: public repos only. " a href="/login" { "Sign in" }
            } @else {
                "Signed in as " b { (actor.name) } " (user " (actor.id) ")."
            }
        }
        table id="repos" {
            thead { tr { th { "Repo" } th { "Visibility" } th { "Description" } th { "Push" } th { "Delete" } } }
            tbody {
                @for (repo, bits) in &rows {
                    @let actions = bits.into_set();
                    @let readable = FieldSet::<Repo>::readable_given(actions);
                    tr id={ "repo-" (repo.id) } {
                        td { b { (repo.name) } }
                        td { @if repo.is_public { "public" } @else { "private" } }
                        td {
                            @if readable.contains(RepoField::Description) {
                                span class="description" { (repo.description) }
                            } @else {
                                span class="redacted" title=(why_not(&actor, Push, repo)) { "hidden: needs Push" }
                            }
                        }
                        td { (button(&actor, repo, actions, (Push, "Push", "POST", format!("/repos/{}/push", repo.id), ""))) }
                        td { (button(&actor, repo, actions, (Delete, "Delete", "DELETE", format!("/repos/{}", repo.id), "danger"))) }
                    }
                }
            }
        }
        output id="result" {}
    };
    Ok(page("Repositories", body))
}

/// `GET /home/app.js`.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// `GET /login`: a form to paste a token.
pub async fn login_form() -> Response {
    page(
        "Sign in",
        html! {
            h1 { "Sign in" }
            p { "Paste a token (" code { "authz-example-service token USER_ID" } ")." }
            form method="post" action="/login" {
                textarea name="token" id="token" rows="4" cols="80" {}
                p { button id="sign-in" type="submit" { "Sign in" } }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct Login {
    token: String,
}

/// `POST /login`: verifies the token and sets it as the session cookie, then back to `/home`.
/// A token that does not verify is refused (401) and sets nothing.
pub async fn login(State(app): State<App>, Form(login): Form<Login>) -> Result<Response, AppError> {
    let token = login.token.trim();
    app.keys.verify(token)?;
    // A JWT is base64url and dots: nothing to quote in a cookie.
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(AppError::Unauthorized("malformed token"));
    }
    let cookie = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
    let cookie =
        HeaderValue::from_str(&cookie).map_err(|_| AppError::Unauthorized("malformed token"))?;
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/home")]).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}
