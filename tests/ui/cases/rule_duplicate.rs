use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[rule(owner, if = self.owner_id == actor.id)]
#[rule(owner, if = self.public)]
#[permission(Read, if = rule(owner))]
pub struct Doc {
    pub id: i64,
    pub owner_id: i64,
    pub public: bool,
}

fn main() {}
