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
    #[field_guard(read = Update)]
    pub marker: std::marker::PhantomData<u8>,
}

fn main() {}
