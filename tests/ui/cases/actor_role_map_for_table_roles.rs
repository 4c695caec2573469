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

// Roles of `Org` come from `org_roles`: a `RoleMap` the actor carries would be a second source.
#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub orgs: RoleMap<Org>,
}

#[derive(Resource)]
#[resource(table = orgs, actor = User)]
#[roles(Owner > Member, table = org_roles)]
#[permission(Read, if = role(Member))]
pub struct Org {
    pub id: i64,
}

fn main() {}
