//! The code-hosting model of `authz_fixtures::hosting`, the one declaration the tests run on
//! too: orgs (roles Owner > Member), repos in an org (roles Maintainer > Contributor > Reader,
//! org owners maintain and org members read every repo of their org), issues in a repo
//! (readable through the repo, closable by their creator or anyone who may push).
//!
//! Besides the model: its rules written by hand over `HashMap`s ([`hand`], checked against
//! the declaration by this module's test, permission by permission), a generated world of
//! orgs, repos, issues and users with random roles ([`World::generate`]) and a list of queries
//! drawn from it ([`World::queries`]). `--bench peers` decides the queries with the generated
//! check, the hand-written one, cedar-policy and casbin; `--bench roles_query` lists repos on
//! PostgreSQL with 100,000 repos and 1,000,000 role rows, in a schema of its own so that the
//! model's table names do not meet other tables of a shared database.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use authz_core::prelude::*;
use authz_core::{ParentMap, Parents};

/// The model: `User`, `Org`, `Repo`, `Issue`, their permission and role enums, the tables and
/// `SCHEMA`.
pub use authz_fixtures::hosting::*;

use crate::Rng;

/// The rules of the model written by hand, the way one would without the framework: roles as
/// a small bit set per resource id in a `HashMap`, repos found by id in a `HashMap`. Every
/// permission has its function; `HandWorld::decide` matches every permission enum
/// exhaustively, so a permission added to the model fails to compile here until it is written.
pub mod hand {
    use std::collections::HashMap;

    /// Org role bits.
    pub const OWNER: u8 = 1;
    pub const MEMBER: u8 = 2;
    /// Repo role bits.
    pub const MAINTAINER: u8 = 1;
    pub const CONTRIBUTOR: u8 = 2;
    pub const READER: u8 = 4;

    /// The caller and the roles it holds, by resource id.
    #[derive(Clone, Debug, Default)]
    pub struct User {
        pub id: i64,
        pub is_admin: bool,
        pub org_roles: HashMap<i64, u8>,
        pub repo_roles: HashMap<i64, u8>,
    }

    #[derive(Clone, Debug)]
    pub struct Org {
        pub id: i64,
        pub is_public: bool,
    }

    #[derive(Clone, Debug)]
    pub struct Repo {
        pub id: i64,
        pub org_id: i64,
        pub is_public: bool,
    }

    #[derive(Clone, Debug)]
    pub struct Issue {
        pub id: i64,
        pub repo_id: i64,
        pub creator_id: i64,
    }

    impl User {
        #[inline]
        fn org(&self, org: i64) -> u8 {
            self.org_roles.get(&org).copied().unwrap_or(0)
        }

        #[inline]
        fn repo(&self, repo: i64) -> u8 {
            self.repo_roles.get(&repo).copied().unwrap_or(0)
        }
    }

    /// `Org::Read`: public, or a member (owners are members).
    #[inline]
    pub fn org_read(u: &User, o: &Org) -> bool {
        o.is_public || u.org(o.id) & (OWNER | MEMBER) != 0
    }

    /// `Org::CreateRepo`: an owner.
    #[inline]
    pub fn org_create_repo(u: &User, o: &Org) -> bool {
        u.org(o.id) & OWNER != 0
    }

    /// `Repo::Read`: public, or any repo role, or any role in the repo's org.
    #[inline]
    pub fn repo_read(u: &User, r: &Repo) -> bool {
        r.is_public
            || u.repo(r.id) & (MAINTAINER | CONTRIBUTOR | READER) != 0
            || u.org(r.org_id) & (OWNER | MEMBER) != 0
    }

    /// `Repo::Push`: contributor or maintainer of the repo, or owner of its org.
    #[inline]
    pub fn repo_push(u: &User, r: &Repo) -> bool {
        u.repo(r.id) & (MAINTAINER | CONTRIBUTOR) != 0 || u.org(r.org_id) & OWNER != 0
    }

    /// `Repo::Delete`: maintainer of the repo, owner of its org, or an admin.
    #[inline]
    pub fn repo_delete(u: &User, r: &Repo) -> bool {
        u.repo(r.id) & MAINTAINER != 0 || u.org(r.org_id) & OWNER != 0 || u.is_admin
    }

    /// `Repo::ChangeVisibility`: owner of the repo's org (a repo role does not suffice).
    #[inline]
    pub fn repo_change_visibility(u: &User, r: &Repo) -> bool {
        u.org(r.org_id) & OWNER != 0
    }

    /// `Issue::Read`: whoever may read the repo.
    #[inline]
    pub fn issue_read(u: &User, repos: &HashMap<i64, Repo>, i: &Issue) -> bool {
        repos.get(&i.repo_id).is_some_and(|r| repo_read(u, r))
    }

    /// `Issue::Close`: the creator, or whoever may push to the repo.
    #[inline]
    pub fn issue_close(u: &User, repos: &HashMap<i64, Repo>, i: &Issue) -> bool {
        i.creator_id == u.id || repos.get(&i.repo_id).is_some_and(|r| repo_push(u, r))
    }
}

/// The size of a generated [`World`].
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub orgs: i64,
    pub repos: i64,
    pub issues: i64,
    pub users: i64,
}

/// One authorization question, by index into the [`World`]'s vectors.
#[derive(Clone, Copy, Debug)]
pub enum Query {
    Org(usize, OrgPermission, usize),
    Repo(usize, RepoPermission, usize),
    Issue(usize, IssuePermission, usize),
}

impl Query {
    /// The user asking.
    pub fn user(self) -> usize {
        match self {
            Query::Org(u, ..) | Query::Repo(u, ..) | Query::Issue(u, ..) => u,
        }
    }

    /// `Org::Read`, `Repo::Push`, ...
    pub fn label(self) -> String {
        match self {
            Query::Org(_, p, _) => format!("Org::{p}"),
            Query::Repo(_, p, _) => format!("Repo::{p}"),
            Query::Issue(_, p, _) => format!("Issue::{p}"),
        }
    }
}

/// A generated code-hosting service: ids are 1-based and equal to the index plus one.
pub struct World {
    pub orgs: Vec<Org>,
    pub repos: Vec<Repo>,
    pub issues: Vec<Issue>,
    pub users: Vec<User>,
    /// The repos of each org (by org index), to draw related queries.
    pub org_repos: Vec<Vec<usize>>,
    /// The issues of each repo (by repo index).
    pub repo_issues: Vec<Vec<usize>>,
}

impl World {
    /// Orgs (30% public), repos in random orgs (20% public), issues in random repos with a
    /// random creator, users (2% admins) each holding 0–2 org roles (one in five an Owner) and
    /// 0–6 repo roles (Maintainer, Contributor or Reader), on random orgs and repos.
    pub fn generate(size: Size, seed: u64) -> World {
        let mut rng = Rng::new(seed);
        let orgs: Vec<Org> = (1..=size.orgs)
            .map(|id| Org {
                id,
                name: format!("org{id}"),
                is_public: rng.pct(30),
            })
            .collect();
        let repos: Vec<Repo> = (1..=size.repos)
            .map(|id| Repo {
                id,
                org_id: rng.upto(size.orgs as u64),
                name: format!("repo{id}"),
                is_public: rng.pct(20),
            })
            .collect();
        let issues: Vec<Issue> = (1..=size.issues)
            .map(|id| Issue {
                id,
                repo_id: rng.upto(size.repos as u64),
                creator_id: rng.upto(size.users as u64),
                closed: rng.pct(40),
            })
            .collect();
        let users: Vec<User> = (1..=size.users)
            .map(|id| {
                let mut org_roles = RoleMap::new();
                for _ in 0..rng.upto(3) - 1 {
                    let role = if rng.pct(20) {
                        OrgRole::Owner
                    } else {
                        OrgRole::Member
                    };
                    org_roles.insert(rng.upto(size.orgs as u64), role);
                }
                let mut repo_roles = RoleMap::new();
                for _ in 0..rng.upto(7) - 1 {
                    let role = match rng.upto(10) {
                        1..=2 => RepoRole::Maintainer,
                        3..=5 => RepoRole::Contributor,
                        _ => RepoRole::Reader,
                    };
                    repo_roles.insert(rng.upto(size.repos as u64), role);
                }
                // The in-memory benchmarks state each user's stored roles rather than load
                // them from a database (authz-core's `test-util`).
                User {
                    id,
                    is_admin: rng.pct(2),
                    org_roles: StoredRoles::assume_stored(id, org_roles),
                    repo_roles: StoredRoles::assume_stored(id, repo_roles),
                }
            })
            .collect();
        let mut org_repos = vec![Vec::new(); orgs.len()];
        for (i, r) in repos.iter().enumerate() {
            org_repos[r.org_id as usize - 1].push(i);
        }
        let mut repo_issues = vec![Vec::new(); repos.len()];
        for (i, issue) in issues.iter().enumerate() {
            repo_issues[issue.repo_id as usize - 1].push(i);
        }
        World {
            orgs,
            repos,
            issues,
            users,
            org_repos,
            repo_issues,
        }
    }

    /// What the generated check reads parents from: every org and repo by id.
    pub fn parents(&self) -> ParentMap {
        let mut parents = ParentMap::new();
        parents.extend(self.orgs.iter().cloned());
        parents.extend(self.repos.iter().cloned());
        parents
    }

    /// `n` queries: a random user, one of the six permissions in turn (Org::Read,
    /// Repo::Read/Push/Delete, Issue::Read/Close) and a resource that, half of the time, is
    /// related to the user (an org or repo they hold a role on, a repo of such an org, an
    /// issue of such a repo or one they created) and otherwise random, so that grants and
    /// refusals are both common.
    pub fn queries(&self, n: usize, seed: u64) -> Vec<Query> {
        let mut rng = Rng::new(seed);
        let pick = |rng: &mut Rng, len: usize| rng.upto(len as u64) as usize - 1;
        (0..n)
            .map(|k| {
                let u = pick(&mut rng, self.users.len());
                let user = &self.users[u];
                let related = rng.pct(50);
                // A repo related to the user, if any.
                let related_repo = |rng: &mut Rng| -> Option<usize> {
                    let mut candidates: Vec<usize> = user
                        .repo_roles
                        .roles()
                        .iter()
                        .map(|(id, _)| *id as usize - 1)
                        .collect();
                    for (org, _) in user.org_roles.roles().iter() {
                        candidates.extend(&self.org_repos[*org as usize - 1]);
                    }
                    candidates.sort_unstable();
                    (!candidates.is_empty()).then(|| candidates[pick(rng, candidates.len())])
                };
                match k % 6 {
                    0 => {
                        let mut orgs: Vec<usize> = user
                            .org_roles
                            .roles()
                            .iter()
                            .map(|(id, _)| *id as usize - 1)
                            .collect();
                        orgs.sort_unstable();
                        let o = if related && !orgs.is_empty() {
                            orgs[pick(&mut rng, orgs.len())]
                        } else {
                            pick(&mut rng, self.orgs.len())
                        };
                        Query::Org(u, OrgPermission::Read, o)
                    }
                    1..=3 => {
                        let r = related
                            .then(|| related_repo(&mut rng))
                            .flatten()
                            .unwrap_or_else(|| pick(&mut rng, self.repos.len()));
                        let p = [
                            RepoPermission::Read,
                            RepoPermission::Push,
                            RepoPermission::Delete,
                        ][k % 6 - 1];
                        Query::Repo(u, p, r)
                    }
                    _ => {
                        let p = [IssuePermission::Read, IssuePermission::Close][k % 6 - 4];
                        let mut i = pick(&mut rng, self.issues.len());
                        if related {
                            if rng.pct(20) {
                                // One the user created, if any.
                                if let Some(own) =
                                    self.issues.iter().position(|x| x.creator_id == user.id)
                                {
                                    i = own;
                                }
                            } else if let Some(r) = related_repo(&mut rng) {
                                let of_repo = &self.repo_issues[r];
                                if !of_repo.is_empty() {
                                    i = of_repo[pick(&mut rng, of_repo.len())];
                                }
                            }
                        }
                        Query::Issue(u, p, i)
                    }
                }
            })
            .collect()
    }

    /// The same world for the hand-written rules.
    pub fn hand(&self) -> HandWorld {
        let repos: Vec<hand::Repo> = self
            .repos
            .iter()
            .map(|r| hand::Repo {
                id: r.id,
                org_id: r.org_id,
                is_public: r.is_public,
            })
            .collect();
        HandWorld {
            orgs: self
                .orgs
                .iter()
                .map(|o| hand::Org {
                    id: o.id,
                    is_public: o.is_public,
                })
                .collect(),
            repos: repos.clone(),
            repos_by_id: repos.into_iter().map(|r| (r.id, r)).collect(),
            issues: self
                .issues
                .iter()
                .map(|i| hand::Issue {
                    id: i.id,
                    repo_id: i.repo_id,
                    creator_id: i.creator_id,
                })
                .collect(),
            users: self
                .users
                .iter()
                .map(|u| hand::User {
                    id: u.id,
                    is_admin: u.is_admin,
                    org_roles: u
                        .org_roles
                        .roles()
                        .iter()
                        .map(|(id, set)| {
                            let mut bits = 0;
                            for role in set.iter() {
                                bits |= match role {
                                    OrgRole::Owner => hand::OWNER,
                                    OrgRole::Member => hand::MEMBER,
                                };
                            }
                            (*id, bits)
                        })
                        .collect(),
                    repo_roles: u
                        .repo_roles
                        .roles()
                        .iter()
                        .map(|(id, set)| {
                            let mut bits = 0;
                            for role in set.iter() {
                                bits |= match role {
                                    RepoRole::Maintainer => hand::MAINTAINER,
                                    RepoRole::Contributor => hand::CONTRIBUTOR,
                                    RepoRole::Reader => hand::READER,
                                };
                            }
                            (*id, bits)
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// [`World`] for the hand-written rules: the same vectors, and repos by id in a `HashMap` (how
/// an issue's check finds its repo).
pub struct HandWorld {
    pub orgs: Vec<hand::Org>,
    pub repos: Vec<hand::Repo>,
    pub repos_by_id: HashMap<i64, hand::Repo>,
    pub issues: Vec<hand::Issue>,
    pub users: Vec<hand::User>,
}

impl HandWorld {
    /// The hand-written decision of `q`.
    #[inline]
    pub fn decide(&self, q: Query) -> bool {
        match q {
            Query::Org(u, p, o) => match p {
                OrgPermission::Read => hand::org_read(&self.users[u], &self.orgs[o]),
                OrgPermission::CreateRepo => hand::org_create_repo(&self.users[u], &self.orgs[o]),
            },
            Query::Repo(u, p, r) => {
                let (u, r) = (&self.users[u], &self.repos[r]);
                match p {
                    RepoPermission::Read => hand::repo_read(u, r),
                    RepoPermission::Push => hand::repo_push(u, r),
                    RepoPermission::Delete => hand::repo_delete(u, r),
                    RepoPermission::ChangeVisibility => hand::repo_change_visibility(u, r),
                }
            }
            Query::Issue(u, p, i) => {
                let (u, i) = (&self.users[u], &self.issues[i]);
                match p {
                    IssuePermission::Read => hand::issue_read(u, &self.repos_by_id, i),
                    IssuePermission::Close => hand::issue_close(u, &self.repos_by_id, i),
                }
            }
        }
    }
}

/// A resolver the application writes itself (the other way an authorizer reaches parents):
/// repos by id in one `HashMap`, no per-type map in front of it. Issue checks are the only
/// ones that look a parent up in this model.
pub struct RepoParents(pub HashMap<i64, Repo>);

impl RepoParents {
    pub fn new(world: &World) -> RepoParents {
        RepoParents(world.repos.iter().map(|r| (r.id, r.clone())).collect())
    }
}

impl Parents for RepoParents {
    #[inline]
    fn get_erased(&self, ty: TypeId, id: &dyn Any) -> Option<&dyn Any> {
        if ty == TypeId::of::<Repo>() {
            self.0.get(id.downcast_ref::<i64>()?).map(|r| r as &dyn Any)
        } else {
            None
        }
    }
}

/// The generated decision of `q`: `Authz::parents(..).is_allowed(..)` with the world's parents.
#[inline]
pub fn decide(world: &World, parents: &dyn Parents, q: Query) -> bool {
    match q {
        Query::Org(u, p, o) => Authz::new(&world.users[u])
            .parents(parents)
            .is_allowed(p, &world.orgs[o]),
        Query::Repo(u, p, r) => Authz::new(&world.users[u])
            .parents(parents)
            .is_allowed(p, &world.repos[r]),
        Query::Issue(u, p, i) => Authz::new(&world.users[u])
            .parents(parents)
            .is_allowed(p, &world.issues[i]),
    }
}
