//! Behaviour of the condition forms beyond plain comparisons: `+`/`-` (checked, absent on
//! overflow), `starts_with`, sets of the actor or the context, nested fields — in memory, in
//! `explain`, in the policy metadata, and as SQL text (every value bound).

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use diesel::prelude::*;

diesel::table! {
    files (id) {
        id -> BigInt,
        created_at -> BigInt,
        size -> Integer,
        quota -> Nullable<Integer>,
        owner_id -> Nullable<BigInt>,
        path -> Text,
    }
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub home: Option<String>,
}

#[derive(Actor, Debug, Clone)]
pub struct User {
    pub id: i64,
    pub blocked: Vec<i64>,
    pub profile: Option<Profile>,
}

pub struct Consent {
    pub owner_id: i64,
}

pub struct Request {
    pub now: i64,
    pub prefix: String,
    pub consent: Option<Consent>,
}

#[derive(Resource, Queryable, Selectable, Debug, Clone)]
#[resource(table = files, actor = User, context = Request)]
#[permission(Read, if = self.created_at + 86400 > ctx.now)]
#[permission(Recent, if = ctx.now - self.created_at < 3600)]
#[permission(Fits, if = self.size + self.quota <= 100)]
#[permission(Under, if = self.path.starts_with(&ctx.prefix) && !actor.blocked.contains(&self.owner_id))]
#[permission(Home, if = self.path.starts_with(&actor.profile.home))]
#[permission(Consented, if = ctx.consent.owner_id == self.owner_id)]
pub struct File {
    pub id: i64,
    pub created_at: i64,
    pub size: i32,
    pub quota: Option<i32>,
    pub owner_id: Option<i64>,
    pub path: String,
}

fn file() -> File {
    File {
        id: 1,
        created_at: 1_000,
        size: 10,
        quota: Some(20),
        owner_id: Some(7),
        path: "/srv/a_b/x".into(),
    }
}

fn user() -> User {
    User {
        id: 1,
        blocked: vec![9],
        profile: Some(Profile {
            home: Some("/srv/".into()),
        }),
    }
}

fn req(now: i64) -> Request {
    Request {
        now,
        prefix: "/srv/a_".into(),
        consent: Some(Consent { owner_id: 7 }),
    }
}

#[test]
fn arithmetic_is_checked_and_an_overflow_denies() {
    let u = user();
    let ok = req(2_000);
    assert!(Authz::new(&u).context(&ok).is_allowed(File::Read, &file()));
    assert!(Authz::new(&u)
        .context(&ok)
        .is_allowed(File::Recent, &file()));
    assert!(Authz::new(&u).context(&ok).is_allowed(File::Fits, &file()));
    // created_at + 86400 overflows: absent, so denied (never a wrap-around to a small value).
    let far = File {
        created_at: i64::MAX,
        ..file()
    };
    assert!(!Authz::new(&u).context(&ok).is_allowed(File::Read, &far));
    // now - created_at overflows.
    let early = req(i64::MIN);
    assert!(!Authz::new(&u)
        .context(&early)
        .is_allowed(File::Recent, &file()));
    // i32 arithmetic overflows at the i32 bound; an absent operand denies.
    let big = File {
        size: i32::MAX,
        quota: Some(1),
        ..file()
    };
    assert!(!Authz::new(&u).context(&ok).is_allowed(File::Fits, &big));
    let open = File {
        quota: None,
        ..file()
    };
    assert!(!Authz::new(&u).context(&ok).is_allowed(File::Fits, &open));
}

#[test]
fn prefixes_sets_and_nested_fields() {
    let u = user();
    let r = req(0);
    let authz = Authz::new(&u).context(&r);
    assert!(authz.is_allowed(File::Under, &file()));
    // `_` is no wildcard, and the test is case-sensitive.
    let other = File {
        path: "/srv/aXb".into(),
        ..file()
    };
    assert!(!authz.is_allowed(File::Under, &other));
    let upper = File {
        path: "/SRV/a_b".into(),
        ..file()
    };
    assert!(!authz.is_allowed(File::Home, &upper));
    assert!(authz.is_allowed(File::Home, &file()));
    let blocked = File {
        owner_id: Some(9),
        ..file()
    };
    assert!(!authz.is_allowed(File::Under, &blocked));
    let orphan = File {
        owner_id: None,
        ..file()
    };
    assert!(authz.is_allowed(File::Under, &orphan));
    assert!(authz.is_allowed(File::Consented, &file()));
    assert!(!authz.is_allowed(File::Consented, &orphan));
    // A `None` on the way is absent.
    let homeless = User {
        profile: None,
        ..user()
    };
    let no_consent = Request {
        consent: None,
        ..req(0)
    };
    assert!(!Authz::new(&homeless)
        .context(&r)
        .is_allowed(File::Home, &file()));
    assert!(!Authz::new(&u)
        .context(&no_consent)
        .is_allowed(File::Consented, &file()));
}

#[test]
fn explain_and_metadata_print_the_rules_as_written() {
    let u = user();
    let r = req(2_000);
    let why = Authz::new(&u).context(&r).explain(File::Under, &file());
    let text = why.to_string();
    assert!(
        text.contains("self.path.starts_with(&ctx.prefix)"),
        "{text}"
    );
    assert!(
        text.contains("!actor.blocked.contains(&self.owner_id)"),
        "{text}"
    );
    let why = Authz::new(&u).context(&r).explain(File::Recent, &file());
    assert!(why.to_string().contains("ctx.now - self.created_at < 3600"));
    let why = Authz::new(&u).context(&r).explain(File::Consented, &file());
    assert!(why
        .to_string()
        .contains("ctx.consent.owner_id == self.owner_id"));
    let meta = authz_core::policy::<File>();
    let condition = |name| meta.permission(name).map(|p| p.condition);
    assert_eq!(condition("Fits"), Some("self.size + self.quota <= 100"));
    assert_eq!(
        condition("Home"),
        Some("self.path.starts_with(&actor.profile.home)")
    );
}

#[test]
fn sql_binds_every_value() {
    let u = user();
    let r = req(2_000);
    let authz = Authz::new(&u).context(&r);
    let sql = |p: FilePermission| {
        let q = files::table.authorized(&authz, p).select(files::id);
        diesel::debug_query::<diesel::sqlite::Sqlite, _>(&q).to_string()
    };
    insta::assert_snapshot!(sql(FilePermission::Read), @"SELECT `files`.`id` FROM `files` WHERE ((`files`.`created_at` >= ?) AND (`files`.`created_at` <= ?)) -- binds: [-84399, 9223372036854689407]");
    insta::assert_snapshot!(sql(FilePermission::Recent), @"SELECT `files`.`id` FROM `files` WHERE (`files`.`created_at` >= ?) -- binds: [-1599]");
    insta::assert_snapshot!(sql(FilePermission::Fits), @r#"SELECT `files`.`id` FROM `files` WHERE CASE WHEN CASE WHEN (`files`.`quota` > ?) THEN (`files`.`size` <= (? - `files`.`quota`)) ELSE CASE WHEN (`files`.`quota` < ?) THEN (`files`.`size` >= (? - `files`.`quota`)) ELSE (1=1) END END THEN ((`files`.`size` + `files`.`quota`) <= ?) ELSE (1=0) END -- binds: [0, 2147483647, 0, -2147483648, 100]"#);
    insta::assert_snapshot!(sql(FilePermission::Under), @r#"SELECT `files`.`id` FROM `files` WHERE ((`files`.`path` GLOB ?) AND ((`files`.`owner_id` IS NULL) OR (`files`.`owner_id` NOT IN (?)))) -- binds: ["/srv/a_*", 9]"#);
    insta::assert_snapshot!(sql(FilePermission::Consented), @r#"SELECT `files`.`id` FROM `files` WHERE (`files`.`owner_id` = ?) -- binds: [7]"#);
}
