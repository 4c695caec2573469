use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public)]
pub struct Repo {
    pub id: i64,
    pub is_public: bool,
}

#[derive(Resource)]
#[resource(actor = User)]
#[relation(repo: Repo = repo_id)]
#[permission(Read, if = project.allows(Read))]
pub struct Issue {
    pub id: i64,
    pub repo_id: i64,
}

fn main() {}
