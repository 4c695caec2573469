use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.owner_id.is_some() && self.owner_id == actor.id)]
pub struct Doc {
    pub id: i64,
    pub owner_id: i64,
}

fn main() {}
