//! Shared fixtures of the authz test suite: database connections with one policy for every
//! test.
//!
//! - SQLite is embedded (compiled in): always available, one in-memory database per test.
//! - PostgreSQL is reached at `AUTHZ_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//!   When it cannot be reached, tests skip it with a printed reason, unless `CI` or
//!   `AUTHZ_REQUIRE_PG` is set: then they fail, so CI never passes without having run them.
//!   Each connection runs inside a test transaction that is rolled back, so tests may create
//!   tables freely and run in parallel.
#![forbid(unsafe_code)]

use diesel::prelude::*;

/// The default PostgreSQL URL of the test suite.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh in-memory SQLite database.
#[cfg(feature = "sqlite")]
pub fn sqlite() -> SqliteConnection {
    SqliteConnection::establish(":memory:").expect("in-memory SQLite always opens")
}

/// A PostgreSQL connection inside a test transaction, or `None` (with a printed reason) when
/// the server is unreachable and neither `CI` nor `AUTHZ_REQUIRE_PG` is set.
#[cfg(feature = "postgres")]
pub fn postgres() -> Option<PgConnection> {
    let url = std::env::var("AUTHZ_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    match PgConnection::establish(&url) {
        Ok(mut conn) => {
            conn.begin_test_transaction()
                .expect("test transaction starts");
            Some(conn)
        }
        Err(err) if pg_required() => {
            panic!("PostgreSQL required (CI or AUTHZ_REQUIRE_PG is set) but unreachable at {url}: {err}")
        }
        Err(err) => {
            eprintln!("skipping PostgreSQL: cannot connect to {url} ({err}); set AUTHZ_PG_URL to run these tests");
            None
        }
    }
}

#[cfg(feature = "postgres")]
fn pg_required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var_os("AUTHZ_REQUIRE_PG").is_some_and(|v| !v.is_empty())
}

/// Runs each `;`-separated statement of `sql` (schema set-up).
pub fn execute_script<C: Connection>(conn: &mut C, sql: &str) -> QueryResult<()> {
    for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        conn.batch_execute(stmt)?;
    }
    Ok(())
}

pub mod hosting;
