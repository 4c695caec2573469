use authz_core::prelude::*;

#[derive(Actor)]
pub enum Principal {
    User { id: i64 },
    Service { id: i64 },
    Guest,
}

#[derive(Resource)]
#[resource(actor = Principal)]
#[permission(Read, if = self.is_public || actor.is(Gust))]
pub struct Article {
    pub id: i64,
    pub is_public: bool,
}

fn main() {}
