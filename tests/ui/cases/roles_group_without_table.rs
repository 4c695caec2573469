use authz_core::prelude::*;

diesel::table! {
    projects (id) {
        id -> BigInt,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub projects: StoredRoles<Project>,
}

#[derive(Group)]
#[group(actor = User)]
pub struct Team {
    pub id: i64,
}

#[derive(Resource)]
#[resource(table = projects, actor = User)]
#[roles(Admin > Viewer, table = project_roles, group = Team)]
#[permission(Read, if = role(Viewer))]
pub struct Project {
    pub id: i64,
}

fn main() {}
