use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub orgs: RoleMap<Org>,
    #[actor(roles)]
    pub repos: RoleMap<Repo>,
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
#[relation(org: Org = org_id)]
#[roles(Maintainer > Reader)]
#[permission(Read, if = role(Reader))]
#[permission(Delete, if = role(Owner))]
pub struct Repo {
    pub id: i64,
    pub org_id: i64,
}

fn main() {}
