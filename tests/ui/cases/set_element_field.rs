use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub allowed_tags: Vec<String>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[set(tags: String)]
#[permission(Read, if = self.tags.any(|t| t.name == actor.name))]
pub struct Document {
    pub id: i64,
}

fn main() {}
