//! The two databases behind one type: an embedded SQLite (the default, in memory, created and
//! seeded at start) or PostgreSQL (`DATABASE_URL=postgres://..`, in a dedicated schema).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};

use crate::error::AppError;
use crate::model::{SCHEMA, SEED};

/// A startup failure (bad URL, unreachable server, schema creation).
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// Connections to PostgreSQL, when none is given (`AUTHZ_PG_POOL`).
pub const DEFAULT_PG_POOL: u32 = 16;

/// The service's database: which backend, and its pool of connections (r2d2). Diesel is
/// synchronous: handlers use a connection on tokio's blocking pool ([`blocking`]), never on
/// the async workers.
#[derive(Clone)]
pub enum Db {
    /// Embedded SQLite: one connection (an in-memory database lives in its connection, and
    /// SQLite serialises writers anyway).
    Sqlite(Pool<ConnectionManager<SqliteConnection>>, Gate),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(Pool<ConnectionManager<PgConnection>>, Gate),
}

/// As many turns as the pool has connections, handed out in arrival order ([`Db::turn`]).
#[derive(Clone)]
pub struct Gate(Arc<tokio::sync::Semaphore>);

impl Gate {
    fn new(connections: usize) -> Gate {
        Gate(Arc::new(tokio::sync::Semaphore::new(connections)))
    }
}

/// A pooled connection, or 500 when none comes free in time.
pub fn checkout<C>(
    pool: &Pool<ConnectionManager<C>>,
) -> Result<PooledConnection<ConnectionManager<C>>, AppError>
where
    C: diesel::r2d2::R2D2Connection + 'static,
{
    pool.get()
        .map_err(|err| AppError::Internal(format!("no database connection: {err}")))
}

/// Sets `search_path` on every new PostgreSQL connection.
#[cfg(feature = "postgres")]
#[derive(Debug)]
struct SearchPath(String);

#[cfg(feature = "postgres")]
impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SearchPath {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        // The name is checked by `is_identifier`: nothing to escape.
        conn.batch_execute(&format!("SET search_path TO {}", self.0))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Db {
    /// PostgreSQL when `database_url` is given (`postgres://..`), else an in-memory SQLite.
    /// Creates the schema and (re)writes the seed rows either way.
    pub fn connect(database_url: Option<&str>, pg_schema: &str) -> Result<Db, StartError> {
        match database_url {
            None => Db::sqlite_in_memory(),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Db::postgres(url, pg_schema)
            }
            Some(url) if url.starts_with("sqlite:") || url.ends_with(".db") => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                Db::sqlite(path)
            }
            Some(url) => Err(format!(
                "unsupported DATABASE_URL `{url}`: use postgres://.. or sqlite:PATH"
            )
            .into()),
        }
    }

    /// A fresh in-memory SQLite database with the schema and the seed rows.
    pub fn sqlite_in_memory() -> Result<Db, StartError> {
        Db::sqlite(":memory:")
    }

    fn sqlite(path: &str) -> Result<Db, StartError> {
        // Each in-memory database is private to its connection: give it a name of its own
        // (shared cache) so that a connection the pool replaces sees the same data.
        static MEMORY: AtomicUsize = AtomicUsize::new(0);
        let url = if path == ":memory:" {
            format!(
                "file:authz-example-{}-{}?mode=memory&cache=shared",
                std::process::id(),
                MEMORY.fetch_add(1, Ordering::Relaxed)
            )
        } else {
            path.to_owned()
        };
        let pool = Pool::builder()
            .max_size(1)
            .min_idle(Some(1))
            .idle_timeout(None)
            .max_lifetime(None)
            .build(ConnectionManager::<SqliteConnection>::new(url))?;
        setup(&mut *pool.get()?)?;
        Ok(Db::Sqlite(pool, Gate::new(1)))
    }

    /// A pool of `AUTHZ_PG_POOL` (default [`DEFAULT_PG_POOL`]) connections to PostgreSQL
    /// whose `search_path` is `schema` (created if missing, so the service never touches
    /// tables outside it), with the schema and the seed rows.
    #[cfg(feature = "postgres")]
    pub fn postgres(url: &str, schema: &str) -> Result<Db, StartError> {
        if !is_identifier(schema) {
            return Err(format!("invalid schema name `{schema}`: use [a-z_][a-z0-9_]*").into());
        }
        let size = match std::env::var("AUTHZ_PG_POOL") {
            Ok(n) => n
                .parse()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .ok_or_else(|| format!("AUTHZ_PG_POOL must be in 1..=256, got `{n}`"))?,
            Err(_) => DEFAULT_PG_POOL,
        };
        PgConnection::establish(url)?
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))?;
        let pool = Pool::builder()
            .max_size(size)
            .connection_timeout(std::time::Duration::from_secs(10))
            .connection_customizer(Box::new(SearchPath(schema.to_owned())))
            .build(ConnectionManager::<PgConnection>::new(url))?;
        setup(&mut *pool.get()?)?;
        Ok(Db::Postgres(pool, Gate::new(size as usize)))
    }

    #[cfg(not(feature = "postgres"))]
    pub fn postgres(_url: &str, _schema: &str) -> Result<Db, StartError> {
        Err("this build has no PostgreSQL support: enable the `postgres` feature".into())
    }

    /// Waits, first come first served, until a connection is free: requests queue here, on
    /// the async side, rather than as blocked threads inside the pool, whose wake-ups are in
    /// no order (under 64 concurrent requests that unfairness alone made p99 8x p50).
    pub async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        let gate = match self {
            Db::Sqlite(_, gate) => gate,
            #[cfg(feature = "postgres")]
            Db::Postgres(_, gate) => gate,
        };
        gate.0
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::Internal("database gate closed".to_owned()))
    }

    /// Runs SQL statements outside any request (administration, tests).
    pub fn batch_execute(&self, sql: &str) -> Result<(), AppError> {
        match self {
            Db::Sqlite(pool, _) => Ok(checkout(pool)?.batch_execute(sql)?),
            #[cfg(feature = "postgres")]
            Db::Postgres(pool, _) => Ok(checkout(pool)?.batch_execute(sql)?),
        }
    }

    /// `"SQLite (in memory)"` or `"PostgreSQL"`.
    pub fn describe(&self) -> &'static str {
        match self {
            Db::Sqlite(..) => "SQLite (embedded)",
            #[cfg(feature = "postgres")]
            Db::Postgres(..) => "PostgreSQL",
        }
    }
}

/// Whether `name` is a plain lower-case SQL identifier (safe to write into a statement).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

/// Creates the tables if missing, adds the columns of later versions to tables an earlier
/// version created, and upserts the seed rows; idempotent.
pub fn setup<C: Connection>(conn: &mut C) -> QueryResult<()> {
    let statements = |sql: &'static str| sql.split(';').map(str::trim).filter(|s| !s.is_empty());
    for stmt in statements(SCHEMA) {
        conn.batch_execute(stmt)?;
    }
    // `repos.description` came later; neither backend has one `ADD COLUMN IF NOT EXISTS`.
    if conn
        .batch_execute("SELECT description FROM repos WHERE 1 = 0")
        .is_err()
    {
        conn.batch_execute("ALTER TABLE repos ADD COLUMN description TEXT NOT NULL DEFAULT ''")?;
    }
    for stmt in statements(crate::photos::SCHEMA).chain(statements(crate::datasets::SCHEMA)) {
        conn.batch_execute(stmt)?;
    }
    for stmt in statements(SEED)
        .chain(statements(crate::photos::SEED))
        .chain(statements(crate::datasets::SEED))
    {
        conn.batch_execute(stmt)?;
    }
    conn.batch_execute(&crate::photos::seed_photos_sql())?;
    Ok(())
}

/// Runs `f` (which uses a connection) on tokio's blocking pool.
pub async fn blocking<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|err| AppError::Internal(format!("database task failed: {err}")))?
}
