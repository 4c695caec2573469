use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(unknown)]
    pub orgs: RoleMap<Org>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[roles(Owner > Member)]
#[permission(Read, if = role(Member))]
pub struct Org {
    pub id: i64,
}

fn main() {}
