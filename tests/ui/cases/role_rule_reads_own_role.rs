use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub docs: RoleMap<Doc>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[roles(Owner > Editor)]
#[role(Editor, if = role(Owner) || self.open)]
#[permission(Read, if = role(Editor))]
pub struct Doc {
    pub id: i64,
    pub open: bool,
}

fn main() {}
