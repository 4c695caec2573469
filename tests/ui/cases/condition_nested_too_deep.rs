use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!self.public)]
pub struct Doc {
    pub id: i64,
    pub public: bool,
}

fn main() {}
