//! In-memory checks: the generated code against the same rules written by hand.
//!
//! Every benchmark walks the same precomputed vector of `PAIRS` (actor, repo) pairs, so the
//! reported time is for `PAIRS` checks (criterion also prints the throughput in checks per
//! second). The pairs are drawn so that each rule is granted to a fair share of them and the
//! branches are not trivially predicted.

use std::time::Duration;

use authz_benches::{hand, pairs, Repo, RepoPermission, User};
use authz_core::prelude::*;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// Checks per benchmark iteration.
const PAIRS: usize = 512;

/// One rule: the typed constant, the enum value chosen at run time, and plain Rust.
fn rule<P, H>(
    c: &mut Criterion,
    data: &[(User, Repo)],
    name: &str,
    typed: P,
    dynamic: RepoPermission,
    hand: H,
) where
    P: Permission<Repo>,
    H: Fn(&User, &Repo) -> bool,
{
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("generated_typed", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for (a, r) in black_box(data) {
                n += is_allowed(a, typed, r) as u32;
            }
            n
        })
    });
    g.bench_function("generated_dyn", |b| {
        b.iter(|| {
            let perm = black_box(dynamic);
            let mut n = 0u32;
            for (a, r) in black_box(data) {
                n += is_allowed(a, perm, r) as u32;
            }
            n
        })
    });
    g.bench_function("hand", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for (a, r) in black_box(data) {
                n += hand(a, r) as u32;
            }
            n
        })
    });
    g.finish();
}

fn checks(c: &mut Criterion) {
    let data = pairs(PAIRS);
    rule(
        c,
        &data,
        "read",
        Repo::Read,
        RepoPermission::Read,
        hand::can_read,
    );
    rule(
        c,
        &data,
        "push",
        Repo::Push,
        RepoPermission::Push,
        hand::can_push,
    );
    rule(
        c,
        &data,
        "delete",
        Repo::Delete,
        RepoPermission::Delete,
        hand::can_delete,
    );
    rule(
        c,
        &data,
        "change_visibility",
        Repo::ChangeVisibility,
        RepoPermission::ChangeVisibility,
        hand::can_change_visibility,
    );
}

/// `authorized_actions` (all four rules into a bitset) against the same bitset by hand.
fn actions(c: &mut Criterion) {
    let data = pairs(PAIRS);
    let mut g = c.benchmark_group("actions");
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("generated", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for (a, r) in black_box(&data) {
                acc = acc.wrapping_add(Authz::new(a).actions(r).bits());
            }
            acc
        })
    });
    g.bench_function("hand", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for (a, r) in black_box(&data) {
                acc = acc.wrapping_add(hand::actions(a, r));
            }
            acc
        })
    });
    g.finish();
}

/// A different permission for every pair, chosen at run time (as a request router would):
/// the generated `match` against a hand-written one.
fn mixed(c: &mut Criterion) {
    let data = pairs(PAIRS);
    let perms: Vec<RepoPermission> = (0..data.len())
        .map(|i| RepoPermission::ALL[(i * 7 + i / 3) % RepoPermission::ALL.len()])
        .collect();
    let mut g = c.benchmark_group("mixed");
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("generated_dyn", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for ((a, r), &p) in black_box(&data).iter().zip(black_box(&perms)) {
                n += is_allowed(a, p, r) as u32;
            }
            n
        })
    });
    g.bench_function("hand", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for ((a, r), &p) in black_box(&data).iter().zip(black_box(&perms)) {
                n += hand::check(a, p, r) as u32;
            }
            n
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = checks, actions, mixed
}
criterion_main!(benches);
