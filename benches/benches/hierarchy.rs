//! A same-type hierarchy on PostgreSQL: 1,000,000 folders in 1,000 four-way trees
//! (`authz_benches::folders`), a folder readable when public, owned, or inside a readable folder
//! that is not archived.
//!
//! - `pg_hierarchy/page` and `pg_hierarchy/count`: one user's readable folders, `ORDER BY id
//!   LIMIT 50` and the unpaginated `count()`; `generated` is
//!   `folders::table.authorized(&authz, Folder::Read)` (one recursive query), `hand` the
//!   recursive query written by hand. Both are checked against the in-memory rule first.
//! - `hierarchy_check`: the in-memory check of the user's readable folders and as many others
//!   with every folder loaded as a parent; `generated` is `authz.is_allowed(..)`, `hand` the
//!   walk up the parents written by hand.
//!
//! PostgreSQL: `AUTHZ_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`); the
//! tables live in a schema of their own, `authz_bench_hierarchy`, dropped at the end (also on
//! panic). Without a server the bench is skipped with a message.

mod support;
use std::time::Instant;

use authz_benches::folders::{folders, hand_read, Folder, User, FILL, HAND_SQL, SCHEMA};
use authz_benches::pg::bench_schema;
use authz_core::prelude::*;
use authz_core::ParentMap;
use authz_diesel::prelude::*;
use criterion::{black_box, Criterion};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

const PAGE: i64 = 50;
/// The user: owns about 100 folders.
const USER: i64 = 42;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn run(c: &mut Criterion, conn: &mut PgConnection) -> QueryResult<()> {
    let user = User { id: USER };
    let authz = Authz::new(&user);

    let generated_page = |conn: &mut PgConnection| {
        folders::table
            .authorized(&authz, Folder::Read)
            .order(folders::id)
            .limit(PAGE)
            .select(folders::id)
            .load::<i64>(conn)
    };
    let hand_page = |conn: &mut PgConnection| {
        diesel::sql_query(format!("{HAND_SQL} ORDER BY id LIMIT {PAGE}"))
            .bind::<BigInt, _>(USER)
            .load::<Id>(conn)
            .map(|ids| ids.into_iter().map(|r| r.id).collect::<Vec<_>>())
    };
    let generated_count = |conn: &mut PgConnection| {
        folders::table
            .authorized(&authz, Folder::Read)
            .count()
            .get_result::<i64>(conn)
    };
    let hand_count = |conn: &mut PgConnection| {
        diesel::sql_query(HAND_SQL)
            .bind::<BigInt, _>(USER)
            .load::<Id>(conn)
            .map(|ids| ids.len() as i64)
    };
    eprintln!(
        "generated: {}",
        diesel::debug_query::<Pg, _>(
            &folders::table
                .authorized(&authz, Folder::Read)
                .order(folders::id)
                .limit(PAGE)
                .select(folders::id)
        )
    );

    // Both agree with the in-memory rule over every folder.
    let all: Vec<Folder> = folders::table
        .order(folders::id)
        .select(Folder::as_select())
        .load(conn)?;
    let mut parents = ParentMap::new();
    parents.extend(all.iter().cloned());
    let with_parents = Authz::new(&user).parents(&parents);
    let expected: Vec<i64> = all
        .iter()
        .filter(|f| with_parents.is_allowed(Folder::Read, *f))
        .map(|f| f.id)
        .collect();
    assert!(all
        .iter()
        .all(|f| with_parents.is_allowed(Folder::Read, f) == hand_read(&user, &parents, f)));
    let page: Vec<i64> = expected.iter().take(PAGE as usize).copied().collect();
    assert_eq!(generated_page(conn)?, page);
    assert_eq!(hand_page(conn)?, page);
    assert_eq!(generated_count(conn)?, expected.len() as i64);
    assert_eq!(hand_count(conn)?, expected.len() as i64);
    eprintln!(
        "postgres: user {USER} reads {} of {} folders",
        expected.len(),
        all.len()
    );

    // In memory: the readable folders and as many that are not.
    let sample: Vec<&Folder> = all
        .iter()
        .filter(|f| expected.binary_search(&f.id).is_ok())
        .chain(all.iter().filter(|f| f.parent_id.is_some()).step_by(997))
        .take(2 * expected.len().min(1024))
        .collect();
    let mut g = c.benchmark_group("hierarchy_check");
    g.bench_function("generated", |b| {
        b.iter(|| {
            sample
                .iter()
                .filter(|f| black_box(&with_parents).is_allowed(Folder::Read, black_box(**f)))
                .count()
        })
    });
    g.bench_function("hand", |b| {
        b.iter(|| {
            sample
                .iter()
                .filter(|f| hand_read(black_box(&user), black_box(&parents), black_box(**f)))
                .count()
        })
    });
    g.finish();
    drop(parents);
    drop(all);

    support::generated_vs_hand(c, "pg_hierarchy/page", conn, generated_page, hand_page);
    support::generated_vs_hand(c, "pg_hierarchy/count", conn, generated_count, hand_count);
    Ok(())
}

fn main() {
    let started = Instant::now();
    let Some(mut schema) = bench_schema("hierarchy", "authz_bench_hierarchy", &[SCHEMA, FILL])
    else {
        return;
    };
    eprintln!("postgres: tables filled in {:.1?}", started.elapsed());
    let mut c = support::criterion();
    run(&mut c, &mut schema.conn).expect("postgres benchmark");
    drop(schema);
    c.final_summary();
}
