//! Behaviour of the generated diesel filters inside real queries, on SQLite and PostgreSQL:
//! composition with the user's own filters, ordering, pagination and `count()`; joins;
//! `UPDATE` and `DELETE`; values that look like SQL; `NULL` columns; deny by default; and index
//! use. Every expectation is also checked against the in-memory `is_allowed`.

use std::marker::PhantomData;

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use diesel::backend::Backend;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    docs (id) {
        id -> BigInt,
        owner_id -> BigInt,
        is_public -> Bool,
        level -> Nullable<Integer>,
        title -> Text,
        label -> Nullable<Text>,
    }
}

diesel::joinable!(docs -> users (owner_id));
// What a join needs from the user: the generated filter reads `docs` columns inside a query over
// `docs INNER JOIN users` (its query source is generic), and diesel accepts a column of one table
// in a query over another only when both are listed together here. `diesel print-schema`
// usually writes this line; when it leaves a pair out, add it by hand.
diesel::allow_tables_to_appear_in_same_query!(docs, users);

const SQLITE_SCHEMA: &str = "
CREATE TABLE users (id BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL);
CREATE TABLE docs (
    id BIGINT PRIMARY KEY NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    is_public BOOLEAN NOT NULL,
    level INTEGER,
    title TEXT NOT NULL,
    label TEXT
)";

// Temporary tables are private to the session: parallel tests never wait on each other.
const PG_SCHEMA: &str = "
CREATE TEMP TABLE users (id BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL);
CREATE TEMP TABLE docs (
    id BIGINT PRIMARY KEY NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    is_public BOOLEAN NOT NULL,
    level INTEGER,
    title TEXT NOT NULL,
    label TEXT
)";

#[derive(Actor, Debug, Clone)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
    pub clearance: Option<i32>,
    pub name: String,
    pub team: Option<String>,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = docs, treat_none_as_default_value = false)]
#[resource(table = docs, actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id || actor.is_admin)]
#[permission(Edit, if = self.owner_id == actor.id && !(self.level > actor.clearance))]
#[permission(Own, if = self.owner_id == actor.id)]
#[permission(Archive, if = ["draft", "old"].contains(&self.title) && self.level.is_some())]
#[permission(Titled, if = self.title == actor.name)]
#[permission(Labeled, if = self.label == actor.team)]
#[permission(LevelEq, if = self.level == 3)]
#[permission(LevelNotEq, if = !(self.level == 3))]
#[permission(LevelNe, if = self.level != 3)]
#[permission(LevelLt, if = self.level < 3)]
#[permission(LevelNotLt, if = !(self.level < 3))]
#[permission(LevelLtActor, if = self.level < actor.clearance)]
#[permission(Nothing, if = false)]
pub struct Doc {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
    pub level: Option<i32>,
    pub title: String,
    pub label: Option<String>,
}

fn doc(
    id: i64,
    owner_id: i64,
    is_public: bool,
    level: Option<i32>,
    title: &str,
    label: Option<&str>,
) -> Doc {
    Doc {
        id,
        owner_id,
        is_public,
        level,
        title: title.to_owned(),
        label: label.map(str::to_owned),
    }
}

const INJECTION: &str = "' OR 1=1 --";

fn seed_docs() -> Vec<Doc> {
    vec![
        doc(1, 1, false, None, "draft", None),
        doc(2, 2, true, Some(3), "x", Some("red")),
        doc(3, 2, false, Some(5), "old", Some("%")),
        doc(4, 1, true, Some(1), "a%", None),
        doc(5, 3, false, None, INJECTION, Some("red")),
        doc(6, 1, false, Some(3), "y", Some("blue")),
        doc(7, 2, false, Some(2), "draft", Some("_")),
    ]
}

fn alice() -> User {
    User {
        id: 1,
        is_admin: false,
        clearance: Some(3),
        name: "alice".to_owned(),
        team: Some("red".to_owned()),
    }
}

fn bob() -> User {
    User {
        id: 2,
        is_admin: false,
        clearance: None,
        name: "bob".to_owned(),
        team: None,
    }
}

/// Attribute values that would change the query if they were spliced into it.
fn mallory() -> User {
    User {
        id: 3,
        is_admin: false,
        clearance: Some(0),
        name: INJECTION.to_owned(),
        team: Some("%".to_owned()),
    }
}

fn seed<C: Connection>(conn: &mut C, schema: &str) {
    authz_tests::execute_script(conn, schema).unwrap();
    conn.batch_execute(&format!(
        "INSERT INTO users (id, name) VALUES (1, 'alice'), (2, 'bob'), (3, '{}'), (99, 'carol')",
        INJECTION.replace('\'', "''")
    ))
    .unwrap();
}

/// Runs `$body` once on SQLite and once on PostgreSQL (when reachable), each on a seeded
/// database; `$backend` names the backend for messages.
macro_rules! on_both_backends {
    (|$conn:ident, $backend:ident| $body:block) => {{
        {
            let mut sqlite = authz_tests::sqlite();
            seed(&mut sqlite, SQLITE_SCHEMA);
            diesel::insert_into(docs::table)
                .values(&seed_docs())
                .execute(&mut sqlite)
                .unwrap();
            let $conn = &mut sqlite;
            let $backend = "SQLite";
            $body
        }
        if let Some(mut pg) = authz_tests::postgres() {
            seed(&mut pg, PG_SCHEMA);
            diesel::insert_into(docs::table)
                .values(&seed_docs())
                .execute(&mut pg)
                .unwrap();
            let $conn = &mut pg;
            let $backend = "PostgreSQL";
            $body
        }
    }};
}

/// The ids of the seeded docs on which `actor` holds `perm`, by the in-memory check.
fn allowed(actor: &User, perm: DocPermission) -> Vec<i64> {
    seed_docs()
        .iter()
        .filter(|d| is_allowed(actor, perm, *d))
        .map(|d| d.id)
        .collect()
}

#[test]
fn composes_with_user_filters_ordering_pagination_and_count() {
    on_both_backends!(|conn, backend| {
        let alice = alice();
        let readable = allowed(&alice, DocPermission::Read);
        assert_eq!(readable, vec![1, 2, 4, 6], "{backend}");

        // The user's filter before and after the authorization filter.
        let private: Vec<i64> = readable
            .iter()
            .copied()
            .filter(|id| !seed_docs()[*id as usize - 1].is_public)
            .collect();
        let got: Vec<i64> = docs::table
            .filter(docs::is_public.eq(false))
            .filter(Authz::new(&alice).permitted(Doc::Read))
            .select(docs::id)
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(got, private, "{backend}");
        let got: Vec<i64> = docs::table
            .authorized(&Authz::new(&alice), Doc::Read)
            .filter(docs::is_public.eq(false))
            .select(docs::id)
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(got, private, "{backend}");

        // Two authorization filters: the intersection.
        let both: Vec<i64> = readable
            .iter()
            .copied()
            .filter(|id| allowed(&alice, DocPermission::Edit).contains(id))
            .collect();
        let got: Vec<i64> = docs::table
            .authorized(&Authz::new(&alice), Doc::Read)
            .filter(Authz::new(&alice).permitted(Doc::Edit))
            .select(docs::id)
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(got, both, "{backend}");

        // Ordering, descending.
        let got: Vec<i64> = docs::table
            .filter(Authz::new(&alice).permitted(Doc::Read))
            .select(docs::id)
            .order(docs::id.desc())
            .load(conn)
            .unwrap();
        let mut desc = readable.clone();
        desc.reverse();
        assert_eq!(got, desc, "{backend}");

        // Pagination applies to the authorized rows, not to the table.
        let got: Vec<i64> = docs::table
            .authorized(&Authz::new(&alice), Doc::Read)
            .select(docs::id)
            .order(docs::id)
            .limit(2)
            .offset(1)
            .load(conn)
            .unwrap();
        assert_eq!(got, readable[1..3], "{backend}");
        let got: Vec<i64> = docs::table
            .filter(Authz::new(&alice).permitted(Doc::Read))
            .select(docs::id)
            .order(docs::id)
            .limit(10)
            .offset(3)
            .load(conn)
            .unwrap();
        assert_eq!(got, readable[3..], "{backend}");

        // count()
        let n: i64 = docs::table
            .filter(Authz::new(&alice).permitted(Doc::Read))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(n, readable.len() as i64, "{backend}");
        let n: i64 = docs::table
            .authorized(&Authz::new(&alice), Doc::Read)
            .filter(docs::is_public.eq(true))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(n, 2, "{backend}");

        // Whole rows, and a query built dynamically with `into_boxed()`.
        let rows: Vec<Doc> = docs::table
            .authorized(&Authz::new(&alice), Doc::Read)
            .select(Doc::as_select())
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert!(rows.iter().all(|d| is_allowed(&alice, Doc::Read, d)));
        assert_eq!(rows.iter().map(|d| d.id).collect::<Vec<_>>(), readable);
        let mut query = docs::table.select(docs::id).order(docs::id).into_boxed();
        query = query.filter(Authz::new(&alice).permitted(Doc::Read));
        query = query.filter(docs::title.ne("y"));
        let got: Vec<i64> = query.load(conn).unwrap();
        assert_eq!(got, vec![1, 2, 4], "{backend}");
    });
}

#[test]
fn filters_a_join() {
    on_both_backends!(|conn, backend| {
        let alice = alice();
        let readable = allowed(&alice, DocPermission::Read);
        let owner_name = |owner: i64| match owner {
            1 => "alice".to_owned(),
            2 => "bob".to_owned(),
            3 => INJECTION.to_owned(),
            _ => unreachable!(),
        };
        let expected: Vec<(i64, String)> = seed_docs()
            .iter()
            .filter(|d| readable.contains(&d.id))
            .map(|d| (d.id, owner_name(d.owner_id)))
            .collect();

        // `permitted_over` is the filter over any query source that contains the table.
        let got: Vec<(i64, String)> = docs::table
            .inner_join(users::table)
            .filter(Authz::new(&alice).permitted_over(Doc::Read))
            .select((docs::id, users::name))
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(got, expected, "{backend}");
        let got: Vec<(i64, String)> = docs::table
            .inner_join(users::table)
            .filter(Authz::new(&alice).permitted_over(Doc::Read))
            .select((docs::id, users::name))
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(got, expected, "{backend}");

        // Joined from the other side, with a filter on the other table and a count.
        let by_bob: Vec<i64> = docs::table
            .select(docs::id)
            .inner_join(users::table)
            .filter(users::name.eq("bob"))
            .filter(Authz::new(&alice).permitted_over(Doc::Read))
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(by_bob, vec![2], "{backend}");
        let n: i64 = users::table
            .inner_join(docs::table)
            .filter(Authz::new(&alice).permitted_over(Doc::Read))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(n, readable.len() as i64, "{backend}");
        // A rule decided in Rust (`actor.is_admin`) is `1=1` in the join as well.
        let admin = User {
            is_admin: true,
            ..bob()
        };
        let n: i64 = users::table
            .inner_join(docs::table)
            .filter(Authz::new(&admin).permitted_over(Doc::Read))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(n, seed_docs().len() as i64, "{backend}");
    });
}

#[test]
fn update_and_delete_touch_only_permitted_rows() {
    on_both_backends!(|conn, backend| {
        let alice = alice();
        let editable = allowed(&alice, DocPermission::Edit);
        assert_eq!(editable, vec![1, 4, 6], "{backend}");
        let n = diesel::update(docs::table)
            .filter(Authz::new(&alice).permitted(Doc::Edit))
            .set(docs::title.eq("edited"))
            .execute(conn)
            .unwrap();
        assert_eq!(n, editable.len(), "{backend}");
        let edited: Vec<i64> = docs::table
            .filter(docs::title.eq("edited"))
            .select(docs::id)
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(edited, editable, "{backend}");

        // The `update(table.filter(..))` form, with a user filter as well.
        let n = diesel::update(
            docs::table
                .filter(Authz::new(&alice).permitted(Doc::Edit))
                .filter(docs::is_public.eq(true)),
        )
        .set(docs::level.eq(Some(0)))
        .execute(conn)
        .unwrap();
        assert_eq!(n, 1, "{backend}");

        // Nothing matches: nothing changes.
        let n = diesel::update(docs::table)
            .filter(Authz::new(&alice).permitted(Doc::Nothing))
            .set(docs::title.eq("lost"))
            .execute(conn)
            .unwrap();
        assert_eq!(n, 0, "{backend}");

        // bob has no clearance: `!(self.level > actor.clearance)` holds on all his docs (an
        // absent value compares false, and the negation makes it true).
        let bobs = allowed(&bob(), DocPermission::Edit);
        assert_eq!(bobs, vec![2, 3, 7], "{backend}");
        let n = diesel::delete(docs::table.filter(Authz::new(&bob()).permitted(Doc::Edit)))
            .execute(conn)
            .unwrap();
        assert_eq!(n, bobs.len(), "{backend}");
        let left: Vec<i64> = docs::table
            .select(docs::id)
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(left, vec![1, 4, 5, 6], "{backend}");
        // mallory owns doc 5, whose level is NULL: `!(NULL > 0)` holds, as in memory.
        assert_eq!(allowed(&mallory(), DocPermission::Edit), vec![5]);
        let n = diesel::delete(docs::table)
            .filter(Authz::new(&mallory()).permitted(Doc::Edit))
            .filter(docs::is_public.eq(false))
            .execute(conn)
            .unwrap();
        assert_eq!(n, 1, "{backend}");
        let n = diesel::delete(docs::table)
            .filter(Authz::new(&mallory()).permitted(Doc::Edit))
            .execute(conn)
            .unwrap();
        assert_eq!(n, 0, "{backend}: already deleted");
        let left: Vec<i64> = docs::table
            .select(docs::id)
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(left, vec![1, 4, 6], "{backend}");
    });
}

/// The SQL text of `query` and its bound values, from `debug_query`.
fn sql_and_binds(debug: String) -> (String, String) {
    let (sql, binds) = debug
        .split_once(" -- binds: ")
        .expect("debug_query prints the binds after the SQL");
    (sql.to_owned(), binds.to_owned())
}

#[test]
fn sql_looking_attributes_are_bound_parameters() {
    let mallory = mallory();
    let check = |backend: &str, debug: String, values: &[&str]| {
        let (sql, binds) = sql_and_binds(debug);
        for value in values {
            assert!(
                !sql.contains(value),
                "{backend}: `{value}` spliced into the SQL: {sql}"
            );
            assert!(
                binds.contains(&format!("{value:?}")),
                "{backend}: `{value}` not among the binds: {binds}"
            );
        }
        assert!(!sql.contains("OR 1=1"), "{backend}: {sql}");
    };
    // The SQL text, on both backends, without a connection.
    let titled = docs::table.filter(Authz::new(&mallory).permitted(Doc::Titled));
    check(
        "SQLite",
        diesel::debug_query::<diesel::sqlite::Sqlite, _>(&titled).to_string(),
        &[INJECTION],
    );
    let titled = docs::table.filter(Authz::new(&mallory).permitted(Doc::Titled));
    check(
        "PostgreSQL",
        diesel::debug_query::<diesel::pg::Pg, _>(&titled).to_string(),
        &[INJECTION],
    );
    // Without a connection to pin them, the backend and the query source are named.
    let labeled = docs::table.authorized(&Authz::new(&mallory), Doc::Labeled);
    check(
        "SQLite",
        diesel::debug_query::<diesel::sqlite::Sqlite, _>(&labeled).to_string(),
        &["%"],
    );
    let labeled = docs::table.authorized(&Authz::new(&mallory), Doc::Labeled);
    check(
        "PostgreSQL",
        diesel::debug_query::<diesel::pg::Pg, _>(&labeled).to_string(),
        &["%"],
    );
    // Literals of the policy are bound as well.
    let archive = docs::table.filter(Authz::new(&mallory).permitted(Doc::Archive));
    check(
        "SQLite",
        diesel::debug_query::<diesel::sqlite::Sqlite, _>(&archive).to_string(),
        &["draft", "old"],
    );
    let archive = docs::table.filter(Authz::new(&mallory).permitted(Doc::Archive));
    check(
        "PostgreSQL",
        diesel::debug_query::<diesel::pg::Pg, _>(&archive).to_string(),
        &["draft", "old"],
    );

    // And the values change nothing: they match only themselves, `%` is no wildcard.
    on_both_backends!(|conn, backend| {
        let ids = |conn: &mut _, perm: DocPermission| -> Vec<i64> {
            docs::table
                .filter(Authz::new(&mallory).permitted(perm))
                .select(docs::id)
                .order(docs::id)
                .load(conn)
                .unwrap()
        };
        assert_eq!(ids(conn, DocPermission::Titled), vec![5], "{backend}");
        assert_eq!(ids(conn, DocPermission::Labeled), vec![3], "{backend}");
        assert_eq!(
            ids(conn, DocPermission::Read),
            allowed(&mallory, DocPermission::Read),
            "{backend}"
        );
        assert_eq!(allowed(&mallory, DocPermission::Read), vec![2, 4, 5]);
        assert!(Authz::new(&mallory)
            .authorize_by_id(conn, Doc::Titled, &5)
            .is_ok());
        let err = Authz::new(&mallory)
            .authorize_by_id(conn, Doc::Titled, &1)
            .unwrap_err();
        assert!(
            matches!(err, authz_diesel::Error::Denied(d) if d.is_not_found()),
            "{backend}"
        );
    });
}

/// Absent values, spelled out. The rule (see `authz_core::AttrValue`): a comparison with an
/// absent value is false (`NULL == NULL` too), so a NULL column never grants through `==`, `<`,
/// `<=`, `>`, `>=` or `contains`; `!=` is the negation of `==` and `!` negates classically, so
/// `!(level == 3)`, `level != 3` and `!(level < 3)` do hold on a NULL level. SQL's
/// three-valued logic must not change any of this.
#[test]
fn null_columns_follow_the_in_memory_rule() {
    on_both_backends!(|conn, backend| {
        let ids = |conn: &mut _, actor: &User, perm: DocPermission| -> Vec<i64> {
            docs::table
                .filter(Authz::new(actor).permitted(perm))
                .select(docs::id)
                .order(docs::id)
                .load(conn)
                .unwrap()
        };
        let alice = alice();
        // levels: 1 NULL, 2 → 3, 3 → 5, 4 → 1, 5 NULL, 6 → 3, 7 → 2
        let cases: [(DocPermission, &[i64]); 6] = [
            (DocPermission::LevelEq, &[2, 6]),
            (DocPermission::LevelNotEq, &[1, 3, 4, 5, 7]),
            (DocPermission::LevelNe, &[1, 3, 4, 5, 7]),
            (DocPermission::LevelLt, &[4, 7]),
            (DocPermission::LevelNotLt, &[1, 2, 3, 5, 6]),
            (DocPermission::LevelLtActor, &[4, 7]),
        ];
        for (perm, want) in cases {
            assert_eq!(allowed(&alice, perm), want, "in memory: {perm}");
            assert_eq!(ids(conn, &alice, perm), want, "{backend}: {perm}");
        }
        // NULL levels never grant through `==` / `<`, whatever the actor.
        for actor in [alice.clone(), bob(), mallory()] {
            for perm in [
                DocPermission::LevelEq,
                DocPermission::LevelLt,
                DocPermission::LevelLtActor,
            ] {
                let got = ids(conn, &actor, perm);
                assert!(!got.contains(&1) && !got.contains(&5), "{backend}: {perm}");
            }
        }
        // An absent actor attribute compares false: bob has no clearance, so no level is
        // below it, and his missing team matches no label, not even a NULL one.
        assert_eq!(
            ids(conn, &bob(), DocPermission::LevelLtActor),
            Vec::<i64>::new()
        );
        assert_eq!(ids(conn, &bob(), DocPermission::Labeled), Vec::<i64>::new());
        assert_eq!(allowed(&bob(), DocPermission::Labeled), Vec::<i64>::new());
        // A NULL label never equals a present team.
        assert_eq!(
            ids(conn, &alice, DocPermission::Labeled),
            vec![2, 5],
            "{backend}"
        );
        // `Archive` needs `level.is_some()`: doc 1 is a draft with a NULL level.
        assert_eq!(
            ids(conn, &alice, DocPermission::Archive),
            vec![3, 7],
            "{backend}"
        );
        assert_eq!(allowed(&alice, DocPermission::Archive), vec![3, 7]);
        // By id: the same answers.
        for id in 1..=7 {
            for perm in DocPermission::ALL {
                let want = is_allowed(&alice, perm, &seed_docs()[id as usize - 1]);
                let got = Authz::new(&alice).authorize_by_id(conn, perm, &id).is_ok();
                assert_eq!(got, want, "{backend}: {perm} on {id}");
            }
        }
    });
}

#[test]
fn deny_by_default() {
    on_both_backends!(|conn, backend| {
        // carol owns nothing, is no admin and has no clearance or team.
        let carol = User {
            id: 99,
            is_admin: false,
            clearance: None,
            name: "carol".to_owned(),
            team: None,
        };
        for perm in [
            DocPermission::Edit,
            DocPermission::Own,
            DocPermission::Titled,
            DocPermission::Labeled,
            DocPermission::LevelLtActor,
            DocPermission::Nothing,
        ] {
            assert!(allowed(&carol, perm).is_empty(), "in memory: {perm}");
            let n: i64 = docs::table
                .filter(Authz::new(&carol).permitted(perm))
                .count()
                .get_result(conn)
                .unwrap();
            assert_eq!(n, 0, "{backend}: {perm}");
            let n: i64 = docs::table
                .authorized(&Authz::new(&carol), perm)
                .count()
                .get_result(conn)
                .unwrap();
            assert_eq!(n, 0, "{backend}: {perm}");
            for id in 1..=7 {
                assert!(
                    Authz::new(&carol).authorize_by_id(conn, perm, &id).is_err(),
                    "{backend}: {perm} on {id}"
                );
            }
        }
        // Only the public docs are readable; a private one is "not found", a public one
        // refused with 403.
        let readable: Vec<i64> = docs::table
            .authorized(&Authz::new(&carol), Doc::Read)
            .select(docs::id)
            .order(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(readable, vec![2, 4], "{backend}");
        let status = |id: i64, conn: &mut _| match Authz::new(&carol).authorize_by_id(
            conn,
            Doc::Edit,
            &id,
        ) {
            Err(authz_diesel::Error::Denied(d)) => d.status_code(),
            other => panic!("{backend}: {other:?}"),
        };
        assert_eq!(status(1, conn), 404, "{backend}");
        assert_eq!(status(2, conn), 403, "{backend}");
        assert_eq!(status(1000, conn), 404, "{backend}");
        // A rule that is false for every actor, even an admin: `1=0`, no row.
        let admin = User {
            is_admin: true,
            ..carol.clone()
        };
        let n: i64 = docs::table
            .authorized(&Authz::new(&admin), Doc::Nothing)
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(n, 0, "{backend}");
    });
}

/// `EXPLAIN <query>`, keeping the query's bound parameters; `ST` is the SQL type of a plan row.
struct Explain<Q, ST> {
    prefix: &'static str,
    query: Q,
    row: PhantomData<ST>,
}

fn explain<Q, ST>(prefix: &'static str, query: Q) -> Explain<Q, ST> {
    Explain {
        prefix,
        query,
        row: PhantomData,
    }
}

impl<Q, ST> QueryId for Explain<Q, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, ST> Query for Explain<Q, ST> {
    type SqlType = ST;
}

impl<Q: QueryFragment<DB>, ST, DB: Backend> QueryFragment<DB> for Explain<Q, ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.prefix);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, ST, C> RunQueryDsl<C> for Explain<Q, ST> {}

#[test]
fn authorized_queries_use_an_index() {
    type SqlitePlanRow = (
        diesel::sql_types::Integer,
        diesel::sql_types::Integer,
        diesel::sql_types::Integer,
        diesel::sql_types::Text,
    );
    let alice = alice();
    {
        let mut conn = authz_tests::sqlite();
        seed(&mut conn, SQLITE_SCHEMA);
        conn.batch_execute("CREATE INDEX docs_owner_idx ON docs (owner_id)")
            .unwrap();
        diesel::insert_into(docs::table)
            .values(&seed_docs())
            .execute(&mut conn)
            .unwrap();
        for perm in [DocPermission::Own, DocPermission::Edit] {
            let query = docs::table
                .filter(Authz::new(&alice).permitted(perm))
                .select(docs::title);
            let plan: Vec<(i32, i32, i32, String)> =
                explain::<_, SqlitePlanRow>("EXPLAIN QUERY PLAN ", query)
                    .load(&mut conn)
                    .unwrap();
            let plan: Vec<String> = plan.into_iter().map(|row| row.3).collect();
            assert!(
                plan.iter()
                    .any(|line| line.contains("USING INDEX docs_owner_idx")),
                "SQLite, {perm}: the plan does not use the index: {plan:?}"
            );
        }
    }
    if let Some(mut conn) = authz_tests::postgres() {
        seed(&mut conn, PG_SCHEMA);
        conn.batch_execute("CREATE INDEX docs_owner_idx ON docs (owner_id)")
            .unwrap();
        diesel::insert_into(docs::table)
            .values(&seed_docs())
            .execute(&mut conn)
            .unwrap();
        // A handful of rows: a sequential scan would be cheaper, so forbid it for this
        // transaction to see that the index is usable at all.
        conn.batch_execute("ANALYZE docs; SET LOCAL enable_seqscan = off")
            .unwrap();
        for perm in [DocPermission::Own, DocPermission::Edit] {
            let query = docs::table
                .filter(Authz::new(&alice).permitted(perm))
                .select(docs::title);
            let plan: Vec<String> = explain::<_, diesel::sql_types::Text>("EXPLAIN ", query)
                .load(&mut conn)
                .unwrap();
            assert!(
                plan.iter().any(|line| line.contains("docs_owner_idx")),
                "PostgreSQL, {perm}: the plan does not use the index: {plan:?}"
            );
        }
    }
}
