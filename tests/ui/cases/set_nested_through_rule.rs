use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[set(viewers: i64)]
#[set(tags: String)]
#[rule(shared, if = self.viewers.contains(&actor.id))]
#[permission(Read, if = self.tags.any(|t| t == "public" || rule(shared)))]
pub struct Document {
    pub id: i64,
}

fn main() {}
