//! Invariant 3, "no interpreter": checks allocate nothing. A counting global allocator counts
//! the allocations of the current thread only, so tests running in parallel do not interfere.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::io::Write as _;

use authz_core::prelude::*;

struct Counting;

thread_local! {
    // `const` and without a destructor: reading it never allocates, even inside `alloc`.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The result of `f` and how many allocations it made on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = black_box(f());
    (out, ALLOCATIONS.with(Cell::get) - before)
}

#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub enum Tier {
    Free,
    Pro,
}
authz_core::attr_value!(Tier);

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
    pub name: String,
    pub clearance: Option<i32>,
    pub tier: Tier,
    pub score: f64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id || actor.is_admin)]
#[permission(Push, if = self.owner_id == actor.id && !(self.level > actor.clearance))]
#[permission(Tag, if = ["draft", "old"].contains(&self.title) || self.title == actor.name)]
#[permission(Rate, if = self.rating >= actor.score && actor.tier == Tier::Pro)]
#[permission(Label, if = self.label == "x" || self.label.is_none() && -3 < self.level)]
#[permission(Never, if = false)]
pub struct Repo {
    pub owner_id: i64,
    pub is_public: bool,
    pub level: Option<i32>,
    pub title: String,
    pub label: Option<String>,
    pub rating: f64,
}

pub struct Ctx {
    pub now: i64,
    pub region: Option<String>,
}

#[derive(Resource)]
#[resource(actor = User, context = Ctx)]
#[permission(Read, if = self.published_at <= ctx.now || self.owner_id == actor.id)]
#[permission(Local, if = ctx.region == self.region && ["eu", "us"].contains(&ctx.region))]
pub struct Post {
    pub owner_id: i64,
    pub published_at: i64,
    pub region: String,
}

#[derive(Debug)]
pub struct AppError(#[allow(dead_code)] Denied);
impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        AppError(d)
    }
}

#[requires(Repo::Push)]
fn push(actor: &User, repo: &Repo) -> Result<i64, AppError> {
    Ok(repo.owner_id + actor.id)
}

fn fixtures() -> (User, User, Repo, Repo) {
    let alice = User {
        id: 1,
        is_admin: false,
        name: "alice".to_owned(),
        clearance: Some(3),
        tier: Tier::Pro,
        score: 2.5,
    };
    let bob = User {
        id: 2,
        is_admin: false,
        name: "bob".to_owned(),
        clearance: None,
        tier: Tier::Free,
        score: 0.0,
    };
    let public = Repo {
        owner_id: 1,
        is_public: true,
        level: Some(2),
        title: "draft".to_owned(),
        label: Some("x".to_owned()),
        rating: 3.0,
    };
    let private = Repo {
        owner_id: 1,
        is_public: false,
        level: None,
        title: "alice".to_owned(),
        label: None,
        rating: 1.0,
    };
    (alice, bob, public, private)
}

#[test]
fn the_counter_counts() {
    let ((), n) = allocations(|| drop(black_box(vec![1u8, 2, 3])));
    assert_eq!(n, 1);
    let (s, n) = allocations(|| black_box(String::from("x")) + "yz");
    assert_eq!(s, "xyz");
    assert!(n >= 1);
}

#[test]
fn is_allowed_allocates_nothing() {
    let (alice, bob, public, private) = fixtures();
    let ((), n) = allocations(|| {
        for actor in [&alice, &bob] {
            for repo in [&public, &private] {
                for p in RepoPermission::ALL {
                    black_box(is_allowed(black_box(actor), black_box(p), black_box(repo)));
                }
                black_box(is_allowed(actor, Repo::Push, repo));
                black_box(is_allowed(actor, Repo::Tag, repo));
            }
        }
    });
    assert_eq!(n, 0);
    // The answers are the expected ones, so the work was really done.
    assert!(is_allowed(&alice, Repo::Push, &public));
    assert!(!is_allowed(&bob, Repo::Push, &public));
    assert!(is_allowed(&alice, Repo::Tag, &private));
    assert!(is_allowed(&alice, Repo::Rate, &public));
}

#[test]
fn authorize_allocates_nothing() {
    let (alice, bob, public, private) = fixtures();
    // Ok path.
    let (ok, n) = allocations(|| Authz::new(&alice).authorize(Repo::Push, &public).is_ok());
    assert!(ok);
    assert_eq!(n, 0);
    // Err path, 403.
    let (err, n) = allocations(|| Authz::new(&bob).authorize(Repo::Push, &public).unwrap_err());
    assert_eq!(n, 0);
    assert_eq!(err.status_code(), 403);
    // Err path, 404.
    let (err, n) = allocations(|| {
        Authz::new(&bob)
            .authorize(RepoPermission::Push, &private)
            .unwrap_err()
    });
    assert_eq!(n, 0);
    assert_eq!(err.status_code(), 404);
    // Every permission, both ways.
    let ((), n) = allocations(|| {
        for actor in [&alice, &bob] {
            for repo in [&public, &private] {
                for p in RepoPermission::ALL {
                    let _ = black_box(Authz::new(actor).authorize(p, repo));
                }
            }
        }
    });
    assert_eq!(n, 0);
    // The refusal's text is written without allocating too.
    let mut buf = [0u8; 128];
    let ((), n) = allocations(|| {
        let mut cursor = &mut buf[..];
        write!(cursor, "{err}").unwrap();
    });
    assert_eq!(n, 0);
    assert!(buf.starts_with(b"permission `Push` on `Repo` denied"));
}

#[test]
fn authorized_actions_allocates_nothing() {
    let (alice, bob, public, private) = fixtures();
    let (sets, n) = allocations(|| {
        [
            Authz::new(&alice).actions(&public),
            Authz::new(&alice).actions(&private),
            Authz::new(&bob).actions(&public),
            Authz::new(&bob).actions(&private),
        ]
    });
    assert_eq!(n, 0);
    assert!(sets[0].contains(Repo::Push));
    assert!(sets[3].is_empty());
    assert_eq!(
        sets[2],
        PermissionSet::from([
            RepoPermission::Read,
            RepoPermission::Tag,
            RepoPermission::Label
        ])
    );
    // Using the set: iteration, membership, length, formatting into a buffer.
    let mut buf = [0u8; 128];
    let (count, n) = allocations(|| {
        let set = sets[0];
        let mut cursor = &mut buf[..];
        write!(cursor, "{set}").unwrap();
        set.iter().filter(|p| set.contains(*p)).count() + set.len()
    });
    assert_eq!(n, 0);
    assert_eq!(count, 2 * sets[0].len());
    assert!(buf.starts_with(b"{Read, Push, Tag, Rate, Label}"));
}

#[test]
fn context_checks_allocate_nothing() {
    let (alice, bob, ..) = fixtures();
    let post = Post {
        owner_id: 1,
        published_at: 10,
        region: "eu".to_owned(),
    };
    let ctx = Ctx {
        now: 5,
        region: Some("eu".to_owned()),
    };
    let (answers, n) = allocations(|| {
        (
            Authz::new(&bob).context(&ctx).is_allowed(Post::Read, &post),
            Authz::new(&bob)
                .context(&ctx)
                .is_allowed(Post::Local, &post),
            Authz::new(&bob)
                .context(&ctx)
                .authorize(Post::Read, &post)
                .is_err(),
            Authz::new(&alice)
                .context(&ctx)
                .authorize(Post::Read, &post)
                .is_ok(),
            Authz::new(&bob).context(&ctx).actions(&post).len(),
        )
    });
    assert_eq!(n, 0);
    assert_eq!(answers, (false, true, true, true, 1));
}

#[test]
fn requires_allocates_nothing() {
    let (alice, bob, public, _) = fixtures();
    let (ok, n) = allocations(|| push(&alice, &public).is_ok());
    assert!(ok);
    assert_eq!(n, 0);
    let (err, n) = allocations(|| push(&bob, &public).is_err());
    assert!(err);
    assert_eq!(n, 0);
}

#[test]
fn permission_names_allocate_nothing() {
    let (p, n) = allocations(|| "Push".parse::<RepoPermission>().unwrap());
    assert_eq!(n, 0);
    assert_eq!(p, RepoPermission::Push);
    let (name, n) = allocations(|| RepoPermission::Label.name());
    assert_eq!(n, 0);
    assert_eq!(name, "Label");
}

#[derive(Actor)]
pub struct Viewer {
    pub id: i64,
    pub suspended: bool,
    #[actor(grants)]
    pub grants: Grants<PhotoGrant>,
}

#[derive(Grant)]
#[grant(resource = Photo, holder = user_id, scope = scope, anchor = camera_id)]
pub struct PhotoGrant {
    pub id: i64,
    pub user_id: i64,
    pub scope: String,
    pub camera_id: Option<i64>,
    pub min_lat: Option<f64>,
}

#[derive(Resource)]
#[resource(actor = Viewer)]
#[rule(boxed, if = grant(PhotoGrant, Read, on = self.camera_id, |g| g.min_lat.is_none() || g.min_lat <= self.lat))]
#[permission(Read, if = self.owner_id == actor.id || rule(boxed))]
#[prohibit(*, if = actor.suspended)]
pub struct Photo {
    pub id: i64,
    pub owner_id: i64,
    pub camera_id: i64,
    pub lat: f64,
}

/// Grants loaded, deny rules: a check walks the loaded grants and allocates nothing.
#[test]
fn grant_and_deny_rule_checks_allocate_nothing() {
    let viewer = Viewer {
        id: 1,
        suspended: false,
        grants: (0..10)
            .map(|i| PhotoGrant {
                id: i,
                user_id: 1,
                scope: if i % 2 == 0 { "Read" } else { "Other" }.into(),
                camera_id: Some(i),
                min_lat: Some(10.0),
            })
            .collect(),
    };
    let photos: Vec<Photo> = (0..12)
        .map(|i| Photo {
            id: i,
            owner_id: 2,
            camera_id: i,
            lat: 5.0 * i as f64,
        })
        .collect();
    let (allowed, n) = allocations(|| {
        photos
            .iter()
            .filter(|p| is_allowed(black_box(&viewer), Photo::Read, black_box(*p)))
            .count()
    });
    assert_eq!(
        allowed, 4,
        "cameras 2, 4, 6 and 8: a Read grant and lat >= 10"
    );
    assert_eq!(n, 0, "grant checks allocated {n} times");
}

/// An actor with kinds: who may read an article, a guest too.
#[derive(Actor)]
pub enum Principal {
    User { id: i64, teams: Vec<i64> },
    Service { id: i64, name: String },
    Guest,
}

#[derive(Resource)]
#[resource(actor = Principal)]
#[permission(Read, if = self.is_public
    || (actor.is(User) && (self.author_id == actor.id || actor.teams.contains(&self.team)))
    || (actor.is(Service) && self.feed.starts_with(&actor.name)))]
#[prohibit(*, if = actor.is(Guest) && self.draft)]
pub struct Article {
    pub id: i64,
    pub author_id: i64,
    pub team: i64,
    pub is_public: bool,
    pub draft: bool,
    pub feed: String,
}

/// Kind tests compare two enum values (the name is looked up at compile time), and a field
/// of one kind is read in place: nothing allocates.
#[test]
fn kind_checks_allocate_nothing() {
    let principals = [
        Principal::User {
            id: 1,
            teams: vec![3],
        },
        Principal::Service {
            id: 1,
            name: "news".into(),
        },
        Principal::Guest,
    ];
    let articles: Vec<Article> = (0..8)
        .map(|i| Article {
            id: i,
            author_id: i % 3,
            team: i % 4,
            is_public: i % 2 == 0,
            draft: i % 3 == 0,
            feed: if i % 4 == 1 { "news/eu" } else { "misc" }.into(),
        })
        .collect();
    let (allowed, n) = allocations(|| {
        let mut counts = [0usize; 3];
        for (count, p) in counts.iter_mut().zip(&principals) {
            *count = articles
                .iter()
                .filter(|a| is_allowed(black_box(p), Article::Read, black_box(*a)))
                .count();
        }
        counts
    });
    assert_eq!(allowed, [7, 6, 2], "user 1, service `news`, guest");
    assert_eq!(n, 0, "kind checks allocated {n} times");
}

#[derive(Actor)]
pub struct Reader {
    pub id: i64,
    pub tags: Vec<String>,
}

#[derive(Resource)]
#[resource(actor = Reader)]
#[set(viewers: i64)]
#[set(tags: String)]
#[set(blocked: i64, on = owner_id)]
#[permission(Read, if = self.owner_id == actor.id || self.viewers.contains(&actor.id))]
#[permission(Tagged, if = self.tags.all(|t| actor.tags.contains(t) && !t.starts_with("x")))]
#[prohibit(*, if = self.blocked.contains(&actor.id))]
pub struct Shared {
    pub id: i64,
    pub owner_id: i64,
}

/// Sets held by the parent resolver: a quantifier walks the values and allocates nothing.
#[test]
fn set_checks_allocate_nothing() {
    let mut parents = authz_core::ParentMap::new();
    for id in 0..8 {
        parents.insert_set::<shared_sets::viewers>(id, [id, 7]);
        parents.insert_set::<shared_sets::tags>(id, ["a".to_owned(), "b".to_owned()]);
    }
    parents.insert_set::<shared_sets::blocked>(2, [7]);
    parents.insert_set::<shared_sets::blocked>(3, []);
    let reader = Reader {
        id: 7,
        tags: vec!["a".into(), "b".into()],
    };
    let docs: Vec<Shared> = (0..8)
        .map(|id| Shared {
            id,
            owner_id: 2 + id % 2,
        })
        .collect();
    let authz = Authz::new(&reader).parents(&parents);
    let (allowed, n) = allocations(|| {
        docs.iter()
            .filter(|d| {
                black_box(&authz).is_allowed(Shared::Read, black_box(*d))
                    && authz.is_allowed(Shared::Tagged, *d)
            })
            .count()
    });
    assert_eq!(allowed, 4, "the documents of owner 3, who blocked no one");
    assert_eq!(n, 0, "set checks allocated {n} times");
}
