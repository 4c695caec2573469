use authz_core::prelude::*;

diesel::table! {
    orgs (id) {
        id -> BigInt,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub orgs: RoleMap<Org>,
}

#[derive(Resource)]
#[resource(table = orgs, actor = User)]
#[roles(Owner > Member, carried, actor_column = member_id)]
#[permission(Read, if = role(Member))]
pub struct Org {
    pub id: i64,
}

fn main() {}
