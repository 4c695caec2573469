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
#[roles(Owner > Member, carried)]
#[permission(Read, if = role(Member))]
pub struct Org {
    pub id: i64,
}

// Carried roles have no table: the application builds the `RoleMap`.
fn load<C: diesel::connection::LoadConnection>(conn: &mut C) {
    let _ = authz_diesel::load_roles::<Org, C>(conn, &1);
}

fn main() {}
