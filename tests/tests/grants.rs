//! Grants stored as data: "may see the photos of camera C inside this latitude/longitude box,
//! taken in this date range, until this date". What they decide in memory and in `explain`;
//! that the SQL list, `authorize_by_id` and the permission bits decide the same on random worlds
//! (bounds on and around the photos, NULL bounds, ±180, -0.0, unknown scopes, NULL holders,
//! dangling anchors, random `now`), on SQLite and PostgreSQL; listing and revoking grants.

use std::sync::atomic::{AtomicUsize, Ordering};

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_diesel::{grants_on, list_grants, load_grants, revoke, revoke_id, GrantSelection};
use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    photos (id) {
        id -> BigInt,
        owner_id -> BigInt,
        camera_id -> Nullable<BigInt>,
        lat -> Double,
        lng -> Double,
        taken_at -> Timestamp,
        hidden -> Bool,
    }
}

diesel::table! {
    photo_grants (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        scope -> Nullable<Text>,
        camera_id -> Nullable<BigInt>,
        min_lat -> Nullable<Double>,
        max_lat -> Nullable<Double>,
        min_lng -> Nullable<Double>,
        max_lng -> Nullable<Double>,
        taken_from -> Nullable<Timestamp>,
        taken_until -> Nullable<Timestamp>,
        valid_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    export_grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        scope -> Text,
        valid_until -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(photos, photo_grants, export_grants, items);

const SQLITE_SCHEMA: &str = "
CREATE TEMP TABLE photos (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL, camera_id BIGINT,
    lat DOUBLE NOT NULL, lng DOUBLE NOT NULL, taken_at TIMESTAMP NOT NULL, hidden BOOLEAN NOT NULL);
CREATE TEMP TABLE photo_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT, scope TEXT, camera_id BIGINT,
    min_lat DOUBLE, max_lat DOUBLE, min_lng DOUBLE, max_lng DOUBLE,
    taken_from TIMESTAMP, taken_until TIMESTAMP, valid_until TIMESTAMP);
CREATE TEMP TABLE export_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT NOT NULL, scope TEXT NOT NULL,
    valid_until TIMESTAMP NOT NULL)";

const PG_SCHEMA: &str = "
CREATE TEMP TABLE photos (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL, camera_id BIGINT,
    lat DOUBLE PRECISION NOT NULL, lng DOUBLE PRECISION NOT NULL, taken_at TIMESTAMP NOT NULL,
    hidden BOOLEAN NOT NULL);
CREATE TEMP TABLE photo_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT, scope TEXT, camera_id BIGINT,
    min_lat DOUBLE PRECISION, max_lat DOUBLE PRECISION, min_lng DOUBLE PRECISION, max_lng DOUBLE PRECISION,
    taken_from TIMESTAMP, taken_until TIMESTAMP, valid_until TIMESTAMP);
CREATE INDEX photo_grants_holder ON photo_grants (user_id, scope, camera_id);
CREATE TEMP TABLE export_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT NOT NULL, scope TEXT NOT NULL,
    valid_until TIMESTAMP NOT NULL)";

/// MySQL: `DATETIME` (its `TIMESTAMP` is zone-converted and ends in 2038), and a scope that
/// compares byte by byte without padding (`utf8mb4_nopad_bin`): with the default
/// case-insensitive collation a stored `read` would match the permission `Read` in SQL but not in
/// memory, and with `utf8mb4_bin` a stored `Read ` would.
#[cfg(feature = "mysql")]
const MYSQL_SCHEMA: &str = "
CREATE TABLE photos (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL, camera_id BIGINT,
    lat DOUBLE NOT NULL, lng DOUBLE NOT NULL, taken_at DATETIME NOT NULL, hidden BOOLEAN NOT NULL);
CREATE TABLE photo_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT,
    scope VARCHAR(64) COLLATE utf8mb4_nopad_bin, camera_id BIGINT,
    min_lat DOUBLE, max_lat DOUBLE, min_lng DOUBLE, max_lng DOUBLE,
    taken_from DATETIME, taken_until DATETIME, valid_until DATETIME,
    INDEX photo_grants_holder (user_id, scope, camera_id));
CREATE TABLE export_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT NOT NULL,
    scope VARCHAR(64) COLLATE utf8mb4_nopad_bin NOT NULL, valid_until DATETIME NOT NULL)";

#[derive(Actor, Debug, Clone, Default)]
pub struct User {
    pub id: i64,
    #[actor(grants)]
    pub photo_grants: Grants<PhotoGrant>,
    #[actor(grants)]
    pub export_grants: Grants<ExportGrant>,
}

/// The request: its time decides whether a grant has expired.
pub struct Request {
    pub now: NaiveDateTime,
}

/// One row of `photo_grants`: a box, a date range and an expiry, each bound `NULL` when open.
#[derive(Grant, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = photo_grants, treat_none_as_default_value = false)]
#[grant(table = photo_grants, resource = Photo, holder = user_id, scope = scope, anchor = camera_id)]
pub struct PhotoGrant {
    pub id: i64,
    pub user_id: Option<i64>,
    pub scope: Option<String>,
    pub camera_id: Option<i64>,
    pub min_lat: Option<f64>,
    pub max_lat: Option<f64>,
    pub min_lng: Option<f64>,
    pub max_lng: Option<f64>,
    pub taken_from: Option<NaiveDateTime>,
    pub taken_until: Option<NaiveDateTime>,
    pub valid_until: Option<NaiveDateTime>,
}

/// Type-wide grants (no anchor): "may export any photo until ..".
#[derive(Grant, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = export_grants)]
#[grant(table = export_grants, resource = Photo, holder = user_id, scope = scope)]
pub struct ExportGrant {
    pub id: i64,
    pub user_id: i64,
    pub scope: String,
    pub valid_until: NaiveDateTime,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = photos)]
#[resource(table = photos, actor = User, context = Request)]
#[rule(in_box, if = grant(PhotoGrant, Read, on = self.camera_id, |g|
    (g.min_lat.is_none() || g.min_lat <= self.lat) && (g.max_lat.is_none() || self.lat <= g.max_lat)
    && (g.min_lng.is_none() || g.min_lng <= self.lng) && (g.max_lng.is_none() || self.lng < g.max_lng)
    && (g.taken_from.is_none() || g.taken_from <= self.taken_at)
    && (g.taken_until.is_none() || self.taken_at < g.taken_until)
    && (g.valid_until.is_none() || ctx.now < g.valid_until)))]
#[permission(Read, if = self.owner_id == actor.id || rule(in_box))]
// Any grant of the camera, whatever its box: the negations and `!=` exercise NULL bounds.
#[permission(Locate, if = grant(PhotoGrant, Locate, on = self.camera_id, |g|
    !(g.min_lat > self.lat) && g.max_lng != self.lng))]
#[permission(Export, if = grant(ExportGrant, Export, |g| ctx.now <= g.valid_until) && !rule(in_box))]
#[permission(Delete, if = self.owner_id == actor.id)]
#[prohibit(Read, Locate, Export, if = self.hidden && !(self.owner_id == actor.id))]
pub struct Photo {
    pub id: i64,
    pub owner_id: i64,
    pub camera_id: Option<i64>,
    pub lat: f64,
    pub lng: f64,
    pub taken_at: NaiveDateTime,
    pub hidden: bool,
}

fn at(secs: i64) -> NaiveDateTime {
    DateTime::from_timestamp(secs, 0)
        .expect("in range")
        .naive_utc()
}

fn open_grant(id: i64, user: i64, camera: Option<i64>) -> PhotoGrant {
    PhotoGrant {
        id,
        user_id: Some(user),
        scope: Some("Read".into()),
        camera_id: camera,
        min_lat: None,
        max_lat: None,
        min_lng: None,
        max_lng: None,
        taken_from: None,
        taken_until: None,
        valid_until: None,
    }
}

fn photo(id: i64, camera: i64, lat: f64, lng: f64) -> Photo {
    Photo {
        id,
        owner_id: 99,
        camera_id: Some(camera),
        lat,
        lng,
        taken_at: at(1_650_000_000),
        hidden: false,
    }
}

#[test]
fn a_box_grant_on_one_camera() {
    let boxed = PhotoGrant {
        min_lat: Some(40.0),
        max_lat: Some(50.0),
        min_lng: Some(-10.0),
        max_lng: Some(10.0),
        ..open_grant(7, 1, Some(3))
    };
    let alice = User {
        id: 1,
        photo_grants: Grants::new(vec![boxed]),
        ..User::default()
    };
    let now = Request {
        now: at(1_700_000_000),
    };
    let authz = Authz::new(&alice).context(&now);
    assert!(authz.is_allowed(Photo::Read, &photo(1, 3, 45.0, 0.0)));
    // Bounds: inclusive latitude, exclusive upper longitude.
    assert!(authz.is_allowed(Photo::Read, &photo(1, 3, 40.0, -10.0)));
    assert!(authz.is_allowed(Photo::Read, &photo(1, 3, 50.0, 9.5)));
    assert!(!authz.is_allowed(Photo::Read, &photo(1, 3, 50.0, 10.0)));
    assert!(!authz.is_allowed(Photo::Read, &photo(1, 3, 39.9, 0.0)));
    // Another camera, no camera.
    assert!(!authz.is_allowed(Photo::Read, &photo(1, 4, 45.0, 0.0)));
    let no_camera = Photo {
        camera_id: None,
        ..photo(1, 3, 45.0, 0.0)
    };
    assert!(!authz.is_allowed(Photo::Read, &no_camera));
    // Another permission's scope.
    assert!(!authz.is_allowed(Photo::Locate, &photo(1, 3, 45.0, 0.0)));

    // Someone else's grant never grants, even in the actor's list.
    let mallory = User {
        id: 2,
        photo_grants: alice.photo_grants.clone(),
        ..User::default()
    };
    assert!(!Authz::new(&mallory)
        .context(&now)
        .is_allowed(Photo::Read, &photo(1, 3, 45.0, 0.0)));
}

#[test]
fn null_anchor_scope_and_holder() {
    let now = Request {
        now: at(1_700_000_000),
    };
    // A NULL anchor applies to every camera, and to photos with no camera.
    let everywhere = User {
        id: 1,
        photo_grants: Grants::new(vec![open_grant(1, 1, None)]),
        ..User::default()
    };
    let no_camera = Photo {
        camera_id: None,
        ..photo(1, 3, 45.0, 0.0)
    };
    let authz = Authz::new(&everywhere).context(&now);
    assert!(authz.is_allowed(Photo::Read, &photo(1, 8, 0.0, 0.0)));
    assert!(authz.is_allowed(Photo::Read, &no_camera));
    // Unknown scope names and NULL scopes or holders grant nothing.
    for g in [
        PhotoGrant {
            scope: Some("read".into()),
            ..open_grant(1, 1, None)
        },
        PhotoGrant {
            scope: None,
            ..open_grant(1, 1, None)
        },
        PhotoGrant {
            user_id: None,
            ..open_grant(1, 1, None)
        },
    ] {
        let user = User {
            id: 1,
            photo_grants: Grants::new(vec![g]),
            ..User::default()
        };
        assert!(!Authz::new(&user)
            .context(&now)
            .is_allowed(Photo::Read, &photo(1, 8, 0.0, 0.0)));
    }
}

#[test]
fn expiry_and_date_range() {
    let g = PhotoGrant {
        taken_from: Some(at(1_640_995_200)),  // 2022-01-01
        taken_until: Some(at(1_672_531_200)), // 2023-01-01
        valid_until: Some(at(1_800_000_000)),
        ..open_grant(1, 1, Some(3))
    };
    let user = User {
        id: 1,
        photo_grants: Grants::new(vec![g]),
        ..User::default()
    };
    let in_2022 = photo(1, 3, 0.0, 0.0);
    let in_2023 = Photo {
        taken_at: at(1_672_531_200),
        ..photo(1, 3, 0.0, 0.0)
    };
    let before = Request {
        now: at(1_799_999_999),
    };
    let expired = Request {
        now: at(1_800_000_000),
    };
    assert!(Authz::new(&user)
        .context(&before)
        .is_allowed(Photo::Read, &in_2022));
    assert!(!Authz::new(&user)
        .context(&before)
        .is_allowed(Photo::Read, &in_2023));
    assert!(!Authz::new(&user)
        .context(&expired)
        .is_allowed(Photo::Read, &in_2022));
}

#[test]
fn explain_names_the_grant_that_allowed() {
    let user = User {
        id: 1,
        photo_grants: Grants::new(vec![
            PhotoGrant {
                max_lat: Some(10.0),
                ..open_grant(4, 1, Some(3))
            },
            open_grant(9, 1, Some(3)),
        ]),
        ..User::default()
    };
    let now = Request {
        now: at(1_700_000_000),
    };
    let why = Authz::new(&user)
        .context(&now)
        .explain(Photo::Read, &photo(1, 3, 45.0, 0.0));
    assert!(why.allowed());
    let grant = why
        .satisfied_conditions()
        .find(|n| n.matched.is_some())
        .expect("the grant condition holds");
    assert_eq!(grant.matched.as_deref(), Some("9"));
    assert!(grant
        .text
        .starts_with("grant(PhotoGrant, Read, on = self.camera_id"));
    assert!(why.to_string().contains("(grant 9)"), "{why}");
}

// ---------------------------------------------------------------------------------------------
// Differential: in memory (grants loaded from the table) == SQL list == by id == bits.

#[derive(Debug, Clone)]
struct World {
    photos: Vec<Photo>,
    grants: Vec<PhotoGrant>,
    exports: Vec<ExportGrant>,
    user: i64,
    now: NaiveDateTime,
}

/// Latitudes and longitudes on and around the bounds.
fn coord() -> impl Strategy<Value = f64> {
    prop::sample::select(vec![
        -180.0, -90.0, -45.5, -0.0, 0.0, 0.5, 10.0, 45.5, 90.0, 179.999, 180.0,
    ])
}

fn time() -> impl Strategy<Value = NaiveDateTime> {
    prop::sample::select(vec![
        1_600_000_000i64,
        1_640_995_200,
        1_650_000_000,
        1_672_531_200,
        1_700_000_000,
    ])
    .prop_map(at)
}

fn world() -> impl Strategy<Value = World> {
    let photo = (
        (1i64..4, prop::option::of(1i64..4)),
        (coord(), coord(), time(), prop::bool::weighted(0.15)),
    )
        .prop_map(
            |((owner_id, camera_id), (lat, lng, taken_at, hidden))| Photo {
                id: 0,
                owner_id,
                camera_id,
                lat,
                lng,
                taken_at,
                hidden,
            },
        );
    let scope = prop::sample::select(vec![
        Some("Read"),
        Some("Read"),
        Some("Read"),
        Some("Read"),
        Some("Locate"),
        Some("Export"),
        Some("read"),
        Some("Read "),
        Some("Nope"),
        None,
    ]);
    let grant = (
        (
            prop::option::weighted(0.9, 1i64..3),
            scope,
            prop::option::of(1i64..5),
        ),
        (
            prop::option::weighted(0.4, coord()),
            prop::option::weighted(0.4, coord()),
            prop::option::weighted(0.4, coord()),
            prop::option::weighted(0.4, coord()),
        ),
        (
            prop::option::weighted(0.3, time()),
            prop::option::weighted(0.3, time()),
            prop::option::weighted(0.5, time()),
        ),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(
                (user_id, scope, camera_id),
                (min_lat, max_lat, min_lng, max_lng),
                (taken_from, taken_until, valid_until),
                unbounded,
            )| {
                let grant = PhotoGrant {
                    id: 0,
                    user_id,
                    scope: scope.map(str::to_owned),
                    camera_id,
                    min_lat,
                    max_lat,
                    min_lng,
                    max_lng,
                    taken_from,
                    taken_until,
                    valid_until,
                };
                if unbounded {
                    // Only the anchor and the expiry constrain it.
                    PhotoGrant {
                        min_lat: None,
                        max_lat: None,
                        min_lng: None,
                        max_lng: None,
                        taken_from: None,
                        taken_until: None,
                        ..grant
                    }
                } else {
                    grant
                }
            },
        );
    let export = (1i64..4, time()).prop_map(|(user_id, valid_until)| ExportGrant {
        id: 0,
        user_id,
        scope: "Export".into(),
        valid_until,
    });
    (
        prop::collection::vec(photo, 0..10),
        prop::collection::vec(grant, 0..8),
        prop::collection::vec(export, 0..3),
        1i64..3,
        time(),
    )
        .prop_map(|(mut photos, mut grants, mut exports, user, now)| {
            for (i, p) in photos.iter_mut().enumerate() {
                p.id = i as i64 + 1;
            }
            for (i, g) in grants.iter_mut().enumerate() {
                g.id = i as i64 + 1;
            }
            for (i, g) in exports.iter_mut().enumerate() {
                g.id = i as i64 + 1;
            }
            World {
                photos,
                grants,
                exports,
                user,
                now,
            }
        })
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(photos::table).execute(conn).map_err(db)?;
            diesel::delete(photo_grants::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(export_grants::table)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(photos::table)
                .values(&w.photos)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(photo_grants::table)
                .values(&w.grants)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(export_grants::table)
                .values(&w.exports)
                .execute(conn)
                .map_err(db)?;
            // The request's grants, one query per grant table.
            let user = User {
                id: w.user,
                photo_grants: load_grants(conn, &w.user).map_err(db)?,
                export_grants: load_grants(conn, &w.user).map_err(db)?,
            };
            let held = w
                .grants
                .iter()
                .filter(|g| g.user_id == Some(w.user))
                .count();
            prop_assert_eq!(user.photo_grants.len(), held);
            let ctx = Request { now: w.now };
            let authz = Authz::new(&user).context(&ctx);
            for p in PhotoPermission::ALL {
                let expected: Vec<i64> = w
                    .photos
                    .iter()
                    .filter(|r| authz.is_allowed(p, *r))
                    .map(|r| r.id)
                    .collect();
                let got: Vec<i64> = photos::table
                    .authorized(&authz, p)
                    .select(photos::id)
                    .order(photos::id)
                    .load(conn)
                    .map_err(db)?;
                prop_assert_eq!(&got, &expected, "{}: list of {}", backend, p);
                if p == PhotoPermission::Read && backend == "SQLite" {
                    let granted = w
                        .photos
                        .iter()
                        .filter(|r| r.owner_id != w.user && got.contains(&r.id))
                        .count();
                    GRANTED.fetch_add(granted, Ordering::Relaxed);
                }
                let count: i64 = photos::table
                    .authorized(&authz, p)
                    .count()
                    .get_result(conn)
                    .map_err(db)?;
                prop_assert_eq!(
                    count as usize,
                    expected.len(),
                    "{}: count of {}",
                    backend,
                    p
                );
                for r in &w.photos {
                    let by_id = authz.authorize_by_id(conn, p, &r.id).is_ok();
                    prop_assert_eq!(
                        by_id,
                        expected.contains(&r.id),
                        "{}: by id {} {}",
                        backend,
                        p,
                        r.id
                    );
                }
            }
            let bits: Vec<(i64, i64)> = photos::table
                .select((photos::id, authz.permission_bits::<Photo, _>()))
                .order(photos::id)
                .load(conn)
                .map_err(db)?;
            for ((id, got), r) in bits.iter().zip(&w.photos) {
                prop_assert_eq!(*id, r.id);
                prop_assert_eq!(
                    PermissionSet::<Photo>::from_bits(*got as u64),
                    authz.actions(r),
                    "{}: bits of {}",
                    backend,
                    r.id
                );
            }
            Ok(())
        }
    };
}

/// Photos readable through a grant alone (not the owner's) over all worlds, so the suite is
/// known to exercise grants that allow, not only refusals.
static GRANTED: AtomicUsize = AtomicUsize::new(0);

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_pg, PgConnection, "PostgreSQL");
#[cfg(feature = "mysql")]
check_world!(check_mysql, MysqlConnection, "MySQL");

/// The same random worlds on MySQL/MariaDB (`cargo test -p authz-tests --features mysql --test
/// grants`; CI runs it).
#[cfg(feature = "mysql")]
#[test]
fn grants_agree_with_sql_on_mysql() {
    let Some(mut db) = authz_tests::mysql() else {
        return;
    };
    authz_tests::execute_script(&mut db.conn, MYSQL_SCHEMA).unwrap();
    let conn = std::cell::RefCell::new(db);
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: authz_tests::differential_cases(64),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    });
    runner
        .run(&world(), |w| check_mysql(&mut conn.borrow_mut().conn, &w))
        .unwrap();
}

#[test]
fn grants_agree_with_sql_on_random_worlds() {
    let cases = authz_tests::differential_cases(128);
    authz_tests::differential(
        128,
        (SQLITE_SCHEMA, PG_SCHEMA),
        world(),
        check_sqlite,
        check_pg,
    );
    let granted = GRANTED.load(Ordering::Relaxed);
    eprintln!("grants: {granted} photos readable through a grant alone in {cases} worlds");
    assert!(
        granted as u32 >= cases / 8,
        "only {granted} photos were readable through grants in {cases} worlds"
    );
}

// ---------------------------------------------------------------------------------------------
// The grant table as data.

#[test]
fn list_and_revoke_grants() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SQLITE_SCHEMA).unwrap();
    let rows = vec![
        open_grant(1, 1, Some(3)),
        // A scope written from a permission value, not a string.
        open_grant(2, 1, Some(3)).with_scope(Photo::Locate),
        open_grant(3, 2, Some(3)),
        open_grant(4, 2, None),
    ];
    diesel::insert_into(photo_grants::table)
        .values(&rows)
        .execute(&mut conn)
        .unwrap();
    let ids = |gs: Vec<PhotoGrant>| gs.into_iter().map(|g| g.id).collect::<Vec<_>>();
    assert_eq!(
        ids(list_grants(&mut conn, GrantSelection::All).unwrap()),
        [1, 2, 3, 4]
    );
    assert_eq!(
        ids(list_grants(&mut conn, GrantSelection::Holder(&1)).unwrap()),
        [1, 2]
    );
    assert_eq!(
        ids(list_grants(&mut conn, GrantSelection::Scope("Locate")).unwrap()),
        [2]
    );
    // Who can see camera 3? And the grants on every camera.
    assert_eq!(
        ids(grants_on::<PhotoGrant, _>(&mut conn, Some(&3)).unwrap()),
        [1, 2, 3]
    );
    assert_eq!(
        ids(grants_on::<PhotoGrant, _>(&mut conn, None).unwrap()),
        [4]
    );

    // Revoking takes effect on the next load.
    assert_eq!(
        revoke::<PhotoGrant, _>(&mut conn, &1, Photo::Read).unwrap(),
        1
    );
    assert!(revoke_id::<PhotoGrant, _>(&mut conn, &3).unwrap());
    assert!(!revoke_id::<PhotoGrant, _>(&mut conn, &3).unwrap());
    assert_eq!(
        ids(list_grants(&mut conn, GrantSelection::All).unwrap()),
        [2, 4]
    );
    let user = User {
        id: 1,
        photo_grants: load_grants(&mut conn, &1).unwrap(),
        ..User::default()
    };
    let now = Request {
        now: at(1_700_000_000),
    };
    assert!(!Authz::new(&user)
        .context(&now)
        .is_allowed(Photo::Read, &photo(1, 3, 0.0, 0.0)));
}

/// The SQL of a grant rule: one correlated `EXISTS`, every value bound.
#[test]
fn grant_sql_is_a_correlated_exists_with_bound_values() {
    let user = User {
        id: 1,
        ..User::default()
    };
    let now = Request {
        now: at(1_700_000_000),
    };
    let authz = Authz::new(&user).context(&now);
    let query = photos::table
        .authorized(&authz, Photo::Read)
        .select(photos::id);
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
    assert!(
        sql.contains("EXISTS (SELECT 1 FROM \"photo_grants\" AS \"__authz_g\" WHERE"),
        "{sql}"
    );
    assert!(
        sql.contains("\"__authz_g\".\"camera_id\" = \"photos\".\"camera_id\""),
        "{sql}"
    );
    assert!(!sql.contains("'Read'"), "scope bound, not spliced: {sql}");
    assert!(!sql.contains("JOIN"), "{sql}");
}

/// `EXPLAIN` in front of a query, loaded as lines of text.
#[derive(diesel::query_builder::QueryId)]
struct Explain<Q>(Q);

impl<Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>>
    diesel::query_builder::QueryFragment<diesel::pg::Pg> for Explain<Q>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("EXPLAIN ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> diesel::query_builder::Query for Explain<Q> {
    type SqlType = diesel::sql_types::Text;
}

impl<Q> RunQueryDsl<PgConnection> for Explain<Q> {}

/// The index a grant table needs, `(holder, scope, anchor)`, is what PostgreSQL uses to decide
/// a photo: 50,000 grants over 5,000 users, 20,000 photos.
#[test]
fn postgres_looks_grants_up_through_the_holder_index() {
    let Some(mut pg) = authz_tests::postgres() else {
        return;
    };
    authz_tests::execute_script(&mut pg, PG_SCHEMA).unwrap();
    authz_tests::execute_script(
        &mut pg,
        "INSERT INTO photos SELECT g, 1 + g % 5000, 1 + g % 300, (g % 180) - 90.0, (g % 360) - 180.0,
             TIMESTAMP '2022-01-01' + g * INTERVAL '1 minute', FALSE
         FROM generate_series(1::bigint, 20000) g;
         INSERT INTO photo_grants SELECT g, 1 + g % 5000, 'Read', 1 + g % 300, -45, 45, -90, 90,
             NULL, NULL, NULL
         FROM generate_series(1::bigint, 50000) g;
         ANALYZE photos;
         ANALYZE photo_grants",
    )
    .unwrap();
    let user = User {
        id: 42,
        photo_grants: load_grants(&mut pg, &42).unwrap(),
        ..User::default()
    };
    assert_eq!(user.photo_grants.len(), 10);
    let now = Request {
        now: at(1_700_000_000),
    };
    let authz = Authz::new(&user).context(&now);
    let plan: Vec<String> = Explain(
        photos::table
            .authorized(&authz, Photo::Read)
            .order(photos::id)
            .limit(50)
            .select(photos::id),
    )
    .load(&mut pg)
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("photo_grants_holder"), "{plan}");
    assert!(!plan.contains("Seq Scan on photo_grants"), "{plan}");
}

diesel::table! {
    items (id) {
        id -> BigInt,
        holder_id -> Nullable<BigInt>,
        scope -> Nullable<Text>,
        folder_id -> BigInt,
        parent_id -> Nullable<BigInt>,
    }
}

#[derive(Actor, Debug, Default)]
pub struct Holder {
    pub id: i64,
    #[actor(grants)]
    pub grants: Grants<ItemGrant>,
}

/// Rows that are both grants and resources: the subquery reads the grant row under its alias,
/// the outer row under the table's name.
#[derive(Grant, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = items)]
#[grant(table = items, resource = Item, holder = holder_id, scope = scope, anchor = parent_id)]
pub struct ItemGrant {
    pub id: i64,
    pub holder_id: Option<i64>,
    pub scope: Option<String>,
    pub folder_id: i64,
    pub parent_id: Option<i64>,
}

#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = items)]
#[resource(table = items, actor = Holder)]
#[permission(Read, if = grant(ItemGrant, Read, on = self.folder_id))]
pub struct Item {
    pub id: i64,
    pub holder_id: Option<i64>,
    pub scope: Option<String>,
    pub folder_id: i64,
    pub parent_id: Option<i64>,
}

#[test]
fn a_grant_table_that_is_the_resource_table() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(
        &mut conn,
        "CREATE TABLE items (id BIGINT PRIMARY KEY NOT NULL, holder_id BIGINT, scope TEXT,
             folder_id BIGINT NOT NULL, parent_id BIGINT);
         INSERT INTO items VALUES (1, 1, 'Read', 5, 5), (2, NULL, NULL, 6, 8), (3, NULL, NULL, 5, NULL)",
    )
    .unwrap();
    let holder = Holder {
        id: 1,
        grants: load_grants(&mut conn, &1).unwrap(),
    };
    let all: Vec<Item> = items::table.order(items::id).load(&mut conn).unwrap();
    let memory: Vec<i64> = all
        .iter()
        .filter(|i| is_allowed(&holder, Item::Read, *i))
        .map(|i| i.id)
        .collect();
    let sql: Vec<i64> = items::table
        .authorized(&Authz::new(&holder), Item::Read)
        .select(items::id)
        .order(items::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(memory, [1, 3]);
    assert_eq!(sql, memory);
}
