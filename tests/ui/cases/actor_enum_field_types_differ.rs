use authz_core::prelude::*;

#[derive(Actor)]
pub enum Principal {
    User { id: i64, name: String },
    Service { id: i64, name: i64 },
    Guest,
}

fn main() {}
