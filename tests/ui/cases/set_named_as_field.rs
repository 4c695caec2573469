use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub allowed_tags: Vec<String>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[set(owner_id: i64)]
#[permission(Read, if = self.owner_id.contains(&actor.id))]
pub struct Document {
    pub id: i64,
    pub owner_id: i64,
}

fn main() {}
