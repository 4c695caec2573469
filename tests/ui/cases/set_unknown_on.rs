use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub allowed_tags: Vec<String>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[set(blocked: i64, on = ownr_id)]
#[permission(Read, if = !self.blocked.contains(&actor.id))]
pub struct Document {
    pub id: i64,
    pub owner_id: i64,
}

fn main() {}
