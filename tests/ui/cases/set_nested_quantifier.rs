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
#[set(tags: String)]
#[permission(Read, if = self.tags.all(|t| self.viewers.contains(&actor.id)))]
pub struct Document {
    pub id: i64,
}

fn main() {}
