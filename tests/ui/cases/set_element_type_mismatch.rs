use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub allowed_tags: Vec<String>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[set(viewers: i64)]
#[permission(Read, if = self.viewers.contains(&actor.name))]
pub struct Document {
    pub id: i64,
}

fn main() {}
