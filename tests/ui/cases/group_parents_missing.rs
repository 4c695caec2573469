use authz_core::prelude::*;

diesel::table! {
    team_members (user_id, team_id) {
        user_id -> BigInt,
        team_id -> BigInt,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Group)]
#[group(actor = User, members = team_members, child = team_id)]
pub struct Team { pub id: i64 }

fn main() {}
