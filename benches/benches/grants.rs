//! Grants stored as data on PostgreSQL: 1,000,000 photos, 100,000 grants over 10,000 users and
//! 1,000 cameras (`authz_benches::photos`).
//!
//! - `pg_grants/page` and `pg_grants/count`: one user's visible photos, `ORDER BY id LIMIT 50`
//!   and the unpaginated `count()`; `generated` is
//!   `photos::table.authorized(&authz, Photo::Read)`, `hand` the same correlated `EXISTS`
//!   written by hand in the diesel DSL. Both are checked against the in-memory rule first.
//! - `grants_check`: the in-memory check of one photo with the user's grants loaded (10 of
//!   them), over 512 photos of the user's cameras; `generated` is `authz.is_allowed(..)`,
//!   `hand` a loop over the same grants.
//!
//! PostgreSQL: `AUTHZ_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`); the
//! tables live in a schema of their own, `authz_bench_grants`, dropped at the end (also on
//! panic). Without a server the PostgreSQL part is skipped with a message.

mod support;
use std::time::Instant;

use authz_benches::pg::bench_schema;
use authz_benches::photos::{
    at, hand_read, hand_sql_filter, photos, Photo, Request, Viewer, FILL, SCHEMA,
};
use authz_core::prelude::*;
use authz_diesel::prelude::*;
use criterion::{black_box, Criterion};
use diesel::pg::Pg;
use diesel::prelude::*;

const PAGE: i64 = 50;
/// The viewer: 10 grants, among them a grant on every camera.
const VIEWER: i64 = 2;

fn run(c: &mut Criterion, conn: &mut PgConnection) -> QueryResult<()> {
    let viewer = Viewer {
        id: VIEWER,
        grants: authz_diesel::load_grants(conn, &VIEWER)?,
    };
    let ctx = Request {
        now: at(1_685_577_600), // 2023-06-01
    };
    let authz = Authz::new(&viewer).context(&ctx);
    eprintln!(
        "postgres: viewer {VIEWER} holds {} grants",
        viewer.grants.len()
    );

    let generated_page = |conn: &mut PgConnection| {
        photos::table
            .authorized(&authz, Photo::Read)
            .order(photos::id)
            .limit(PAGE)
            .select(Photo::as_select())
            .load::<Photo>(conn)
    };
    let hand_page = |conn: &mut PgConnection| {
        photos::table
            .filter(hand_sql_filter(VIEWER, ctx.now))
            .order(photos::id)
            .limit(PAGE)
            .select(Photo::as_select())
            .load::<Photo>(conn)
    };
    let generated_count = |conn: &mut PgConnection| {
        photos::table
            .authorized(&authz, Photo::Read)
            .count()
            .get_result::<i64>(conn)
    };
    let hand_count = |conn: &mut PgConnection| {
        photos::table
            .filter(hand_sql_filter(VIEWER, ctx.now))
            .count()
            .get_result::<i64>(conn)
    };
    eprintln!(
        "generated: {}",
        diesel::debug_query::<Pg, _>(
            &photos::table
                .authorized(&authz, Photo::Read)
                .order(photos::id)
                .limit(PAGE)
                .select(photos::id)
        )
    );

    // Both agree with the in-memory rule over every photo.
    let all: Vec<Photo> = photos::table
        .order(photos::id)
        .select(Photo::as_select())
        .load(conn)?;
    let expected: Vec<&Photo> = all
        .iter()
        .filter(|p| authz.is_allowed(Photo::Read, *p))
        .collect();
    assert!(all
        .iter()
        .all(|p| authz.is_allowed(Photo::Read, p) == hand_read(&viewer, &ctx.now, p)));
    let page: Vec<Photo> = expected
        .iter()
        .take(PAGE as usize)
        .map(|p| (*p).clone())
        .collect();
    assert_eq!(generated_page(conn)?, page);
    assert_eq!(hand_page(conn)?, page);
    assert_eq!(generated_count(conn)?, expected.len() as i64);
    assert_eq!(hand_count(conn)?, expected.len() as i64);
    eprintln!(
        "postgres: viewer {VIEWER} sees {} of {} photos ({:.2}%)",
        expected.len(),
        all.len(),
        100.0 * expected.len() as f64 / all.len() as f64
    );

    // The in-memory check: photos of the viewer's cameras, where grants decide.
    let cameras: Vec<i64> = viewer.grants.iter().filter_map(|g| g.camera_id).collect();
    let sample: Vec<Photo> = all
        .iter()
        .filter(|p| cameras.contains(&p.camera_id))
        .take(512)
        .cloned()
        .collect();
    let granted = sample
        .iter()
        .filter(|p| authz.is_allowed(Photo::Read, *p))
        .count();
    eprintln!(
        "in memory: {granted} of {} sampled photos granted",
        sample.len()
    );
    drop(all);

    let mut g = c.benchmark_group("grants_check");
    g.bench_function("generated", |b| {
        b.iter(|| {
            sample
                .iter()
                .filter(|p| black_box(&authz).is_allowed(Photo::Read, black_box(*p)))
                .count()
        })
    });
    g.bench_function("hand", |b| {
        b.iter(|| {
            sample
                .iter()
                .filter(|p| hand_read(black_box(&viewer), black_box(&ctx.now), black_box(*p)))
                .count()
        })
    });
    g.finish();

    support::generated_vs_hand(c, "pg_grants/page", conn, generated_page, hand_page);
    support::generated_vs_hand(c, "pg_grants/count", conn, generated_count, hand_count);
    Ok(())
}

fn main() {
    let started = Instant::now();
    let Some(mut schema) = bench_schema("grants", "authz_bench_grants", &[SCHEMA, FILL]) else {
        return;
    };
    eprintln!("postgres: tables filled in {:.1?}", started.elapsed());
    let mut c = support::criterion();
    run(&mut c, &mut schema.conn).expect("postgres benchmark");
    drop(schema);
    c.final_summary();
}
