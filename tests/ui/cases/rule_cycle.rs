use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[rule(a, if = self.public || rule(b))]
#[rule(b, if = rule(a))]
#[permission(Read, if = rule(a))]
pub struct Doc {
    pub id: i64,
    pub public: bool,
}

fn main() {}
