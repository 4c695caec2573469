//! What the PostgreSQL query benches share: one criterion setup, and the pair of timings that
//! compares the generated query with the one written by hand. A module of the bench targets
//! (criterion is a dev-dependency, so the bench library cannot hold it).

use std::time::Duration;

use criterion::{black_box, Criterion, SamplingMode};
use diesel::pg::PgConnection;
use diesel::QueryResult;

/// The criterion setup of the PostgreSQL benches: few samples of slow queries.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args()
}

/// Group `name`: the query `generated` beside the query `hand`, each run on `conn`.
pub fn generated_vs_hand<T, U>(
    c: &mut Criterion,
    name: &str,
    conn: &mut PgConnection,
    generated: impl Fn(&mut PgConnection) -> QueryResult<T>,
    hand: impl Fn(&mut PgConnection) -> QueryResult<U>,
) {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("generated", |b| {
        b.iter(|| generated(black_box(&mut *conn)).unwrap())
    });
    g.bench_function("hand", |b| b.iter(|| hand(black_box(&mut *conn)).unwrap()));
    g.finish();
}
