use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = true)]
pub struct Account {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[relation(account: Account = account_id)]
#[permission(Read, if = account.allows(Read))]
#[permission(Update, if = account.allows(Read) && self.open)]
pub struct Invoice {
    pub id: i64,
    pub account_id: bool,
    pub open: bool,
}

fn main() {}
