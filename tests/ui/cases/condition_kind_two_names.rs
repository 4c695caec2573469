use authz_core::prelude::*;

#[derive(Actor)]
pub enum Principal {
    User { id: i64 },
    Guest,
}

#[derive(Resource)]
#[resource(actor = Principal)]
#[permission(Read, if = actor.is(User, Guest))]
pub struct Article {
    pub id: i64,
}

fn main() {}
