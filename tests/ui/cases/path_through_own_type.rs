use authz_core::prelude::*;

diesel::table! {
    folders (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        org_id -> BigInt,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = actor.id == self.id)]
pub struct Org {
    pub id: i64,
}

#[derive(Resource)]
#[resource(table = folders, actor = User)]
#[relation(parent: Folder = parent_id)]
#[relation(org: Org = org_id)]
#[permission(Read, if = parent.org.allows(Read))]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub org_id: i64,
}

fn main() {}
