use authz_core::prelude::*;

diesel::table! {
    orgs (id) {
        id -> BigInt,
    }
}

diesel::table! {
    org_roles (user_id, org_id, role) {
        user_id -> BigInt,
        org_id -> BigInt,
        role -> Text,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub orgs: StoredRoles<Org>,
}

#[derive(Resource)]
#[resource(table = orgs, actor = User)]
#[roles(Owner > Member, table = org_roles, carried)]
#[permission(Read, if = role(Member))]
pub struct Org {
    pub id: i64,
}

fn main() {}
