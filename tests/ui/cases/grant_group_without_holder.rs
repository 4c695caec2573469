use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Group)]
#[group(actor = User)]
pub struct Team {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = true)]
pub struct Doc {
    pub id: i64,
}

#[derive(Grant)]
#[grant(resource = Doc, holder = user_id, scope = scope, group = Team)]
pub struct DocGrant {
    pub id: i64,
    pub user_id: i64,
    pub team_id: Option<i64>,
    pub scope: String,
}

fn main() {}
