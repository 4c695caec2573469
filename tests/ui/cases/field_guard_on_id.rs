use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = true)]
#[permission(Update, if = actor.is_admin)]
pub struct Doc {
    #[field_guard(write = Update)]
    pub id: i64,
    pub title: String,
}

fn main() {}
