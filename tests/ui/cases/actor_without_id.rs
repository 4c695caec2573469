use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub user_id: i64,
    pub is_admin: bool,
}

fn main() {}
