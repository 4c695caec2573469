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
#[permission(Read, if = repo.allows(Read))]
pub struct Issue {
    pub id: i64,
    pub repo_id: i64,
}

fn main() {
    let user = User { id: 1 };
    let issue = Issue { id: 1, repo_id: 2 };
    let _ = Authz::new(&user).is_allowed(Issue::Read, &issue);
}
