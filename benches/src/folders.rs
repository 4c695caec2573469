//! A folder tree on PostgreSQL: the same-type hierarchy of `tests/tests/hierarchies.rs`, with
//! the rule written by hand (in Rust over the loaded rows, and as the recursive query one would
//! write), the schema and a deterministic fill.

use authz_core::prelude::*;
use authz_core::ParentMap;
use diesel::prelude::*;

diesel::table! {
    folders (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        owner_id -> BigInt,
        public -> Bool,
        archived -> Bool,
    }
}

#[derive(Actor, Debug, Clone)]
pub struct User {
    pub id: i64,
}

/// Readable when public, owned, or inside a readable folder that is not archived.
#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = folders)]
#[resource(table = folders, actor = User)]
#[relation(parent: Folder = parent_id)]
#[permission(Read, if = self.public || self.owner_id == actor.id || parent.allows(Read) && !self.archived)]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub owner_id: i64,
    pub public: bool,
    pub archived: bool,
}

/// The tables, and the index the walk down the tree needs.
pub const SCHEMA: &str = "
CREATE TABLE folders (id BIGINT PRIMARY KEY, parent_id BIGINT, owner_id BIGINT NOT NULL,
    public BOOLEAN NOT NULL, archived BOOLEAN NOT NULL);
CREATE INDEX folders_parent ON folders (parent_id);
CREATE INDEX folders_owner ON folders (owner_id)";

/// 1,000,000 folders in 1,000 trees of 1,000: in each tree, the folder at index `k` has the one
/// at `(k - 1) / 4` as its parent (a four-way tree, six levels deep); owned by 10,000 users,
/// 0.01% public, 3% archived.
pub const FILL: &str = "
INSERT INTO folders
    SELECT g,
           CASE WHEN (g - 1) % 1000 = 0 THEN NULL
                ELSE g - (g - 1) % 1000 + ((g - 1) % 1000 - 1) / 4 END,
           1 + (g * 104729) % 10000,
           g % 10000 = 7,
           g % 33 = 0
    FROM generate_series(1::bigint, 1000000) g;
ANALYZE folders";

/// `Read` by hand, walking up the loaded parents (bounded as the generated check is).
pub fn hand_read(user: &User, parents: &ParentMap, folder: &Folder) -> bool {
    let mut at = folder;
    for _ in 0..=authz_core::MAX_PARENT_HOPS {
        if at.public || at.owner_id == user.id {
            return true;
        }
        if at.archived {
            return false;
        }
        match at.parent_id.and_then(|p| parents.get::<Folder>(&p)) {
            Some(parent) => at = parent,
            None => return false,
        }
    }
    false
}

/// `Read` as the recursive query one writes by hand (`$1`: the user).
pub const HAND_SQL: &str = "
WITH RECURSIVE readable(id) AS (
    SELECT id FROM folders WHERE public OR owner_id = $1
    UNION
    SELECT f.id FROM folders f JOIN readable r ON f.parent_id = r.id WHERE NOT f.archived)
SELECT id FROM folders WHERE id IN (SELECT id FROM readable)";
