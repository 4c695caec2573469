//! Create requests: may the actor create this value, which does not exist yet, under its
//! parent? In memory (`authorize_create`, with the draft's parents loaded) and in one query
//! (`authorize_create_in_db`): 404 when the parent does not exist or is not readable, 403 when
//! the rule refuses; both agree on random worlds on SQLite and PostgreSQL.

use authz_core::prelude::*;
use authz_core::DenyReason;
use authz_diesel::prelude::*;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    companies (id) {
        id -> BigInt,
        is_public -> Bool,
    }
}

diesel::table! {
    company_roles (user_id, company_id, role) {
        user_id -> BigInt,
        company_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        company_id -> Nullable<BigInt>,
        author_id -> BigInt,
        draft -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(companies, company_roles, articles);

const SCHEMA: &str = "
CREATE TEMP TABLE companies (id BIGINT PRIMARY KEY NOT NULL, is_public BOOLEAN NOT NULL);
CREATE TEMP TABLE company_roles (user_id BIGINT NOT NULL, company_id BIGINT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (user_id, company_id, role));
CREATE TEMP TABLE articles (id BIGINT PRIMARY KEY NOT NULL, company_id BIGINT, author_id BIGINT NOT NULL,
    draft BOOLEAN NOT NULL)";

#[derive(Actor, Debug, Clone, Default)]
pub struct Member {
    pub id: i64,
    pub is_admin: bool,
    #[actor(roles)]
    pub companies: StoredRoles<Company>,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = companies)]
#[resource(table = companies, actor = Member)]
#[roles(Owner > Editor > Viewer, table = company_roles)]
#[permission(Read, if = self.is_public || role(Viewer))]
pub struct Company {
    pub id: i64,
    pub is_public: bool,
}

/// "Create an article under a company I own": owners publish, editors write drafts of their
/// own; admins anywhere.
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = articles)]
#[resource(table = articles, actor = Member)]
#[relation(company: Company = company_id)]
#[permission(Read, if = !self.draft && company.allows(Read) || self.author_id == actor.id)]
#[permission(Create, if = company.role(Owner)
    || company.role(Editor) && self.draft && self.author_id == actor.id
    || actor.is_admin && self.company_id.is_some())]
pub struct Article {
    pub id: i64,
    pub company_id: Option<i64>,
    pub author_id: i64,
    pub draft: bool,
}

fn setup_sqlite() -> SqliteConnection {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    conn
}

fn seed(conn: &mut impl Connection<Backend = diesel::sqlite::Sqlite>) {
    authz_tests::execute_script(
        conn,
        "INSERT INTO companies VALUES (1, FALSE), (2, TRUE), (3, FALSE);
         INSERT INTO company_roles VALUES (10, 1, 'Owner'), (11, 1, 'Editor'), (12, 2, 'Editor'), (13, 3, 'Viewer')",
    )
    .unwrap();
}

fn member(conn: &mut SqliteConnection, id: i64) -> Member {
    let mut m = Member {
        id,
        ..Member::default()
    };
    m.companies = authz_diesel::load_roles::<Company, _>(conn, &m.id).unwrap();
    m
}

fn draft(company: Option<i64>, author: i64, draft: bool) -> Article {
    Article {
        id: 0,
        company_id: company,
        author_id: author,
        draft,
    }
}

fn in_memory(conn: &mut SqliteConnection, m: &Member, a: &Article) -> Result<(), DenyReason> {
    let parents = authz_diesel::load_parents(conn, std::slice::from_ref(a)).unwrap();
    Authz::new(m)
        .parents(&parents)
        .authorize_create(Article::Create, a)
        .map_err(|d| d.reason)
}

fn in_db(conn: &mut SqliteConnection, m: &Member, a: &Article) -> Result<(), DenyReason> {
    match Authz::new(m).authorize_create_in_db(conn, Article::Create, a) {
        Ok(()) => Ok(()),
        Err(authz_diesel::Error::Denied(d)) => Err(d.reason),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn create_under_a_company() {
    let mut conn = setup_sqlite();
    seed(&mut conn);
    let owner = member(&mut conn, 10);
    let editor = member(&mut conn, 11);
    let outsider = member(&mut conn, 99);
    let viewer = member(&mut conn, 13);
    for (m, a, want) in [
        (&owner, draft(Some(1), 10, false), Ok(())),
        (&editor, draft(Some(1), 11, true), Ok(())),
        // an editor publishing, or writing for someone else: readable parent, refused (403)
        (
            &editor,
            draft(Some(1), 11, false),
            Err(DenyReason::Forbidden),
        ),
        (
            &editor,
            draft(Some(1), 10, true),
            Err(DenyReason::Forbidden),
        ),
        // a private company the actor cannot read: 404, whatever the rule says
        (
            &outsider,
            draft(Some(1), 99, true),
            Err(DenyReason::NotFound),
        ),
        // a public company: readable, refused
        (
            &outsider,
            draft(Some(2), 99, true),
            Err(DenyReason::Forbidden),
        ),
        // a company that does not exist
        (
            &owner,
            draft(Some(42), 10, false),
            Err(DenyReason::NotFound),
        ),
        (
            &viewer,
            draft(Some(3), 13, true),
            Err(DenyReason::Forbidden),
        ),
        // no company: no parent to hide, the rule refuses
        (&owner, draft(None, 10, false), Err(DenyReason::Forbidden)),
    ] {
        assert_eq!(in_memory(&mut conn, m, &a), want, "{} {a:?}", m.id);
        assert_eq!(in_db(&mut conn, m, &a), want, "db {} {a:?}", m.id);
    }
    let admin = Member {
        is_admin: true,
        ..member(&mut conn, 50)
    };
    assert_eq!(
        in_memory(&mut conn, &admin, &draft(Some(2), 50, false)),
        Ok(())
    );
    assert_eq!(
        in_db(&mut conn, &admin, &draft(Some(1), 50, false)),
        Err(DenyReason::NotFound),
        "an admin who cannot read the company gets 404"
    );
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct World {
    companies: Vec<Company>,
    roles: Vec<(i64, i64, CompanyRole)>,
    drafts: Vec<Article>,
    actor: (i64, bool),
}

fn world() -> impl Strategy<Value = World> {
    let company = (1i64..5, any::<bool>()).prop_map(|(id, is_public)| Company { id, is_public });
    let role = prop::sample::select(vec![
        CompanyRole::Owner,
        CompanyRole::Editor,
        CompanyRole::Viewer,
    ]);
    let draft = (prop::option::weighted(0.9, 1i64..6), 1i64..4, any::<bool>())
        .prop_map(|(company_id, author_id, d)| draft(company_id, author_id, d));
    (
        prop::collection::vec(company, 0..5),
        prop::collection::vec((1i64..4, 1i64..5, role), 0..8),
        prop::collection::vec(draft, 1..6),
        (1i64..4, prop::bool::weighted(0.2)),
    )
        .prop_map(|(mut companies, mut roles, drafts, actor)| {
            companies.sort_by_key(|c| c.id);
            companies.dedup_by_key(|c| c.id);
            roles.sort_by_key(|r| (r.0, r.1, r.2.name()));
            roles.dedup();
            World {
                companies,
                roles,
                drafts,
                actor,
            }
        })
}

macro_rules! check_world {
    ($name:ident, $conn:ty) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let db = |e: diesel::result::Error| TestCaseError::fail(e.to_string());
            diesel::delete(company_roles::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(companies::table).execute(conn).map_err(db)?;
            diesel::insert_into(companies::table)
                .values(&w.companies)
                .execute(conn)
                .map_err(db)?;
            for &(u, c, r) in &w.roles {
                diesel::insert_into(company_roles::table)
                    .values((
                        company_roles::user_id.eq(u),
                        company_roles::company_id.eq(c),
                        company_roles::role.eq(r.name()),
                    ))
                    .execute(conn)
                    .map_err(db)?;
            }
            let mut m = Member {
                id: w.actor.0,
                is_admin: w.actor.1,
                ..Member::default()
            };
            m.companies = authz_diesel::load_roles::<Company, _>(conn, &m.id).map_err(db)?;
            for a in &w.drafts {
                let parents =
                    authz_diesel::load_parents(conn, std::slice::from_ref(a)).map_err(db)?;
                let mem = Authz::new(&m)
                    .parents(&parents)
                    .authorize_create(Article::Create, a)
                    .map_err(|d| d.reason);
                let sql = match Authz::new(&m).authorize_create_in_db(conn, Article::Create, a) {
                    Ok(()) => Ok(()),
                    Err(authz_diesel::Error::Denied(d)) => Err(d.reason),
                    Err(e) => return Err(TestCaseError::fail(e.to_string())),
                };
                prop_assert_eq!(mem, sql, "{:?}", a);
            }
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection);
check_world!(check_pg, PgConnection);

#[test]
fn create_decisions_agree_on_random_worlds() {
    authz_tests::differential(128, (SCHEMA, SCHEMA), world(), check_sqlite, check_pg);
}
