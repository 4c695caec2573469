use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

pub struct Account {
    pub id: i64,
    pub is_public: bool,
}

#[derive(Resource)]
#[resource(actor = User)]
#[relation(account: Account = account_id)]
#[permission(Read, if = account.allows(Read))]
#[permission(Pay, if = account.role(Owner) || account.owner.allows(Read))]
pub struct Invoice {
    pub id: i64,
    pub account_id: i64,
}

fn main() {}
