use authz_core::prelude::*;

pub struct RequestCtx {
    pub is_internal: bool,
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
    pub name: String,
}

#[derive(Resource)]
#[resource(actor = User, context = RequestCtx)]
#[permission(Read, if = self.is_public || ctx.is_internl)]
pub struct Doc {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
}

fn main() {}
