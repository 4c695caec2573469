//! The cost of the decision events (`tracing`, target `authz`): `is_allowed` with no
//! subscriber, with subscribers that filter the `authz` target out (statically, as an
//! `EnvFilter` with fixed directives does, or per event), and with one that receives every
//! event, against the check without any event (the cost before decisions were traced).
//!
//! Every iteration checks `Read` on the same `PAIRS` precomputed (actor, repo) pairs.
//! The no-subscriber case runs first: once a scoped subscriber has been set in a process,
//! every event also consults the thread's default.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use authz_benches::{pairs, Repo, RepoPermission, User};
use authz_core::prelude::*;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

const PAIRS: usize = 512;

/// Filters the `authz` target out when the callsite registers: its events are never
/// considered again.
struct StaticFilter;

/// Filters the `authz` target out event by event.
struct DynamicFilter;

/// Receives every event (and counts it), formatting nothing.
struct Counting(AtomicU64);

macro_rules! no_spans {
    () => {
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    };
}

impl Subscriber for StaticFilter {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.target() == "authz" {
            Interest::never()
        } else {
            Interest::always()
        }
    }
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.target() != "authz"
    }
    fn event(&self, _: &Event<'_>) {}
    no_spans!();
}

impl Subscriber for DynamicFilter {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.target() != "authz"
    }
    fn event(&self, _: &Event<'_>) {}
    no_spans!();
}

impl Subscriber for Counting {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn event(&self, _: &Event<'_>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    no_spans!();
}

fn run(data: &[(User, Repo)]) -> u32 {
    let mut n = 0u32;
    for (a, r) in black_box(data) {
        n += is_allowed(a, Repo::Read, r) as u32;
    }
    n
}

fn audit(c: &mut Criterion) {
    let data = pairs(PAIRS);
    let mut g = c.benchmark_group("audit_is_allowed");
    g.throughput(Throughput::Elements(PAIRS as u64));
    // The check alone, as `is_allowed` was before it emitted events.
    g.bench_function("untraced_check", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for (a, r) in black_box(&data[..]) {
                let env = Authz::new(a).env::<Repo>();
                n += r.check(env, RepoPermission::Read) as u32;
            }
            n
        })
    });
    g.bench_function("no_subscriber", |b| b.iter(|| run(&data)));
    g.bench_function("filtered_out_static", |b| {
        tracing::subscriber::with_default(StaticFilter, || b.iter(|| run(&data)))
    });
    g.bench_function("filtered_out_dynamic", |b| {
        tracing::subscriber::with_default(DynamicFilter, || b.iter(|| run(&data)))
    });
    g.bench_function("subscriber_receives", |b| {
        tracing::subscriber::with_default(Counting(AtomicU64::new(0)), || b.iter(|| run(&data)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = audit
}
criterion_main!(benches);
