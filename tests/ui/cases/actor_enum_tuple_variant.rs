use authz_core::prelude::*;

#[derive(Actor)]
pub enum Principal {
    User { id: i64 },
    Service(i64),
    Guest,
}

fn main() {}
