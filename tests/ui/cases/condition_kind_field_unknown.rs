use authz_core::prelude::*;

#[derive(Actor)]
pub enum Principal {
    User { id: i64 },
    Service { id: i64, name: String },
    Guest,
}

#[derive(Resource)]
#[resource(actor = Principal)]
#[permission(Read, if = actor.is(User) && self.author_id == actor.user_id)]
pub struct Article {
    pub id: i64,
    pub author_id: i64,
}

fn main() {}
