use authz_core::prelude::*;

#[derive(Grant)]
#[grant(resource = Doc, holder = user_id, scope = scope)]
pub struct DocGrant {
    pub id: i64,
    pub user_id: i64,
    pub scope: String,
}

#[derive(Resource)]
#[resource(actor = Principal)]
#[permission(Read, if = self.public)]
pub struct Doc {
    pub id: i64,
    pub public: bool,
}

#[derive(Actor)]
pub enum Principal {
    User {
        id: i64,
    },
    Service {
        name: String,
        #[actor(grants)]
        grants: Grants<DocGrant>,
    },
    Guest,
}

fn main() {}
