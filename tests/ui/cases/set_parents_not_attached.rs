use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[set(viewers: i64)]
#[permission(Read, if = self.viewers.contains(&actor.id))]
pub struct Document {
    pub id: i64,
}

fn main() {
    let user = User { id: 1 };
    let document = Document { id: 1 };
    let _ = Authz::new(&user).is_allowed(Document::Read, &document);
}
