use authz_core::prelude::*;

#[derive(Actor)]
pub enum Principal {
    User { id: i64 },
    #[actor(id = service_id)]
    Service { service_id: i64 },
    Guest,
}

fn main() {}
