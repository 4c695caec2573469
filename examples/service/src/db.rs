//! The two databases behind one type: an embedded SQLite (the default, in memory, created and
//! seeded at start) or PostgreSQL (`DATABASE_URL=postgres://..`, in a dedicated schema).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::error::AppError;
use crate::model::{SCHEMA, SEED};

/// A startup failure (bad URL, unreachable server, schema creation).
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// A fixed set of connections, each behind a mutex. Diesel is synchronous: handlers use a
/// connection on tokio's blocking pool ([`blocking`]), never on the async workers.
pub struct Pool<C> {
    conns: Vec<Mutex<C>>,
    next: AtomicUsize,
}

impl<C> Pool<C> {
    /// A pool of these connections (at least one).
    pub fn new(conns: Vec<C>) -> Self {
        assert!(!conns.is_empty(), "a pool needs at least one connection");
        Pool {
            conns: conns.into_iter().map(Mutex::new).collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// A free connection, or waits for one.
    pub fn get(&self) -> MutexGuard<'_, C> {
        for conn in &self.conns {
            match conn.try_lock() {
                Ok(guard) => return guard,
                // Handlers do not panic while holding a connection; should one, the connection
                // is reused as it is rather than lost.
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len();
        self.conns[i].lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The service's database: which backend, and its connections.
#[derive(Clone)]
pub enum Db {
    /// Embedded SQLite (one in-memory database, so one connection).
    Sqlite(Arc<Pool<SqliteConnection>>),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(Arc<Pool<PgConnection>>),
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
        let mut conn = SqliteConnection::establish(path)?;
        setup(&mut conn)?;
        Ok(Db::Sqlite(Arc::new(Pool::new(vec![conn]))))
    }

    /// `size` connections to PostgreSQL whose `search_path` is `schema` (created if missing,
    /// so the service never touches tables outside it), with the schema and the seed rows.
    #[cfg(feature = "postgres")]
    pub fn postgres(url: &str, schema: &str) -> Result<Db, StartError> {
        const SIZE: usize = 4;
        if !is_identifier(schema) {
            return Err(format!("invalid schema name `{schema}`: use [a-z_][a-z0-9_]*").into());
        }
        let mut conns = Vec::with_capacity(SIZE);
        for i in 0..SIZE {
            let mut conn = PgConnection::establish(url)?;
            if i == 0 {
                conn.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))?;
            }
            // `schema` is checked above: an identifier, nothing to escape.
            conn.batch_execute(&format!("SET search_path TO {schema}"))?;
            if i == 0 {
                setup(&mut conn)?;
            }
            conns.push(conn);
        }
        Ok(Db::Postgres(Arc::new(Pool::new(conns))))
    }

    #[cfg(not(feature = "postgres"))]
    pub fn postgres(_url: &str, _schema: &str) -> Result<Db, StartError> {
        Err("this build has no PostgreSQL support: enable the `postgres` feature".into())
    }

    /// `"SQLite (in memory)"` or `"PostgreSQL"`.
    pub fn describe(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "SQLite (embedded)",
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => "PostgreSQL",
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

/// Creates the tables if missing and upserts the seed rows; idempotent.
pub fn setup<C: Connection>(conn: &mut C) -> QueryResult<()> {
    for stmt in SCHEMA
        .split(';')
        .chain(SEED.split(';'))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        conn.batch_execute(stmt)?;
    }
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
