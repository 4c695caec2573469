//! Differential tests of the condition forms beyond plain comparisons: `+`/`-` on integers
//! (checked; an overflow is an absent value), `starts_with`, sets held by the actor or the
//! context, and nested fields of the actor and the context. For every permission, on random
//! worlds with extreme integers (`i64::MIN/MAX`, `i32::MIN/MAX`), `NULL`s and pattern
//! characters, the in-memory check, the SQL list, `authorize_by_id` and the permission bits
//! agree, on SQLite and on PostgreSQL. `AUTHZ_DIFF_CASES` worlds per backend.
#![allow(clippy::duplicated_attributes)]

use std::collections::{BTreeSet, HashSet};

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_diesel::Error;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    docs (id) {
        id -> BigInt,
        a -> BigInt,
        b -> BigInt,
        n -> Integer,
        m -> Integer,
        oa -> Nullable<BigInt>,
        on -> Nullable<Integer>,
        org -> BigInt,
        oorg -> Nullable<BigInt>,
        path -> Text,
        opath -> Nullable<Text>,
        name -> Text,
    }
}

diesel::table! {
    doc_grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        scope -> Text,
        lo -> Nullable<BigInt>,
        span -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(docs, doc_grants);

const GRANTS_SCHEMA: &str = "CREATE TEMP TABLE doc_grants (id BIGINT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL, scope TEXT NOT NULL, lo BIGINT, span BIGINT NOT NULL)";

const SQLITE_SCHEMA: &str = "CREATE TABLE docs (
    id BIGINT PRIMARY KEY NOT NULL, a BIGINT NOT NULL, b BIGINT NOT NULL,
    n INTEGER NOT NULL, m INTEGER NOT NULL, oa BIGINT, \"on\" INTEGER,
    org BIGINT NOT NULL, oorg BIGINT, path TEXT NOT NULL, opath TEXT, name TEXT NOT NULL
)";

const PG_SCHEMA: &str = r#"CREATE TEMP TABLE docs (
    id BIGINT PRIMARY KEY NOT NULL, a BIGINT NOT NULL, b BIGINT NOT NULL,
    n INTEGER NOT NULL, m INTEGER NOT NULL, oa BIGINT, "on" INTEGER,
    org BIGINT NOT NULL, oorg BIGINT, path TEXT COLLATE "C" NOT NULL, opath TEXT COLLATE "C",
    name TEXT COLLATE "C" NOT NULL
)"#;

#[derive(Debug, Clone)]
pub struct Profile {
    pub region: Option<String>,
    pub level: i32,
}

#[derive(Actor, Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub limit: i64,
    pub home: String,
    pub teams: Vec<i64>,
    pub profile: Profile,
    pub manager: Option<Profile>,
    #[actor(grants)]
    pub grants: Grants<DocGrant>,
}

/// A grant whose constraint computes with its own integer columns.
#[derive(Grant, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = doc_grants, treat_none_as_default_value = false)]
#[grant(table = doc_grants, resource = Doc, holder = user_id, scope = scope)]
pub struct DocGrant {
    pub id: i64,
    pub user_id: i64,
    pub scope: String,
    pub lo: Option<i64>,
    pub span: i64,
}

#[derive(Debug, Clone)]
pub struct Inner {
    pub code: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Consent {
    pub client: i64,
    pub region: Option<String>,
    pub inner: Option<Inner>,
    pub flag: bool,
}

#[derive(Debug, Clone)]
pub struct Req {
    pub now: i64,
    pub delta: Option<i64>,
    pub k: i32,
    pub prefix: String,
    pub oprefix: Option<String>,
    pub orgs: Vec<i64>,
    pub blocked: BTreeSet<i64>,
    pub names: HashSet<String>,
    pub some_orgs: Option<Vec<i64>>,
    pub consent: Option<Consent>,
    pub plain: Consent,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = docs, treat_none_as_default_value = false)]
#[resource(table = docs, actor = Member, context = Req)]
#[permission(Read, if = self.a + 86400 > ctx.now || self.org == actor.id)]
// arithmetic, one column: a range of the column
#[permission(AddConst, if = self.a + 86400 > ctx.now)]
#[permission(SubFromCtx, if = ctx.now - self.a < 86400)]
#[permission(NotSubFromCtx, if = !(ctx.now - self.a < 86400))]
#[permission(ConstMinusCol, if = 10 - self.a > ctx.delta)]
#[permission(AddOptCtx, if = self.a + ctx.delta >= 9223372036854775000)]
#[permission(EqArith, if = self.b - 1 == ctx.now)]
#[permission(NeArith, if = self.oa + 1 != actor.limit)]
#[permission(I32Arith, if = self.n - ctx.k <= 7 && !(self.on + 2147483600 > 100))]
#[permission(ChainOne, if = ctx.now - 5 + self.a - 3 < actor.limit - 1)]
// arithmetic, two or more columns: every step guarded
#[permission(TwoCols, if = self.a + self.b <= actor.limit)]
#[permission(NotTwoCols, if = !(self.a - self.b >= ctx.now))]
#[permission(I32TwoCols, if = self.n + ctx.k == self.m)]
#[permission(OptTwoCols, if = self.on - 5 < self.n + ctx.k)]
#[permission(NestedSub, if = self.a - (self.b - ctx.now) >= 0)]
#[permission(SameCol, if = self.a - self.a == 0 && self.oa + self.oa != self.b)]
#[permission(NotOpt, if = !(self.n - ctx.k > -3) || self.oa - self.a == 1)]
// starts_with
#[permission(Prefix, if = self.path.starts_with(&ctx.prefix))]
#[permission(PrefixLit, if = self.path.starts_with("a%"))]
#[permission(NotPrefixOpt, if = !self.opath.starts_with(&ctx.oprefix))]
#[permission(PrefixActor, if = self.opath.starts_with(&actor.home) || self.name.starts_with("B"))]
#[permission(PrefixRust, if = ctx.prefix.starts_with("a") && self.a > 0)]
#[permission(PrefixEscapes, if = self.name.starts_with("_") || self.path.starts_with("[*?!\\"))]
// sets
#[permission(InCtx, if = ctx.orgs.contains(&self.org))]
#[permission(NotInBlocked, if = !ctx.blocked.contains(&self.oorg))]
#[permission(InTeams, if = actor.teams.contains(&self.oorg) && !actor.teams.contains(&self.org))]
#[permission(InNames, if = ctx.names.contains(&self.name))]
#[permission(InRust, if = actor.teams.contains(&ctx.now) || actor.teams.contains(&3))]
#[permission(InOptSet, if = ctx.some_orgs.contains(&self.org) || !ctx.some_orgs.contains(&self.oorg))]
// nested fields
#[permission(NestedOpt, if = ctx.consent.client == self.org)]
#[permission(NestedPlain, if = ctx.plain.region == self.name)]
#[permission(NestedTwo, if = !(ctx.consent.inner.code == self.on))]
#[permission(NestedArith, if = ctx.consent.inner.code + 1 > self.n)]
#[permission(NestedFlag, if = ctx.plain.flag && self.path.starts_with(&ctx.consent.region))]
#[permission(NestedActor, if = actor.profile.level == self.n || actor.manager.region == self.opath)]
// arithmetic over grant columns and the outer row
#[permission(GrantArith, if = grant(DocGrant, GrantArith, |g| g.lo + g.span >= self.a && self.b - g.span < ctx.now))]
#[permission(NotGrantArith, if = grant(DocGrant, NotGrantArith, |g| !(self.a - g.lo <= g.span)))]
#[permission(NestedPresence, if = actor.manager.region.is_some() && ctx.consent.inner.code.is_none())]
pub struct Doc {
    pub id: i64,
    pub a: i64,
    pub b: i64,
    pub n: i32,
    pub m: i32,
    pub oa: Option<i64>,
    pub on: Option<i32>,
    pub org: i64,
    pub oorg: Option<i64>,
    pub path: String,
    pub opath: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone)]
struct World {
    rows: Vec<Doc>,
    actor: Member,
    ctx: Req,
}

fn big() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => -3i64..=3,
        2 => prop::sample::select(vec![
            i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1, 86400, -86400, 86395, 9223372036854775000,
        ]),
        1 => (i64::MAX - 90000)..=i64::MAX,
        1 => any::<i64>(),
    ]
}

fn small() -> impl Strategy<Value = i32> {
    prop_oneof![
        5 => -3i32..=10,
        2 => prop::sample::select(vec![i32::MIN, i32::MIN + 1, i32::MAX, i32::MAX - 1, 2147483600, -2147483600]),
        1 => any::<i32>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    let pool = prop::sample::select(vec![
        "", "a", "a%", "a%b", "ab", "A", "B", "Bob", "b", "_", "_x", "%", "!", "[*?!\\", "[*?!\\z",
        "*", "?", "[", "é", "éa", "日本",
    ])
    .prop_map(str::to_owned);
    let chars = prop::sample::select(vec![
        'a', 'A', 'b', 'B', '%', '_', '!', '*', '?', '[', ']', '\\', 'é',
    ]);
    let random = prop::collection::vec(chars, 0..4).prop_map(|cs| cs.into_iter().collect());
    prop_oneof![3 => pool, 2 => random]
}

fn ids() -> impl Strategy<Value = i64> {
    prop_oneof![4 => 0i64..5, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

fn row() -> impl Strategy<Value = Doc> {
    (
        (big(), big(), small(), small()),
        (
            prop::option::of(big()),
            prop::option::of(small()),
            ids(),
            prop::option::of(ids()),
        ),
        (text(), prop::option::of(text()), text()),
    )
        .prop_map(
            |((a, b, n, m), (oa, on, org, oorg), (path, opath, name))| Doc {
                id: 0,
                a,
                b,
                n,
                m,
                oa,
                on,
                org,
                oorg,
                path,
                opath,
                name,
            },
        )
}

fn consent() -> impl Strategy<Value = Consent> {
    (
        ids(),
        prop::option::of(text()),
        prop::option::of(prop::option::of(small()).prop_map(|code| Inner { code })),
        any::<bool>(),
    )
        .prop_map(|(client, region, inner, flag)| Consent {
            client,
            region,
            inner,
            flag,
        })
}

fn grant() -> impl Strategy<Value = DocGrant> {
    let scope = prop::sample::select(vec!["GrantArith", "NotGrantArith", "Read"]);
    (ids(), scope, prop::option::of(big()), big()).prop_map(|(user_id, scope, lo, span)| DocGrant {
        id: 0,
        user_id,
        scope: scope.to_owned(),
        lo,
        span,
    })
}

fn world() -> impl Strategy<Value = World> {
    let profile = || {
        (prop::option::of(text()), small()).prop_map(|(region, level)| Profile { region, level })
    };
    let actor = (
        (ids(), big(), text()),
        prop::collection::vec(ids(), 0..3),
        profile(),
        prop::option::of(profile()),
        prop::collection::vec(grant(), 0..4),
    )
        .prop_map(|((id, limit, home), teams, profile, manager, mut grants)| {
            for (i, g) in grants.iter_mut().enumerate() {
                g.id = i as i64 + 1;
            }
            Member {
                id,
                limit,
                home,
                teams,
                profile,
                manager,
                grants: Grants::new(grants),
            }
        });
    let ctx = (
        (
            big(),
            prop::option::of(big()),
            small(),
            text(),
            prop::option::of(text()),
        ),
        (
            prop::collection::vec(ids(), 0..3),
            prop::collection::btree_set(ids(), 0..3),
            prop::collection::hash_set(text(), 0..3),
            prop::option::of(prop::collection::vec(ids(), 0..3)),
        ),
        (prop::option::of(consent()), consent()),
    )
        .prop_map(
            |(
                (now, delta, k, prefix, oprefix),
                (orgs, blocked, names, some_orgs),
                (consent, plain),
            )| Req {
                now,
                delta,
                k,
                prefix,
                oprefix,
                orgs,
                blocked,
                names,
                some_orgs,
                consent,
                plain,
            },
        );
    (prop::collection::vec(row(), 0..10), actor, ctx).prop_map(|(mut rows, actor, ctx)| {
        for (i, r) in rows.iter_mut().enumerate() {
            r.id = i as i64 + 1;
        }
        World { rows, actor, ctx }
    })
}

fn expected_by_id(w: &World, perm: DocPermission, row: &Doc) -> Result<(), Denied> {
    let authz = Authz::new(&w.actor).context(&w.ctx);
    let result = authz.authorize(perm, row).map(|_| ());
    let readable = authz.is_allowed(Doc::Read, row);
    if let Err(d) = &result {
        assert_eq!(d.is_not_found(), !readable);
    }
    result
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(docs::table).execute(conn).map_err(db)?;
            diesel::delete(doc_grants::table)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(doc_grants::table)
                .values(w.actor.grants.iter().cloned().collect::<Vec<_>>())
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(docs::table)
                .values(&w.rows)
                .execute(conn)
                .map_err(db)?;
            let authz = Authz::new(&w.actor).context(&w.ctx);
            for p in DocPermission::ALL {
                let expected: Vec<i64> = w
                    .rows
                    .iter()
                    .filter(|r| authz.is_allowed(p, *r))
                    .map(|r| r.id)
                    .collect();
                let got: Vec<i64> = docs::table
                    .authorized(&authz, p)
                    .select(docs::id)
                    .order(docs::id)
                    .load(conn)
                    .map_err(db)?;
                prop_assert_eq!(&got, &expected, "{}: list of {}", backend, p);
                for r in &w.rows {
                    let got = match authz.authorize_by_id(conn, p, &r.id) {
                        Ok(()) => Ok(()),
                        Err(Error::Denied(d)) => Err(d),
                        Err(Error::Database(e)) => {
                            return Err(TestCaseError::fail(format!("{backend}: {e}")))
                        }
                    };
                    prop_assert_eq!(
                        got,
                        expected_by_id(w, p, r),
                        "{}: by id {} of {}",
                        backend,
                        p,
                        r.id
                    );
                }
            }
            let bits: Vec<(i64, PermittedActions<Doc>)> = docs::table
                .select((docs::id, authz.permission_bits::<Doc, _>()))
                .order(docs::id)
                .load(conn)
                .map_err(db)?;
            for ((id, got), row) in bits.iter().zip(&w.rows) {
                prop_assert_eq!(*id, row.id);
                prop_assert_eq!(
                    got.into_set(),
                    authz.actions(row),
                    "{}: bits of row {}",
                    backend,
                    id
                );
            }
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_postgres, PgConnection, "PostgreSQL");

#[test]
fn new_condition_forms_agree_in_memory_and_in_sql() {
    let counts = std::cell::Cell::new((0u32, 0u32));
    authz_tests::differential(
        128,
        (
            &format!("{SQLITE_SCHEMA};{GRANTS_SCHEMA}"),
            &format!("{PG_SCHEMA};{GRANTS_SCHEMA}"),
        ),
        world(),
        |conn, w| {
            check_sqlite(conn, w)?;
            counts.set((counts.get().0 + 1, counts.get().1));
            Ok(())
        },
        |conn, w| {
            check_postgres(conn, w)?;
            counts.set((counts.get().0, counts.get().1 + 1));
            Ok(())
        },
    );
    let (n_sqlite, n_pg) = counts.get();
    eprintln!(
        "conditions_differential: {n_sqlite} worlds on SQLite, {n_pg} on PostgreSQL; {} permissions per world",
        DocPermission::ALL.len()
    );
}
