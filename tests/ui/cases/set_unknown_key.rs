use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub allowed_tags: Vec<String>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[set(viewers: i64, table = document_viewers, key = document_id, valeu = user_id)]
#[permission(Read, if = self.viewers.contains(&actor.id))]
pub struct Document {
    pub id: i64,
}

fn main() {}
