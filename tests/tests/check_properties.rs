//! Property tests of the in-memory checks: for random actors, resources and contexts, the
//! generated `is_allowed` equals the same rule written by hand in Rust (with the documented
//! rule that a comparison with an absent value is false), and `authorized_actions`,
//! `authorize` and `Denied` agree with `is_allowed`.
// The hand-written rules mirror the declared ones term by term, redundancies included; clippy
// mistakes two `#[permission(.., if = <literal>)]` for duplicates (rust-clippy#13238).
#![allow(clippy::nonminimal_bool, clippy::duplicated_attributes)]

use authz_core::prelude::*;
use authz_core::DenyReason;
use proptest::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub enum Tier {
    Free,
    Pro,
    Enterprise,
}
authz_core::attr_value!(Tier);

#[derive(Actor, Clone, Debug)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
    pub level: Option<i32>,
    pub name: String,
    pub tier: Tier,
    pub score: f64,
}

#[derive(Resource, Clone, Debug)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id || actor.is_admin)]
#[permission(Edit, if = self.owner_id == actor.id && !(self.level > actor.level))]
#[permission(Review, if = self.level.is_some() && self.level <= actor.level && self.owner_id != actor.id)]
#[permission(Archive, if = ["draft", "old"].contains(&self.title) || self.title == actor.name)]
#[permission(Tiered, if = actor.tier >= self.min_tier || self.min_tier.is_none() && actor.tier != Tier::Free)]
#[permission(Scored, if = self.weight > actor.score && self.weight <= 10.0 || -1.5 >= self.weight)]
#[permission(Odd, if = !(self.is_public || actor.is_admin) && [1, 3, 5].contains(&self.count) || self.count < -2)]
#[permission(Flagged, if = self.flag || self.opt_flag == false)]
#[permission(NotFlagged, if = !self.opt_flag && self.level != 3)]
#[permission(Nobody, if = false)]
#[permission(Everybody, if = true)]
pub struct Doc {
    pub owner_id: i64,
    pub is_public: bool,
    pub level: Option<i32>,
    pub title: String,
    pub min_tier: Option<Tier>,
    pub weight: f64,
    pub count: i32,
    pub flag: bool,
    pub opt_flag: Option<bool>,
}

/// `a <op> b` over two optional values: false when either is absent.
fn both<T: Copy>(a: Option<T>, b: Option<T>, op: impl Fn(T, T) -> bool) -> bool {
    matches!((a, b), (Some(a), Some(b)) if op(a, b))
}

/// The rules of `Doc`, written by hand.
fn doc_rule(p: DocPermission, d: &Doc, u: &User) -> bool {
    match p {
        DocPermission::Read => d.is_public || d.owner_id == u.id || u.is_admin,
        DocPermission::Edit => d.owner_id == u.id && !both(d.level, u.level, |a, b| a > b),
        DocPermission::Review => {
            d.level.is_some() && both(d.level, u.level, |a, b| a <= b) && d.owner_id != u.id
        }
        DocPermission::Archive => d.title == "draft" || d.title == "old" || d.title == u.name,
        DocPermission::Tiered => {
            d.min_tier.is_some_and(|m| u.tier >= m)
                || (d.min_tier.is_none() && u.tier != Tier::Free)
        }
        DocPermission::Scored => (d.weight > u.score && d.weight <= 10.0) || -1.5 >= d.weight,
        DocPermission::Odd => {
            (!(d.is_public || u.is_admin) && matches!(d.count, 1 | 3 | 5)) || d.count < -2
        }
        DocPermission::Flagged => d.flag || d.opt_flag == Some(false),
        DocPermission::NotFlagged => d.opt_flag != Some(true) && d.level != Some(3),
        DocPermission::Nobody => false,
        DocPermission::Everybody => true,
    }
}

#[derive(Debug)]
pub struct Ctx {
    pub now: i64,
    pub region: Option<String>,
    pub trusted: bool,
}

#[derive(Resource, Clone, Debug)]
#[resource(actor = User, context = Ctx)]
#[permission(Read, if = self.published_at <= ctx.now || self.owner_id == actor.id)]
#[permission(Write, if = self.owner_id == actor.id && ctx.trusted || actor.is_admin && ctx.region == self.region)]
#[permission(Local, if = ctx.region.is_some() && ctx.region == self.region && !(ctx.now > self.expires_at))]
pub struct Post {
    pub owner_id: i64,
    pub published_at: i64,
    pub expires_at: Option<i64>,
    pub region: String,
}

fn post_rule(p: PostPermission, r: &Post, u: &User, c: &Ctx) -> bool {
    match p {
        PostPermission::Read => r.published_at <= c.now || r.owner_id == u.id,
        PostPermission::Write => {
            (r.owner_id == u.id && c.trusted)
                || (u.is_admin && c.region.as_deref() == Some(r.region.as_str()))
        }
        PostPermission::Local => {
            c.region.is_some()
                && c.region.as_deref() == Some(r.region.as_str())
                && !r.expires_at.is_some_and(|e| c.now > e)
        }
    }
}

fn tier() -> impl Strategy<Value = Tier> {
    prop::sample::select(vec![Tier::Free, Tier::Pro, Tier::Enterprise])
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -20.0..20.0f64,
        1 => prop::sample::select(vec![-1.5, 0.0, -0.0, 10.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["draft", "old", "new", "alice", ""]).prop_map(str::to_owned)
}

fn user() -> impl Strategy<Value = User> {
    (
        0i64..4,
        any::<bool>(),
        prop::option::of(0i32..5),
        name(),
        tier(),
        float(),
    )
        .prop_map(|(id, is_admin, level, name, tier, score)| User {
            id,
            is_admin,
            level,
            name,
            tier,
            score,
        })
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        (0i64..4, any::<bool>(), prop::option::of(0i32..5), name()),
        (
            prop::option::of(tier()),
            float(),
            -4i32..7,
            any::<bool>(),
            prop::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |((owner_id, is_public, level, title), (min_tier, weight, count, flag, opt_flag))| {
                Doc {
                    owner_id,
                    is_public,
                    level,
                    title,
                    min_tier,
                    weight,
                    count,
                    flag,
                    opt_flag,
                }
            },
        )
}

fn region() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["eu", "us", ""]).prop_map(str::to_owned)
}

fn post() -> impl Strategy<Value = Post> {
    (0i64..4, -5i64..5, prop::option::of(-5i64..5), region()).prop_map(
        |(owner_id, published_at, expires_at, region)| Post {
            owner_id,
            published_at,
            expires_at,
            region,
        },
    )
}

fn ctx() -> impl Strategy<Value = Ctx> {
    (-5i64..5, prop::option::of(region()), any::<bool>()).prop_map(|(now, region, trusted)| Ctx {
        now,
        region,
        trusted,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn is_allowed_matches_the_hand_written_rule(u in user(), d in doc()) {
        for &p in &DocPermission::ALL {
            prop_assert_eq!(is_allowed(&u, p, &d), doc_rule(p, &d, &u), "{}", p);
        }
        // The typed constants take the same path.
        prop_assert_eq!(is_allowed(&u, Doc::Edit, &d), doc_rule(DocPermission::Edit, &d, &u));
        prop_assert_eq!(is_allowed(&u, Doc::Tiered, &d), doc_rule(DocPermission::Tiered, &d, &u));
    }

    #[test]
    fn authorized_actions_is_the_set_of_allowed(u in user(), d in doc()) {
        let set = Authz::new(&u).actions(&d);
        let expected: PermissionSet<Doc> =
            DocPermission::ALL.into_iter().filter(|&p| is_allowed(&u, p, &d)).collect();
        prop_assert_eq!(set, expected);
        prop_assert_eq!(set.len(), set.iter().count());
        for p in DocPermission::ALL {
            prop_assert_eq!(set.contains(p), is_allowed(&u, p, &d));
        }
        prop_assert!(set.contains(Doc::Everybody));
        prop_assert!(!set.contains(Doc::Nobody));
        prop_assert_eq!(PermissionSet::<Doc>::from_bits(set.bits()), set);
    }

    #[test]
    fn authorize_agrees_and_denials_say_404_or_403(u in user(), d in doc()) {
        let readable = is_allowed(&u, Doc::Read, &d);
        for p in DocPermission::ALL {
            match Authz::new(&u).authorize(p, &d) {
                Ok(proof) => {
                    prop_assert!(is_allowed(&u, p, &d));
                    prop_assert!(std::ptr::eq(proof.resource(), &d));
                }
                Err(denied) => {
                    prop_assert!(!is_allowed(&u, p, &d));
                    prop_assert_eq!(denied.permission, p.name());
                    prop_assert_eq!(denied.resource, "Doc");
                    let reason = if readable { DenyReason::Forbidden } else { DenyReason::NotFound };
                    prop_assert_eq!(denied.reason, reason);
                    prop_assert_eq!(denied.status_code(), if readable { 403 } else { 404 });
                }
            }
        }
    }

    #[test]
    fn context_rules_match(u in user(), r in post(), c in ctx()) {
        let set = Authz::new(&u).context(&c).actions(&r);
        for &p in &PostPermission::ALL {
            let want = post_rule(p, &r, &u, &c);
            prop_assert_eq!(Authz::new(&u).context(&c).is_allowed(p, &r), want, "{}", p);
            prop_assert_eq!(Authz::new(&u).context(&c).authorize(p, &r).is_ok(), want);
            prop_assert_eq!(set.contains(p), want);
        }
        let expected: PermissionSet<Post> =
            PostPermission::ALL.into_iter().filter(|&p| post_rule(p, &r, &u, &c)).collect();
        prop_assert_eq!(set, expected);
    }

    #[test]
    fn permission_set_behaves_like_a_set(bits in any::<u64>(), extra in 0usize..11) {
        let set = PermissionSet::<Doc>::from_bits(bits);
        let names: Vec<&str> = set.iter().map(|p| p.name()).collect();
        let model: Vec<DocPermission> =
            DocPermission::ALL.into_iter().filter(|p| bits & (1 << p.index()) != 0).collect();
        prop_assert_eq!(set.iter().collect::<Vec<_>>(), model.clone());
        prop_assert_eq!(set.len(), model.len());
        prop_assert_eq!(set.to_string(), format!("{{{}}}", names.join(", ")));
        let mut more = set;
        let p = DocPermission::ALL[extra];
        more.insert(p);
        prop_assert!(more.contains(p));
        prop_assert_eq!(more.len(), set.len() + usize::from(!set.contains(p)));
        more.remove(p);
        prop_assert!(!more.contains(p));
        prop_assert_eq!(more.iter().collect::<PermissionSet<Doc>>(), more);
    }
}
