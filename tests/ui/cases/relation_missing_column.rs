use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub orgs: RoleMap<Org>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[roles(Owner > Member)]
#[permission(Read, if = role(Member))]
pub struct Org {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[relation(org: Org = organisation_id)]
#[permission(Read, if = org.role(Member))]
pub struct Repo {
    pub id: i64,
    pub org_id: i64,
}

fn main() {}
