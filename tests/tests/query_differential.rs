//! Differential tests of the query level: for every permission, the generated diesel filter
//! returns exactly the rows the in-memory check allows, on SQLite and on PostgreSQL, over
//! randomly generated worlds (rows with NULLs, extreme integers, awkward strings; random actors
//! and request contexts). `authorize_by_id` must agree with `authorize` on every row, and answer
//! "not found" for an id that does not exist.
//!
//! Every world is checked on both backends. The number of worlds is `AUTHZ_DIFF_CASES`
//! (default 256) per backend; the count checked is printed at the end.
// `clippy::duplicated_attributes` mistakes two `#[permission(.., if = <literal>)]` for duplicates.
#![allow(clippy::duplicated_attributes)]

use std::cell::RefCell;
use std::time::Instant;

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_diesel::Error;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

diesel::table! {
    items (id) {
        id -> BigInt,
        a -> BigInt,
        b -> BigInt,
        n -> Integer,
        flag -> Bool,
        s -> Text,
        t -> Text,
        oi -> Nullable<Integer>,
        oj -> Nullable<Integer>,
        os -> Nullable<Text>,
        ob -> Nullable<Bool>,
    }
}

const SQLITE_SCHEMA: &str = "CREATE TABLE items (
    id BIGINT PRIMARY KEY NOT NULL,
    a BIGINT NOT NULL,
    b BIGINT NOT NULL,
    n INTEGER NOT NULL,
    flag BOOLEAN NOT NULL,
    s TEXT NOT NULL,
    t TEXT NOT NULL,
    oi INTEGER,
    oj INTEGER,
    os TEXT,
    ob BOOLEAN
)";

/// A temporary table: private to the session, so concurrent tests never wait on each other.
/// Rust orders strings by bytes; `COLLATE "C"` gives PostgreSQL the same order whatever the
/// database's default collation (with `en_US.UTF-8`, `'B' < 'a'` is false).
const PG_SCHEMA: &str = r#"CREATE TEMP TABLE items (
    id BIGINT PRIMARY KEY NOT NULL,
    a BIGINT NOT NULL,
    b BIGINT NOT NULL,
    n INTEGER NOT NULL,
    flag BOOLEAN NOT NULL,
    s TEXT COLLATE "C" NOT NULL,
    t TEXT COLLATE "C" NOT NULL,
    oi INTEGER,
    oj INTEGER,
    os TEXT COLLATE "C",
    ob BOOLEAN
)"#;

#[derive(Actor, Debug, Clone)]
pub struct Agent {
    pub id: i64,
    pub is_admin: bool,
    pub level: Option<i32>,
    pub name: String,
}

/// The request context of [`Scoped`].
#[derive(Debug, Clone)]
pub struct Ctx {
    pub x: i64,
    pub level: i32,
    pub tag: Option<String>,
}

/// Every construct of the condition tree, on columns of every kind.
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = items, treat_none_as_default_value = false)]
#[resource(table = items, actor = Agent)]
#[permission(Read, if = self.flag || self.a == actor.id || actor.is_admin)]
// comparisons: column vs actor, literal on either side, negative and extreme literals
#[permission(EqActor, if = self.a == actor.id)]
#[permission(NeActor, if = self.a != actor.id)]
#[permission(ActorLeft, if = actor.id < self.b)]
#[permission(LtLit, if = self.n < 5)]
#[permission(LitLeft, if = 3 <= self.n)]
#[permission(GtNegLit, if = self.a > -2)]
#[permission(EqNegLit, if = self.n == -1)]
#[permission(Extremes, if = self.a < 9223372036854775807 && self.b > -9223372036854775808)]
#[permission(I32Extremes, if = self.n >= -2147483648 && self.oi <= 2147483647)]
// column vs column
#[permission(GeSelf, if = self.a >= self.b)]
#[permission(NeSelf, if = self.a != self.b)]
// nullable columns and an optional actor attribute: three-valued logic
#[permission(GtActorOpt, if = self.n > actor.level)]
#[permission(NotGtActorOpt, if = !(self.n > actor.level))]
#[permission(OptEqActorOpt, if = self.oi == actor.level)]
#[permission(NotOptLt, if = !(self.oi < 10))]
#[permission(OptNeLit, if = self.oi != 0)]
#[permission(NotOptNeActor, if = !(self.oi != actor.level))]
#[permission(NotOptEqSelf, if = !(self.oi == self.oj))]
#[permission(OptNeSelf, if = self.oi != self.oj)]
#[permission(OptLtSelf, if = self.oi < self.oj)]
#[permission(OptLeMixed, if = self.n <= self.oj)]
#[permission(NotOptGeMixed, if = !(self.oj >= self.n))]
#[permission(BoolEqActor, if = self.flag == actor.is_admin)]
#[permission(OptBoolNeLit, if = self.ob != true)]
#[permission(NotOptBoolEqLit, if = !(self.ob == false))]
// strings
#[permission(StrEqActor, if = self.s == actor.name)]
#[permission(StrNeActor, if = self.s != actor.name)]
#[permission(StrLtSelf, if = self.s < self.t)]
#[permission(StrGeLit, if = self.t >= "b")]
#[permission(StrLitLeft, if = "b" > self.os)]
#[permission(OptStrEqLit, if = self.os == "a")]
#[permission(NotOptStrEqActor, if = !(self.os == actor.name))]
#[permission(OptStrNeSelf, if = self.os != self.s)]
#[permission(NotOptStrLtLit, if = !(self.os < "b"))]
#[permission(Awkward, if = self.s == "é" || self.os == "日本" || self.t == "\\" || self.s == "it's" || self.t == "%")]
#[permission(EmptyStr, if = self.s == "" && self.os != "")]
// presence
#[permission(Presence, if = self.oi.is_some() && self.os.is_none())]
#[permission(NotPresence, if = !self.ob.is_none() || !self.oj.is_some())]
// membership
#[permission(OneOf, if = ["a", "b"].contains(&self.s))]
#[permission(NotOneOfOpt, if = !["a", "%", "it's", ""].contains(&self.os))]
#[permission(OneOfOptInt, if = [1, 2, 3].contains(&self.oi))]
#[permission(NotOneOfBig, if = ![0, -1, 9223372036854775807].contains(&self.a))]
// bare bool fields
#[permission(Flag, if = self.flag)]
#[permission(NotFlag, if = !self.flag)]
#[permission(OptFlag, if = self.ob)]
#[permission(NotOptFlag, if = !self.ob)]
// constant-only parts, folded in Rust
#[permission(Admin, if = actor.is_admin)]
#[permission(NotAdmin, if = !actor.is_admin)]
#[permission(ActorLit, if = actor.level >= 3 && self.oi.is_some())]
#[permission(ActorLitOr, if = actor.level < 0 || self.flag)]
#[permission(NotActorLit, if = !(actor.level == 2) && !self.flag)]
#[permission(AdminOrOwner, if = actor.is_admin || self.flag && self.a == actor.id)]
#[permission(Never, if = false)]
#[permission(Always, if = true)]
#[permission(NeverOr, if = false || actor.name == "root")]
// nested negations
#[permission(Nested, if = !(!(self.oi > 2) || !(self.flag && self.os != "b")))]
#[permission(Nested2, if = !(self.a == actor.id || (self.oi <= actor.level && !self.ob)))]
#[permission(Nested3, if = !(!self.ob || self.os.is_none()) && !(self.oj < self.oi))]
#[permission(Nested4, if = !(!(!(self.os == actor.name)) && (self.ob || !(self.oi != 1))))]
pub struct Item {
    pub id: i64,
    pub a: i64,
    pub b: i64,
    pub n: i32,
    pub flag: bool,
    pub s: String,
    pub t: String,
    pub oi: Option<i32>,
    pub oj: Option<i32>,
    pub os: Option<String>,
    pub ob: Option<bool>,
}

/// The same rows, with rules that read a request context.
#[derive(Resource, Debug, Clone, PartialEq)]
#[resource(table = items, actor = Agent, context = Ctx)]
#[permission(Read, if = self.flag || self.a == ctx.x)]
#[permission(CtxEq, if = self.b == ctx.x)]
#[permission(NotCtxLt, if = !(self.b < ctx.x) && self.oi != ctx.level)]
#[permission(CtxTag, if = self.os == ctx.tag)]
#[permission(NotCtxTag, if = !(self.os == ctx.tag) || ctx.tag.is_none())]
#[permission(CtxTagNe, if = self.s != ctx.tag)]
#[permission(CtxConst, if = ctx.x > 0 && self.flag)]
#[permission(CtxActor, if = ctx.x == actor.id || self.a == actor.id)]
#[permission(NotCtxOpt, if = !(self.oj >= ctx.level) || ctx.tag == actor.name)]
pub struct Scoped {
    pub id: i64,
    pub a: i64,
    pub b: i64,
    pub n: i32,
    pub flag: bool,
    pub s: String,
    pub t: String,
    pub oi: Option<i32>,
    pub oj: Option<i32>,
    pub os: Option<String>,
    pub ob: Option<bool>,
}

impl From<&Item> for Scoped {
    fn from(i: &Item) -> Self {
        Scoped {
            id: i.id,
            a: i.a,
            b: i.b,
            n: i.n,
            flag: i.flag,
            s: i.s.clone(),
            t: i.t.clone(),
            oi: i.oi,
            oj: i.oj,
            os: i.os.clone(),
            ob: i.ob,
        }
    }
}

#[derive(Debug, Clone)]
struct World {
    rows: Vec<Item>,
    actor: Agent,
    ctx: Ctx,
}

fn big() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => -3i64..=3,
        1 => Just(i64::MIN),
        1 => Just(i64::MAX),
        1 => any::<i64>(),
    ]
}

fn small() -> impl Strategy<Value = i32> {
    prop_oneof![
        6 => -2i32..=12,
        1 => Just(i32::MIN),
        1 => Just(i32::MAX),
    ]
}

fn text() -> impl Strategy<Value = String> {
    let pool = prop::sample::select(vec![
        "",
        "a",
        "b",
        "A",
        "B",
        "é",
        "日本",
        "it's",
        "%",
        "_",
        "\\",
        "a%",
        "' OR 1=1 --",
        "\"q\"",
    ])
    .prop_map(str::to_owned);
    let chars = prop::sample::select(vec![
        'a', 'b', 'B', '%', '_', '\'', '\\', '"', '-', ' ', 'é', '日', '😀',
    ]);
    let random = prop::collection::vec(chars, 0..4).prop_map(|cs| cs.into_iter().collect());
    prop_oneof![3 => pool, 1 => random]
}

fn row() -> impl Strategy<Value = Item> {
    (
        (big(), big(), small(), any::<bool>()),
        (text(), text()),
        (
            prop::option::of(small()),
            prop::option::of(small()),
            prop::option::of(text()),
            prop::option::of(any::<bool>()),
        ),
    )
        .prop_map(|((a, b, n, flag), (s, t), (oi, oj, os, ob))| Item {
            id: 0,
            a,
            b,
            n,
            flag,
            s,
            t,
            oi,
            oj,
            os,
            ob,
        })
}

fn world() -> impl Strategy<Value = World> {
    let actor = (
        big(),
        prop::bool::weighted(0.2),
        prop::option::of(small()),
        prop_oneof![4 => text(), 1 => Just("root".to_owned())],
    )
        .prop_map(|(id, is_admin, level, name)| Agent {
            id,
            is_admin,
            level,
            name,
        });
    let ctx = (big(), small(), prop::option::of(text())).prop_map(|(x, level, tag)| Ctx {
        x,
        level,
        tag,
    });
    (prop::collection::vec(row(), 0..10), actor, ctx).prop_map(|(mut rows, actor, ctx)| {
        for (i, r) in rows.iter_mut().enumerate() {
            r.id = i as i64 + 1;
        }
        World { rows, actor, ctx }
    })
}

/// What `authorize_by_id` must answer: `authorize` on the loaded row, which is `Ok` iff the
/// permission is allowed, else "not found" iff the row is not readable either.
fn expected_by_id<R>(
    actor: &R::Actor,
    ctx: &R::Context,
    perm: R::Permission,
    row: &R,
) -> Result<(), Denied>
where
    R: Resource
        + authz_core::ReadsContext<<R as Resource>::Context>
        + authz_core::ReadsParents<authz_core::NoParents>,
{
    let result = Authz::new(actor)
        .context(ctx)
        .authorize(perm, row)
        .map(|_| ());
    let allowed = Authz::new(actor).context(ctx).is_allowed(perm, row);
    let read = R::READ.expect("both resources have a Read permission");
    let readable = Authz::new(actor).context(ctx).is_allowed(read, row);
    match &result {
        Ok(()) => assert!(allowed),
        Err(d) => assert!(!allowed && d.is_not_found() != readable),
    }
    result
}

fn by_id_outcome(result: Result<(), Error>) -> Result<Result<(), Denied>, TestCaseError> {
    match result {
        Ok(()) => Ok(Ok(())),
        Err(Error::Denied(d)) => Ok(Err(d)),
        Err(Error::Database(e)) => Err(TestCaseError::fail(format!("database error: {e}"))),
    }
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(items::table).execute(conn).map_err(db)?;
            diesel::insert_into(items::table)
                .values(&w.rows)
                .execute(conn)
                .map_err(db)?;
            let stored: Vec<Item> = items::table
                .select(Item::as_select())
                .order(items::id)
                .load(conn)
                .map_err(db)?;
            prop_assert_eq!(&stored, &w.rows, "{}: rows do not round-trip", backend);
            let missing = [0, w.rows.len() as i64 + 1, i64::MAX];

            let actor = &w.actor;
            for p in ItemPermission::ALL {
                let expected: Vec<i64> = w
                    .rows
                    .iter()
                    .filter(|r| is_allowed(actor, p, *r))
                    .map(|r| r.id)
                    .collect();
                let got: Vec<i64> = items::table
                    .filter(Authz::new(actor).permitted(p))
                    .select(items::id)
                    .order(items::id)
                    .load(conn)
                    .map_err(db)?;
                prop_assert_eq!(&got, &expected, "{}: Authz::new(..).permitted({})", backend, p);
                let got: Vec<i64> = items::table
                    .authorized(&Authz::new(actor), p)
                    .select(items::id)
                    .order(items::id)
                    .load(conn)
                    .map_err(db)?;
                prop_assert_eq!(&got, &expected, "{}: .authorized(&Authz::new(..), {})", backend, p);
                for r in &w.rows {
                    let got = by_id_outcome(Authz::new(actor).authorize_by_id(conn, p, &r.id))?;
                    let want = expected_by_id(actor, &(), p, r);
                    prop_assert_eq!(
                        got,
                        want,
                        "{}: authorize_by_id(.., {}, {})",
                        backend,
                        p,
                        r.id
                    );
                }
                for id in missing {
                    let got = by_id_outcome(Authz::new(actor).authorize_by_id(conn, p, &id))?;
                    prop_assert!(
                        matches!(&got, Err(d) if d.is_not_found()),
                        "{}: missing id {} gave {:?}",
                        backend,
                        id,
                        got
                    );
                }
            }

            let ctx = &w.ctx;
            let scoped: Vec<Scoped> = w.rows.iter().map(Scoped::from).collect();
            for p in ScopedPermission::ALL {
                let expected: Vec<i64> = scoped
                    .iter()
                    .filter(|r| Authz::new(actor).context(ctx).is_allowed(p, *r))
                    .map(|r| r.id)
                    .collect();
                let got: Vec<i64> = items::table
                    .filter(Authz::new(actor).context(ctx).permitted(p))
                    .select(items::id)
                    .order(items::id)
                    .load(conn)
                    .map_err(db)?;
                prop_assert_eq!(&got, &expected, "{}: Scoped::permitted_with(.., {})", backend, p);
                let got: Vec<i64> = items::table
                    .authorized(&Authz::new(actor).context(ctx), p)
                    .select(items::id)
                    .order(items::id)
                    .load(conn)
                    .map_err(db)?;
                prop_assert_eq!(&got, &expected, "{}: .authorized_with(.., {})", backend, p);
                for r in &scoped {
                    let got = by_id_outcome(Authz::new(actor).context(ctx).authorize_by_id(conn, p, &r.id))?;
                    let want = expected_by_id(actor, ctx, p, r);
                    prop_assert_eq!(
                        got,
                        want,
                        "{}: authorize_by_id_with(.., {}, {})",
                        backend,
                        p,
                        r.id
                    );
                }
                for id in missing {
                    let got = by_id_outcome(Authz::new(actor).context(ctx).authorize_by_id(conn, p, &id))?;
                    prop_assert!(
                        matches!(&got, Err(d) if d.is_not_found()),
                        "{}: missing id {} gave {:?}",
                        backend,
                        id,
                        got
                    );
                }
            }
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_postgres, PgConnection, "PostgreSQL");

#[test]
fn filters_match_in_memory_checks_on_random_worlds() {
    let mut sqlite = authz_tests::sqlite();
    authz_tests::execute_script(&mut sqlite, SQLITE_SCHEMA).unwrap();
    let mut pg = authz_tests::postgres();
    if let Some(pg) = pg.as_mut() {
        authz_tests::execute_script(pg, PG_SCHEMA).unwrap();
    }
    let sqlite = RefCell::new(sqlite);
    let pg = RefCell::new(pg);
    let counts = RefCell::new((0u32, 0u32));
    let (sqlite_time, pg_time) = (RefCell::new(0f64), RefCell::new(0f64));

    let config = Config {
        cases: authz_tests::differential_cases(128),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    let result = runner.run(&world(), |w| {
        let t = Instant::now();
        check_sqlite(&mut sqlite.borrow_mut(), &w)?;
        *sqlite_time.borrow_mut() += t.elapsed().as_secs_f64();
        counts.borrow_mut().0 += 1;
        if let Some(pg) = pg.borrow_mut().as_mut() {
            let t = Instant::now();
            check_postgres(pg, &w)?;
            *pg_time.borrow_mut() += t.elapsed().as_secs_f64();
            counts.borrow_mut().1 += 1;
        }
        Ok(())
    });
    let (n_sqlite, n_pg) = *counts.borrow();
    eprintln!(
        "query_differential: {n_sqlite} worlds checked on SQLite ({:.1} s), {n_pg} on PostgreSQL ({:.1} s); {} + {} permissions per world; {:.1} s in all",
        sqlite_time.borrow(),
        pg_time.borrow(),
        ItemPermission::ALL.len(),
        ScopedPermission::ALL.len(),
        started.elapsed().as_secs_f64(),
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
