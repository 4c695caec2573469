use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

pub struct Request {
    pub now: i64,
}

pub struct NaiveDateTime(i64);

#[derive(Resource)]
#[resource(actor = User, context = Request)]
#[permission(Read, if = self.created_at + 86400 > ctx.now)]
pub struct Doc {
    pub id: i64,
    pub created_at: NaiveDateTime,
}

fn main() {}
