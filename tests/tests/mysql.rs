//! The code-hosting model on MySQL/MariaDB: list filters, `authorize_by_id` and the in-memory
//! check agree for every user and permission; and so do carried roles (`#[roles(.., carried)]`,
//! the actor's role map bound as parameters). Run with
//! `cargo test -p authz-tests --features mysql --test mysql` (needs libmysqlclient).
#![cfg(feature = "mysql")]

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_tests::hosting::*;
use diesel::prelude::*;

#[test]
fn code_hosting_on_mysql() {
    let Some(mut db) = authz_tests::mysql() else {
        return;
    };
    let conn = &mut db.conn;
    // MySQL keys cannot index TEXT without a length.
    let schema = SCHEMA.replace("role TEXT", "role VARCHAR(64)");
    authz_tests::execute_script(conn, &schema).unwrap();
    authz_tests::execute_script(
        conn,
        "INSERT INTO orgs VALUES (1, 'acme', FALSE), (2, 'oss', TRUE), (3, 'it''s % _', FALSE);
         INSERT INTO repos VALUES (10, 1, 'secret', FALSE), (11, 1, 'site', TRUE), (20, 2, 'lib', FALSE), (30, 3, 'x', FALSE);
         INSERT INTO issues VALUES (100, 10, 5, FALSE), (101, 11, 6, FALSE), (200, 20, 6, FALSE), (300, 30, 1, TRUE);
         INSERT INTO org_roles VALUES (1, 1, 'Owner'), (2, 1, 'Member'), (4, 3, 'Admin'), (6, 2, 'Member');
         INSERT INTO repo_roles VALUES (3, 20, 'Contributor'), (5, 10, 'Reader'), (2, 30, 'Maintainer');",
    )
    .unwrap();
    let repos_all: Vec<Repo> = repos::table.order(repos::id).load(conn).unwrap();
    let issues_all: Vec<Issue> = issues::table.order(issues::id).load(conn).unwrap();
    let mut checked = 0;
    for user_id in 1..=7 {
        let mut user = User {
            id: user_id,
            is_admin: user_id == 7,
            ..User::default()
        };
        user.org_roles = authz_diesel::load_roles::<Org, _>(conn, &user.id).unwrap();
        user.repo_roles = authz_diesel::load_roles::<Repo, _>(conn, &user.id).unwrap();
        let parents = authz_diesel::load_parents(conn, &issues_all).unwrap();
        for perm in IssuePermission::ALL {
            let sql: Vec<i64> = issues::table
                .authorized(&Authz::new(&user), perm)
                .select(issues::id)
                .order(issues::id)
                .load(conn)
                .unwrap();
            let mem: Vec<i64> = issues_all
                .iter()
                .filter(|i| Authz::new(&user).parents(&parents).is_allowed(perm, *i))
                .map(|i| i.id)
                .collect();
            assert_eq!(sql, mem, "user {user_id} Issue::{perm}");
            for issue in &issues_all {
                let by_id = Authz::new(&user).authorize_by_id(conn, perm, &issue.id);
                assert_eq!(
                    by_id.is_ok(),
                    mem.contains(&issue.id),
                    "user {user_id} Issue::{perm} #{}",
                    issue.id
                );
                checked += 1;
            }
        }
        for perm in RepoPermission::ALL {
            let sql: Vec<i64> = repos::table
                .authorized(&Authz::new(&user), perm)
                .select(repos::id)
                .order(repos::id)
                .load(conn)
                .unwrap();
            let mem: Vec<i64> = repos_all
                .iter()
                .filter(|r| is_allowed(&user, perm, *r))
                .map(|r| r.id)
                .collect();
            assert_eq!(sql, mem, "user {user_id} Repo::{perm}");
            checked += 1;
        }
    }
    eprintln!("mysql: {checked} decisions agree");
}

mod conditions {
    //! The condition forms beyond plain comparisons on MySQL/MariaDB: arithmetic at the integer
    //! extremes (no `BIGINT value is out of range` error, the in-memory answer), case-sensitive
    //! prefixes whatever the collation, sets, nested fields.
    use authz_core::prelude::*;
    use authz_diesel::prelude::*;
    use diesel::prelude::*;

    diesel::table! {
        notes (id) {
            id -> BigInt,
            a -> BigInt,
            b -> BigInt,
            n -> Integer,
            oa -> Nullable<BigInt>,
            path -> Text,
            opath -> Nullable<Text>,
        }
    }

    #[derive(Actor)]
    pub struct Member {
        pub id: i64,
        pub limit: i64,
        pub teams: Vec<i64>,
    }

    pub struct Inner {
        pub code: Option<i32>,
    }

    pub struct Req {
        pub now: i64,
        pub k: i32,
        pub prefix: String,
        pub inner: Option<Inner>,
    }

    #[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone)]
    #[diesel(table_name = notes)]
    #[resource(table = notes, actor = Member, context = Req)]
    #[permission(Read, if = self.a + 86400 > ctx.now)]
    #[permission(Since, if = !(ctx.now - self.a < 86400))]
    #[permission(Sum, if = self.a + self.b <= actor.limit)]
    #[permission(NotSum, if = !(self.a - self.b >= ctx.now) && self.n + ctx.k > 0)]
    #[permission(Opt, if = self.oa - self.a != 1)]
    #[permission(Prefix, if = self.path.starts_with(&ctx.prefix) || !self.opath.starts_with("_"))]
    #[permission(Sets, if = actor.teams.contains(&self.oa) && !actor.teams.contains(&self.a))]
    #[permission(Nested, if = ctx.inner.code + 1 >= self.n)]
    pub struct Note {
        pub id: i64,
        pub a: i64,
        pub b: i64,
        pub n: i32,
        pub oa: Option<i64>,
        pub path: String,
        pub opath: Option<String>,
    }

    #[test]
    fn new_condition_forms_on_mysql() {
        let Some(mut db) = authz_tests::mysql() else {
            return;
        };
        let conn = &mut db.conn;
        // The default collation ignores case: the prefix test must not.
        authz_tests::execute_script(
            conn,
            "CREATE TABLE notes (id BIGINT PRIMARY KEY NOT NULL, a BIGINT NOT NULL, b BIGINT NOT NULL,
                n INTEGER NOT NULL, oa BIGINT, path TEXT NOT NULL, opath TEXT)
                CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
        )
        .unwrap();
        let extremes = [
            i64::MIN,
            i64::MIN + 1,
            -86400,
            -1,
            0,
            1,
            86400,
            i64::MAX - 1,
            i64::MAX,
        ];
        let texts = ["", "a", "A", "a%", "aB", "_x", "Ab", "%", "!", "é"];
        let mut rows = Vec::new();
        for (i, &a) in extremes.iter().enumerate() {
            for (j, &b) in extremes.iter().enumerate().step_by(2) {
                let id = (i * extremes.len() + j) as i64 + 1;
                rows.push(Note {
                    id,
                    a,
                    b,
                    n: [i32::MIN, -1, 0, 7, i32::MAX][(i + j) % 5],
                    oa: (j % 3 != 0).then_some(extremes[(i + 2 * j) % extremes.len()]),
                    path: texts[(i + j) % texts.len()].to_owned(),
                    opath: (i % 4 != 0).then(|| texts[(2 * i + j) % texts.len()].to_owned()),
                });
            }
        }
        diesel::insert_into(notes::table)
            .values(&rows)
            .execute(conn)
            .unwrap();
        let mut checked = 0;
        for &now in &[i64::MIN, -5, 0, 86400, i64::MAX] {
            for prefix in ["a", "A", "a%", "_", ""] {
                let actor = Member {
                    id: 1,
                    limit: now,
                    teams: vec![0, 1, i64::MAX],
                };
                let ctx = Req {
                    now,
                    k: [i32::MIN, 0, i32::MAX][now.rem_euclid(3) as usize],
                    prefix: prefix.to_owned(),
                    inner: (now != 0).then_some(Inner {
                        code: (now > 0).then_some(i32::MAX),
                    }),
                };
                let authz = Authz::new(&actor).context(&ctx);
                for p in NotePermission::ALL {
                    let sql: Vec<i64> = notes::table
                        .authorized(&authz, p)
                        .select(notes::id)
                        .order(notes::id)
                        .load(conn)
                        .unwrap();
                    let mem: Vec<i64> = rows
                        .iter()
                        .filter(|r| authz.is_allowed(p, *r))
                        .map(|r| r.id)
                        .collect();
                    assert_eq!(sql, mem, "{p} with now = {now}, prefix = {prefix:?}");
                    checked += 1;
                }
            }
        }
        eprintln!("mysql conditions: {checked} lists agree");
    }
}

// ---- carried roles: the actor's role map, bound ----

mod carried {
    use authz_core::prelude::*;
    use authz_core::ParentMap;
    use authz_diesel::prelude::*;
    use diesel::prelude::*;

    diesel::table! {
        teams (id) {
            id -> BigInt,
            is_open -> Bool,
        }
    }

    diesel::table! {
        projects (id) {
            id -> BigInt,
            team_id -> Nullable<BigInt>,
            is_public -> Bool,
        }
    }

    #[derive(Actor, Clone, Debug)]
    pub struct Member {
        pub id: i64,
        #[actor(roles)]
        pub teams: RoleMap<Team>,
    }

    #[derive(Resource, Queryable, Selectable, Clone, Debug)]
    #[diesel(table_name = teams)]
    #[resource(table = teams, actor = Member)]
    #[roles(Lead > Writer > Reader, carried)]
    #[role(Reader, if = self.is_open)]
    #[permission(Read, if = role(Reader))]
    #[permission(Write, if = role(Writer))]
    #[permission(Observe, if = !role(Writer))]
    pub struct Team {
        pub id: i64,
        pub is_open: bool,
    }

    #[derive(Resource, Queryable, Selectable, Clone, Debug)]
    #[diesel(table_name = projects)]
    #[resource(table = projects, actor = Member)]
    #[relation(team: Team = team_id)]
    #[permission(Read, if = self.is_public || team.role(Reader))]
    #[permission(Edit, if = team.role(Writer))]
    #[permission(Hide, if = !team.role(Reader))]
    pub struct Project {
        pub id: i64,
        pub team_id: Option<i64>,
        pub is_public: bool,
    }

    #[test]
    fn carried_roles_on_mysql() {
        let Some(mut db) = authz_tests::mysql() else {
            return;
        };
        let conn = &mut db.conn;
        authz_tests::execute_script(
            conn,
            "CREATE TABLE teams (id BIGINT PRIMARY KEY NOT NULL, is_open BOOLEAN NOT NULL);
             CREATE TABLE projects (id BIGINT PRIMARY KEY NOT NULL, team_id BIGINT, is_public BOOLEAN NOT NULL);
             INSERT INTO teams VALUES (1, FALSE), (2, TRUE), (3, FALSE);
             INSERT INTO projects VALUES (10, 1, FALSE), (11, 2, FALSE), (12, 3, TRUE), (13, NULL, FALSE), (14, 9, FALSE);",
        )
        .unwrap();
        let teams_all: Vec<Team> = teams::table.order(teams::id).load(conn).unwrap();
        let projects_all: Vec<Project> = projects::table.order(projects::id).load(conn).unwrap();
        let mut parents = ParentMap::new();
        parents.extend(teams_all.iter().cloned());
        let members = [
            vec![],
            vec![(1, TeamRole::Lead)],
            vec![(3, TeamRole::Reader), (9, TeamRole::Writer)],
            vec![
                (1, TeamRole::Writer),
                (2, TeamRole::Reader),
                (3, TeamRole::Lead),
            ],
        ];
        for (i, roles) in members.into_iter().enumerate() {
            let m = Member {
                id: i as i64 + 1,
                teams: roles.into_iter().collect(),
            };
            let authz = Authz::new(&m).parents(&parents);
            for perm in TeamPermission::ALL {
                let sql: Vec<i64> = teams::table
                    .authorized(&authz, perm)
                    .select(teams::id)
                    .order(teams::id)
                    .load(conn)
                    .unwrap();
                let mem: Vec<i64> = teams_all
                    .iter()
                    .filter(|t| authz.is_allowed(perm, *t))
                    .map(|t| t.id)
                    .collect();
                assert_eq!(sql, mem, "member {} Team::{perm}", m.id);
            }
            for perm in ProjectPermission::ALL {
                let sql: Vec<i64> = projects::table
                    .authorized(&authz, perm)
                    .select(projects::id)
                    .order(projects::id)
                    .load(conn)
                    .unwrap();
                let mem: Vec<i64> = projects_all
                    .iter()
                    .filter(|p| authz.is_allowed(perm, *p))
                    .map(|p| p.id)
                    .collect();
                assert_eq!(sql, mem, "member {} Project::{perm}", m.id);
                for p in &projects_all {
                    let by_id = authz.authorize_by_id(conn, perm, &p.id).is_ok();
                    assert_eq!(by_id, mem.contains(&p.id), "by id {} Project::{perm}", p.id);
                }
            }
        }
    }
}
