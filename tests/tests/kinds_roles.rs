//! Roles of a role table held by one kind of an enum actor: a user's stored roles count in
//! memory and in SQL under the user's id (`ActorKey`); a service with the same id and a guest
//! hold none, and roles loaded for another user grant nothing.

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use diesel::prelude::*;

diesel::table! {
    boards (id) {
        id -> BigInt,
        public -> Bool,
    }
}

diesel::table! {
    board_roles (user_id, board_id, role) {
        user_id -> BigInt,
        board_id -> BigInt,
        role -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(boards, board_roles);

const SCHEMA: &str = "
CREATE TEMP TABLE boards (id BIGINT PRIMARY KEY NOT NULL, public BOOLEAN NOT NULL);
CREATE TEMP TABLE board_roles (user_id BIGINT NOT NULL, board_id BIGINT NOT NULL, role TEXT NOT NULL);
INSERT INTO boards VALUES (1, false), (2, false), (3, true);
INSERT INTO board_roles VALUES (7, 1, 'Admin'), (7, 2, 'Viewer'), (8, 2, 'Admin')";

/// Carried roles held by a kind without an id (a token carrying its own role map): they count
/// in memory and in SQL alike.
#[derive(Actor, Debug, Clone)]
pub enum Bearer {
    User {
        id: i64,
    },
    Token {
        #[actor(roles)]
        boards: RoleMap<Pinboard>,
    },
}

#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = boards)]
#[resource(table = boards, actor = Bearer)]
#[roles(Admin > Viewer, carried)]
#[permission(Read, if = role(Viewer) || self.public && actor.is(User))]
pub struct Pinboard {
    pub id: i64,
    pub public: bool,
}

#[test]
fn carried_roles_of_a_kind_without_an_id() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    let token = Bearer::Token {
        boards: [(1, PinboardRole::Viewer)].into_iter().collect(),
    };
    let authz = Authz::new(&token);
    let rows: Vec<Pinboard> = boards::table
        .order(boards::id)
        .select(Pinboard::as_select())
        .load(&mut conn)
        .unwrap();
    let expected: Vec<i64> = rows
        .iter()
        .filter(|b| authz.is_allowed(Pinboard::Read, *b))
        .map(|b| b.id)
        .collect();
    let listed: Vec<i64> = boards::table
        .authorized(&authz, Pinboard::Read)
        .select(boards::id)
        .order(boards::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(expected, vec![1]);
    assert_eq!(listed, expected);
}

#[derive(Actor, Debug, Clone)]
pub enum Caller {
    User {
        id: i64,
        #[actor(roles)]
        boards: StoredRoles<Board>,
    },
    Service {
        id: i64,
    },
    Guest,
}

#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = boards)]
#[resource(table = boards, actor = Caller)]
#[roles(Admin > Viewer, table = board_roles)]
#[permission(Read, if = role(Viewer) || self.public && !actor.is(Service))]
#[permission(Manage, if = role(Admin))]
pub struct Board {
    pub id: i64,
    pub public: bool,
}

macro_rules! backend {
    ($decide:ident, $check:ident, $conn:ty) => {
        fn $decide(conn: &mut $conn, caller: &Caller) -> Vec<(BoardPermission, Vec<i64>)> {
            let rows: Vec<Board> = boards::table
                .order(boards::id)
                .select(Board::as_select())
                .load(conn)
                .unwrap();
            let authz = Authz::new(caller);
            BoardPermission::ALL
                .iter()
                .map(|&p| {
                    let expected: Vec<i64> = rows
                        .iter()
                        .filter(|b| authz.is_allowed(p, *b))
                        .map(|b| b.id)
                        .collect();
                    let listed: Vec<i64> = boards::table
                        .authorized(&authz, p)
                        .select(boards::id)
                        .order(boards::id)
                        .load(conn)
                        .unwrap();
                    assert_eq!(listed, expected, "{caller:?}: {p}");
                    (p, expected)
                })
                .collect()
        }

        fn $check(conn: &mut $conn) {
            let user = Caller::User {
                id: 7,
                boards: authz_diesel::load_roles::<Board, _>(conn, &7).unwrap(),
            };
            assert_eq!(
                $decide(conn, &user),
                [
                    (BoardPermission::Read, vec![1, 2, 3]),
                    (BoardPermission::Manage, vec![1])
                ]
            );
            // Roles loaded for user 8, held by user 7: none count.
            let borrowed = Caller::User {
                id: 7,
                boards: authz_diesel::load_roles::<Board, _>(conn, &8).unwrap(),
            };
            assert_eq!(
                $decide(conn, &borrowed),
                [
                    (BoardPermission::Read, vec![3]),
                    (BoardPermission::Manage, vec![])
                ]
            );
            let service = Caller::Service { id: 7 };
            assert_eq!(
                $decide(conn, &service),
                [
                    (BoardPermission::Read, vec![]),
                    (BoardPermission::Manage, vec![])
                ]
            );
            assert_eq!(
                $decide(conn, &Caller::Guest),
                [
                    (BoardPermission::Read, vec![3]),
                    (BoardPermission::Manage, vec![])
                ]
            );
        }
    };
}

backend!(decide_sqlite, check_sqlite, SqliteConnection);
backend!(decide_pg, check_pg, PgConnection);

#[test]
fn a_kind_holds_table_roles_in_memory_and_in_sql() {
    let mut lite = authz_tests::sqlite();
    authz_tests::execute_script(&mut lite, SCHEMA).unwrap();
    check_sqlite(&mut lite);
    if let Some(mut pg) = authz_tests::postgres() {
        authz_tests::execute_script(&mut pg, SCHEMA).unwrap();
        check_pg(&mut pg);
    }
}
