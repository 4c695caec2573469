use authz_core::prelude::*;

diesel::table! {
    documents (id) {
        id -> BigInt,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(table = documents, actor = User)]
#[set(viewers: i64, key = document_id, value = user_id)]
#[permission(Read, if = self.viewers.contains(&actor.id))]
pub struct Document {
    pub id: i64,
}

fn main() {}
