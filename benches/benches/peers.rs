//! The code-hosting policy (org roles Owner > Member, repo roles Maintainer > Contributor >
//! Reader, org owners maintaining and org members reading every repo of their org, admins
//! deleting any repo, public orgs and repos, issues read through their repo and closed by
//! their creator or whoever may push) decided four ways on one generated world and one list
//! of queries:
//!
//! - `generated`: `Authz::new(&user).parents(&parents).is_allowed(perm, &resource)` with the derived
//!   rules of `authz_benches::hosting` and a `ParentMap` of every org and repo;
//! - `generated_own_resolver`: the same with a resolver written for the application
//!   (`hosting::RepoParents`: repos in one `HashMap`) instead of the generic `ParentMap`;
//! - `hand`: the same rules in plain Rust over `HashMap`s (`hosting::hand`);
//! - `cedar`: cedar-policy 4, one `permit` policy per action, roles as `Role` entities in the
//!   entity hierarchy (the user is `in` the roles it holds, a higher role is `in` the lower
//!   one), orgs, repos and issues as entities whose attributes point at their roles and parent
//!   (`resource.repo.org.owners`), `Authorizer::is_authorized`;
//! - `casbin`: casbin 2, an RBAC + ABAC model: the stored roles, the role implication and the
//!   org → repo role derivation as `g` edges, public flags as `g2` edges, the rule table as
//!   `p` lines, the creator and the issue's repo as attributes of the request object.
//!
//! Every engine decides every query before anything is timed, and the run stops if any two
//! disagree. Each timed iteration decides the whole list; criterion's throughput is decisions
//! per second.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use authz_benches::hosting::{
    decide, IssuePermission, OrgPermission, OrgRole, Query, RepoParents, RepoPermission, RepoRole,
    Size, World,
};
use casbin::prelude::*;
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression,
};
use criterion::{black_box, Criterion, SamplingMode, Throughput};
use serde::Serialize;

/// The world: 50 orgs, 500 repos, 5,000 issues, 1,000 users.
const SIZE: Size = Size {
    orgs: 50,
    repos: 500,
    issues: 5_000,
    users: 1_000,
};
/// Queries, 1,000 per permission (Org::Read, Repo::Read/Push/Delete, Issue::Read/Close).
const QUERIES: usize = 6_000;

fn action(q: Query) -> &'static str {
    match q {
        Query::Org(_, OrgPermission::Read, _) => "Org::Read",
        Query::Repo(_, RepoPermission::Read, _) => "Repo::Read",
        Query::Repo(_, RepoPermission::Push, _) => "Repo::Push",
        Query::Repo(_, RepoPermission::Delete, _) => "Repo::Delete",
        Query::Issue(_, IssuePermission::Read, _) => "Issue::Read",
        Query::Issue(_, IssuePermission::Close, _) => "Issue::Close",
        _ => unreachable!("not among the queries: {q:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// cedar-policy

const CEDAR_POLICIES: &str = r#"
permit(principal, action == Action::"Org::Read", resource is Org)
when { resource.is_public || principal in resource.members };

permit(principal, action == Action::"Repo::Read", resource is Repo)
when { resource.is_public || principal in resource.readers || principal in resource.org.members };

permit(principal, action == Action::"Repo::Push", resource is Repo)
when { principal in resource.contributors || principal in resource.org.owners };

permit(principal, action == Action::"Repo::Delete", resource is Repo)
when { principal.is_admin || principal in resource.maintainers || principal in resource.org.owners };

permit(principal, action == Action::"Issue::Read", resource is Issue)
when { resource.repo.is_public || principal in resource.repo.readers
       || principal in resource.repo.org.members };

permit(principal, action == Action::"Issue::Close", resource is Issue)
when { resource.creator == principal || principal in resource.repo.contributors
       || principal in resource.repo.org.owners };
"#;

fn uid(ty: &str, id: impl Display) -> EntityUid {
    EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty).expect("type name"),
        EntityId::new(id.to_string()),
    )
}

/// The `Role` entity of `role` on `scope` (`org5`, `repo12`).
fn role_uid(scope: &str, id: i64, role: impl Display) -> EntityUid {
    uid("Role", format!("{scope}{id}/{role}"))
}

struct Cedar {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    /// One request per query, built before timing (as the other engines get typed values).
    requests: Vec<Request>,
}

impl Cedar {
    fn new(world: &World, queries: &[Query]) -> Cedar {
        let policies = PolicySet::from_str(CEDAR_POLICIES).expect("cedar policies");
        let entity =
            |uid: EntityUid, attrs: Vec<(&str, RestrictedExpression)>, parents: Vec<EntityUid>| {
                Entity::new(
                    uid,
                    attrs
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<HashMap<_, _>>(),
                    parents.into_iter().collect::<HashSet<_>>(),
                )
                .expect("cedar entity")
            };
        let e = RestrictedExpression::new_entity_uid;
        let b = RestrictedExpression::new_bool;
        let mut all = Vec::new();
        for o in &world.orgs {
            // Owner implies Member: the Owner role is in the Member role.
            let (owner, member) = (
                role_uid("org", o.id, "Owner"),
                role_uid("org", o.id, "Member"),
            );
            all.push(entity(owner.clone(), vec![], vec![member.clone()]));
            all.push(entity(member.clone(), vec![], vec![]));
            all.push(entity(
                uid("Org", o.id),
                vec![
                    ("is_public", b(o.is_public)),
                    ("owners", e(owner)),
                    ("members", e(member)),
                ],
                vec![],
            ));
        }
        for r in &world.repos {
            let m = role_uid("repo", r.id, "Maintainer");
            let c = role_uid("repo", r.id, "Contributor");
            let rd = role_uid("repo", r.id, "Reader");
            all.push(entity(m.clone(), vec![], vec![c.clone()]));
            all.push(entity(c.clone(), vec![], vec![rd.clone()]));
            all.push(entity(rd.clone(), vec![], vec![]));
            all.push(entity(
                uid("Repo", r.id),
                vec![
                    ("is_public", b(r.is_public)),
                    ("org", e(uid("Org", r.org_id))),
                    ("maintainers", e(m)),
                    ("contributors", e(c)),
                    ("readers", e(rd)),
                ],
                vec![uid("Org", r.org_id)],
            ));
        }
        for i in &world.issues {
            all.push(entity(
                uid("Issue", i.id),
                vec![
                    ("creator", e(uid("User", i.creator_id))),
                    ("repo", e(uid("Repo", i.repo_id))),
                ],
                vec![uid("Repo", i.repo_id)],
            ));
        }
        for u in &world.users {
            let mut roles = Vec::new();
            for (org, set) in u.org_roles.roles().iter() {
                roles.extend(set.iter().map(|role: OrgRole| role_uid("org", *org, role)));
            }
            for (repo, set) in u.repo_roles.roles().iter() {
                roles.extend(
                    set.iter()
                        .map(|role: RepoRole| role_uid("repo", *repo, role)),
                );
            }
            all.push(entity(
                uid("User", u.id),
                vec![("is_admin", b(u.is_admin))],
                roles,
            ));
        }
        let entities = Entities::from_entities(all, None).expect("cedar entities");
        let requests = queries
            .iter()
            .map(|&q| {
                let resource = match q {
                    Query::Org(_, _, o) => uid("Org", world.orgs[o].id),
                    Query::Repo(_, _, r) => uid("Repo", world.repos[r].id),
                    Query::Issue(_, _, i) => uid("Issue", world.issues[i].id),
                };
                Request::new(
                    uid("User", world.users[q.user()].id),
                    uid("Action", action(q)),
                    resource,
                    Context::empty(),
                    None,
                )
                .expect("cedar request")
            })
            .collect();
        Cedar {
            authorizer: Authorizer::new(),
            policies,
            entities,
            requests,
        }
    }

    #[inline]
    fn decide(&self, request: &Request) -> bool {
        self.authorizer
            .is_authorized(request, &self.policies, &self.entities)
            .decision()
            == Decision::Allow
    }
}

// ---------------------------------------------------------------------------------------
// casbin

/// `p` is the rule table: an action is granted by a role on the request's scope (`kind` =
/// `role`), by the scope being public, by the `admin` role, or to the issue's creator.
/// `r.obj` carries the attributes of the row asked about, as the other engines get the row:
/// `scope` is the resource itself for orgs and repos and the issue's repo (its `repo_id`) for
/// issues, `creator` the issue's creator. `/` rather than `#` in role names: casbin's model
/// parser cuts lines at `#`.
const CASBIN_MODEL: &str = r#"
[request_definition]
r = sub, obj, act

[policy_definition]
p = act, kind, role

[role_definition]
g = _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.act == p.act && (p.kind == "role" && g(r.sub, r.obj.scope + "/" + p.role) || p.kind == "public" && g2(r.obj.scope, "public") || p.kind == "admin" && g(r.sub, "admin") || p.kind == "creator" && r.obj.creator == r.sub)
"#;

const CASBIN_RULES: [[&str; 3]; 11] = [
    ["Org::Read", "role", "Member"],
    ["Org::Read", "public", "-"],
    ["Repo::Read", "role", "Reader"],
    ["Repo::Read", "public", "-"],
    ["Repo::Push", "role", "Contributor"],
    ["Repo::Delete", "role", "Maintainer"],
    ["Repo::Delete", "admin", "-"],
    ["Issue::Read", "role", "Reader"],
    ["Issue::Read", "public", "-"],
    ["Issue::Close", "role", "Contributor"],
    ["Issue::Close", "creator", "-"],
];

/// The request object: attributes of the row asked about.
#[derive(Serialize, Hash)]
struct CasbinObj {
    scope: String,
    creator: String,
}

struct Casbin {
    enforcer: Enforcer,
    requests: Vec<(String, CasbinObj, &'static str)>,
}

/// Drives one of casbin's set-up futures to completion. With the in-memory adapter they never
/// wait on I/O, so no runtime is needed.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = TaskContext::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("casbin future did not complete without a runtime");
}

impl Casbin {
    fn new(world: &World, queries: &[Query]) -> Casbin {
        let model = block_on(DefaultModel::from_str(CASBIN_MODEL)).expect("casbin model");
        let mut enforcer =
            block_on(Enforcer::new(model, MemoryAdapter::default())).expect("casbin enforcer");
        let rule = |r: [&str; 3]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        block_on(enforcer.add_policies(CASBIN_RULES.into_iter().map(rule).collect()))
            .expect("casbin p");

        let edge = |a: String, b: String| vec![a, b];
        let mut g = Vec::new();
        let mut g2 = Vec::new();
        for o in &world.orgs {
            // Owner implies Member.
            g.push(edge(
                format!("org:{}/Owner", o.id),
                format!("org:{}/Member", o.id),
            ));
            if o.is_public {
                g2.push(edge(format!("org:{}", o.id), "public".into()));
            }
        }
        for r in &world.repos {
            // Maintainer > Contributor > Reader.
            g.push(edge(
                format!("repo:{}/Maintainer", r.id),
                format!("repo:{}/Contributor", r.id),
            ));
            g.push(edge(
                format!("repo:{}/Contributor", r.id),
                format!("repo:{}/Reader", r.id),
            ));
            // The derived roles (`#[role(Maintainer, if = org.role(Owner))]`,
            // `#[role(Reader, if = org.role(Member))]`), expanded per repo from its org.
            g.push(edge(
                format!("org:{}/Owner", r.org_id),
                format!("repo:{}/Maintainer", r.id),
            ));
            g.push(edge(
                format!("org:{}/Member", r.org_id),
                format!("repo:{}/Reader", r.id),
            ));
            if r.is_public {
                g2.push(edge(format!("repo:{}", r.id), "public".into()));
            }
        }
        for u in &world.users {
            let user = format!("user:{}", u.id);
            for (org, set) in u.org_roles.roles().iter() {
                for role in set.iter() {
                    g.push(edge(user.clone(), format!("org:{org}/{role}")));
                }
            }
            for (repo, set) in u.repo_roles.roles().iter() {
                for role in set.iter() {
                    g.push(edge(user.clone(), format!("repo:{repo}/{role}")));
                }
            }
            if u.is_admin {
                g.push(edge(user.clone(), "admin".into()));
            }
        }
        eprintln!(
            "casbin: {} p lines, {} g edges, {} g2 edges",
            CASBIN_RULES.len(),
            g.len(),
            g2.len()
        );
        block_on(enforcer.add_grouping_policies(g)).expect("casbin g");
        block_on(enforcer.add_named_grouping_policies("g2", g2)).expect("casbin g2");

        let requests = queries
            .iter()
            .map(|&q| {
                let obj = match q {
                    Query::Org(_, _, o) => CasbinObj {
                        scope: format!("org:{}", world.orgs[o].id),
                        creator: String::new(),
                    },
                    Query::Repo(_, _, r) => CasbinObj {
                        scope: format!("repo:{}", world.repos[r].id),
                        creator: String::new(),
                    },
                    Query::Issue(_, _, i) => CasbinObj {
                        scope: format!("repo:{}", world.issues[i].repo_id),
                        creator: format!("user:{}", world.issues[i].creator_id),
                    },
                };
                (format!("user:{}", world.users[q.user()].id), obj, action(q))
            })
            .collect();
        Casbin { enforcer, requests }
    }

    #[inline]
    fn decide(&self, request: &(String, CasbinObj, &'static str)) -> bool {
        let (sub, obj, act) = request;
        self.enforcer
            .enforce((sub.as_str(), obj, *act))
            .expect("casbin enforce")
    }
}

// ---------------------------------------------------------------------------------------

fn main() {
    let setup = std::time::Instant::now();
    let world = World::generate(SIZE, 0x0c0de);
    let queries = world.queries(QUERIES, 0x9e7);
    let parents = world.parents();
    let own_parents = RepoParents::new(&world);
    let hand = world.hand();
    let cedar = Cedar::new(&world, &queries);
    let casbin = Casbin::new(&world, &queries);
    eprintln!(
        "peers: {} orgs, {} repos, {} issues, {} users ({} org roles, {} repo roles), {} queries; set-up {:.1?}",
        world.orgs.len(),
        world.repos.len(),
        world.issues.len(),
        world.users.len(),
        world.users.iter().map(|u| u.org_roles.roles().len()).sum::<usize>(),
        world.users.iter().map(|u| u.repo_roles.roles().len()).sum::<usize>(),
        queries.len(),
        setup.elapsed()
    );

    // Every engine decides every query the same way before anything is timed.
    let mut counts: Vec<(String, usize, usize)> = Vec::new();
    let mut disagreements = 0;
    for (k, &q) in queries.iter().enumerate() {
        let generated = decide(&world, &parents, q);
        let by_hand = hand.decide(q);
        assert_eq!(decide(&world, &own_parents, q), generated, "{q:?}");
        let by_cedar = cedar.decide(&cedar.requests[k]);
        let by_casbin = casbin.decide(&casbin.requests[k]);
        if [by_hand, by_cedar, by_casbin] != [generated; 3] {
            disagreements += 1;
            if disagreements <= 10 {
                eprintln!(
                    "DISAGREE {q:?} ({}): generated {generated}, hand {by_hand}, cedar {by_cedar}, casbin {by_casbin}",
                    q.label()
                );
            }
        }
        let label = q.label();
        let i = match counts.iter().position(|(l, ..)| *l == label) {
            Some(i) => i,
            None => {
                counts.push((label, 0, 0));
                counts.len() - 1
            }
        };
        if generated {
            counts[i].1 += 1;
        } else {
            counts[i].2 += 1;
        }
    }
    for (label, allowed, denied) in &counts {
        eprintln!("agree: {label:<13} {allowed:>5} allowed {denied:>5} denied");
    }
    let allowed: usize = counts.iter().map(|c| c.1).sum();
    eprintln!(
        "agree: all four engines on {} of {} queries ({allowed} allowed, {} denied)",
        queries.len() - disagreements,
        queries.len(),
        queries.len() - allowed
    );
    assert_eq!(disagreements, 0, "the engines disagree");

    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut g = c.benchmark_group("peers");
    g.throughput(Throughput::Elements(queries.len() as u64));
    g.bench_function("generated", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for &q in black_box(&queries) {
                n += decide(&world, &parents, q) as u32;
            }
            n
        })
    });
    g.bench_function("generated_own_resolver", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for &q in black_box(&queries) {
                n += decide(&world, &own_parents, q) as u32;
            }
            n
        })
    });
    g.bench_function("hand", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for &q in black_box(&queries) {
                n += hand.decide(q) as u32;
            }
            n
        })
    });
    g.finish();
    // The same two by resource type, to see where a difference comes from: org checks read
    // one role map, repo checks two (repo and org roles), issue checks find the repo first.
    for (kind, keep) in [
        (
            "org",
            (|q: &Query| matches!(q, Query::Org(..))) as fn(&Query) -> bool,
        ),
        ("repo", |q| matches!(q, Query::Repo(..))),
        ("issue", |q| matches!(q, Query::Issue(..))),
    ] {
        let subset: Vec<Query> = queries.iter().copied().filter(keep).collect();
        let mut g = c.benchmark_group(format!("peers_{kind}"));
        g.throughput(Throughput::Elements(subset.len() as u64));
        g.bench_function("generated", |b| {
            b.iter(|| {
                let mut n = 0u32;
                for &q in black_box(&subset) {
                    n += decide(&world, &parents, q) as u32;
                }
                n
            })
        });
        g.bench_function("generated_own_resolver", |b| {
            b.iter(|| {
                let mut n = 0u32;
                for &q in black_box(&subset) {
                    n += decide(&world, &own_parents, q) as u32;
                }
                n
            })
        });
        g.bench_function("hand", |b| {
            b.iter(|| {
                let mut n = 0u32;
                for &q in black_box(&subset) {
                    n += hand.decide(q) as u32;
                }
                n
            })
        });
        g.finish();
    }
    // The peers take tens of milliseconds per pass over the list.
    let mut g = c.benchmark_group("peers");
    g.throughput(Throughput::Elements(queries.len() as u64));
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("cedar", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for r in black_box(&cedar.requests) {
                n += cedar.decide(r) as u32;
            }
            n
        })
    });
    g.bench_function("casbin", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for r in black_box(&casbin.requests) {
                n += casbin.decide(r) as u32;
            }
            n
        })
    });
    g.finish();
    c.final_summary();
}
