use authz_core::prelude::*;

diesel::table! {
    folders (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        template_id -> Nullable<BigInt>,
        owner_id -> BigInt,
        public -> Bool,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(table = folders, actor = User)]
#[relation(parent: Folder = parent_id)]
#[relation(template: Folder = template_id)]
#[permission(Read, if = self.public || parent.allows(Write))]
#[permission(Write, if = self.owner_id == actor.id || parent.allows(Read))]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub template_id: Option<i64>,
    pub owner_id: i64,
    pub public: bool,
}

fn main() {}
