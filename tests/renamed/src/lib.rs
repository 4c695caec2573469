//! A policy whose crate reaches authz under other names: every derive and `#[requires]` is told
//! where the runtime is, and the checks, filters and loaders work as usual.
#![forbid(unsafe_code)]

/// The application's own re-exports, as a workspace with a facade crate would have them.
pub mod deps {
    pub use policy as authz;
    pub use policy_sql as authz_sql;
}

use deps::authz::{Actor, Denied, Patch, Resource, StoredRoles};
use diesel::prelude::*;

diesel::table! {
    teams (id) {
        id -> BigInt,
        is_public -> Bool,
    }
}

diesel::table! {
    team_roles (user_id, team_id, role) {
        user_id -> BigInt,
        team_id -> BigInt,
        role -> Text,
    }
}

#[derive(Actor, Clone, Debug, Default)]
#[actor(crate = crate::deps::authz)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub teams: StoredRoles<Team>,
}

#[derive(Resource, Queryable, Selectable, Clone, Debug, PartialEq)]
#[diesel(table_name = teams)]
#[resource(table = teams, actor = User, crate = crate::deps::authz, diesel_crate = crate::deps::authz_sql)]
#[roles(Lead > Member, table = team_roles)]
#[permission(Read, if = self.is_public || role(Member))]
#[permission(Rename, if = role(Lead))]
pub struct Team {
    pub id: i64,
    #[field_guard(write = Rename)]
    pub is_public: bool,
}

#[derive(Patch)]
#[patch(resource = Team, crate = crate::deps::authz)]
pub struct TeamPatch {
    pub is_public: Option<bool>,
}

#[deps::authz::requires(Team::Rename, crate = crate::deps::authz)]
pub fn rename(actor: &User, team: &Team) -> Result<i64, Denied> {
    Ok(team.id + actor.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use deps::authz::Authz;
    use deps::authz_sql::prelude::*;
    use diesel::connection::SimpleConnection;

    #[test]
    fn checks_filters_and_loaders_through_renamed_crates() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE teams (id BIGINT PRIMARY KEY NOT NULL, is_public BOOLEAN NOT NULL);
             CREATE TABLE team_roles (user_id BIGINT NOT NULL, team_id BIGINT NOT NULL, role TEXT NOT NULL);
             INSERT INTO teams VALUES (1, 0), (2, 1), (3, 0);
             INSERT INTO team_roles VALUES (7, 1, 'Lead'), (7, 3, 'Member');",
        )
        .unwrap();
        let mut user = User {
            id: 7,
            ..User::default()
        };
        user.teams = deps::authz_sql::load_roles::<Team, _>(&mut conn, &user.id).unwrap();
        let authz = Authz::new(&user);

        let visible: Vec<i64> = teams::table
            .authorized(&authz, Team::Read)
            .select(teams::id)
            .order(teams::id)
            .load(&mut conn)
            .unwrap();
        assert_eq!(visible, [1, 2, 3]);
        let all: Vec<Team> = teams::table.order(teams::id).load(&mut conn).unwrap();
        let in_memory: Vec<i64> = all
            .iter()
            .filter(|t| authz.is_allowed(Team::Read, *t))
            .map(|t| t.id)
            .collect();
        assert_eq!(in_memory, visible);

        assert_eq!(rename(&user, &all[0]), Ok(8));
        assert!(rename(&user, &all[2]).unwrap_err().status_code() == 403);
        assert!(authz
            .authorize_write(
                &all[2],
                &TeamPatch {
                    is_public: Some(true)
                }
            )
            .is_err());
        assert!(authz
            .authorize_write(
                &all[0],
                &TeamPatch {
                    is_public: Some(true)
                }
            )
            .is_ok());
        authz.authorize_by_id(&mut conn, Team::Rename, &1).unwrap();
    }
}
