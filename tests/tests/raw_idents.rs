//! Raw identifiers everywhere a name can appear: the resource (`r#Item`; its parent `Crate`
//! has a plain name, as diesel's derives refuse raw ones), fields and columns that are keywords (`r#type`, `r#ref` stored in the column
//! `loop`), a relation (`r#in`), permissions, roles and named rules, the actor's and the
//! context's fields, a patch and `#[requires]`. Decided in memory, on SQLite and on PostgreSQL
//! alike; every generated name and string is the name without `r#`.

use authz_core::prelude::*;
use authz_core::{Denied, ParentMap};
use authz_diesel::prelude::*;
use diesel::prelude::*;

diesel::table! {
    crates (id) {
        id -> BigInt,
        r#pub -> Bool,
    }
}

diesel::table! {
    crate_roles (user_id, crate_id, role) {
        user_id -> BigInt,
        crate_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    items (id) {
        id -> BigInt,
        crate_id -> BigInt,
        r#type -> Integer,
        r#loop -> Nullable<BigInt>,
    }
}

diesel::table! {
    item_roles (user_id, item_id, role) {
        user_id -> BigInt,
        item_id -> BigInt,
        role -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(crates, crate_roles, items, item_roles);

const SCHEMA: &str = r#"
CREATE TEMP TABLE crates (id BIGINT PRIMARY KEY NOT NULL, "pub" BOOLEAN NOT NULL);
CREATE TEMP TABLE crate_roles (user_id BIGINT NOT NULL, crate_id BIGINT NOT NULL,
    role TEXT NOT NULL, PRIMARY KEY (user_id, crate_id, role));
CREATE TEMP TABLE items (id BIGINT PRIMARY KEY NOT NULL, crate_id BIGINT NOT NULL,
    "type" INTEGER NOT NULL, "loop" BIGINT);
CREATE TEMP TABLE item_roles (user_id BIGINT NOT NULL, item_id BIGINT NOT NULL,
    role TEXT NOT NULL, PRIMARY KEY (user_id, item_id, role))"#;

#[derive(Actor, Debug, Clone)]
pub struct r#User {
    pub r#id: i64,
    pub r#type: i32,
    pub r#ref: Option<i64>,
    #[actor(roles)]
    pub r#in: StoredRoles<r#Crate>,
    #[actor(roles)]
    pub items: StoredRoles<r#Item>,
}

pub struct r#Ctx {
    pub r#type: i32,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = crates)]
#[resource(table = crates, actor = r#User, context = r#Ctx)]
#[roles(r#Admin, table = crate_roles)]
#[permission(r#View, if = self.r#pub || role(r#Admin))]
pub struct Crate {
    pub id: i64,
    pub r#pub: bool,
}

// Diesel's row derives refuse a raw struct name: rows are inserted as tuples. `QueryId` only
// registers the `#[diesel]` attribute.
#[derive(Resource, diesel::query_builder::QueryId, Debug, Clone, PartialEq)]
#[resource(table = items, actor = r#User, context = r#Ctx)]
#[relation(r#in: r#Crate = r#crate_id)]
#[roles(r#Owner > r#Member, table = item_roles)]
#[rule(r#typed, if = self.r#type == actor.r#type)]
#[permission(r#Read, if = rule(r#typed) || self.r#ref.is_some() && self.r#ref == actor.r#ref || r#in.allows(r#View))]
#[permission(r#Write, if = role(r#Member) && self.r#type >= ctx.r#type || r#in.role(r#Admin))]
#[prohibit(r#Write, if = self.r#ref == 0)]
pub struct r#Item {
    pub id: i64,
    pub r#crate_id: i64,
    pub r#type: i32,
    #[diesel(column_name = r#loop)] // the column `loop`
    #[field_guard(read = r#Write)]
    pub r#ref: Option<i64>,
}

#[derive(Patch)]
#[patch(resource = r#Item)]
pub struct r#ItemPatch {
    pub r#type: Option<i32>,
    #[patch(field = r#ref)]
    pub r#loop: Option<Option<i64>>,
}

fn user(id: i64, r#type: i32) -> r#User {
    r#User {
        id,
        r#type,
        r#ref: Some(7),
        r#in: StoredRoles::default(),
        items: StoredRoles::default(),
    }
}

const CTX: r#Ctx = r#Ctx { r#type: 2 };

fn crates() -> Vec<r#Crate> {
    vec![
        r#Crate { id: 1, r#pub: true },
        r#Crate {
            id: 2,
            r#pub: false,
        },
    ]
}

fn items() -> Vec<r#Item> {
    let mut out = Vec::new();
    let mut id = 0;
    for r#crate_id in [1, 2] {
        for r#type in [1, 2, 3] {
            for r#ref in [None, Some(0), Some(7), Some(8)] {
                id += 1;
                out.push(r#Item {
                    id,
                    r#crate_id,
                    r#type,
                    r#ref,
                });
            }
        }
    }
    out
}

/// User 1 administers crate 2 and is a member of item 3; user 2 has no role.
fn actors() -> Vec<r#User> {
    // The rows the SQL test inserts into `crate_roles` and `item_roles`.
    let mut admin = user(1, 3);
    admin.r#in = StoredRoles::assume_stored(1, [(2, CrateRole::Admin)].into_iter().collect());
    admin.items = StoredRoles::assume_stored(1, [(3, ItemRole::Member)].into_iter().collect());
    vec![admin, user(2, 1)]
}

fn parents() -> ParentMap {
    let mut parents = ParentMap::new();
    for c in crates() {
        parents.insert(c);
    }
    parents
}

#[test]
fn generated_names_and_strings_drop_the_prefix() {
    assert_eq!(ItemPermission::Read.name(), "Read");
    assert_eq!(ItemPermission::Write.to_string(), "Write");
    assert_eq!(ItemField::Type.name(), "type");
    assert_eq!(ItemField::from_name("ref"), Some(ItemField::Ref));
    assert_eq!(ItemRole::Owner.name(), "Owner");
    assert_eq!("Member".parse::<ItemRole>().ok(), Some(ItemRole::Member));
    let policy = authz_core::policy::<r#Item>();
    assert_eq!(policy.name, "Item");
    let fields: Vec<(&str, &str)> = policy.fields.iter().map(|f| (f.name, f.column)).collect();
    assert_eq!(
        fields,
        [
            ("id", "id"),
            ("crate_id", "crate_id"),
            ("type", "type"),
            ("ref", "loop")
        ]
    );
    assert_eq!(policy.relations[0].name, "in");
    assert_eq!(policy.rules[0].name, "typed");
}

#[test]
fn rules_over_raw_names_decide_in_memory() {
    let [admin, other] = &actors()[..] else {
        unreachable!()
    };
    let parents = parents();
    let authz = |u| Authz::new(u).context(&CTX).parents(&parents);
    let item = |id: i64| {
        items()
            .into_iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    // Item 1: crate 1 (public), type 1, no ref.
    assert!(authz(other).is_allowed(r#Item::Read, &item(1)));
    // Item 13: crate 2 (private), type 1, no ref: read through `typed` (the user's type 1).
    assert!(authz(other).is_allowed(r#Item::Read, &item(13)));
    // Item 17: crate 2, type 2, no ref: neither typed, nor the ref, nor the crate.
    assert!(!authz(other).is_allowed(r#Item::Read, &item(17)));
    // Item 19: crate 2, type 2, ref 7 = the user's ref.
    assert!(authz(other).is_allowed(r#Item::Read, &item(19)));
    // The admin of crate 2 writes its items, unless `ref` is 0.
    assert!(authz(admin).is_allowed(r#Item::Write, &item(17)));
    assert!(!authz(admin).is_allowed(r#Item::Write, &item(18)));
    // Member of item 3 (crate 1, type 1 < ctx 2): no write; the role needs `type >= 2`.
    assert!(!authz(admin).is_allowed(r#Item::Write, &item(3)));
    let patch = r#ItemPatch {
        r#type: Some(3),
        r#loop: None,
    };
    assert!(authz(admin).authorize_write(&item(17), &patch).is_ok());
}

#[authz_core::requires(r#Item::Write, on = r#item)]
fn write(actor: &r#User, r#item: &r#Item, ctx: &r#Ctx, parents: &ParentMap) -> Result<i64, Denied> {
    Ok(r#item.id)
}

#[test]
fn requires_with_raw_names() {
    let [admin, other] = &actors()[..] else {
        unreachable!()
    };
    let item = &items()[16];
    assert_eq!(write(admin, item, &CTX, &parents()), Ok(item.id));
    assert!(write(other, item, &CTX, &parents()).is_err());
}

macro_rules! agrees_with_sql {
    ($name:ident, $conn:ty) => {
        fn $name(conn: &mut $conn) {
            authz_tests::execute_script(conn, SCHEMA).unwrap();
            diesel::insert_into(crates::table)
                .values(&crates())
                .execute(conn)
                .unwrap();
            for i in items() {
                diesel::insert_into(items::table)
                    .values((
                        items::id.eq(i.id),
                        items::crate_id.eq(i.r#crate_id),
                        items::r#type.eq(i.r#type),
                        items::r#loop.eq(i.r#ref),
                    ))
                    .execute(conn)
                    .unwrap();
            }
            for (user, id, role) in [(1i64, 2i64, "Admin")] {
                diesel::insert_into(crate_roles::table)
                    .values((
                        crate_roles::user_id.eq(user),
                        crate_roles::crate_id.eq(id),
                        crate_roles::role.eq(role),
                    ))
                    .execute(conn)
                    .unwrap();
            }
            diesel::insert_into(item_roles::table)
                .values((
                    item_roles::user_id.eq(1i64),
                    item_roles::item_id.eq(3i64),
                    item_roles::role.eq("Member"),
                ))
                .execute(conn)
                .unwrap();
            let parents = parents();
            for actor in actors() {
                let authz = Authz::new(&actor).context(&CTX).parents(&parents);
                for p in ItemPermission::ALL {
                    let expected: Vec<i64> = items()
                        .iter()
                        .filter(|i| authz.is_allowed(p, *i))
                        .map(|i| i.id)
                        .collect();
                    let got: Vec<i64> = items::table
                        .authorized(&authz, p)
                        .select(items::id)
                        .order(items::id)
                        .load(conn)
                        .unwrap();
                    assert_eq!(got, expected, "{p} for user {}", actor.id);
                    for i in items() {
                        assert_eq!(
                            authz.authorize_by_id(conn, p, &i.id).is_ok(),
                            expected.contains(&i.id),
                            "{p} by id {}",
                            i.id
                        );
                    }
                }
            }
        }
    };
}

agrees_with_sql!(on_sqlite, SqliteConnection);
agrees_with_sql!(on_pg, PgConnection);

#[test]
fn sql_filters_over_raw_columns_agree_with_memory() {
    on_sqlite(&mut authz_tests::sqlite());
    if let Some(mut pg) = authz_tests::postgres() {
        on_pg(&mut pg);
    }
}
