//! Permission bits for lists: the permitted actions of every row in the same query
//! (`authz.permission_bits::<R, _>()`) equal `authz.actions(..)` row by row, on SQLite and
//! PostgreSQL, over randomly generated rows and actors. `Wide` declares 64 permissions, so
//! the sign bit of the `BIGINT` is exercised.
#![allow(clippy::duplicated_attributes)]

use std::cell::RefCell;

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

diesel::table! {
    acts (id) {
        id -> BigInt,
        a -> BigInt,
        n -> Integer,
        flag -> Bool,
        s -> Text,
        oi -> Nullable<Integer>,
        oj -> Nullable<Integer>,
        os -> Nullable<Text>,
        ob -> Nullable<Bool>,
    }
}

const SQLITE_SCHEMA: &str = "CREATE TABLE acts (
    id BIGINT PRIMARY KEY NOT NULL, a BIGINT NOT NULL, n INTEGER NOT NULL,
    flag BOOLEAN NOT NULL, s TEXT NOT NULL, oi INTEGER, oj INTEGER, os TEXT, ob BOOLEAN
)";

const PG_SCHEMA: &str = r#"CREATE TEMP TABLE acts (
    id BIGINT PRIMARY KEY NOT NULL, a BIGINT NOT NULL, n INTEGER NOT NULL,
    flag BOOLEAN NOT NULL, s TEXT COLLATE "C" NOT NULL, oi INTEGER, oj INTEGER,
    os TEXT COLLATE "C", ob BOOLEAN
)"#;

#[derive(Actor, Debug, Clone)]
pub struct Agent {
    pub id: i64,
    pub is_admin: bool,
    pub level: Option<i32>,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub min: i64,
}

/// Row-dependent rules, rules decided by the actor alone (folded before the query), constants,
/// and NULL-producing comparisons (a NULL filter must count as not permitted).
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = acts, treat_none_as_default_value = false)]
#[resource(table = acts, actor = Agent)]
#[permission(Read, if = self.flag || self.a == actor.id || actor.is_admin)]
#[permission(Admin, if = actor.is_admin)]
#[permission(Always, if = true)]
#[permission(Never, if = false)]
#[permission(Level, if = self.oi > actor.level)]
#[permission(NotLevel, if = !(self.oi > actor.level))]
#[permission(Name, if = self.os == actor.name || self.s != actor.name)]
#[permission(Mixed, if = self.n <= self.oj && !self.ob.is_none())]
#[permission(OneOf, if = [1, 2, 3].contains(&self.oi) || ["a", "b"].contains(&self.s))]
#[permission(OptFlag, if = self.ob)]
pub struct Act {
    pub id: i64,
    pub a: i64,
    pub n: i32,
    pub flag: bool,
    pub s: String,
    pub oi: Option<i32>,
    pub oj: Option<i32>,
    pub os: Option<String>,
    pub ob: Option<bool>,
}

/// The same table with a request context.
#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = acts)]
#[resource(table = acts, actor = Agent, context = Ctx)]
#[permission(Read, if = self.a >= ctx.min)]
#[permission(Both, if = self.a >= ctx.min && self.oi == actor.level)]
pub struct Scoped {
    pub id: i64,
    pub a: i64,
    pub oi: Option<i32>,
}

/// 64 permissions: bit 63 is the sign bit of the `BIGINT`.
#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = acts)]
#[resource(table = acts, actor = Agent)]
#[permission(P0, if = self.a > -3)]
#[permission(P1, if = self.oi == actor.level)]
#[permission(P2, if = !(self.oi < -1))]
#[permission(P3, if = self.s == actor.name)]
#[permission(P4, if = self.flag || actor.is_admin)]
#[permission(P5, if = ["a", "b"].contains(&self.os))]
#[permission(P6, if = self.a != actor.id)]
#[permission(P7, if = self.oj.is_none() && self.n <= -3)]
#[permission(P8, if = actor.is_admin)]
#[permission(P9, if = self.ob)]
#[permission(P10, if = self.a > 0)]
#[permission(P11, if = self.oi == actor.level)]
#[permission(P12, if = !(self.oi < 2))]
#[permission(P13, if = self.s == actor.name)]
#[permission(P14, if = self.flag || actor.is_admin)]
#[permission(P15, if = ["a", "b"].contains(&self.os))]
#[permission(P16, if = self.a != actor.id)]
#[permission(P17, if = self.oj.is_none() && self.n <= 0)]
#[permission(P18, if = actor.is_admin)]
#[permission(P19, if = self.ob)]
#[permission(P20, if = self.a > 3)]
#[permission(P21, if = self.oi == actor.level)]
#[permission(P22, if = !(self.oi < -2))]
#[permission(P23, if = self.s == actor.name)]
#[permission(P24, if = self.flag || actor.is_admin)]
#[permission(P25, if = ["a", "b"].contains(&self.os))]
#[permission(P26, if = self.a != actor.id)]
#[permission(P27, if = self.oj.is_none() && self.n <= 3)]
#[permission(P28, if = actor.is_admin)]
#[permission(P29, if = self.ob)]
#[permission(P30, if = self.a > -1)]
#[permission(P31, if = self.oi == actor.level)]
#[permission(P32, if = !(self.oi < 1))]
#[permission(P33, if = self.s == actor.name)]
#[permission(P34, if = self.flag || actor.is_admin)]
#[permission(P35, if = ["a", "b"].contains(&self.os))]
#[permission(P36, if = self.a != actor.id)]
#[permission(P37, if = self.oj.is_none() && self.n <= -1)]
#[permission(P38, if = actor.is_admin)]
#[permission(P39, if = self.ob)]
#[permission(P40, if = self.a > 2)]
#[permission(P41, if = self.oi == actor.level)]
#[permission(P42, if = !(self.oi < -3))]
#[permission(P43, if = self.s == actor.name)]
#[permission(P44, if = self.flag || actor.is_admin)]
#[permission(P45, if = ["a", "b"].contains(&self.os))]
#[permission(P46, if = self.a != actor.id)]
#[permission(P47, if = self.oj.is_none() && self.n <= 2)]
#[permission(P48, if = actor.is_admin)]
#[permission(P49, if = self.ob)]
#[permission(P50, if = self.a > -2)]
#[permission(P51, if = self.oi == actor.level)]
#[permission(P52, if = !(self.oi < 0))]
#[permission(P53, if = self.s == actor.name)]
#[permission(P54, if = self.flag || actor.is_admin)]
#[permission(P55, if = ["a", "b"].contains(&self.os))]
#[permission(P56, if = self.a != actor.id)]
#[permission(P57, if = self.oj.is_none() && self.n <= -2)]
#[permission(P58, if = actor.is_admin)]
#[permission(P59, if = self.ob)]
#[permission(P60, if = self.a > 1)]
#[permission(P61, if = self.oi == actor.level)]
#[permission(P62, if = !(self.oi < 3))]
#[permission(P63, if = self.oi.is_some() && self.a >= actor.id)]
pub struct Wide {
    pub id: i64,
    pub a: i64,
    pub n: i32,
    pub flag: bool,
    pub s: String,
    pub oi: Option<i32>,
    pub oj: Option<i32>,
    pub os: Option<String>,
    pub ob: Option<bool>,
}

#[derive(Debug, Clone)]
struct World {
    rows: Vec<Act>,
    actors: Vec<Agent>,
    ctx: Ctx,
}

fn small() -> impl Strategy<Value = i32> {
    prop_oneof![6 => -3i32..=4, 1 => Just(i32::MIN), 1 => Just(i32::MAX)]
}

fn big() -> impl Strategy<Value = i64> {
    prop_oneof![6 => -3i64..=4, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "a", "b", "B", "it's", "%"]).prop_map(str::to_owned)
}

fn row() -> impl Strategy<Value = Act> {
    (
        (big(), small(), any::<bool>(), text()),
        (
            prop::option::of(small()),
            prop::option::of(small()),
            prop::option::of(text()),
            prop::option::of(any::<bool>()),
        ),
    )
        .prop_map(|((a, n, flag, s), (oi, oj, os, ob))| Act {
            id: 0,
            a,
            n,
            flag,
            s,
            oi,
            oj,
            os,
            ob,
        })
}

fn actor() -> impl Strategy<Value = Agent> {
    (
        big(),
        prop::bool::weighted(0.2),
        prop::option::of(small()),
        text(),
    )
        .prop_map(|(id, is_admin, level, name)| Agent {
            id,
            is_admin,
            level,
            name,
        })
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(row(), 0..12),
        prop::collection::vec(actor(), 1..4),
        big(),
    )
        .prop_map(|(mut rows, actors, min)| {
            for (i, r) in rows.iter_mut().enumerate() {
                r.id = i as i64 + 1;
            }
            World {
                rows,
                actors,
                ctx: Ctx { min },
            }
        })
}

fn wide(r: &Act) -> Wide {
    Wide {
        id: r.id,
        a: r.a,
        n: r.n,
        flag: r.flag,
        s: r.s.clone(),
        oi: r.oi,
        oj: r.oj,
        os: r.os.clone(),
        ob: r.ob,
    }
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(acts::table).execute(conn).map_err(db)?;
            diesel::insert_into(acts::table)
                .values(&w.rows)
                .execute(conn)
                .map_err(db)?;
            for actor in &w.actors {
                // One query: the rows and their permitted actions.
                let got: Vec<(Act, PermittedActions<Act>)> = acts::table
                    .select((
                        Act::as_select(),
                        Authz::new(actor).permission_bits::<Act, _>(),
                    ))
                    .order(acts::id)
                    .load(conn)
                    .map_err(db)?;
                prop_assert_eq!(got.len(), w.rows.len());
                for ((row, actions), want) in got.iter().zip(&w.rows) {
                    prop_assert_eq!(row, want);
                    prop_assert_eq!(
                        actions.into_set(),
                        Authz::new(actor).actions(want),
                        "{}: Act row {:?}, actor {:?}",
                        backend,
                        want,
                        actor
                    );
                }

                // Raw bits, and the sign bit.
                let bits: Vec<(i64, i64)> = acts::table
                    .select((acts::id, Authz::new(actor).permission_bits::<Wide, _>()))
                    .order(acts::id)
                    .load(conn)
                    .map_err(db)?;
                for ((id, bits), want) in bits.iter().zip(&w.rows) {
                    prop_assert_eq!(*id, want.id);
                    prop_assert_eq!(
                        PermissionSet::<Wide>::from_bits(*bits as u64),
                        Authz::new(actor).actions(&wide(want)),
                        "{}: Wide row {:?}, actor {:?}",
                        backend,
                        want,
                        actor
                    );
                }

                // With a request context; composes with filters.
                let scoped: Vec<(Scoped, PermittedActions<Scoped>)> = acts::table
                    .filter(acts::n.ge(0))
                    .select((
                        Scoped::as_select(),
                        Authz::new(actor)
                            .context(&w.ctx)
                            .permission_bits::<Scoped, _>(),
                    ))
                    .order(acts::id)
                    .load(conn)
                    .map_err(db)?;
                let expected: Vec<&Act> = w.rows.iter().filter(|r| r.n >= 0).collect();
                prop_assert_eq!(scoped.len(), expected.len());
                for ((row, actions), want) in scoped.iter().zip(expected) {
                    prop_assert_eq!(row.id, want.id);
                    prop_assert_eq!(
                        actions.into_set(),
                        Authz::new(actor).context(&w.ctx).actions(row),
                        "{}: Scoped row {:?}",
                        backend,
                        row
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
fn permission_bits_match_authorized_actions_on_random_worlds() {
    let mut sqlite = authz_tests::sqlite();
    authz_tests::execute_script(&mut sqlite, SQLITE_SCHEMA).unwrap();
    let mut pg = authz_tests::postgres();
    if let Some(pg) = pg.as_mut() {
        authz_tests::execute_script(pg, PG_SCHEMA).unwrap();
    }
    let sqlite = RefCell::new(sqlite);
    let pg = RefCell::new(pg);
    let counts = RefCell::new((0u32, 0u32));
    let config = Config {
        cases: authz_tests::differential_cases(64),
        failure_persistence: None,
        ..Config::default()
    };
    let result = TestRunner::new(config).run(&world(), |w| {
        check_sqlite(&mut sqlite.borrow_mut(), &w)?;
        counts.borrow_mut().0 += 1;
        if let Some(pg) = pg.borrow_mut().as_mut() {
            check_postgres(pg, &w)?;
            counts.borrow_mut().1 += 1;
        }
        Ok(())
    });
    let (n_sqlite, n_pg) = *counts.borrow();
    eprintln!("actions_differential: {n_sqlite} worlds on SQLite, {n_pg} on PostgreSQL");
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn constant_rules_fold_into_one_parameter() {
    let admin = Agent {
        id: 1,
        is_admin: true,
        level: None,
        name: "root".into(),
    };
    let query = acts::table.select(Authz::new(&admin).permission_bits::<Act, _>());
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    // Read (through `actor.is_admin`), Admin, Always, and both `Level` rules (the actor has no
    // level, so `self.oi > actor.level` is false whatever the row) are decided in Rust: one
    // bound constant, Read | Admin | Always | NotLevel = 1 + 2 + 4 + 32, and no CASE for them.
    assert_eq!(sql.matches("CASE WHEN").count(), 4, "{sql}");
    assert!(sql.contains("binds: [39,"), "{sql}");
}
