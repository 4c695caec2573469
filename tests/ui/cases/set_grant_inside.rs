use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[set(tags: String)]
#[permission(Read, if = self.tags.any(|t| t == "public" && grant(DocGrant, Read)))]
pub struct Document {
    pub id: i64,
}

fn main() {}
