//! The whole authz pipeline in one HTTP service, on the code-hosting model of [`model`]:
//!
//! 1. **authentication** (`auth`): a JWT (HS256) is verified — signature, algorithm, `exp`,
//!    `nbf`, revocation — or the request ends with 401; nothing from an unverified token is
//!    used; a request without a token is a guest;
//! 2. **the principal** (`authz_axum::Authorizer<auth::Principal>`, `auth::AsUser` on the
//!    user routes): the subject of the verified token — a user with its roles and photo
//!    grants, or a service with its dataset grants — loaded once per request
//!    (`auth::ServiceAuth`);
//! 3. **request level** (`api::rules`, `authz_axum::RequestPolicy`): every route's rule
//!    (public, authenticated, a scope such as `repos:write`), declared in one place and checked
//!    before any handler runs (401/403);
//! 4. **resource level** (`api`): `authorize`, `authorize_by_id`, `#[requires]` — 404 when the
//!    actor may not even read the resource, 403 when it may read but not act;
//! 5. **query level**: `GET /repos` is `repos::table.authorized(&Authz::new(&actor), Repo::Read)`, paginated,
//!    with a total `count()`;
//! 6. **client level**: the actions each row permits, for a UI to show or hide buttons.
//!
//! Beside the code-hosting model, two more: geolocated photos visible through grants stored
//! as data ([`photos`]), and datasets read by service principals ([`datasets`]).
//!
//! The database is an embedded SQLite by default and PostgreSQL when a URL is given; handlers
//! are written once and compiled for both through [`with_conn!`].
#![forbid(unsafe_code)]

use std::net::SocketAddr;

use axum::serve::ListenerExt;
use std::sync::Arc;

/// Runs `$body` on tokio's blocking pool with `$conn` bound to a `&mut` connection of whichever
/// backend the service runs on. The body is the same source for every backend and is compiled
/// once per backend: no trait objects, no duplicated handlers. It returns
/// `Result<T, AppError>`; the macro evaluates to the same, to be `?`-ed by the handler.
///
/// ```text
/// let names: Vec<String> = with_conn!(app.db, |conn| {
///     Ok(repos::table.authorized(&Authz::new(&actor), Repo::Read).select(repos::name).load(conn)?)
/// })?;
/// ```
macro_rules! with_conn {
    ($db:expr, |$conn:ident| $body:expr) => {{
        let db: $crate::db::Db = ::core::clone::Clone::clone(&$db);
        match db.turn().await {
            ::core::result::Result::Err(err) => ::core::result::Result::Err(err),
            ::core::result::Result::Ok(turn) => {
                $crate::db::blocking(move || {
                    // The turn is held until the connection is back in the pool.
                    let _turn = turn;
                    match &db {
                        $crate::db::Db::Sqlite(pool, _) => {
                            let mut guard = $crate::db::checkout(pool)?;
                            let $conn = &mut *guard;
                            $body
                        }
                        #[cfg(feature = "postgres")]
                        $crate::db::Db::Postgres(pool, _) => {
                            let mut guard = $crate::db::checkout(pool)?;
                            let $conn = &mut *guard;
                            $body
                        }
                    }
                })
                .await
            }
        }
    }};
}

pub mod api;
pub mod auth;
pub mod cache;
pub mod client;
pub mod datasets;
pub mod db;
pub mod demo;
pub mod error;
pub mod gateway;
pub mod model;
pub mod page;
pub mod photos;

pub use auth::Keys;
pub use db::Db;
pub use error::AppError;

/// What a handler reaches: the database, the token keys, and the principal cache when the
/// service runs with one.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub keys: Arc<Keys>,
    /// Principals cached across requests (`None`: loaded on every request).
    pub principals: Option<Arc<cache::PrincipalCache>>,
}

/// A server running on its own tokio runtime; dropping it stops it.
pub struct Server {
    /// The bound address (an ephemeral port when started on port 0).
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    /// Binds `bind` (`127.0.0.1:0` for an ephemeral port) and serves [`api::router`] in the
    /// background.
    pub fn start(app: App, bind: &str) -> std::io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_io()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(bind))?;
        let addr = listener.local_addr()?;
        // Answers leave at once, not after the client's delayed ACK (Nagle).
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = runtime.spawn(async move { axum::serve(listener, api::router(app)).await });
        Ok(Server {
            addr,
            task,
            runtime: Some(runtime),
        })
    }

    /// Serves until the server fails (or the process is stopped).
    pub fn wait(mut self) -> std::io::Result<()> {
        let Some(runtime) = self.runtime.take() else {
            return Ok(());
        };
        let result = runtime.block_on(&mut self.task);
        runtime.shutdown_background();
        result.map_err(std::io::Error::other)?
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
