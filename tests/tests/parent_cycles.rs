//! Cyclic parent data terminates: a check through parents of the same type stops after
//! `MAX_PARENT_HOPS` (deciding `false`), and loading parents fetches each id once, so a folder
//! in itself neither overflows the stack nor loops.

use authz_core::prelude::*;
use authz_core::MAX_PARENT_HOPS;
use diesel::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

/// A tree without a table: readable when public or when its parent is.
#[derive(Resource, Debug)]
#[resource(actor = User)]
#[relation(parent: Node = parent_id)]
#[permission(Read, if = self.public || parent.allows(Read))]
pub struct Node {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub public: bool,
}

fn node(id: i64, parent_id: Option<i64>, public: bool) -> Node {
    Node {
        id,
        parent_id,
        public,
    }
}

#[test]
fn a_cycle_in_memory_decides_false() {
    let mut parents = ParentMap::new();
    parents.extend([node(1, Some(2), false), node(2, Some(1), false)]);
    let user = User { id: 1 };
    let authz = Authz::new(&user).parents(&parents);
    assert!(!authz.is_allowed(Node::Read, &node(3, Some(1), false)));
    assert!(
        !authz.is_allowed(Node::Read, &node(1, Some(1), false)),
        "its own parent"
    );
}

#[test]
fn a_long_chain_is_followed_up_to_the_limit() {
    let user = User { id: 1 };
    for (depth, allowed) in [(MAX_PARENT_HOPS, true), (MAX_PARENT_HOPS + 1, false)] {
        // Node 0 is public; node i's parent is i - 1; ask about node `depth`.
        let mut parents = ParentMap::new();
        parents.insert(node(0, None, true));
        parents.extend((1..depth as i64).map(|i| node(i, Some(i - 1), false)));
        let leaf = node(depth as i64, Some(depth as i64 - 1), false);
        assert_eq!(
            Authz::new(&user)
                .parents(&parents)
                .is_allowed(Node::Read, &leaf),
            allowed,
            "{depth} parents"
        );
    }
}

diesel::table! {
    dirs (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        public -> Bool,
    }
}

diesel::table! {
    files (id) {
        id -> BigInt,
        dir_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(dirs, files);

/// A directory keeps its parent for loading; its rules do not read through it.
#[derive(Resource, Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = dirs)]
#[resource(table = dirs, actor = User)]
#[relation(parent: Dir = parent_id)]
#[permission(Read, if = self.public)]
pub struct Dir {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub public: bool,
}

#[derive(Resource, Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = files)]
#[resource(table = files, actor = User)]
#[relation(dir: Dir = dir_id)]
#[permission(Read, if = dir.allows(Read))]
pub struct File {
    pub id: i64,
    pub dir_id: i64,
}

#[test]
fn loading_cyclic_parents_terminates() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(
        &mut conn,
        "CREATE TABLE dirs (id BIGINT PRIMARY KEY NOT NULL, parent_id BIGINT, public BOOLEAN NOT NULL);
         CREATE TABLE files (id BIGINT PRIMARY KEY NOT NULL, dir_id BIGINT NOT NULL);
         INSERT INTO dirs VALUES (1, 2, TRUE), (2, 3, FALSE), (3, 1, FALSE), (4, 4, TRUE);
         INSERT INTO files VALUES (10, 1), (20, 2), (40, 4)",
    )
    .unwrap();
    let files: Vec<File> = files::table.order(files::id).load(&mut conn).unwrap();
    let parents = authz_diesel::load_parents(&mut conn, &files).unwrap();
    assert_eq!(parents.count::<Dir>(), 4, "each directory loaded once");
    let user = User { id: 1 };
    let readable: Vec<i64> = files
        .iter()
        .filter(|f| {
            Authz::new(&user)
                .parents(&parents)
                .is_allowed(File::Read, *f)
        })
        .map(|f| f.id)
        .collect();
    assert_eq!(readable, [10, 40]);
}
