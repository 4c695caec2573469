use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub orgs: StoredRoles<Org>,
}

// No table of its own: nothing would read `org_roles`, and nothing could load it.
#[derive(Resource)]
#[resource(actor = User)]
#[roles(Owner > Member, table = org_roles)]
#[permission(Read, if = role(Member))]
pub struct Org {
    pub id: i64,
}

fn main() {}
