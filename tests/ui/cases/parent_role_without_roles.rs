use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = true)]
pub struct Org {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[relation(org: Org = org_id)]
#[permission(Read, if = org.role(Member))]
#[permission(Delete, if = org.role(Admin))]
pub struct Repo {
    pub id: i64,
    pub org_id: i64,
}

fn main() {}
