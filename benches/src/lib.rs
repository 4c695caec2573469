//! Shared fixtures of the benchmarks: a flat code-hosting `Repo` resource (attributes only, no
//! roles), its actor, the same rules written by hand in plain Rust, and a deterministic data
//! generator; and, in [`hosting`], the roles-and-relations model of `authz-fixtures` (the one
//! the tests run on) with its rules written by hand. Each module's test checks that its
//! hand-written rules decide as the generated ones.
//!
//! Run with `cargo bench -p authz-benches --bench check` and `--bench query`
//! (see `benches/README.md`).

use authz_core::prelude::*;
use diesel::prelude::*;

pub mod folders;
pub mod hosting;
pub mod pg;
pub mod photos;

diesel::table! {
    /// The benchmark table. The `authz_bench_` prefix keeps it apart from other tables of a
    /// shared PostgreSQL database; the query bench creates it and drops it at the end.
    authz_bench_repos (id) {
        id -> BigInt,
        owner_id -> BigInt,
        org_id -> Nullable<BigInt>,
        is_public -> Bool,
        archived -> Bool,
        visibility -> Nullable<Integer>,
        kind -> Text,
    }
}

/// The caller.
#[derive(Actor, Clone, Debug, PartialEq)]
pub struct User {
    pub id: i64,
    /// The organisation the user belongs to, if any.
    pub org_id: Option<i64>,
    pub is_admin: bool,
    /// Whether the user may write to the repositories of their organisation.
    pub can_write: bool,
    /// The highest visibility level the user may manage.
    pub clearance: Option<i32>,
}

/// A repository of a code-hosting service.
#[derive(Resource, Queryable, Selectable, Insertable, Clone, Debug, PartialEq)]
#[diesel(table_name = authz_bench_repos)]
#[resource(table = authz_bench_repos, actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id || self.org_id == actor.org_id || actor.is_admin)]
#[permission(Push, if = !self.archived && (self.owner_id == actor.id || (self.org_id == actor.org_id && actor.can_write)))]
#[permission(Delete, if = (self.owner_id == actor.id || actor.is_admin) && !["mirror", "template"].contains(&self.kind))]
#[permission(ChangeVisibility, if = self.owner_id == actor.id && !(self.visibility > actor.clearance))]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
    pub org_id: Option<i64>,
    pub is_public: bool,
    pub archived: bool,
    pub visibility: Option<i32>,
    pub kind: String,
}

/// The rules above, written by hand the way one would without the framework.
pub mod hand {
    use super::{Repo, User};

    /// `Read`.
    #[inline]
    pub fn can_read(a: &User, r: &Repo) -> bool {
        r.is_public
            || r.owner_id == a.id
            || (r.org_id.is_some() && r.org_id == a.org_id)
            || a.is_admin
    }

    /// `Push`.
    #[inline]
    pub fn can_push(a: &User, r: &Repo) -> bool {
        !r.archived
            && (r.owner_id == a.id || (r.org_id.is_some() && r.org_id == a.org_id && a.can_write))
    }

    /// `Delete`.
    #[inline]
    pub fn can_delete(a: &User, r: &Repo) -> bool {
        (r.owner_id == a.id || a.is_admin) && !matches!(r.kind.as_str(), "mirror" | "template")
    }

    /// `ChangeVisibility`.
    #[inline]
    pub fn can_change_visibility(a: &User, r: &Repo) -> bool {
        r.owner_id == a.id && !matches!((r.visibility, a.clearance), (Some(v), Some(c)) if v > c)
    }

    /// Every permission, as bits in declaration order (what `authorized_actions` returns).
    #[inline]
    pub fn actions(a: &User, r: &Repo) -> u64 {
        let mut bits = 0;
        if can_read(a, r) {
            bits |= 1;
        }
        if can_push(a, r) {
            bits |= 2;
        }
        if can_delete(a, r) {
            bits |= 4;
        }
        if can_change_visibility(a, r) {
            bits |= 8;
        }
        bits
    }

    /// A permission chosen at run time.
    #[inline]
    pub fn check(a: &User, p: super::RepoPermission, r: &Repo) -> bool {
        use super::RepoPermission as P;
        match p {
            P::Read => can_read(a, r),
            P::Push => can_push(a, r),
            P::Delete => can_delete(a, r),
            P::ChangeVisibility => can_change_visibility(a, r),
        }
    }
}

/// A small deterministic generator (splitmix64): the same data on every run, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `1..=n`.
    pub fn upto(&mut self, n: u64) -> i64 {
        (self.next_u64() % n) as i64 + 1
    }

    /// True with probability `pct` percent.
    pub fn pct(&mut self, pct: u64) -> bool {
        self.next_u64() % 100 < pct
    }
}

/// How the generated data is spread.
#[derive(Clone, Copy, Debug)]
pub struct Spread {
    pub owners: u64,
    pub orgs: u64,
    /// Percent of repositories that belong to an organisation.
    pub in_org_pct: u64,
    pub public_pct: u64,
    pub archived_pct: u64,
}

/// A repository with id `id`.
pub fn gen_repo(rng: &mut Rng, id: i64, s: Spread) -> Repo {
    const KINDS: [&str; 4] = ["source", "fork", "mirror", "template"];
    Repo {
        id,
        owner_id: rng.upto(s.owners),
        org_id: rng.pct(s.in_org_pct).then(|| rng.upto(s.orgs)),
        is_public: rng.pct(s.public_pct),
        archived: rng.pct(s.archived_pct),
        visibility: rng.pct(70).then(|| rng.upto(6) as i32 - 1),
        kind: KINDS[rng.upto(4) as usize - 1].to_owned(),
    }
}

/// A user with id `id`.
pub fn gen_user(rng: &mut Rng, id: i64, s: Spread) -> User {
    User {
        id,
        org_id: rng.pct(80).then(|| rng.upto(s.orgs)),
        is_admin: rng.pct(5),
        can_write: rng.pct(50),
        clearance: rng.pct(70).then(|| rng.upto(6) as i32 - 1),
    }
}

/// `n` (actor, repo) pairs drawn from few owners and orgs, so every permission is granted to
/// a fair share of them and the outcome of each check is hard to predict.
pub fn pairs(n: usize) -> Vec<(User, Repo)> {
    let s = Spread {
        owners: 6,
        orgs: 3,
        in_org_pct: 70,
        public_pct: 30,
        archived_pct: 15,
    };
    let mut rng = Rng::new(0x5eed);
    (0..n)
        .map(|i| {
            let actor_id = rng.upto(s.owners);
            (
                gen_user(&mut rng, actor_id, s),
                gen_repo(&mut rng, i as i64 + 1, s),
            )
        })
        .collect()
}
