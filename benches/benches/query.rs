//! List queries over 100,000 repositories, on SQLite (in memory, bundled) and PostgreSQL:
//!
//! - `generated`: `table.filter(Authz::new(&actor).permitted(Repo::Read))` (the derived filter);
//! - `hand`: the same predicate written by hand in diesel;
//! - `in_memory`: every row loaded, then filtered with `is_allowed`.
//!
//! Each is measured for one page (`ORDER BY id LIMIT 50`) and for the unpaginated `count()`.
//!
//! PostgreSQL: `AUTHZ_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`). The
//! table `authz_bench_repos` is created at the start of the run and dropped at the end; when
//! the server cannot be reached the PostgreSQL half is skipped with a message.

use authz_diesel::prelude::*;
use std::time::Duration;

use authz_benches::{authz_bench_repos as t, gen_repo, Repo, Rng, Spread, User};
use authz_core::prelude::*;
use criterion::{black_box, Criterion, SamplingMode};
use diesel::prelude::*;

/// Rows in the table.
const ROWS: i64 = 100_000;
/// Rows per page.
const PAGE: i64 = 50;
/// Rows per `INSERT` (7 binds each: well under SQLite's 32766 and PostgreSQL's 65535).
const CHUNK: usize = 2_000;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// 1,000 owners, 200 organisations, 3% public: the actor below sees about 3.5% of the rows
/// (public ones, ~100 of their own, ~300 of their organisation).
fn spread() -> Spread {
    Spread {
        owners: 1_000,
        orgs: 200,
        in_org_pct: 60,
        public_pct: 3,
        archived_pct: 10,
    }
}

fn actor() -> User {
    User {
        id: 42,
        org_id: Some(7),
        is_admin: false,
        can_write: true,
        clearance: Some(3),
    }
}

fn rows() -> Vec<Repo> {
    let mut rng = Rng::new(0xda7a);
    (1..=ROWS)
        .map(|id| gen_repo(&mut rng, id, spread()))
        .collect()
}

/// Creates, fills and analyses the table; `$ddl` is the backend's `CREATE TABLE`.
macro_rules! fill {
    ($conn:expr, $ddl:expr) => {{
        let conn = $conn;
        diesel::sql_query("DROP TABLE IF EXISTS authz_bench_repos").execute(conn)?;
        diesel::sql_query($ddl).execute(conn)?;
        diesel::sql_query(
            "CREATE INDEX authz_bench_repos_owner_id ON authz_bench_repos (owner_id)",
        )
        .execute(conn)?;
        let rows = rows();
        conn.transaction(|conn| {
            for chunk in rows.chunks(CHUNK) {
                diesel::insert_into(t::table).values(chunk).execute(conn)?;
            }
            QueryResult::Ok(())
        })?;
        diesel::sql_query("ANALYZE").execute(conn)?;
        QueryResult::Ok(rows)
    }};
}

/// The benchmark groups of one backend. A macro rather than a generic function: the bounds
/// of a backend-generic diesel query would be longer than the body.
macro_rules! run {
    ($c:expr, $backend:literal, $db:ty, $conn:expr, $rows:expr) => {{
        let c: &mut Criterion = $c;
        let conn = $conn;
        let rows: &[Repo] = $rows;
        let actor = actor();
        let a = &actor;

        let generated_page = |conn: &mut _| {
            t::table
                .filter(Authz::new(a).permitted(Repo::Read))
                .order(t::id)
                .limit(PAGE)
                .select(Repo::as_select())
                .load::<Repo>(conn)
        };
        let hand_page = |conn: &mut _| {
            t::table
                .filter(
                    t::is_public
                        .or(t::owner_id.eq(a.id))
                        .or(t::org_id.eq(a.org_id)),
                )
                .order(t::id)
                .limit(PAGE)
                .select(Repo::as_select())
                .load::<Repo>(conn)
        };
        let memory_page = |conn: &mut _| {
            let all = t::table
                .order(t::id)
                .select(Repo::as_select())
                .load::<Repo>(conn)?;
            QueryResult::Ok(
                all.into_iter()
                    .filter(|r| is_allowed(a, Repo::Read, r))
                    .take(PAGE as usize)
                    .collect::<Vec<_>>(),
            )
        };
        let generated_count = |conn: &mut _| {
            t::table
                .filter(Authz::new(a).permitted(Repo::Read))
                .count()
                .get_result::<i64>(conn)
        };
        let hand_count = |conn: &mut _| {
            t::table
                .filter(
                    t::is_public
                        .or(t::owner_id.eq(a.id))
                        .or(t::org_id.eq(a.org_id)),
                )
                .count()
                .get_result::<i64>(conn)
        };
        let memory_count = |conn: &mut _| {
            let all = t::table.select(Repo::as_select()).load::<Repo>(conn)?;
            QueryResult::Ok(all.iter().filter(|r| is_allowed(a, Repo::Read, r)).count() as i64)
        };

        // The generated and the hand-written SQL.
        eprintln!(
            "{} generated: {}",
            $backend,
            diesel::debug_query::<$db, _>(
                &t::table
                    .filter(Authz::new(a).permitted(Repo::Read))
                    .order(t::id)
                    .limit(PAGE)
            )
        );
        eprintln!(
            "{} hand:      {}",
            $backend,
            diesel::debug_query::<$db, _>(
                &t::table
                    .filter(
                        t::is_public
                            .or(t::owner_id.eq(a.id))
                            .or(t::org_id.eq(a.org_id))
                    )
                    .order(t::id)
                    .limit(PAGE)
            )
        );

        // The three ways agree with each other and with the data.
        let expected: Vec<&Repo> = rows
            .iter()
            .filter(|r| is_allowed(a, Repo::Read, r))
            .collect();
        let page: Vec<Repo> = expected
            .iter()
            .take(PAGE as usize)
            .map(|r| (*r).clone())
            .collect();
        assert_eq!(generated_page(conn)?, page);
        assert_eq!(hand_page(conn)?, page);
        assert_eq!(memory_page(conn)?, page);
        for count in [
            generated_count(conn)?,
            hand_count(conn)?,
            memory_count(conn)?,
        ] {
            assert_eq!(count, expected.len() as i64);
        }
        eprintln!(
            "{}: {} rows, {} visible to actor {} ({:.1}%)",
            $backend,
            rows.len(),
            expected.len(),
            a.id,
            100.0 * expected.len() as f64 / rows.len() as f64
        );

        let mut g = c.benchmark_group(concat!($backend, "/page"));
        g.sampling_mode(SamplingMode::Flat);
        g.bench_function("generated", |b| {
            b.iter(|| generated_page(black_box(&mut *conn)).unwrap())
        });
        g.bench_function("hand", |b| {
            b.iter(|| hand_page(black_box(&mut *conn)).unwrap())
        });
        g.bench_function("in_memory", |b| {
            b.iter(|| memory_page(black_box(&mut *conn)).unwrap())
        });
        g.finish();

        let mut g = c.benchmark_group(concat!($backend, "/count"));
        g.sampling_mode(SamplingMode::Flat);
        g.bench_function("generated", |b| {
            b.iter(|| generated_count(black_box(&mut *conn)).unwrap())
        });
        g.bench_function("hand", |b| {
            b.iter(|| hand_count(black_box(&mut *conn)).unwrap())
        });
        g.bench_function("in_memory", |b| {
            b.iter(|| memory_count(black_box(&mut *conn)).unwrap())
        });
        g.finish();

        // One row by primary key: the query is cheap, so what the filter itself costs (boxing,
        // SQL built per execution, statement cache looked up by SQL text) shows.
        let ids: Vec<i64> = (0..64).map(|i| 1 + i * (ROWS / 64)).collect();
        let mut g = c.benchmark_group(concat!($backend, "/by_id"));
        g.sampling_mode(SamplingMode::Flat);
        g.throughput(criterion::Throughput::Elements(ids.len() as u64));
        g.bench_function("generated", |b| {
            b.iter(|| {
                for id in black_box(&ids) {
                    t::table
                        .filter(t::id.eq(id))
                        .filter(Authz::new(a).permitted(Repo::Read))
                        .select(Repo::as_select())
                        .first::<Repo>(&mut *conn)
                        .optional()
                        .unwrap();
                }
            })
        });
        g.bench_function("hand", |b| {
            b.iter(|| {
                for id in black_box(&ids) {
                    t::table
                        .filter(t::id.eq(id))
                        .filter(
                            t::is_public
                                .or(t::owner_id.eq(a.id))
                                .or(t::org_id.eq(a.org_id)),
                        )
                        .select(Repo::as_select())
                        .first::<Repo>(&mut *conn)
                        .optional()
                        .unwrap();
                }
            })
        });
        g.finish();
        QueryResult::Ok(())
    }};
}

fn sqlite(c: &mut Criterion) -> QueryResult<()> {
    let mut conn = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
    let rows = fill!(
        &mut conn,
        "CREATE TABLE authz_bench_repos (id INTEGER PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL, \
         org_id BIGINT, is_public BOOLEAN NOT NULL, archived BOOLEAN NOT NULL, \
         visibility INTEGER, kind TEXT NOT NULL)"
    )?;
    run!(c, "sqlite", diesel::sqlite::Sqlite, &mut conn, &rows)
}

fn postgres(c: &mut Criterion) -> QueryResult<()> {
    let url = std::env::var("AUTHZ_BENCH_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    let conn = match PgConnection::establish(&url) {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("postgres: skipped, cannot connect to {url}: {e}");
            return Ok(());
        }
    };
    // Drops the table even when a benchmark panics.
    struct Table(PgConnection);
    impl Drop for Table {
        fn drop(&mut self) {
            if let Err(e) =
                diesel::sql_query("DROP TABLE IF EXISTS authz_bench_repos").execute(&mut self.0)
            {
                eprintln!("postgres: could not drop authz_bench_repos: {e}");
            }
        }
    }
    let mut table = Table(conn);
    let rows = fill!(
        &mut table.0,
        "CREATE TABLE authz_bench_repos (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL, \
         org_id BIGINT, is_public BOOLEAN NOT NULL, archived BOOLEAN NOT NULL, \
         visibility INTEGER, kind TEXT NOT NULL)"
    )?;
    run!(c, "postgres", diesel::pg::Pg, &mut table.0, &rows)
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    sqlite(&mut c).expect("sqlite benchmark");
    postgres(&mut c).expect("postgres benchmark");
    c.final_summary();
}
