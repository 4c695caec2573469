use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = true)]
pub struct Doc<T> {
    pub id: i64,
    pub body: T,
}

fn main() {}
