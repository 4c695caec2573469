//! authz in five minutes: one declaration, enforced on a record, on a list query in an
//! embedded SQLite database, on a function, and shown to a UI.
//!
//! Run: `cargo run -p quickstart`
#![forbid(unsafe_code)]

use authz_core::prelude::*;
use authz_core::DenyReason;
use authz_diesel::prelude::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

diesel::table! {
    repos (id) {
        id -> BigInt,
        owner_id -> BigInt,
        org_id -> Nullable<BigInt>,
        name -> Text,
        is_public -> Bool,
        archived -> Bool,
    }
}

/// The caller, as the authentication layer (a verified token) hands it over.
#[derive(Actor, Debug)]
pub struct User {
    pub id: i64,
    pub name: &'static str,
    pub org_id: Option<i64>,
    pub is_admin: bool,
}

/// One declaration: the compiler checks every name, the macros generate the in-memory check
/// and the SQL filter from the same condition tree.
#[derive(Resource, Queryable, Selectable, Debug)]
#[diesel(table_name = repos)]
#[resource(table = repos, actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id || self.org_id == actor.org_id || actor.is_admin)]
#[permission(Push, if = !self.archived && (self.owner_id == actor.id || actor.is_admin))]
#[permission(Delete, if = self.owner_id == actor.id && !self.archived)]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
    pub org_id: Option<i64>,
    pub name: String,
    pub is_public: bool,
    pub archived: bool,
}

/// The application's own error type: a refusal converts into it through `From<Denied>`.
#[derive(Debug)]
enum AppError {
    Forbidden(authz_core::Denied),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Forbidden(denied) => write!(f, "{} ({})", denied, denied.status_code()),
        }
    }
}

impl From<authz_core::Denied> for AppError {
    fn from(denied: authz_core::Denied) -> Self {
        AppError::Forbidden(denied)
    }
}

/// The check runs before the body; a refusal returns `Err(AppError::Forbidden(..))`.
#[requires(Repo::Push)]
fn push_commit(actor: &User, repo: &Repo, message: &str) -> Result<String, AppError> {
    Ok(format!(
        "{} pushed \"{message}\" to {}",
        actor.name, repo.name
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = SqliteConnection::establish(":memory:")?;
    conn.batch_execute(
        "CREATE TABLE repos (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL,
             org_id BIGINT, name TEXT NOT NULL, is_public BOOL NOT NULL, archived BOOL NOT NULL);
         INSERT INTO repos VALUES
             (1, 1, 10, 'authz', 1, 0),
             (2, 1, 10, 'billing', 0, 0),
             (3, 2, NULL, 'dotfiles', 0, 0),
             (4, 2, 20, 'legacy', 0, 1);",
    )?;

    let alice = User {
        id: 1,
        name: "alice",
        org_id: Some(10),
        is_admin: false,
    };
    let bob = User {
        id: 2,
        name: "bob",
        org_id: Some(20),
        is_admin: false,
    };
    let eve = User {
        id: 3,
        name: "eve",
        org_id: None,
        is_admin: false,
    };
    let users = [&alice, &bob, &eve];
    let all: Vec<Repo> = repos::table.order(repos::id).load(&mut conn)?;

    println!("== rules (generated from the declaration)");
    for perm in RepoPermission::ALL {
        println!("  {perm:<7} if {}", perm.condition());
    }

    println!("\n== resource level: Authz::new(&actor).authorize(Repo::Push, &repo)");
    for user in users {
        // One authorizer per request: it carries the actor (and, when rules read them, the
        // request context and parent rows) to every level.
        let authz = Authz::new(user);
        for repo in &all {
            match authz.authorize(Repo::Push, repo) {
                Ok(_) => println!("  {:<5} Push on {:<9} allowed", user.name, repo.name),
                Err(denied) => {
                    let why = match denied.reason {
                        DenyReason::Forbidden => "may read it, may not push",
                        DenyReason::NotFound => {
                            "may not even read it: answer as if it did not exist"
                        }
                    };
                    println!(
                        "  {:<5} Push on {:<9} denied {} ({why})",
                        user.name,
                        repo.name,
                        denied.status_code()
                    );
                }
            }
        }
    }

    println!("\n== query level: repos::table.authorized(&authz, Repo::Read)");
    let eve_authz = Authz::new(&eve);
    let query = repos::table
        .authorized(&eve_authz, Repo::Read)
        .select(repos::name);
    println!(
        "  SQL for eve: {}",
        diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query)
    );
    for user in users {
        let names: Vec<String> = repos::table
            .authorized(&Authz::new(user), Repo::Read)
            .order(repos::id)
            .select(repos::name)
            .load(&mut conn)?;
        println!("  {:<5} sees {names:?}", user.name);
    }
    let by_id = Authz::new(&bob).authorize_by_id(&mut conn, Repo::Delete, &2);
    println!("  bob Delete on id 2 without loading it: {by_id:?}");

    println!("\n== client level: authz.actions(&repo) for the UI");
    for user in users {
        let authz = Authz::new(user);
        let actions: Vec<String> = all
            .iter()
            .map(|r| format!("{}={}", r.name, authz.actions(r)))
            .collect();
        println!("  {:<5} {}", user.name, actions.join(" "));
    }

    println!("\n== function level: #[requires(Repo::Push)]");
    for (user, message) in [(&alice, "fix typo"), (&bob, "sneaky change")] {
        match push_commit(user, &all[0], message) {
            Ok(done) => println!("  {done}"),
            Err(err) => println!("  {} refused: {err}", user.name),
        }
    }
    Ok(())
}
