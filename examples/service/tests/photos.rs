//! Geolocated photos behind grants stored as data, and service principals, over HTTP, in
//! process: on SQLite, and on PostgreSQL when reachable (`AUTHZ_PG_URL`; skipped with a printed
//! reason when unreachable, a failure when `CI` or `AUTHZ_REQUIRE_PG` is set), each PostgreSQL
//! test in a schema of its own, dropped afterwards.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use authz_core::prelude::*;
use authz_example_service::auth::{Keys, Kind, ALL_SCOPES, REPOS_READ};
use authz_example_service::cache::PrincipalCache;
use authz_example_service::client::{self, Response};
use authz_example_service::model::User;
use authz_example_service::photos::{photos, Photo, RequestContext};
use authz_example_service::{App, Db, Server};
use diesel::prelude::*;
use serde_json::{json, Value};

const SECRET: &[u8] = b"a-test-secret-of-the-photo-routes-0123456789";

/// Runs `$body` with `$conn` a connection of the test's database, whichever backend.
macro_rules! on_conn {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db {
            Db::Sqlite(pool, _) => {
                let mut guard = pool.get().expect("connection");
                let $conn = &mut *guard;
                $body
            }
            #[cfg(feature = "postgres")]
            Db::Postgres(pool, _) => {
                let mut guard = pool.get().expect("connection");
                let $conn = &mut *guard;
                $body
            }
        }
    };
}

struct Fixture {
    server: Server,
    keys: Arc<Keys>,
    db: Db,
}

impl Fixture {
    fn start(db: Db, principals: Option<Arc<PrincipalCache>>) -> Fixture {
        let keys = Arc::new(Keys::new(SECRET));
        let app = App {
            db: db.clone(),
            keys: keys.clone(),
            principals,
        };
        let server = Server::start(app, "127.0.0.1:0").expect("server starts");
        Fixture { server, keys, db }
    }

    fn user(&self, id: i64) -> String {
        self.keys.mint(id, ALL_SCOPES, 3600).unwrap()
    }

    fn call(&self, method: &str, path: &str, token: &str) -> Response {
        client::request(self.server.addr, method, path, Some(token)).expect("answered")
    }

    fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        client::send(
            self.server.addr,
            "POST",
            path,
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
        .expect("answered")
    }

    /// Every photo `user_id` may see, decided in memory over all photos with the grants
    /// loaded as the service loads them.
    fn in_memory(&self, user_id: i64) -> Vec<i64> {
        let ctx = RequestContext::now();
        on_conn!(&self.db, |conn| {
            let all: Vec<Photo> = photos::table
                .order(photos::id)
                .select(Photo::as_select())
                .load(conn)
                .unwrap();
            let user = User {
                id: user_id,
                photo_grants: authz_diesel::load_grants(conn, &user_id).unwrap(),
                ..User::default()
            };
            let authz = Authz::new(&user).context(&ctx);
            all.iter()
                .filter(|p| authz.is_allowed(Photo::Read, p))
                .map(|p| p.id)
                .collect()
        })
    }

    /// `GET /photos` in full (one page of 100).
    fn listed(&self, token: &str) -> (Vec<i64>, i64) {
        let page = self.call("GET", "/photos?per_page=100", token);
        assert_eq!(page.status, 200, "{}", page.body);
        let page = page.json();
        (ids(&page), page["total"].as_i64().unwrap())
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

fn range(ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    ids.into_iter().collect()
}

/// The list, the count, pagination and the by-id answers agree with the in-memory decision
/// for every demo user, and with the seed grants as written.
fn lists_and_ids(f: &Fixture) {
    let seeded: [(i64, Vec<i64>); 6] = [
        // alice owns cameras 1 and 2.
        (1, range((101..=125).chain(201..=210))),
        // bob: the box lat 45..=46, lng 6..=7 on camera 1, edges included.
        (2, vec![107, 108, 109, 112, 113, 114, 117, 118, 119]),
        // carol: June 2024 on camera 2, 2024-06-01 included, 2024-07-01 (206) not.
        (3, vec![203, 204, 205]),
        // dave: an expired grant.
        (4, vec![]),
        // erin: her camera 3, and lat >= 45.5 on camera 1 (other bounds open).
        (5, range((111..=125).chain(301..=304))),
        // root: an admin manages grants, and sees no photo through that.
        (6, vec![]),
    ];
    let every_id: Vec<i64> = range((100..=126).chain(200..=211).chain(300..=305));
    for (user, expected) in &seeded {
        let token = f.user(*user);
        let (listed, total) = f.listed(&token);
        assert_eq!(&listed, expected, "user {user}: list");
        assert_eq!(listed, f.in_memory(*user), "user {user}: SQL == in memory");
        assert_eq!(total, expected.len() as i64, "user {user}: total");
        for id in &every_id {
            let status = f.call("GET", &format!("/photos/{id}"), &token).status;
            let visible = expected.contains(id);
            assert_eq!(status, if visible { 200 } else { 404 }, "user {user}, {id}");
        }
    }
    // Pages of 7 of erin's 19, in order, each with the total.
    let erin = f.user(5);
    let mut paged = Vec::new();
    for page in 1..=4 {
        let response = f.call("GET", &format!("/photos?page={page}&per_page=7"), &erin);
        let body = response.json();
        assert_eq!(body["total"], 19);
        assert_eq!(ids(&body).len(), [7, 7, 5, 0][page - 1]);
        paged.extend(ids(&body));
    }
    assert_eq!(paged, seeded[4].1);
    let photo = f.call("GET", "/photos/107", &f.user(2)).json();
    assert_eq!(
        photo,
        json!({ "id": 107, "camera_id": 1, "owner_id": 1, "lat": 45.0, "lng": 6.0,
                "taken_at": "2024-05-10T06:00:00" })
    );
    for query in ["page=0", "per_page=0", "per_page=101", "page=x"] {
        let status = f.call("GET", &format!("/photos?{query}"), &erin).status;
        assert_eq!(status, 400, "{query}");
    }
    // The scope first: a token without photos:read is refused before any query.
    let repos_only = f.keys.mint(5, &[REPOS_READ], 60).unwrap();
    assert_eq!(f.call("GET", "/photos", &repos_only).status, 403);
    assert_eq!(f.call("GET", "/photos/111", &repos_only).status, 403);
}

/// A camera's owner grants a box and revokes it; each change holds from the next request.
fn grant_then_revoke(f: &Fixture) {
    let alice = f.user(1);
    let dave = f.user(4);
    assert_eq!(f.listed(&dave), (vec![], 0), "loads (and caches) dave");
    assert_eq!(f.call("GET", "/photos/116", &dave).status, 404);

    let created = f.post(
        "/cameras/1/grants",
        &alice,
        &json!({ "user": 4, "box": { "min_lat": 46.0, "max_lng": 6.5 },
                 "valid_until": "2099-01-01T00:00:00" }),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let grant = created.json();
    let id = grant["id"].as_i64().unwrap();
    assert_eq!(grant["user_id"], 4);
    assert_eq!(grant["scope"], "Read");
    assert_eq!(grant["camera_id"], 1);
    assert_eq!(grant["max_lat"], Value::Null);

    let expected = vec![116, 117, 118, 121, 122, 123];
    assert_eq!(f.listed(&dave), (expected.clone(), 6), "visible at once");
    assert_eq!(f.in_memory(4), expected);
    assert_eq!(f.call("GET", "/photos/116", &dave).status, 200);
    let on_camera = f.call("GET", "/cameras/1/grants", &alice).json();
    let holders: Vec<(i64, i64)> = on_camera["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_i64().unwrap(), g["user_id"].as_i64().unwrap()))
        .collect();
    assert_eq!(holders, [(1, 2), (4, 5), (id, 4)]);
    assert_eq!(on_camera["every_camera"], json!([]));

    assert_eq!(
        f.call("DELETE", &format!("/grants/{id}"), &alice).status,
        204
    );
    assert_eq!(f.listed(&dave), (vec![], 0), "gone at once");
    assert_eq!(f.call("GET", "/photos/116", &dave).status, 404);
    assert_eq!(
        f.call("DELETE", &format!("/grants/{id}"), &alice).status,
        404
    );

    // Expired grants never grant, however made.
    let expired = f.post(
        "/cameras/2/grants",
        &alice,
        &json!({ "user": 4, "valid_until": "2021-01-01T00:00:00" }),
    );
    assert_eq!(expired.status, 201, "{}", expired.body);
    assert_eq!(f.listed(&dave), (vec![], 0));
    assert_eq!(f.in_memory(4), Vec::<i64>::new());
    assert_eq!(f.call("GET", "/photos/201", &dave).status, 404);
    let id = expired.json()["id"].as_i64().unwrap();
    assert_eq!(
        f.call("DELETE", &format!("/grants/{id}"), &alice).status,
        204
    );
}

/// Only a camera's owner (or an admin) manages its grants; the body is checked.
fn managing_is_guarded(f: &Fixture) {
    let (alice, bob, erin, root) = (f.user(1), f.user(2), f.user(5), f.user(6));
    let grant = json!({ "user": 3 });
    let refused = f.post("/cameras/1/grants", &bob, &grant);
    assert_eq!(refused.status, 403, "bob does not own camera 1");
    assert_eq!(
        refused.json(),
        json!({ "error": "forbidden", "resource": "Camera", "permission": "ManageGrants" })
    );
    assert_eq!(f.call("GET", "/cameras/1/grants", &erin).status, 403);
    assert_eq!(f.call("DELETE", "/grants/1", &bob).status, 403);
    assert_eq!(f.call("DELETE", "/grants/1", &erin).status, 403);
    assert_eq!(f.call("GET", "/cameras/99/grants", &alice).status, 404);
    assert_eq!(f.post("/cameras/99/grants", &alice, &grant).status, 404);
    assert_eq!(f.call("DELETE", "/grants/999", &alice).status, 404);
    // Refused requests changed nothing.
    assert_eq!(f.listed(&bob).0.len(), 9);
    // Erin manages her camera 3; root every camera.
    assert_eq!(f.call("GET", "/cameras/3/grants", &erin).status, 200);
    assert_eq!(f.call("GET", "/cameras/3/grants", &root).status, 200);
    // The scope first.
    let no_scope = f.keys.mint(1, &[REPOS_READ], 60).unwrap();
    assert_eq!(f.post("/cameras/1/grants", &no_scope, &grant).status, 403);
    assert_eq!(f.call("DELETE", "/grants/1", &no_scope).status, 403);
    // Bad bodies.
    for body in [
        json!({ "user": 3, "box": { "min_lat": 46.0, "max_lat": 45.0 } }),
        json!({ "user": 3, "box": { "min_lng": -181.0 } }),
        json!({ "user": 3, "box": { "max_lat": 91.0 } }),
        json!({ "user": 3, "valid_until": "2099-01-01T00:00:00.5" }),
        json!({ "user": 42 }),
    ] {
        let status = f.post("/cameras/1/grants", &alice, &body).status;
        assert_eq!(status, 400, "{body}");
    }
    for body in [json!({ "user": 3, "scope": "Delete" }), json!({})] {
        let status = f.post("/cameras/1/grants", &alice, &body).status;
        assert!(matches!(status, 400 | 422), "{body}: {status}");
    }
    // A grant on every camera is no camera's to manage, not even the admin's, here.
    f.db.batch_execute("INSERT INTO photo_grants (id, user_id, scope) VALUES (500, 4, 'Read')")
        .unwrap();
    assert_eq!(f.call("DELETE", "/grants/500", &root).status, 403);
    let on_camera = f.call("GET", "/cameras/2/grants", &alice).json();
    assert_eq!(on_camera["every_camera"][0]["id"], 500);
    f.db.batch_execute("DELETE FROM photo_grants WHERE id = 500")
        .unwrap();
}

/// Service principals: their own tokens, their grants on datasets, no user route.
fn services(f: &Fixture) {
    let reporting = f.keys.mint_service(1, 3600).unwrap();
    let backup = f.keys.mint_service(2, 3600).unwrap();
    let alice = f.user(1);
    let bob = f.user(2);
    assert_eq!(f.call("GET", "/datasets/1", &reporting).status, 200);
    assert_eq!(
        f.call("GET", "/datasets/1", &reporting).json(),
        json!({ "id": 1, "owner_id": 1, "name": "sales" })
    );
    // Service 1 shares alice's id, not her datasets: the kind keeps the owner rule to users.
    assert_eq!(f.call("GET", "/datasets/2", &reporting).status, 404);
    assert_eq!(f.call("GET", "/datasets/1", &backup).status, 404);
    assert_eq!(f.call("GET", "/datasets/9", &reporting).status, 404);
    // The owner (a user) reads both; another user neither.
    assert_eq!(f.call("GET", "/datasets/1", &alice).status, 200);
    assert_eq!(f.call("GET", "/datasets/2", &alice).status, 200);
    assert_eq!(f.call("GET", "/datasets/1", &bob).status, 404);
    // A granted dataset is readable from the next request; a revoked one is gone.
    f.db.batch_execute(
        "INSERT INTO dataset_grants (id, service_id, scope, dataset_id) VALUES (2, 2, 'Read', 2)",
    )
    .unwrap();
    assert_eq!(f.call("GET", "/datasets/2", &backup).status, 200);
    f.db.batch_execute("DELETE FROM dataset_grants WHERE id = 2")
        .unwrap();
    assert_eq!(f.call("GET", "/datasets/2", &backup).status, 404);

    // No user route, even with a token listing user scopes: a service holds only its own.
    let overreaching = f
        .keys
        .mint_for(
            Kind::Service,
            1,
            &["repos:read", "photos:read", "datasets:read"],
            60,
        )
        .unwrap();
    for token in [&reporting, &overreaching] {
        for (method, path) in [
            ("GET", "/repos"),
            ("GET", "/repos/11"),
            ("GET", "/photos"),
            ("GET", "/photos/101"),
            ("GET", "/cameras/1/grants"),
            ("DELETE", "/grants/1"),
        ] {
            let response = f.call(method, path, token);
            assert_eq!(response.status, 403, "{method} {path}: {}", response.body);
        }
        assert_eq!(
            f.call("GET", "/home", token).status,
            403,
            "the page is for people"
        );
    }
    assert_eq!(f.call("GET", "/datasets/1", &overreaching).status, 200);
    let me = f.call("GET", "/me", &reporting).json();
    assert_eq!(me["service"], json!({ "id": 1, "name": "reporting" }));
    // A service that does not exist authenticates no one; an unknown kind is malformed.
    let ghost = f.keys.mint_service(9, 60).unwrap();
    assert_eq!(f.call("GET", "/datasets/1", &ghost).status, 401);
    use jsonwebtoken::{encode, EncodingKey, Header};
    let now = jsonwebtoken::get_current_timestamp();
    let robot = encode(
        &Header::default(),
        &json!({ "sub": "1", "kind": "robot", "exp": now + 60, "jti": "r", "scopes": ["datasets:read"] }),
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    assert_eq!(f.call("GET", "/datasets/1", &robot).status, 401);

    // The gateway decides as the routes.
    let decide = |token: &str, method: &str, uri: &str| {
        client::request_with(
            f.server.addr,
            "GET",
            "/authorize",
            &[
                ("X-Original-Method", method),
                ("X-Original-URI", uri),
                ("Authorization", &format!("Bearer {token}")),
            ],
        )
        .unwrap()
        .status
    };
    assert_eq!(decide(&reporting, "GET", "/datasets/1"), 204);
    assert_eq!(decide(&reporting, "GET", "/datasets/2"), 403);
    assert_eq!(decide(&reporting, "GET", "/repos/11/files/x"), 403);
    assert_eq!(decide(&bob, "GET", "/photos/107"), 204);
    assert_eq!(decide(&bob, "GET", "/photos/101"), 403);
    assert_eq!(decide(&alice, "POST", "/cameras/1/grants"), 204);
    assert_eq!(decide(&bob, "POST", "/cameras/1/grants"), 403);
    assert_eq!(decide(&bob, "DELETE", "/grants/1"), 403);
    assert_eq!(decide(&alice, "DELETE", "/grants/1"), 204);
    assert_eq!(decide(&alice, "PUT", "/photos/101"), 403);
    assert_eq!(
        decide(&bob, "GET", "/photos"),
        204,
        "the list is filtered, not refused"
    );
    assert_eq!(decide(&reporting, "GET", "/photos"), 403);
}

fn everything(db: impl Fn() -> Db) {
    let f = Fixture::start(db(), None);
    lists_and_ids(&f);
    grant_then_revoke(&f);
    managing_is_guarded(&f);
    services(&f);
    drop(f);
    // With principals cached for a minute: the admin routes invalidate the holder's entry,
    // so grants and revocations still hold from the next request.
    let cache = Arc::new(PrincipalCache::new(Duration::from_secs(60), 100));
    let f = Fixture::start(db(), Some(cache));
    grant_then_revoke(&f);
}

#[test]
fn photos_and_services_on_sqlite() {
    everything(|| Db::sqlite_in_memory().unwrap());
}

#[cfg(feature = "postgres")]
#[test]
fn photos_and_services_on_postgres() {
    use diesel::connection::SimpleConnection;
    use diesel::PgConnection;
    let url = std::env::var("AUTHZ_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let required = ["CI", "AUTHZ_REQUIRE_PG"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()));
    if let Err(err) = PgConnection::establish(&url) {
        if required {
            panic!("PostgreSQL required (CI or AUTHZ_REQUIRE_PG is set) but unreachable at {url}: {err}");
        }
        let _ = writeln!(
            std::io::stderr(),
            "skipping PostgreSQL: cannot connect to {url} ({err}); set AUTHZ_PG_URL to run these tests"
        );
        return;
    }
    let schema = format!("authz_example_photos_{}", std::process::id());
    let drop_schema = || {
        PgConnection::establish(&url)
            .expect("connects")
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .expect("schema dropped");
    };
    // Each run of `everything` starts from a fresh schema.
    let fresh = || {
        drop_schema();
        Db::connect(Some(&url), &schema).expect("PostgreSQL set up")
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| everything(fresh)));
    drop_schema();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
