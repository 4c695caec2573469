//! Behaviour of the in-memory checks (resources without `table = ..`): every construct of the
//! condition language against the same expression written in plain Rust, the facade functions,
//! `Denied`, permission sets, permission enums, typed constants and `Authorized`.
// `clippy::duplicated_attributes` mistakes two `#[permission(.., if = <literal>)]` for duplicates.
#![allow(
    clippy::bool_assert_comparison,
    clippy::nonminimal_bool,
    clippy::duplicated_attributes
)]

use std::collections::HashSet;
use std::str::FromStr;

use authz_core::prelude::*;
use authz_core::{DenyReason, UnknownPermission};

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub enum Tier {
    Free,
    Pro,
    Enterprise,
}
authz_core::attr_value!(Tier);

pub mod limits {
    pub const MAX: i64 = 7;
}

#[derive(Actor, Clone, Debug)]
pub struct User {
    pub id: i64,
    pub age: i32,
    pub name: String,
    pub is_admin: bool,
    pub clearance: Option<i32>,
    pub score: f64,
    pub tier: Tier,
    pub team: Option<String>,
}

fn user(id: i64) -> User {
    User {
        id,
        age: 30,
        name: "alice".to_owned(),
        is_admin: false,
        clearance: None,
        score: 0.0,
        tier: Tier::Free,
        team: None,
    }
}

/// Every permission of `res` is allowed exactly when `expected` says so.
fn assert_matches<R>(actor: &User, res: &R, expected: impl Fn(R::Permission) -> bool, what: &str)
where
    R: Resource<Actor = User, Context = ()>
        + authz_core::ReadsContext<()>
        + authz_core::ReadsParents<authz_core::NoParents>,
{
    let mut want = PermissionSet::<R>::empty();
    for &perm in <R::Permission as PermissionEnum>::ALL {
        let got = is_allowed(actor, perm, res);
        assert_eq!(got, expected(perm), "{perm} on {what}");
        assert_eq!(
            Authz::new(actor).authorize(perm, res).is_ok(),
            got,
            "authorize {perm} on {what}"
        );
        if got {
            want.insert(perm);
        }
    }
    assert_eq!(
        Authz::new(actor).actions(res),
        want,
        "authorized_actions on {what}"
    );
}

// ---------------------------------------------------------------------------------------------
// Integers: every operator, the literal on either side, negative literals, constant paths.
// Permission names that are also names of std traits (`Eq`, ..) must not confuse the expansion.
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(Eq, if = self.n == 5)]
#[permission(Ne, if = self.n != 5)]
#[permission(Lt, if = self.n < 5)]
#[permission(Le, if = self.n <= 5)]
#[permission(Gt, if = self.n > 5)]
#[permission(Ge, if = self.n >= 5)]
#[permission(EqL, if = 5 == self.n)]
#[permission(NeL, if = 5 != self.n)]
#[permission(LtL, if = 5 < self.n)]
#[permission(LeL, if = 5 <= self.n)]
#[permission(GtL, if = 5 > self.n)]
#[permission(GeL, if = 5 >= self.n)]
#[permission(AboveNeg, if = self.n > -3)]
#[permission(NegLe, if = -3 <= self.n)]
#[permission(EqNeg, if = self.n == -7)]
#[permission(NegParen, if = self.n < (-2))]
#[permission(UnderMax, if = self.n <= limits::MAX)]
#[permission(SelfConst, if = self.n == Int::SPECIAL)]
#[permission(ActorId, if = self.n == actor.id)]
#[permission(ActorIdL, if = actor.id < self.n)]
#[permission(Age, if = self.small >= actor.age)]
#[permission(Small, if = self.small > -100 && self.small < 100)]
pub struct Int {
    pub n: i64,
    pub small: i32,
}

impl Int {
    pub const SPECIAL: i64 = 3;
}

fn int_expected(p: IntPermission, r: &Int, u: &User) -> bool {
    use IntPermission as P;
    let n = r.n;
    match p {
        P::Eq | P::EqL => n == 5,
        P::Ne | P::NeL => n != 5,
        P::Lt => n < 5,
        P::Le => n <= 5,
        P::Gt => n > 5,
        P::Ge => n >= 5,
        P::LtL => 5 < n,
        P::LeL => 5 <= n,
        P::GtL => 5 > n,
        P::GeL => 5 >= n,
        P::AboveNeg => n > -3,
        P::NegLe => -3 <= n,
        P::EqNeg => n == -7,
        P::NegParen => n < -2,
        P::UnderMax => n <= 7,
        P::SelfConst => n == 3,
        P::ActorId => n == u.id,
        P::ActorIdL => u.id < n,
        P::Age => r.small >= u.age,
        P::Small => r.small > -100 && r.small < 100,
    }
}

#[test]
fn integer_comparisons() {
    for id in [-5, 0, 5] {
        let mut u = user(id);
        for n in -10..=10 {
            for small in [-200, -100, -99, 0, 29, 30, 31, 99, 100, 101] {
                u.age = 30;
                let r = Int { n, small };
                assert_matches(&u, &r, |p| int_expected(p, &r, &u), &format!("{r:?}"));
            }
        }
    }
}

#[test]
fn integer_extremes() {
    let u = user(i64::MIN);
    for n in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX] {
        let r = Int { n, small: i32::MIN };
        assert_matches(&u, &r, |p| int_expected(p, &r, &u), &format!("{r:?}"));
        let r = Int { n, small: i32::MAX };
        assert_matches(&u, &r, |p| int_expected(p, &r, &u), &format!("{r:?}"));
    }
}

/// Literals take the type of the field they are compared with, for every integer width.
#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(U8, if = self.a > 200)]
#[permission(I16, if = self.b < -300)]
#[permission(U64, if = self.c >= 18_000_000_000_000_000_000)]
#[permission(I128, if = self.d == -170_141_183_460_469_231_731_687_303_715_884_105_728)]
#[permission(Usize, if = 3 < self.e)]
#[permission(Char, if = self.f == 'x' || 'a' > self.f)]
pub struct Widths {
    pub a: u8,
    pub b: i16,
    pub c: u64,
    pub d: i128,
    pub e: usize,
    pub f: char,
}

#[test]
fn integer_widths() {
    let u = user(1);
    let cases = [
        Widths {
            a: 201,
            b: -301,
            c: u64::MAX,
            d: i128::MIN,
            e: 4,
            f: 'x',
        },
        Widths {
            a: 200,
            b: -300,
            c: 17_999_999_999_999_999_999,
            d: i128::MIN + 1,
            e: 3,
            f: 'b',
        },
        Widths {
            a: 0,
            b: i16::MAX,
            c: 0,
            d: 0,
            e: 0,
            f: 'A',
        },
    ];
    for r in &cases {
        assert_matches(
            &u,
            r,
            |p| match p {
                WidthsPermission::U8 => r.a > 200,
                WidthsPermission::I16 => r.b < -300,
                WidthsPermission::U64 => r.c >= 18_000_000_000_000_000_000,
                WidthsPermission::I128 => r.d == i128::MIN,
                WidthsPermission::Usize => 3 < r.e,
                WidthsPermission::Char => r.f == 'x' || 'a' > r.f,
            },
            &format!("{r:?}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Floats
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(XEq, if = self.x == 2.5)]
#[permission(XNe, if = self.x != 2.5)]
#[permission(XLt, if = self.x < -0.5)]
#[permission(XGeL, if = 2.5 >= self.x)]
#[permission(XLeNegL, if = -1.5e1 <= self.x)]
#[permission(YGt, if = self.y > 1.0)]
#[permission(YLtL, if = 0.25 < self.y)]
#[permission(Score, if = self.x > actor.score)]
#[permission(Opt, if = self.z <= 1.0)]
pub struct Ratio {
    pub x: f64,
    pub y: f32,
    pub z: Option<f64>,
}

#[test]
fn float_comparisons() {
    let xs = [
        f64::NEG_INFINITY,
        -15.0,
        -15.5,
        -0.5,
        -0.0,
        0.0,
        2.5,
        3.0,
        f64::NAN,
        f64::INFINITY,
    ];
    let ys = [0.25f32, 0.5, 1.0, 1.5, f32::NAN];
    let zs = [None, Some(1.0), Some(1.5), Some(f64::NAN), Some(-3.0)];
    for score in [0.0, 2.5, f64::NAN] {
        let mut u = user(1);
        u.score = score;
        for &x in &xs {
            for &y in &ys {
                for &z in &zs {
                    let r = Ratio { x, y, z };
                    assert_matches(
                        &u,
                        &r,
                        |p| match p {
                            RatioPermission::XEq => x == 2.5,
                            RatioPermission::XNe => x != 2.5,
                            RatioPermission::XLt => x < -0.5,
                            RatioPermission::XGeL => 2.5 >= x,
                            RatioPermission::XLeNegL => -15.0 <= x,
                            RatioPermission::YGt => y > 1.0,
                            RatioPermission::YLtL => 0.25 < y,
                            RatioPermission::Score => x > score,
                            RatioPermission::Opt => z.is_some_and(|z| z <= 1.0),
                        },
                        &format!("{r:?} score {score}"),
                    );
                }
            }
        }
    }
}

#[test]
fn nan_compares_false_but_ne_is_true() {
    let u = user(1);
    let r = Ratio {
        x: f64::NAN,
        y: f32::NAN,
        z: Some(f64::NAN),
    };
    assert_eq!(
        Authz::new(&u).actions(&r),
        PermissionSet::from([RatioPermission::XNe])
    );
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(Is, if = self.s == "abc")]
#[permission(IsL, if = "abc" == self.s)]
#[permission(IsNot, if = self.s != "abc")]
#[permission(Before, if = self.s < "m")]
#[permission(AfterL, if = "m" <= self.s)]
#[permission(Named, if = self.s == actor.name)]
#[permission(Label, if = self.label == "x")]
#[permission(Tag, if = self.tag == actor.name)]
#[permission(Empty, if = self.s == "")]
#[permission(Escaped, if = self.s == "a\"b\n")]
#[permission(Unicode, if = self.s == "héllo ✓")]
#[permission(Raw, if = self.s == r"a\b")]
pub struct Text {
    pub s: String,
    pub label: Box<str>,
    pub tag: &'static str,
}

#[test]
fn string_comparisons() {
    let u = user(1);
    let strings = [
        "",
        "abc",
        "abd",
        "ab",
        "m",
        "l",
        "zzz",
        "alice",
        "a\"b\n",
        "héllo ✓",
        "a\\b",
        "ABC",
    ];
    for s in strings {
        for label in ["x", "y", ""] {
            for tag in ["alice", "bob"] {
                let r = Text {
                    s: s.to_owned(),
                    label: label.into(),
                    tag,
                };
                assert_matches(
                    &u,
                    &r,
                    |p| match p {
                        TextPermission::Is | TextPermission::IsL => s == "abc",
                        TextPermission::IsNot => s != "abc",
                        TextPermission::Before => s < "m",
                        TextPermission::AfterL => "m" <= s,
                        TextPermission::Named => s == u.name,
                        TextPermission::Label => label == "x",
                        TextPermission::Tag => tag == u.name,
                        TextPermission::Empty => s.is_empty(),
                        TextPermission::Escaped => s == "a\"b\n",
                        TextPermission::Unicode => s == "héllo ✓",
                        TextPermission::Raw => s == "a\\b",
                    },
                    &format!("{r:?}"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Booleans
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(T, if = self.b == true)]
#[permission(F, if = self.b == false)]
#[permission(NeF, if = self.b != false)]
#[permission(FL, if = false == self.b)]
#[permission(Bare, if = self.b)]
#[permission(NotBare, if = !self.b)]
#[permission(OptBare, if = self.ob)]
#[permission(OptFalse, if = self.ob == false)]
#[permission(OptNeTrue, if = self.ob != true)]
#[permission(NotOpt, if = !self.ob)]
#[permission(Admin, if = actor.is_admin)]
#[permission(SameAsAdmin, if = self.b == actor.is_admin)]
#[permission(Always, if = true)]
#[permission(Never, if = false)]
#[permission(NotTrue, if = !true)]
#[permission(TrueOrNever, if = false || self.b)]
pub struct Flags {
    pub b: bool,
    pub ob: Option<bool>,
}

#[test]
fn bool_comparisons() {
    for is_admin in [false, true] {
        let mut u = user(1);
        u.is_admin = is_admin;
        for b in [false, true] {
            for ob in [None, Some(false), Some(true)] {
                let r = Flags { b, ob };
                assert_matches(
                    &u,
                    &r,
                    |p| match p {
                        FlagsPermission::T | FlagsPermission::NeF | FlagsPermission::Bare => b,
                        FlagsPermission::F | FlagsPermission::FL | FlagsPermission::NotBare => !b,
                        FlagsPermission::OptBare => ob == Some(true),
                        FlagsPermission::OptFalse => ob == Some(false),
                        // `!=` is the negation of `==`: an absent value is "not true".
                        FlagsPermission::OptNeTrue => ob != Some(true),
                        // `!` is classical: `!None` holds.
                        FlagsPermission::NotOpt => ob != Some(true),
                        FlagsPermission::Admin => is_admin,
                        FlagsPermission::SameAsAdmin => b == is_admin,
                        FlagsPermission::Always => true,
                        FlagsPermission::Never | FlagsPermission::NotTrue => false,
                        FlagsPermission::TrueOrNever => b,
                    },
                    &format!("{r:?} admin {is_admin}"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Constant paths: a user enum made comparable with `attr_value!`
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(Pro, if = self.tier == Tier::Pro)]
#[permission(NotPro, if = self.tier != Tier::Pro)]
#[permission(AtLeastPro, if = self.tier >= Tier::Pro)]
#[permission(FreeL, if = Tier::Free == self.tier)]
#[permission(BelowL, if = Tier::Enterprise > self.tier)]
#[permission(Paid, if = [Tier::Pro, Tier::Enterprise].contains(&self.tier))]
#[permission(Fits, if = actor.tier >= self.min)]
#[permission(SameTier, if = self.tier == actor.tier)]
#[permission(Qualified, if = crate::Tier::Enterprise == actor.tier)]
#[permission(MinUnset, if = self.min.is_none())]
#[permission(MinPro, if = self.min == Tier::Pro)]
pub struct Plan {
    pub tier: Tier,
    pub min: Option<Tier>,
}

#[test]
fn constant_paths() {
    let tiers = [Tier::Free, Tier::Pro, Tier::Enterprise];
    for actor_tier in tiers {
        let mut u = user(1);
        u.tier = actor_tier;
        for tier in tiers {
            for min in [
                None,
                Some(Tier::Free),
                Some(Tier::Pro),
                Some(Tier::Enterprise),
            ] {
                let r = Plan { tier, min };
                assert_matches(
                    &u,
                    &r,
                    |p| match p {
                        PlanPermission::Pro => tier == Tier::Pro,
                        PlanPermission::NotPro => tier != Tier::Pro,
                        PlanPermission::AtLeastPro => tier >= Tier::Pro,
                        PlanPermission::FreeL => tier == Tier::Free,
                        PlanPermission::BelowL => Tier::Enterprise > tier,
                        PlanPermission::Paid => tier != Tier::Free,
                        PlanPermission::Fits => min.is_some_and(|m| actor_tier >= m),
                        PlanPermission::SameTier => tier == actor_tier,
                        PlanPermission::Qualified => actor_tier == Tier::Enterprise,
                        PlanPermission::MinUnset => min.is_none(),
                        PlanPermission::MinPro => min == Some(Tier::Pro),
                    },
                    &format!("{r:?} actor {actor_tier:?}"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Option fields: an absent value never satisfies a comparison
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(LevelEq, if = self.level == actor.clearance)]
#[permission(LevelNe, if = self.level != actor.clearance)]
#[permission(Cleared, if = self.level <= actor.clearance)]
#[permission(ClearedL, if = actor.clearance >= self.level)]
#[permission(Above, if = self.level > 2)]
#[permission(NotAbove, if = !(self.level > 2))]
#[permission(Has, if = self.level.is_some())]
#[permission(Unset, if = self.level.is_none())]
#[permission(NotUnset, if = !self.level.is_none())]
#[permission(UnsetOrCleared, if = self.level.is_none() || self.level <= actor.clearance)]
#[permission(Team, if = self.team == actor.team)]
#[permission(TeamLit, if = self.team == "core")]
#[permission(TeamLitL, if = "core" == self.team)]
#[permission(LevelIn, if = [1, 2, 3].contains(&self.level))]
#[permission(ActorClear, if = actor.clearance.is_some() && actor.clearance > 2)]
#[permission(Nested, if = self.nested == 4)]
#[permission(NestedSome, if = self.nested.is_some())]
pub struct Doc {
    pub owner_id: i64,
    pub level: Option<i32>,
    pub team: Option<String>,
    pub nested: Option<Option<i64>>,
}

#[test]
fn option_fields() {
    let levels = [None, Some(1), Some(2), Some(3), Some(4)];
    let teams = [None, Some("core"), Some("web")];
    for clearance in levels {
        for actor_team in teams {
            let mut u = user(1);
            u.clearance = clearance;
            u.team = actor_team.map(str::to_owned);
            for level in levels {
                for team in teams {
                    for nested in [None, Some(None), Some(Some(4)), Some(Some(5))] {
                        let r = Doc {
                            owner_id: 1,
                            level,
                            team: team.map(str::to_owned),
                            nested,
                        };
                        let both = |f: fn(i32, i32) -> bool| match (level, clearance) {
                            (Some(l), Some(c)) => f(l, c),
                            _ => false,
                        };
                        assert_matches(
                            &u,
                            &r,
                            |p| match p {
                                DocPermission::LevelEq => both(|l, c| l == c),
                                DocPermission::LevelNe => !both(|l, c| l == c),
                                DocPermission::Cleared | DocPermission::ClearedL => {
                                    both(|l, c| l <= c)
                                }
                                DocPermission::Above => level.is_some_and(|l| l > 2),
                                DocPermission::NotAbove => !level.is_some_and(|l| l > 2),
                                DocPermission::Has | DocPermission::NotUnset => level.is_some(),
                                DocPermission::Unset => level.is_none(),
                                DocPermission::UnsetOrCleared => {
                                    level.is_none() || both(|l, c| l <= c)
                                }
                                DocPermission::Team => {
                                    team.is_some() && actor_team.is_some() && team == actor_team
                                }
                                DocPermission::TeamLit | DocPermission::TeamLitL => {
                                    team == Some("core")
                                }
                                DocPermission::LevelIn => {
                                    level.is_some_and(|l| [1, 2, 3].contains(&l))
                                }
                                DocPermission::ActorClear => clearance.is_some_and(|c| c > 2),
                                DocPermission::Nested => nested == Some(Some(4)),
                                DocPermission::NestedSome => matches!(nested, Some(Some(_))),
                            },
                            &format!("{r:?} actor {clearance:?} {actor_team:?}"),
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn none_never_grants_a_comparison() {
    let mut u = user(1);
    u.clearance = None;
    u.team = None;
    let r = Doc {
        owner_id: 1,
        level: None,
        team: None,
        nested: None,
    };
    // None == None is false: an unset attribute on both sides grants nothing.
    assert!(!is_allowed(&u, Doc::LevelEq, &r));
    assert!(!is_allowed(&u, Doc::Cleared, &r));
    assert!(!is_allowed(&u, Doc::ClearedL, &r));
    assert!(!is_allowed(&u, Doc::Team, &r));
    assert!(!is_allowed(&u, Doc::TeamLit, &r));
    assert!(!is_allowed(&u, Doc::LevelIn, &r));
    assert!(!is_allowed(&u, Doc::Above, &r));
    assert!(is_allowed(&u, Doc::Unset, &r));
}

// ---------------------------------------------------------------------------------------------
// `[..].contains(&x)`
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(Str, if = ["a", "b"].contains(&self.s))]
#[permission(Num, if = [1, -2, 3].contains(&self.n))]
#[permission(One, if = [4].contains(&self.n))]
#[permission(Empty, if = [].contains(&self.n))]
#[permission(NotIn, if = ![1, 2].contains(&self.n))]
#[permission(ActorIn, if = ["alice", "bob"].contains(&actor.name))]
#[permission(Trailing, if = ["a", "b",].contains(&self.s) && self.n > 0)]
#[permission(Floats, if = [0.5, -1.5].contains(&self.f))]
pub struct Tagged {
    pub s: String,
    pub n: i32,
    pub f: f32,
}

#[test]
fn contains_lists() {
    for name in ["alice", "bob", "carol"] {
        let mut u = user(1);
        u.name = name.to_owned();
        for s in ["a", "b", "c", "", "ab"] {
            for n in -3..=5 {
                for f in [0.5f32, -1.5, 1.5, f32::NAN] {
                    let r = Tagged {
                        s: s.to_owned(),
                        n,
                        f,
                    };
                    assert_matches(
                        &u,
                        &r,
                        |p| match p {
                            TaggedPermission::Str => ["a", "b"].contains(&s),
                            TaggedPermission::Num => [1, -2, 3].contains(&n),
                            TaggedPermission::One => n == 4,
                            TaggedPermission::Empty => false,
                            TaggedPermission::NotIn => ![1, 2].contains(&n),
                            TaggedPermission::ActorIn => ["alice", "bob"].contains(&name),
                            TaggedPermission::Trailing => ["a", "b"].contains(&s) && n > 0,
                            TaggedPermission::Floats => [0.5, -1.5].contains(&f),
                        },
                        &format!("{r:?} actor {name}"),
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// `&&`, `||`, `!`: precedence and parentheses
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(AOrBAndC, if = self.a || self.b && self.c)]
#[permission(AAndBOrC, if = self.a && self.b || self.c)]
#[permission(Paren, if = (self.a || self.b) && self.c)]
#[permission(ParenRight, if = self.a && (self.b || self.c))]
#[permission(NotAnd, if = !self.a && self.b)]
#[permission(NotParen, if = !(self.a && self.b))]
#[permission(NotOr, if = !(self.a || self.b) || self.c)]
#[permission(DoubleNot, if = !!self.a)]
#[permission(Mixed, if = self.a && !self.b || !self.c && self.a)]
#[permission(Nested, if = !((self.a || !self.b) && !(self.c || self.a)))]
#[permission(Chain, if = self.a && self.b && self.c)]
#[permission(OrChain, if = self.a || self.b || self.c)]
#[permission(Redundant, if = ((self.a)) || ((self.b && (self.c))))]
#[permission(CmpMix, if = self.n > 1 && self.a || self.n == 0 && !self.b)]
#[permission(NotCmp, if = !(self.n > 1) && !(self.n < -1))]
#[permission(ConstMix, if = true && self.a || false)]
pub struct Logic {
    pub a: bool,
    pub b: bool,
    pub c: bool,
    pub n: i32,
}

#[test]
fn connectives_and_precedence() {
    let u = user(1);
    for bits in 0..8u8 {
        let (a, b, c) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
        for n in -2..=2 {
            let r = Logic { a, b, c, n };
            assert_matches(
                &u,
                &r,
                |p| match p {
                    LogicPermission::AOrBAndC => a || (b && c),
                    LogicPermission::AAndBOrC => (a && b) || c,
                    LogicPermission::Paren => (a || b) && c,
                    LogicPermission::ParenRight => a && (b || c),
                    LogicPermission::NotAnd => (!a) && b,
                    LogicPermission::NotParen => !(a && b),
                    LogicPermission::NotOr => !(a || b) || c,
                    LogicPermission::DoubleNot => a,
                    LogicPermission::Mixed => (a && !b) || (!c && a),
                    LogicPermission::Nested => !((a || !b) && !(c || a)),
                    LogicPermission::Chain => a && b && c,
                    LogicPermission::OrChain => a || b || c,
                    LogicPermission::Redundant => a || (b && c),
                    LogicPermission::CmpMix => (n > 1 && a) || (n == 0 && !b),
                    LogicPermission::NotCmp => !(n > 1) && !(n < -1),
                    LogicPermission::ConstMix => a,
                },
                &format!("{r:?}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request context
// ---------------------------------------------------------------------------------------------

pub struct Ctx {
    pub now: i64,
    pub trusted: bool,
    pub region: Option<String>,
}

#[derive(Resource, Debug)]
#[resource(actor = User, context = Ctx)]
#[permission(Read, if = self.published_at <= ctx.now || self.owner_id == actor.id)]
#[permission(Write, if = self.owner_id == actor.id && ctx.trusted)]
#[permission(Local, if = self.region == ctx.region)]
#[permission(Embargo, if = ctx.now < 100 && !ctx.trusted)]
#[permission(Known, if = ctx.region.is_some() && ["eu", "us"].contains(&ctx.region))]
pub struct Post {
    pub owner_id: i64,
    pub published_at: i64,
    pub region: String,
}

#[test]
fn context_values() {
    let owner = user(1);
    let other = user(2);
    let post = Post {
        owner_id: 1,
        published_at: 100,
        region: "eu".to_owned(),
    };
    let before = Ctx {
        now: 50,
        trusted: false,
        region: None,
    };
    let after = Ctx {
        now: 100,
        trusted: true,
        region: Some("eu".to_owned()),
    };
    let elsewhere = Ctx {
        now: 150,
        trusted: true,
        region: Some("mars".to_owned()),
    };

    assert!(Authz::new(&owner)
        .context(&before)
        .is_allowed(Post::Read, &post));
    assert!(!Authz::new(&other)
        .context(&before)
        .is_allowed(Post::Read, &post));
    assert!(Authz::new(&other)
        .context(&after)
        .is_allowed(Post::Read, &post));
    assert!(!Authz::new(&owner)
        .context(&before)
        .is_allowed(Post::Write, &post));
    assert!(Authz::new(&owner)
        .context(&after)
        .is_allowed(Post::Write, &post));
    assert!(!Authz::new(&other)
        .context(&after)
        .is_allowed(Post::Write, &post));
    assert!(!Authz::new(&owner)
        .context(&before)
        .is_allowed(Post::Local, &post));
    assert!(Authz::new(&owner)
        .context(&after)
        .is_allowed(Post::Local, &post));
    assert!(!Authz::new(&owner)
        .context(&elsewhere)
        .is_allowed(Post::Local, &post));
    assert!(Authz::new(&owner)
        .context(&before)
        .is_allowed(Post::Embargo, &post));
    assert!(!Authz::new(&owner)
        .context(&after)
        .is_allowed(Post::Embargo, &post));
    assert!(!Authz::new(&owner)
        .context(&before)
        .is_allowed(Post::Known, &post));
    assert!(Authz::new(&owner)
        .context(&after)
        .is_allowed(Post::Known, &post));
    assert!(!Authz::new(&owner)
        .context(&elsewhere)
        .is_allowed(Post::Known, &post));

    assert_eq!(
        Authz::new(&owner).context(&before).actions(&post),
        PermissionSet::from([PostPermission::Read, PostPermission::Embargo])
    );
    assert_eq!(
        Authz::new(&other).context(&after).actions(&post),
        PermissionSet::from([
            PostPermission::Read,
            PostPermission::Local,
            PostPermission::Known
        ])
    );
    assert!(Authz::new(&other)
        .context(&elsewhere)
        .actions(&Post {
            owner_id: 1,
            published_at: 200,
            region: "eu".to_owned()
        })
        .is_empty());

    // authorize_with: proof, 403 and 404.
    let proof = Authz::new(&owner)
        .context(&after)
        .authorize(Post::Write, &post)
        .unwrap();
    assert_eq!(proof.owner_id, 1);
    let forbidden = Authz::new(&other)
        .context(&after)
        .authorize(Post::Write, &post)
        .unwrap_err();
    assert_eq!(forbidden.status_code(), 403);
    assert_eq!(forbidden.to_string(), "permission `Write` on `Post` denied");
    let hidden = Authz::new(&other)
        .context(&before)
        .authorize(Post::Write, &post)
        .unwrap_err();
    assert_eq!(hidden.status_code(), 404);
    assert!(hidden.is_not_found());

    // Every permission agrees with authorized_actions_with, for every context.
    for ctx in [&before, &after, &elsewhere] {
        for actor in [&owner, &other] {
            let set = Authz::new(actor).context(ctx).actions(&post);
            for &p in &PostPermission::ALL {
                assert_eq!(
                    set.contains(p),
                    Authz::new(actor).context(ctx).is_allowed(p, &post)
                );
                assert_eq!(
                    set.contains(p),
                    Authz::new(actor).context(ctx).authorize(p, &post).is_ok()
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The running example: Denied, 404 vs 403, authorized_actions, sets, enums, typed constants
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug, PartialEq)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id)]
#[permission(Push, if = self.owner_id == actor.id || actor.is_admin)]
#[permission(Delete, if = self.owner_id == actor.id)]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
}

fn repo(owner_id: i64, is_public: bool) -> Repo {
    Repo {
        id: 42,
        owner_id,
        is_public,
    }
}

fn admin(id: i64) -> User {
    User {
        is_admin: true,
        ..user(id)
    }
}

#[test]
fn denied_display_and_names() {
    let bob = user(2);
    let err = Authz::new(&bob)
        .authorize(Repo::Push, &repo(1, true))
        .unwrap_err();
    assert_eq!(err.to_string(), "permission `Push` on `Repo` denied");
    assert_eq!(err.permission, "Push");
    assert_eq!(err.resource, "Repo");
    assert_eq!(err.reason, DenyReason::Forbidden);
    assert_eq!(
        err,
        Denied {
            resource: "Repo",
            permission: "Push",
            reason: DenyReason::Forbidden
        }
    );
    // Denied is a std error (thiserror), usable with `?` into Box<dyn Error>.
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert_eq!(boxed.to_string(), "permission `Push` on `Repo` denied");
}

#[test]
fn denied_is_403_when_the_actor_may_read() {
    let bob = user(2);
    let err = Authz::new(&bob)
        .authorize(Repo::Delete, &repo(1, true))
        .unwrap_err();
    assert_eq!(err.status_code(), 403);
    assert!(!err.is_not_found());
    assert_eq!(err.reason, DenyReason::Forbidden);

    // An admin may push but not delete a private repo he cannot read: 404.
    let root = admin(3);
    assert!(Authz::new(&root)
        .authorize(Repo::Push, &repo(1, false))
        .is_ok());
    let err = Authz::new(&root)
        .authorize(Repo::Delete, &repo(1, false))
        .unwrap_err();
    assert_eq!(err.status_code(), 404);
}

#[test]
fn denied_is_404_when_the_actor_may_not_read() {
    let bob = user(2);
    let private = repo(1, false);
    for perm in [RepoPermission::Push, RepoPermission::Delete] {
        let err = Authz::new(&bob).authorize(perm, &private).unwrap_err();
        assert_eq!(err.status_code(), 404, "{perm}");
        assert!(err.is_not_found());
        assert_eq!(err.reason, DenyReason::NotFound);
        assert_eq!(err.permission, perm.name());
    }
    // Refusing Read itself discloses nothing either.
    let err = Authz::new(&bob)
        .authorize(Repo::Read, &private)
        .unwrap_err();
    assert_eq!(err.status_code(), 404);
    assert_eq!(err.to_string(), "permission `Read` on `Repo` denied");
}

/// `read = View` names the permission that decides 404 vs 403; a permission that happens to be
/// called `Read` then has no special role.
#[derive(Resource, Debug)]
#[resource(actor = User, read = View)]
#[permission(Read, if = self.owner_id == actor.id)]
#[permission(View, if = self.visible)]
#[permission(Edit, if = self.owner_id == actor.id)]
pub struct Page {
    pub owner_id: i64,
    pub visible: bool,
}

#[test]
fn read_override() {
    assert_eq!(Page::READ, Some(PagePermission::View));
    assert_eq!(Repo::READ, Some(RepoPermission::Read));
    let bob = user(2);
    let visible = Page {
        owner_id: 1,
        visible: true,
    };
    let hidden = Page {
        owner_id: 1,
        visible: false,
    };
    // `Read` is refused but `View` holds: the page is known to exist, so 403.
    assert_eq!(
        Authz::new(&bob)
            .authorize(Page::Edit, &visible)
            .unwrap_err()
            .status_code(),
        403
    );
    assert_eq!(
        Authz::new(&bob)
            .authorize(Page::Read, &visible)
            .unwrap_err()
            .status_code(),
        403
    );
    assert_eq!(
        Authz::new(&bob)
            .authorize(Page::Edit, &hidden)
            .unwrap_err()
            .status_code(),
        404
    );
    assert_eq!(
        Authz::new(&bob)
            .authorize(Page::View, &hidden)
            .unwrap_err()
            .status_code(),
        404
    );
    // The owner may Read (by the rule named Read) a hidden page, but not View it; a refused
    // View is always a 404.
    let owner = user(1);
    assert!(Authz::new(&owner).authorize(Page::Read, &hidden).is_ok());
    assert_eq!(
        Authz::new(&owner)
            .authorize(Page::View, &hidden)
            .unwrap_err()
            .status_code(),
        404
    );
}

/// No `Read` and no `read = ..`: existence is not secret, every refusal is a 403.
#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(Use, if = actor.is_admin)]
pub struct Tool {
    pub id: i64,
}

#[test]
fn no_read_permission_means_403() {
    assert_eq!(Tool::READ, None);
    let err = Authz::new(&user(1))
        .authorize(Tool::Use, &Tool { id: 1 })
        .unwrap_err();
    assert_eq!(err.status_code(), 403);
    assert_eq!(err.to_string(), "permission `Use` on `Tool` denied");
    assert!(Authz::new(&admin(1))
        .authorize(Tool::Use, &Tool { id: 1 })
        .is_ok());
}

#[test]
fn authorized_actions_sets() {
    let owner = user(1);
    let bob = user(2);
    let root = admin(3);
    let public = repo(1, true);
    let private = repo(1, false);
    assert_eq!(
        Authz::new(&owner).actions(&private),
        PermissionSet::<Repo>::all()
    );
    assert_eq!(
        Authz::new(&bob).actions(&public),
        PermissionSet::from([RepoPermission::Read])
    );
    assert_eq!(Authz::new(&bob).actions(&private), PermissionSet::empty());
    assert_eq!(
        Authz::new(&root).actions(&public),
        PermissionSet::from([RepoPermission::Read, RepoPermission::Push])
    );
    assert_eq!(
        Authz::new(&root).actions(&private),
        PermissionSet::from([RepoPermission::Push])
    );
    assert_eq!(Authz::new(&root).actions(&private).to_string(), "{Push}");
    // The set agrees with one check per permission.
    for actor in [&owner, &bob, &root] {
        let authz = Authz::new(actor);
        for r in [&public, &private] {
            let mut slow = PermissionSet::<Repo>::empty();
            for &p in <RepoPermission as PermissionEnum>::ALL {
                if authz.is_allowed(p, r) {
                    slow.insert(p);
                }
            }
            assert_eq!(authz.actions(r), slow);
            assert_eq!(r.permissions(authz.env::<Repo>(),), slow);
        }
    }
}

#[test]
fn permission_set_api() {
    // Iteration is in declaration order whatever the insertion order.
    let set = PermissionSet::from([RepoPermission::Delete, RepoPermission::Read]);
    assert_eq!(
        set.iter().collect::<Vec<_>>(),
        vec![RepoPermission::Read, RepoPermission::Delete]
    );
    assert_eq!(
        set.into_iter().collect::<Vec<_>>(),
        vec![RepoPermission::Read, RepoPermission::Delete]
    );
    assert_eq!(set.iter().size_hint(), (2, Some(2)));
    assert_eq!(set.iter().len(), 2);
    let mut it = set.iter();
    it.next();
    assert_eq!(it.len(), 1);
    assert_eq!(set.len(), 2);
    assert!(!set.is_empty());
    assert!(set.contains(RepoPermission::Read));
    assert!(set.contains(Repo::Read));
    assert!(set.contains(Repo::Delete));
    assert!(!set.contains(Repo::Push));
    assert!(!set.contains(RepoPermission::Push));
    assert_eq!(set.to_string(), "{Read, Delete}");
    assert_eq!(format!("{set:?}"), "{Read, Delete}");
    assert_eq!(set.bits(), 0b101);

    let rp: PermissionSet<Repo> = PermissionSet::from([RepoPermission::Push, RepoPermission::Read]);
    assert_eq!(rp.to_string(), "{Read, Push}");

    // Duplicates collapse.
    let dup = PermissionSet::from([RepoPermission::Push, RepoPermission::Push]);
    assert_eq!(dup.len(), 1);
    assert_eq!(dup.to_string(), "{Push}");

    let empty = PermissionSet::<Repo>::empty();
    assert!(empty.is_empty());
    assert_eq!(empty.len(), 0);
    assert_eq!(empty.to_string(), "{}");
    assert_eq!(empty, PermissionSet::default());
    assert_eq!(
        empty,
        PermissionSet::<Repo>::from([] as [RepoPermission; 0])
    );
    assert_eq!(empty.iter().next(), None);

    let all = PermissionSet::<Repo>::all();
    assert_eq!(all.len(), 3);
    assert_eq!(all.to_string(), "{Read, Push, Delete}");
    assert_eq!(all.iter().collect::<Vec<_>>(), RepoPermission::ALL.to_vec());
    // Unknown bits are dropped.
    assert_eq!(PermissionSet::<Repo>::from_bits(u64::MAX), all);
    assert_eq!(PermissionSet::<Repo>::from_bits(0b1010).bits(), 0b010);

    let mut s = PermissionSet::<Repo>::empty();
    s.insert(RepoPermission::Push);
    s.insert(RepoPermission::Push);
    assert_eq!(s.len(), 1);
    s.insert(RepoPermission::Read);
    s.remove(RepoPermission::Push);
    s.remove(RepoPermission::Delete);
    assert_eq!(s, PermissionSet::from([RepoPermission::Read]));

    let collected: PermissionSet<Repo> = RepoPermission::ALL.iter().copied().rev().collect();
    assert_eq!(collected, all);

    // Copy, Eq, Hash.
    let copy = set;
    assert_eq!(copy, set);
    let hashed: HashSet<PermissionSet<Repo>> = [set, copy, all].into_iter().collect();
    assert_eq!(hashed.len(), 2);

    // serde: a list of names in declaration order.
    assert_eq!(serde_json::to_string(&set).unwrap(), r#"["Read","Delete"]"#);
    assert_eq!(serde_json::to_string(&empty).unwrap(), "[]");
}

/// A resource with 64 permissions, the most a set holds.
macro_rules! wide {
    ($($p:ident)*) => {
        #[derive(Resource)]
        #[resource(actor = User)]
        $(#[permission($p, if = self.on)])*
        pub struct Wide { pub on: bool }
    };
}
wide!(
    P00 P01 P02 P03 P04 P05 P06 P07 P08 P09 P10 P11 P12 P13 P14 P15
    P16 P17 P18 P19 P20 P21 P22 P23 P24 P25 P26 P27 P28 P29 P30 P31
    P32 P33 P34 P35 P36 P37 P38 P39 P40 P41 P42 P43 P44 P45 P46 P47
    P48 P49 P50 P51 P52 P53 P54 P55 P56 P57 P58 P59 P60 P61 P62 P63
);

#[test]
fn sixty_four_permissions() {
    let u = user(1);
    let all = Authz::new(&u).actions(&Wide { on: true });
    assert_eq!(all.len(), 64);
    assert_eq!(all, PermissionSet::all());
    assert_eq!(all.bits(), u64::MAX);
    assert!(all.contains(Wide::P63));
    assert_eq!(all.iter().last(), Some(WidePermission::P63));
    assert_eq!(all.iter().count(), 64);
    let mut s = PermissionSet::<Wide>::empty();
    s.insert(WidePermission::P63);
    assert_eq!(s.to_string(), "{P63}");
    assert!(Authz::new(&u).actions(&Wide { on: false }).is_empty());
    assert!(is_allowed(&u, Wide::P63, &Wide { on: true }));
}

#[test]
fn permission_enum_api() {
    assert_eq!(
        RepoPermission::ALL,
        [
            RepoPermission::Read,
            RepoPermission::Push,
            RepoPermission::Delete
        ]
    );
    assert_eq!(
        <RepoPermission as PermissionEnum>::ALL,
        &RepoPermission::ALL[..]
    );
    assert_eq!(RepoPermission::Push.name(), "Push");
    assert_eq!(PermissionEnum::name(RepoPermission::Delete), "Delete");
    assert_eq!(RepoPermission::Read.to_string(), "Read");
    // Width and alignment are honoured.
    assert_eq!(format!("{:>6}|", RepoPermission::Read), "  Read|");
    assert_eq!(format!("{:<6}|", RepoPermission::Push), "Push  |");
    assert_eq!(format!("{:?}", RepoPermission::Read), "Read");
    for (i, p) in RepoPermission::ALL.into_iter().enumerate() {
        assert_eq!(p.index() as usize, i);
        assert_eq!(RepoPermission::from_str(p.name()), Ok(p));
        assert_eq!(p.to_string().parse::<RepoPermission>(), Ok(p));
    }
    // Ordered by declaration.
    assert!(RepoPermission::Read < RepoPermission::Push);
    assert!(RepoPermission::Push < RepoPermission::Delete);
    assert_eq!(Repo::NAME, "Repo");
    // Permission names that are std trait names still work.
    assert_eq!(IntPermission::Eq.name(), "Eq");
    assert_eq!("Ge".parse::<IntPermission>(), Ok(IntPermission::Ge));
}

#[test]
fn from_str_unknown_name() {
    let err = "Pull".parse::<RepoPermission>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown permission `Pull` on `Repo`, expected one of `Read`, `Push`, `Delete`"
    );
    assert_eq!(
        err,
        UnknownPermission {
            resource: "Repo",
            name: "Pull".to_owned(),
            expected: &["Read", "Push", "Delete"],
        }
    );
    // Names are case-sensitive and not trimmed.
    assert!("push".parse::<RepoPermission>().is_err());
    assert!(" Push".parse::<RepoPermission>().is_err());
    assert_eq!(
        "".parse::<ToolPermission>().unwrap_err().to_string(),
        "unknown permission `` on `Tool`, expected one of `Use`"
    );
}

#[test]
fn serde_round_trip() {
    for p in RepoPermission::ALL {
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, format!("\"{}\"", p.name()));
        let back: RepoPermission = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
    let list: Vec<RepoPermission> = serde_json::from_str(r#"["Delete","Read"]"#).unwrap();
    assert_eq!(list, vec![RepoPermission::Delete, RepoPermission::Read]);
    // From a borrowed and an owned (escaped) string alike.
    let escaped: RepoPermission = serde_json::from_str(r#""\u0050ush""#).unwrap();
    assert_eq!(escaped, RepoPermission::Push);
    let value: RepoPermission = serde_json::from_value(serde_json::json!("Read")).unwrap();
    assert_eq!(value, RepoPermission::Read);

    let err = serde_json::from_str::<RepoPermission>(r#""Pull""#).unwrap_err();
    assert!(
        err.to_string().contains(
            "unknown permission `Pull` on `Repo`, expected one of `Read`, `Push`, `Delete`"
        ),
        "{err}"
    );
    assert!(serde_json::from_str::<RepoPermission>("3").is_err());

    // A set serializes as its names and deserializes back.
    let set = PermissionSet::from([RepoPermission::Push, RepoPermission::Read]);
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(json, r#"["Read","Push"]"#);
    let names: Vec<RepoPermission> = serde_json::from_str(&json).unwrap();
    assert_eq!(names.into_iter().collect::<PermissionSet<Repo>>(), set);
    let back: PermissionSet<Repo> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, set);
    let any_order: PermissionSet<Repo> =
        serde_json::from_str(r#"["Delete","Read","Delete"]"#).unwrap();
    assert_eq!(any_order.to_string(), "{Read, Delete}");
    let empty: PermissionSet<Repo> = serde_json::from_str("[]").unwrap();
    assert!(empty.is_empty());
    let err = serde_json::from_str::<PermissionSet<Repo>>(r#"["Read","Pull"]"#).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown permission `Pull` on `Repo`"),
        "{err}"
    );
    let err = serde_json::from_str::<PermissionSet<Repo>>(r#""Read""#).unwrap_err();
    assert!(
        err.to_string()
            .contains("a list of permission names of `Repo`"),
        "{err}"
    );
}

#[test]
fn typed_constants_and_enum_values() {
    let owner = user(1);
    let bob = user(2);
    let r = repo(1, false);
    // The typed constant and the enum value are interchangeable for every entry point.
    assert!(is_allowed(&owner, Repo::Push, &r));
    assert!(is_allowed(&owner, RepoPermission::Push, &r));
    assert!(!is_allowed(&bob, Repo::Push, &r));
    assert!(!is_allowed(&bob, RepoPermission::Push, &r));
    assert_eq!(Repo::Push.permission(), RepoPermission::Push);
    assert_eq!(repo_permission::Delete.permission(), RepoPermission::Delete);
    assert_eq!(std::mem::size_of_val(&Repo::Push), 0);
    assert_eq!(Repo::Push, repo_permission::Push);
    // Chosen at run time.
    for name in ["Read", "Push", "Delete"] {
        let p: RepoPermission = name.parse().unwrap();
        assert!(is_allowed(&owner, p, &r));
        assert!(Authz::new(&owner).authorize(p, &r).is_ok());
        assert_eq!(
            Authz::new(&bob).authorize(p, &r).unwrap_err().permission,
            name
        );
    }
    // Generic code over `Permission<R>`.
    fn may<P: Permission<Repo>>(actor: &User, p: P, r: &Repo) -> bool {
        is_allowed(actor, p, r)
    }
    assert!(may(&owner, Repo::Delete, &r));
    assert!(may(&owner, RepoPermission::Delete, &r));
}

fn push_to(proof: Authorized<'_, Repo, repo_permission::Push>) -> i64 {
    // Deref to the checked resource.
    proof.id
}

fn any_proof(proof: Authorized<'_, Repo, RepoPermission>) -> &'static str {
    proof.permission().name()
}

#[test]
fn authorized_proof() {
    let owner = user(1);
    let r = repo(1, false);
    let proof = Authz::new(&owner).authorize(Repo::Push, &r).unwrap();
    assert_eq!(proof.owner_id, 1);
    assert!(std::ptr::eq(proof.resource(), &r));
    assert_eq!(&*proof, &r);
    assert_eq!(proof.permission(), Repo::Push);
    assert_eq!(format!("{proof:?}"), "Authorized(Push on Repo)");
    let copy = proof;
    assert_eq!(push_to(proof), 42);
    assert_eq!(push_to(copy), 42);
    let dynamic = Authz::new(&owner)
        .authorize(RepoPermission::Delete, &r)
        .unwrap();
    assert_eq!(any_proof(dynamic), "Delete");
    assert!(Authz::new(&user(2)).authorize(Repo::Push, &r).is_err());
}

// ---------------------------------------------------------------------------------------------
// Deny by default
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(Open, if = false)]
#[permission(Read, if = false)]
pub struct Vault {
    pub owner_id: i64,
}

#[test]
fn deny_by_default() {
    // `if = false`: nobody, not even an admin owner.
    for actor in [user(1), admin(1), admin(0)] {
        let v = Vault { owner_id: 1 };
        assert!(!is_allowed(&actor, Vault::Open, &v));
        assert!(Authz::new(&actor).actions(&v).is_empty());
        let err = Authz::new(&actor).authorize(Vault::Open, &v).unwrap_err();
        assert_eq!(err.status_code(), 404);
    }
    // No rule matches: denied.
    let stranger = user(99);
    let r = repo(1, false);
    for p in RepoPermission::ALL {
        assert!(!is_allowed(&stranger, p, &r));
        assert!(Authz::new(&stranger).authorize(p, &r).is_err());
    }
    assert!(Authz::new(&stranger).actions(&r).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Names and placement: fields called like the generated code's own variables, an actor that is
// also a resource, resources declared in functions and private modules, acronym names.
// ---------------------------------------------------------------------------------------------

#[derive(Resource, Debug)]
#[resource(actor = crate::User)]
#[permission(Read, if = self.actor == actor.id || self.ctx == 0)]
#[permission(Write, if = self.perm && self.bits > 1 && self.set == actor.name)]
pub struct Shadowing {
    pub actor: i64,
    pub ctx: i64,
    pub perm: bool,
    pub bits: u64,
    pub set: String,
}

#[test]
fn fields_named_like_generated_variables() {
    let u = user(4);
    let mut r = Shadowing {
        actor: 4,
        ctx: 1,
        perm: true,
        bits: 2,
        set: "alice".to_owned(),
    };
    assert_eq!(Authz::new(&u).actions(&r), PermissionSet::all());
    r.actor = 5;
    r.bits = 1;
    assert!(Authz::new(&u).actions(&r).is_empty());
    r.ctx = 0;
    assert_eq!(
        Authz::new(&u).actions(&r),
        PermissionSet::from([ShadowingPermission::Read])
    );
}

/// A user is both the actor and a resource: "edit your own profile".
#[derive(Actor, Resource, Debug)]
#[actor(id = user_id)]
#[resource(actor = Member)]
#[permission(Read, if = true)]
#[permission(Edit, if = self.user_id == actor.user_id || actor.moderator)]
#[permission(Ban, if = actor.moderator && !self.moderator)]
pub struct Member {
    pub user_id: u32,
    pub moderator: bool,
}

#[test]
fn actor_as_resource() {
    let me = Member {
        user_id: 1,
        moderator: false,
    };
    let other = Member {
        user_id: 2,
        moderator: false,
    };
    let moderator = Member {
        user_id: 3,
        moderator: true,
    };
    assert!(is_allowed(&me, Member::Edit, &me));
    assert!(!is_allowed(&me, Member::Edit, &other));
    assert!(is_allowed(&moderator, Member::Edit, &other));
    assert!(is_allowed(&moderator, Member::Ban, &other));
    assert!(!is_allowed(&moderator, Member::Ban, &moderator));
    assert_eq!(*authz_core::Actor::actor_id(&me), 1);
    assert_eq!(
        Authz::new(&me)
            .authorize(Member::Ban, &other)
            .unwrap_err()
            .status_code(),
        403
    );
}

mod private {
    use authz_core::prelude::*;

    #[derive(Resource)]
    #[resource(actor = crate::User)]
    #[permission(Read, if = self.n > 0)]
    struct Hidden {
        n: i32,
    }

    #[derive(Resource)]
    #[resource(actor = super::User)]
    #[permission(Read, if = self.n < 0 && actor.is_admin == false)]
    pub(crate) struct HTTPServer {
        pub(crate) n: i32,
    }

    /// Private resources with relations and a path through them.
    #[derive(Resource)]
    #[resource(actor = crate::User)]
    #[permission(Read, if = self.open)]
    struct Club {
        id: i64,
        open: bool,
    }

    #[derive(Resource)]
    #[resource(actor = crate::User)]
    #[relation(club: Club = club_id)]
    #[permission(Read, if = club.allows(Read))]
    struct Court {
        id: i64,
        club_id: i64,
    }

    #[derive(Resource)]
    #[resource(actor = crate::User)]
    #[relation(court: Court = court_id)]
    #[permission(Read, if = court.club.allows(Read))]
    struct Booking {
        id: i64,
        court_id: i64,
    }

    pub fn booking_readable(open: bool) -> bool {
        let mut parents = authz_core::ParentMap::new();
        parents.insert(Club { id: 1, open });
        parents.insert(Court { id: 2, club_id: 1 });
        let user = crate::user(1);
        Authz::new(&user)
            .parents(&parents)
            .is_allowed(Booking::Read, &Booking { id: 3, court_id: 2 })
    }

    pub fn hidden_allows(n: i32) -> bool {
        is_allowed(&crate::user(1), Hidden::Read, &Hidden { n })
            && hidden_permission::Read == Hidden::Read
    }
}

#[test]
fn private_resources_and_acronyms() {
    assert!(private::booking_readable(true));
    assert!(!private::booking_readable(false));
    assert!(private::hidden_allows(1));
    assert!(!private::hidden_allows(0));
    let u = user(1);
    let s = private::HTTPServer { n: -1 };
    assert!(is_allowed(&u, private::HTTPServer::Read, &s));
    assert!(is_allowed(&u, private::http_server_permission::Read, &s));
    assert!(is_allowed(&u, private::HTTPServerPermission::Read, &s));
    assert!(!is_allowed(&admin(1), private::HTTPServer::Read, &s));
}

#[test]
fn resource_declared_in_a_function() {
    #[derive(Resource)]
    #[resource(actor = User)]
    #[permission(Read, if = actor.id == self.owner_id)]
    #[permission(Never, if = !(actor.id == actor.id))]
    struct Local {
        owner_id: i64,
    }
    let r = Local { owner_id: 3 };
    assert!(is_allowed(&user(3), Local::Read, &r));
    assert!(!is_allowed(&user(4), Local::Read, &r));
    assert!(!is_allowed(&user(3), Local::Never, &r));
    assert_eq!(
        Authz::new(&user(4))
            .authorize(LocalPermission::Read, &r)
            .unwrap_err()
            .to_string(),
        "permission `Read` on `Local` denied"
    );
}

pub mod names {
    pub const ADMIN: &str = "admin";
    pub const GUEST: &str = "guest";
    pub const LIMIT: i64 = 3;
}

/// Constant paths of type `&str` compare with `String` and `Option<String>` fields.
#[derive(Resource, Debug)]
#[resource(actor = User)]
#[permission(Admin, if = self.role == names::ADMIN)]
#[permission(AdminL, if = names::ADMIN == self.role)]
#[permission(Known, if = [names::ADMIN, names::GUEST, "other"].contains(&self.role))]
#[permission(Team, if = self.team == names::GUEST)]
#[permission(Limit, if = self.count <= names::LIMIT)]
#[permission(Local, if = self.role == Self::LOCAL)]
pub struct Role {
    pub role: String,
    pub team: Option<String>,
    pub count: Option<i64>,
}

impl Role {
    pub const LOCAL: &'static str = "local";
}

#[test]
fn string_and_integer_constant_paths() {
    let u = user(1);
    for role in ["admin", "guest", "other", "local", "x"] {
        for team in [None, Some("guest"), Some("admin")] {
            for count in [None, Some(2), Some(3), Some(4)] {
                let r = Role {
                    role: role.to_owned(),
                    team: team.map(str::to_owned),
                    count,
                };
                assert_matches(
                    &u,
                    &r,
                    |p| match p {
                        RolePermission::Admin | RolePermission::AdminL => role == "admin",
                        RolePermission::Known => ["admin", "guest", "other"].contains(&role),
                        RolePermission::Team => team == Some("guest"),
                        RolePermission::Limit => count.is_some_and(|c| c <= 3),
                        RolePermission::Local => role == "local",
                    },
                    &format!("{r:?}"),
                );
            }
        }
    }
}
