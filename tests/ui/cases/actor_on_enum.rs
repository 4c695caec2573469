use authz_core::prelude::*;

#[derive(Actor)]
pub enum User {
    Guest,
    Member { id: i64 },
}

fn main() {}
