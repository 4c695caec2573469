use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.title.len() > 3)]
pub struct Doc {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
    pub title: String,
}

fn main() {}
