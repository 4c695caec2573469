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
            announce_skip(&format!(
                "skipping PostgreSQL: cannot connect to {url} ({err}); set AUTHZ_PG_URL to run these tests"
            ));
            None
        }
    }
}

#[cfg(feature = "postgres")]
fn pg_required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var_os("AUTHZ_REQUIRE_PG").is_some_and(|v| !v.is_empty())
}

/// Says once per test binary that a backend is skipped, on the real standard error: the test
/// harness captures `eprintln!` of passing tests, and a skip must not go unnoticed.
pub fn announce_skip(message: &str) {
    use std::io::Write;
    use std::sync::Mutex;
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let backend = message.split(':').next().unwrap_or(message).to_owned();
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.contains(&backend) {
        said.push(backend);
        let _ = writeln!(std::io::stderr(), "{message}");
    }
}

/// How many random worlds a differential test checks per backend: `AUTHZ_DIFF_CASES`, or
/// the test's default. The defaults keep the README's test command short on a laptop; CI sets
/// `AUTHZ_DIFF_CASES=256` (`.ci/run`), and `AUTHZ_DIFF_CASES=2000` is the long run.
pub fn differential_cases(default: u32) -> u32 {
    std::env::var("AUTHZ_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Checks `strategy`'s random worlds on SQLite and, when reachable, PostgreSQL: each schema is
/// created once, then every world goes to `on_sqlite` and `on_pg`, which fill the tables and
/// compare the decisions. `default_cases` worlds unless `AUTHZ_DIFF_CASES` says otherwise.
#[cfg(all(feature = "sqlite", feature = "postgres"))]
pub fn differential<S: proptest::strategy::Strategy>(
    default_cases: u32,
    schemas: (&str, &str),
    strategy: S,
    on_sqlite: impl Fn(
        &mut SqliteConnection,
        &S::Value,
    ) -> Result<(), proptest::test_runner::TestCaseError>,
    on_pg: impl Fn(&mut PgConnection, &S::Value) -> Result<(), proptest::test_runner::TestCaseError>,
) {
    use proptest::test_runner::{Config, TestRunner};
    use std::cell::RefCell;
    let mut lite = sqlite();
    execute_script(&mut lite, schemas.0).expect("SQLite schema");
    let mut pg = postgres();
    if let Some(pg) = pg.as_mut() {
        execute_script(pg, schemas.1).expect("PostgreSQL schema");
    }
    let (lite, pg) = (RefCell::new(lite), RefCell::new(pg));
    let mut runner = TestRunner::new(Config {
        cases: differential_cases(default_cases),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |w| {
            on_sqlite(&mut lite.borrow_mut(), &w)?;
            if let Some(pg) = pg.borrow_mut().as_mut() {
                on_pg(pg, &w)?;
            }
            Ok(())
        })
        .unwrap();
}

/// Runs each `;`-separated statement of `sql` (schema set-up).
pub fn execute_script<C: Connection>(conn: &mut C, sql: &str) -> QueryResult<()> {
    for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        conn.batch_execute(stmt)?;
    }
    Ok(())
}

/// The code-hosting model, declared once for the tests, the benchmarks and the example.
pub use authz_fixtures::hosting;

/// A MySQL/MariaDB database of its own (MySQL commits DDL implicitly, so tests cannot hide
/// their tables in a transaction): created on a server at `AUTHZ_MYSQL_URL` (default
/// `mysql://root@127.0.0.1:3306/test`), dropped when the guard drops. `None` with a printed
/// reason when the server is unreachable, unless `CI` or `AUTHZ_REQUIRE_MYSQL` is set.
#[cfg(feature = "mysql")]
pub fn mysql() -> Option<MysqlDatabase> {
    use diesel::connection::SimpleConnection;
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let url = std::env::var("AUTHZ_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    let mut admin = match MysqlConnection::establish(&url) {
        Ok(conn) => conn,
        Err(err)
            if std::env::var_os("CI").is_some_and(|v| !v.is_empty())
                || std::env::var_os("AUTHZ_REQUIRE_MYSQL").is_some() =>
        {
            panic!("MySQL required but unreachable at {url}: {err}")
        }
        Err(err) => {
            announce_skip(&format!(
                "skipping MySQL: cannot connect to {url} ({err}); set AUTHZ_MYSQL_URL to run these tests"
            ));
            return None;
        }
    };
    let name = format!(
        "authz_t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create test database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    let conn =
        MysqlConnection::establish(&format!("{base}/{name}")).expect("connect to test database");
    Some(MysqlDatabase { conn, admin, name })
}

/// A throwaway MySQL database; see [`mysql`].
#[cfg(feature = "mysql")]
pub struct MysqlDatabase {
    /// A connection to the database.
    pub conn: MysqlConnection,
    admin: MysqlConnection,
    name: String,
}

#[cfg(feature = "mysql")]
impl Drop for MysqlDatabase {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        let _ = self
            .admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {}", self.name));
    }
}

/// Inside a differential check: for every permission of resource `$ty` over `$rows` (stored in
/// `$table`), the list, `count()`, the decision by id and the permission bits agree with the
/// in-memory check of `$authz`. `$db` maps a diesel error to a test failure.
#[macro_export]
macro_rules! agree {
    ($conn:ident, $authz:ident, $backend:ident, $db:ident, $ty:ty, $table:ident, $rows:expr) => {
        for p in <$ty as Resource>::Permission::ALL {
            let expected: Vec<i64> = $rows
                .iter()
                .filter(|r| $authz.is_allowed(p, *r))
                .map(|r| r.id)
                .collect();
            let got: Vec<i64> = $table::table
                .authorized(&$authz, p)
                .select($table::id)
                .order($table::id)
                .load($conn)
                .map_err($db)?;
            prop_assert_eq!(&got, &expected, "{}: list of {}", $backend, p);
            let count: i64 = $table::table
                .authorized(&$authz, p)
                .count()
                .get_result($conn)
                .map_err($db)?;
            prop_assert_eq!(
                count as usize,
                expected.len(),
                "{}: count of {}",
                $backend,
                p
            );
            for r in $rows.iter() {
                // A database error fails the case; it is no refusal.
                let allowed = match $authz.authorize_by_id($conn, p, &r.id) {
                    Ok(()) => true,
                    Err(::authz_diesel::Error::Denied(_)) => false,
                    Err(::authz_diesel::Error::Database(e)) => return Err($db(e)),
                };
                prop_assert_eq!(
                    allowed,
                    expected.contains(&r.id),
                    "{}: by id {} {}",
                    $backend,
                    p,
                    r.id
                );
            }
        }
        let bits: Vec<(i64, i64)> = $table::table
            .select(($table::id, $authz.permission_bits::<$ty, _>()))
            .order($table::id)
            .load($conn)
            .map_err($db)?;
        prop_assert_eq!(bits.len(), $rows.len(), "{}: bits of every row", $backend);
        for ((id, got), r) in bits.iter().zip($rows.iter()) {
            prop_assert_eq!(*id, r.id);
            prop_assert_eq!(
                PermissionSet::<$ty>::from_bits(*got as u64),
                $authz.actions(r),
                "{}: bits of {}",
                $backend,
                r.id
            );
        }
    };
}
