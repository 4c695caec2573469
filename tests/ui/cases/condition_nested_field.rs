use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
    pub name: String,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.owner.id == actor.id)]
pub struct Doc {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
    pub name: String,
}

fn main() {}
