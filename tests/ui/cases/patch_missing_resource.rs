use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = true)]
#[permission(Update, if = actor.is_admin)]
pub struct Doc {
    pub id: i64,
    pub title: String,
}

#[derive(Patch)]
pub struct DocPatch {
    pub title: Option<String>,
}

fn main() {}
