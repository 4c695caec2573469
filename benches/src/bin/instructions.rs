//! Instruction counts of the in-memory checks, for comparisons that timing noise would hide:
//! `valgrind --tool=cachegrind --cache-sim=no target/release/instructions <variant>`
//! counts the instructions of `ROUNDS` × 512 checks of one variant (`none` counts the setup
//! alone, to subtract). Variants: `none`, `<rule>_typed`, `<rule>_dyn`, `<rule>_hand` for
//! `read`, `push`, `delete`, `change_visibility`, and `actions`, `actions_hand`.

use std::hint::black_box;

use authz_benches::{hand, pairs, Repo, RepoPermission};
use authz_core::prelude::*;

const ROUNDS: usize = 1_000;

fn count(
    data: &[(authz_benches::User, Repo)],
    check: impl Fn(&authz_benches::User, &Repo) -> bool,
) -> u64 {
    let mut n = 0u64;
    for _ in 0..ROUNDS {
        for (a, r) in black_box(data) {
            n += check(a, r) as u64;
        }
    }
    n
}

fn main() {
    let variant = std::env::args().nth(1).unwrap_or_else(|| "none".to_owned());
    let data = pairs(512);
    let dynamic = |p: RepoPermission| black_box(p);
    let n = match variant.as_str() {
        "none" => 0,
        "read_typed" => count(&data, |a, r| is_allowed(a, Repo::Read, r)),
        "read_dyn" => count(&data, |a, r| {
            is_allowed(a, dynamic(RepoPermission::Read), r)
        }),
        "read_hand" => count(&data, hand::can_read),
        "push_typed" => count(&data, |a, r| is_allowed(a, Repo::Push, r)),
        "push_dyn" => count(&data, |a, r| {
            is_allowed(a, dynamic(RepoPermission::Push), r)
        }),
        "push_hand" => count(&data, hand::can_push),
        "delete_typed" => count(&data, |a, r| is_allowed(a, Repo::Delete, r)),
        "delete_dyn" => count(&data, |a, r| {
            is_allowed(a, dynamic(RepoPermission::Delete), r)
        }),
        "delete_hand" => count(&data, hand::can_delete),
        "change_visibility_typed" => count(&data, |a, r| is_allowed(a, Repo::ChangeVisibility, r)),
        "change_visibility_dyn" => count(&data, |a, r| {
            is_allowed(a, dynamic(RepoPermission::ChangeVisibility), r)
        }),
        "change_visibility_hand" => count(&data, hand::can_change_visibility),
        "actions" => count(&data, |a, r| Authz::new(a).actions(r).bits() != 0),
        "actions_hand" => count(&data, |a, r| hand::actions(a, r) != 0),
        other => {
            eprintln!("unknown variant `{other}`");
            std::process::exit(2);
        }
    };
    println!("{variant}: {n}");
}
