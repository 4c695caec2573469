use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub allowed_tags: Vec<String>,
    #[actor(roles)]
    pub documents: RoleMap<Document>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[roles(Viewer)]
#[set(viewers: i64)]
#[role(Viewer, if = self.viewers.contains(&actor.id))]
#[permission(Read, if = role(Viewer))]
pub struct Document {
    pub id: i64,
}

fn main() {}
