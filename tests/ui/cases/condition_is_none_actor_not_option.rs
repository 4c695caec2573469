use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub team_id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = actor.team_id.is_none() || self.team_id == actor.team_id)]
pub struct Doc {
    pub id: i64,
    pub team_id: Option<i64>,
}

fn main() {}
