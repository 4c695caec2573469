use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.owner_id == actor.id)]
pub struct Org {
    pub id: i64,
    pub owner_id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.owner_id == actor.id)]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
}

#[requires(Org::Read, on = repo)]
pub fn show(actor: &User, repo: &Repo) -> Result<(), Denied> {
    let _ = (actor, repo);
    Ok(())
}

fn main() {}
