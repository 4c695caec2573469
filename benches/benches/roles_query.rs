//! The authorized list of repos on PostgreSQL with 100,000 repos, 1,000,000 repo role rows and
//! 20,000 org role rows (2,000 orgs), for the code-hosting model of `authz_benches::hosting`:
//!
//! - `generated`: `repos::table.authorized(&Authz::new(&actor), Repo::Read)` (the derived
//!   filter: public, or a stored repo role implying Reader, or a derived one through an org
//!   role);
//! - `hand`: the same meaning written by hand in the diesel DSL:
//!   `is_public OR id IN (repo roles of the actor) OR org_id IN (org roles of the actor)`.
//!
//! Each for one page (`ORDER BY id LIMIT 50`) and the unpaginated `count()`. The plans of both
//! (`EXPLAIN ANALYZE`) are printed before timing.
//!
//! PostgreSQL: `AUTHZ_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`). The
//! model's tables (`SCHEMA` of `authz_fixtures::hosting`: `orgs`, `repos`, `org_roles`,
//! `repo_roles`, ..) are created in a schema of their own, `authz_bench`, first on the
//! connection's `search_path`, so that they never meet other tables of a shared database;
//! they are filled with `INSERT .. SELECT generate_series` at the start and the schema is
//! dropped at the end (also on panic). When the server cannot be reached the bench prints a
//! message and does nothing.

mod support;
use std::time::Instant;

use authz_benches::hosting::{org_roles, repo_roles, repos, Org, Repo, User, SCHEMA};
use authz_benches::pg::{bench_schema, Explain};
use authz_core::prelude::*;
use authz_diesel::prelude::*;
use criterion::Criterion;
use diesel::pg::Pg;
use diesel::prelude::*;

/// Rows per page.
const PAGE: i64 = 50;

/// The PostgreSQL schema the bench creates the model's tables in, and drops at the end.
const BENCH_SCHEMA: &str = "authz_bench";

/// The tables the bench fills.
const TABLES: [&str; 4] = ["orgs", "repos", "org_roles", "repo_roles"];

/// 2,000 orgs (10% public); 100,000 repos, 50 per org, 3% public; 50,000 users; every repo
/// has 10 role rows for 10 different users (60% Reader, 30% Contributor, 10% Maintainer),
/// every org 2 Owners and 8 Members. Deterministic: the same data on every run.
const FILL: &str = "
INSERT INTO orgs SELECT g, 'org' || g, g % 10 = 0 FROM generate_series(1, 2000) g;
INSERT INTO repos
    SELECT g, 1 + (g * 7919) % 2000, 'repo' || g, (g * 2654435761) % 100 < 3
    FROM generate_series(1::bigint, 100000) g;
INSERT INTO repo_roles
    SELECT 1 + (r * 7919 + j * 4999) % 50000, r,
           CASE WHEN (r * 31 + j) % 10 < 6 THEN 'Reader'
                WHEN (r * 31 + j) % 10 < 9 THEN 'Contributor' ELSE 'Maintainer' END
    FROM generate_series(1::bigint, 100000) r, generate_series(0, 9) j;
INSERT INTO org_roles
    SELECT 1 + (o * 104729 + j * 4999) % 50000, o, CASE WHEN j < 2 THEN 'Owner' ELSE 'Member' END
    FROM generate_series(1::bigint, 2000) o, generate_series(0, 9) j;
ANALYZE orgs;
ANALYZE repos;
ANALYZE org_roles;
ANALYZE repo_roles;
";

fn run(c: &mut Criterion, conn: &mut PgConnection) -> QueryResult<()> {
    let started = Instant::now();
    let counts: Vec<i64> = TABLES
        .iter()
        .map(|t| {
            diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!("SELECT count(*) FROM {t}"))
                .get_result(conn)
        })
        .collect::<QueryResult<_>>()?;
    eprintln!(
        "postgres: {} orgs, {} repos, {} org roles, {} repo roles loaded in {:.1?}",
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        started.elapsed()
    );

    // The actor: the user holding the most org roles (ties: the smallest id), with every role
    // loaded as an application would.
    let id: i64 = org_roles::table
        .group_by(org_roles::user_id)
        .select(org_roles::user_id)
        .order((diesel::dsl::count_star().desc(), org_roles::user_id))
        .first(conn)?;
    let mut actor = User {
        id,
        ..User::default()
    };
    actor.org_roles = authz_diesel::load_roles::<Org, _>(conn, &actor.id)?;
    actor.repo_roles = authz_diesel::load_roles::<Repo, _>(conn, &actor.id)?;
    eprintln!(
        "postgres: actor {id}: org roles {:?}, {} repo roles",
        actor.org_roles.roles(),
        actor.repo_roles.roles().len()
    );
    let a = &actor;

    const READ_ROLES: [&str; 3] = ["Maintainer", "Contributor", "Reader"];
    const ORG_READ_ROLES: [&str; 2] = ["Owner", "Member"];
    let hand_filter = || {
        repos::is_public
            .or(repos::id.eq_any(
                repo_roles::table
                    .select(repo_roles::repo_id)
                    .filter(repo_roles::user_id.eq(a.id))
                    .filter(repo_roles::role.eq_any(READ_ROLES)),
            ))
            .or(repos::org_id.eq_any(
                org_roles::table
                    .select(org_roles::org_id)
                    .filter(org_roles::user_id.eq(a.id))
                    .filter(org_roles::role.eq_any(ORG_READ_ROLES)),
            ))
    };
    let generated_page = |conn: &mut PgConnection| {
        repos::table
            .authorized(&Authz::new(a), Repo::Read)
            .order(repos::id)
            .limit(PAGE)
            .select(Repo::as_select())
            .load::<Repo>(conn)
    };
    let hand_page = |conn: &mut PgConnection| {
        repos::table
            .filter(hand_filter())
            .order(repos::id)
            .limit(PAGE)
            .select(Repo::as_select())
            .load::<Repo>(conn)
    };
    let generated_count = |conn: &mut PgConnection| {
        repos::table
            .authorized(&Authz::new(a), Repo::Read)
            .count()
            .get_result::<i64>(conn)
    };
    let hand_count = |conn: &mut PgConnection| {
        repos::table
            .filter(hand_filter())
            .count()
            .get_result::<i64>(conn)
    };

    eprintln!(
        "generated: {}",
        diesel::debug_query::<Pg, _>(
            &repos::table
                .authorized(&Authz::new(a), Repo::Read)
                .order(repos::id)
                .limit(PAGE)
                .select(repos::id)
        )
    );
    eprintln!(
        "hand:      {}",
        diesel::debug_query::<Pg, _>(
            &repos::table
                .filter(hand_filter())
                .order(repos::id)
                .limit(PAGE)
                .select(repos::id)
        )
    );

    // Both agree with the in-memory check over every row.
    let all: Vec<Repo> = repos::table
        .order(repos::id)
        .select(Repo::as_select())
        .load(conn)?;
    let expected: Vec<&Repo> = all
        .iter()
        .filter(|r| is_allowed(a, Repo::Read, *r))
        .collect();
    let page: Vec<Repo> = expected
        .iter()
        .take(PAGE as usize)
        .map(|r| (*r).clone())
        .collect();
    assert_eq!(generated_page(conn)?, page);
    assert_eq!(hand_page(conn)?, page);
    assert_eq!(generated_count(conn)?, expected.len() as i64);
    assert_eq!(hand_count(conn)?, expected.len() as i64);
    eprintln!(
        "postgres: actor {id} reads {} of {} repos ({:.2}%)",
        expected.len(),
        all.len(),
        100.0 * expected.len() as f64 / all.len() as f64
    );

    // The plans, after a first execution of each (warm cache).
    let explain = |name: &str, plan: QueryResult<Vec<String>>| -> QueryResult<()> {
        eprintln!("EXPLAIN ANALYZE {name}:");
        for line in plan? {
            eprintln!("    {line}");
        }
        Ok(())
    };
    explain(
        "generated page",
        Explain(
            repos::table
                .authorized(&Authz::new(a), Repo::Read)
                .order(repos::id)
                .limit(PAGE)
                .select(Repo::as_select()),
        )
        .load(conn),
    )?;
    explain(
        "hand page",
        Explain(
            repos::table
                .filter(hand_filter())
                .order(repos::id)
                .limit(PAGE)
                .select(Repo::as_select()),
        )
        .load(conn),
    )?;
    explain(
        "generated count",
        Explain(repos::table.authorized(&Authz::new(a), Repo::Read).count()).load(conn),
    )?;
    explain(
        "hand count",
        Explain(repos::table.filter(hand_filter()).count()).load(conn),
    )?;

    support::generated_vs_hand(c, "pg_roles/page", conn, generated_page, hand_page);
    support::generated_vs_hand(c, "pg_roles/count", conn, generated_count, hand_count);
    Ok(())
}

fn main() {
    let Some(mut schema) = bench_schema("roles_query", BENCH_SCHEMA, &[SCHEMA, FILL]) else {
        return;
    };
    let mut c = support::criterion();
    run(&mut c, &mut schema.conn).expect("postgres benchmark");
    drop(schema);
    c.final_summary();
}
