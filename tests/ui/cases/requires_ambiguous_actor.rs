use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Push, if = self.owner_id == actor.id)]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
}

#[requires(Repo::Push)]
pub fn transfer(user: &User, new_owner: &User, repo: &Repo) -> Result<(), Denied> {
    let _ = (user, new_owner, repo);
    Ok(())
}

fn main() {}
