use authz_core::prelude::*;
use authz_diesel::prelude::*;
use diesel::prelude::*;

diesel::table! {
    docs (id) {
        id -> BigInt,
        owner_id -> BigInt,
        is_public -> Bool,
        level -> Nullable<Integer>,
        title -> Text,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
    pub clearance: Option<i32>,
}

#[derive(Resource, Queryable, Selectable, Debug, PartialEq)]
#[diesel(table_name = docs)]
#[resource(table = docs, actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id || actor.is_admin)]
#[permission(Edit, if = self.owner_id == actor.id && !(self.level > actor.clearance))]
#[permission(Archive, if = ["draft", "old"].contains(&self.title) && self.level.is_some())]
pub struct Doc {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
    pub level: Option<i32>,
    pub title: String,
}

#[test]
fn smoke() {
    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    diesel::sql_query("CREATE TABLE docs (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL, is_public BOOL NOT NULL, level INTEGER, title TEXT NOT NULL)").execute(&mut conn).unwrap();
    diesel::sql_query(
        "INSERT INTO docs VALUES (1, 1, 0, NULL, 'draft'), (2, 2, 1, 3, 'x'), (3, 2, 0, 5, 'old')",
    )
    .execute(&mut conn)
    .unwrap();
    let alice = User {
        id: 1,
        is_admin: false,
        clearance: Some(4),
    };
    let rows: Vec<Doc> = docs::table
        .filter(Authz::new(&alice).permitted(Doc::Read))
        .order(docs::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(rows.iter().map(|d| d.id).collect::<Vec<_>>(), vec![1, 2]);
    let n: i64 = docs::table
        .authorized(&Authz::new(&alice), Doc::Edit)
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(n, 1);
    let all: Vec<Doc> = docs::table.load(&mut conn).unwrap();
    for d in &all {
        for p in DocPermission::ALL {
            let _ = is_allowed(&alice, p, d);
        }
    }
    assert!(Authz::new(&alice)
        .authorize_by_id(&mut conn, Doc::Edit, &1)
        .is_ok());
}
