use authz_core::prelude::*;

diesel::table! {
    folders (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub folders: StoredRoles<Folder>,
}

#[derive(Resource)]
#[resource(table = folders, actor = User)]
#[relation(parent: Folder = parent_id)]
#[roles(Editor > Viewer, table = folder_roles)]
#[role(Viewer, if = parent.role(Viewer))]
#[permission(Read, if = role(Viewer))]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
}

fn main() {}
