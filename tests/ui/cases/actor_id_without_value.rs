use authz_core::prelude::*;

#[derive(Actor)]
#[actor(id)]
pub struct User {
    pub id: i64,
}

fn main() {}
