use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
}

pub struct RepoCtx {
    pub frozen: bool,
}

pub struct IssueCtx {
    pub now: i64,
}

#[derive(Resource)]
#[resource(actor = User, context = RepoCtx)]
#[permission(Read, if = !ctx.frozen)]
pub struct Repo {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User, context = IssueCtx)]
#[relation(repo: Repo = repo_id)]
#[permission(Read, if = repo.allows(Read) && ctx.now > 0)]
pub struct Issue {
    pub id: i64,
    pub repo_id: i64,
}

fn main() {}
