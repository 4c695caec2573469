use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public || actor.is(Guest))]
pub struct Article {
    pub id: i64,
    pub is_public: bool,
}

fn main() {}
