use authz_core::prelude::*;

#[derive(Actor)]
#[actor(key = user_id)]
pub struct User {
    pub user_id: i64,
    pub is_admin: bool,
}

fn main() {}
