use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub projects: RoleMap<Project>,
}

#[derive(Group)]
#[group(actor = User)]
pub struct Team {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[roles(Admin > Viewer, carried, group = Team, group_table = team_project_roles)]
#[permission(Read, if = role(Viewer))]
pub struct Project {
    pub id: i64,
}

fn main() {}
