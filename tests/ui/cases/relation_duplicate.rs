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
#[roles(Maintainer > Reader)]
#[relation(org: Org = org_id)]
#[relation(org: Org = org_id)]
#[role(Maintainer, if = org.role(Owner))]
#[permission(Read, if = role(Reader))]
pub struct Repo {
    pub id: i64,
    pub org_id: i64,
}

fn main() {}
