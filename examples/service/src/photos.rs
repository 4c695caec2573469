//! Geolocated photos, visible through grants stored as data: "bob may see the photos of
//! camera 1 inside this latitude/longitude box", "carol may see the photos of camera 2 taken
//! in June 2024", "dave could see camera 2's photos until 2020".
//!
//! - the declarations: [`Camera`] (whose owners and admins manage its grants), [`Photo`]
//!   (readable by its owner, or through a [`PhotoGrant`] whose box, date range and expiry
//!   hold), the grant table `photo_grants` with its `(user_id, scope, camera_id)` index;
//! - the grants of the caller are loaded once per request, with the user
//!   (`auth::ServiceAuth::load_principal`, `authz_diesel::load_grants`);
//! - the routes: `GET /photos?page=&per_page=` (the query level: one `EXISTS` per photo,
//!   counted and paginated), `GET /photos/{id}` (`authorize_by_id`: 404 outside the grants),
//!   `GET /cameras/{id}/grants` ("who can see camera C?", `grants_on`),
//!   `POST /cameras/{id}/grants` and `DELETE /grants/{id}` (guarded by
//!   `Camera::ManageGrants`); a change is visible on the next request, principal cache or not.

use std::sync::Arc;

use authz_core::prelude::*;
use authz_diesel::grants_on;
use authz_diesel::prelude::*;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::AsUser;
use crate::error::AppError;
use crate::model::User;
use crate::App;

diesel::table! {
    cameras (id) {
        id -> BigInt,
        owner_id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    photos (id) {
        id -> BigInt,
        camera_id -> BigInt,
        owner_id -> BigInt,
        lat -> Double,
        lng -> Double,
        taken_at -> Timestamp,
    }
}

diesel::table! {
    /// Who may see which photos: a box (each bound `NULL` when open), a date range and an
    /// expiry, on one camera (or on every camera when `camera_id` is `NULL`).
    photo_grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        scope -> Text,
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

diesel::allow_tables_to_appear_in_same_query!(cameras, photos, photo_grants);

/// What the photo rules read from the request: its time, which decides whether a grant has
/// expired. Whole seconds, so that SQLite (text) and PostgreSQL compare it alike.
#[derive(Clone, Copy, Debug)]
pub struct RequestContext {
    pub now: NaiveDateTime,
}

impl RequestContext {
    /// The context of a request arriving now.
    pub fn now() -> RequestContext {
        RequestContext {
            now: timestamp(i64::try_from(crate::auth::now()).unwrap_or(i64::MAX)),
        }
    }
}

/// The UTC time `secs` seconds after the Unix epoch (the epoch itself when out of range).
pub fn timestamp(secs: i64) -> NaiveDateTime {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .naive_utc()
}

/// A camera. Every signed-in user may know it exists; its owner and the admins manage who
/// sees its photos.
#[derive(Resource, Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = cameras)]
#[resource(table = cameras, actor = User)]
#[permission(Read, if = true)]
#[permission(ManageGrants, if = self.owner_id == actor.id || actor.is_admin)]
pub struct Camera {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
}

/// One row of `photo_grants`.
#[derive(Grant, Queryable, Selectable, Insertable, Clone, Debug, PartialEq, Serialize)]
#[diesel(table_name = photo_grants, treat_none_as_default_value = false)]
#[grant(table = photo_grants, resource = Photo, holder = user_id, scope = scope, anchor = camera_id)]
pub struct PhotoGrant {
    pub id: i64,
    pub user_id: i64,
    pub scope: String,
    pub camera_id: Option<i64>,
    pub min_lat: Option<f64>,
    pub max_lat: Option<f64>,
    pub min_lng: Option<f64>,
    pub max_lng: Option<f64>,
    pub taken_from: Option<NaiveDateTime>,
    pub taken_until: Option<NaiveDateTime>,
    pub valid_until: Option<NaiveDateTime>,
}

/// A photo: readable by its owner, and through a grant on its camera whose box contains it
/// (bounds inclusive, `NULL` open), whose date range contains its time (from inclusive, until
/// exclusive) and which has not expired.
#[derive(Resource, Queryable, Selectable, Clone, Debug, PartialEq, Serialize)]
#[diesel(table_name = photos)]
#[resource(table = photos, actor = User, context = RequestContext)]
#[permission(Read, if = self.owner_id == actor.id
    || grant(PhotoGrant, Read, on = self.camera_id, |g|
        (g.min_lat.is_none() || g.min_lat <= self.lat) && (g.max_lat.is_none() || self.lat <= g.max_lat)
        && (g.min_lng.is_none() || g.min_lng <= self.lng) && (g.max_lng.is_none() || self.lng <= g.max_lng)
        && (g.taken_from.is_none() || g.taken_from <= self.taken_at)
        && (g.taken_until.is_none() || self.taken_at < g.taken_until)
        && (g.valid_until.is_none() || ctx.now < g.valid_until)))]
pub struct Photo {
    pub id: i64,
    pub camera_id: i64,
    pub owner_id: i64,
    pub lat: f64,
    pub lng: f64,
    pub taken_at: NaiveDateTime,
}

/// The tables, for SQLite and PostgreSQL alike; idempotent. The grant table's index serves the
/// `EXISTS` of every photo check: holder, scope, anchor.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cameras (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL,
                                    name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS photos (id BIGINT PRIMARY KEY NOT NULL, camera_id BIGINT NOT NULL,
                                   owner_id BIGINT NOT NULL, lat DOUBLE PRECISION NOT NULL,
                                   lng DOUBLE PRECISION NOT NULL, taken_at TIMESTAMP NOT NULL);
CREATE INDEX IF NOT EXISTS photos_camera ON photos (camera_id);
CREATE TABLE IF NOT EXISTS photo_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT NOT NULL,
    scope TEXT NOT NULL, camera_id BIGINT,
    min_lat DOUBLE PRECISION, max_lat DOUBLE PRECISION, min_lng DOUBLE PRECISION, max_lng DOUBLE PRECISION,
    taken_from TIMESTAMP, taken_until TIMESTAMP, valid_until TIMESTAMP);
CREATE INDEX IF NOT EXISTS photo_grants_holder ON photo_grants (user_id, scope, camera_id);
";

/// The demo's cameras and grants (ids 1–4), upserted at every start; grants made through the
/// API get higher ids and are kept.
///
/// | id | holder | camera | what |
/// |---|---|---|---|
/// | 1 | bob | 1 | the box lat 45.0..=46.0, lng 6.0..=7.0 |
/// | 2 | carol | 2 | taken in June 2024 (from 2024-06-01 inclusive to 2024-07-01 exclusive) |
/// | 3 | dave | 2 | everything, but expired at 2020-01-01 |
/// | 4 | erin | 1 | lat >= 45.5, every other bound open, valid until 2099 |
pub const SEED: &str = "
INSERT INTO cameras (id, owner_id, name) VALUES (1, 1, 'harbour'), (2, 1, 'station'), (3, 5, 'summit')
ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name;
INSERT INTO photo_grants (id, user_id, scope, camera_id, min_lat, max_lat, min_lng, max_lng,
                          taken_from, taken_until, valid_until) VALUES
    (1, 2, 'Read', 1, 45.0, 46.0, 6.0, 7.0, NULL, NULL, NULL),
    (2, 3, 'Read', 2, NULL, NULL, NULL, NULL, '2024-06-01 00:00:00', '2024-07-01 00:00:00', NULL),
    (3, 4, 'Read', 2, NULL, NULL, NULL, NULL, NULL, NULL, '2020-01-01 00:00:00'),
    (4, 5, 'Read', 1, 45.5, NULL, NULL, NULL, NULL, NULL, '2099-01-01 00:00:00')
ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, scope = excluded.scope,
    camera_id = excluded.camera_id, min_lat = excluded.min_lat, max_lat = excluded.max_lat,
    min_lng = excluded.min_lng, max_lng = excluded.max_lng, taken_from = excluded.taken_from,
    taken_until = excluded.taken_until, valid_until = excluded.valid_until;
";

/// The demo's photos: on camera 1 a 5 x 5 grid on and around the edges of bob's box
/// (lat 44.99, 45.0, 45.5, 46.0, 46.01; lng 5.99, 6.0, 6.5, 7.0, 7.01), ids 101–125; on
/// camera 2 ten photos two weeks apart from 2024-05-04, two of them exactly on the edges of
/// carol's range (2024-06-01 and 2024-07-01 at midnight), ids 201–210; on camera 3 (erin's)
/// four, ids 301–304. Cameras 1 and 2 are alice's, so are their photos.
pub fn seed_photos() -> Vec<Photo> {
    let day = |y, m, d| {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(0, 0, 0))
            .unwrap_or_default()
    };
    let mut photos = Vec::new();
    let lats = [44.99, 45.0, 45.5, 46.0, 46.01];
    let lngs = [5.99, 6.0, 6.5, 7.0, 7.01];
    for (i, lat) in lats.iter().enumerate() {
        for (j, lng) in lngs.iter().enumerate() {
            let n = (i * lngs.len() + j) as i64;
            photos.push(Photo {
                id: 101 + n,
                camera_id: 1,
                owner_id: 1,
                lat: *lat,
                lng: *lng,
                taken_at: day(2024, 5, 1) + chrono::Duration::hours(37 * n),
            });
        }
    }
    // Two weeks apart from 2024-05-04: 203 is 2024-06-01 at midnight, on the inclusive edge
    // of carol's range; 206 is moved to 2024-07-01 at midnight, its exclusive edge.
    let start = day(2024, 5, 4);
    let lats = [45.2, 45.3, 45.4, 45.5, 45.6, 45.7, 45.8, 45.9, 46.0, 46.1];
    for (n, lat) in (0..).zip(lats) {
        photos.push(Photo {
            id: 201 + n,
            camera_id: 2,
            owner_id: 1,
            lat,
            lng: 6.4,
            taken_at: if n == 5 {
                day(2024, 7, 1)
            } else {
                start + chrono::Duration::days(14 * n)
            },
        });
    }
    for (n, lat) in (0..).zip([46.5, 46.51, 46.52, 46.53]) {
        photos.push(Photo {
            id: 301 + n,
            camera_id: 3,
            owner_id: 5,
            lat,
            lng: 7.9,
            taken_at: day(2024, 8, 1) + chrono::Duration::days(n),
        });
    }
    photos
}

/// [`seed_photos`] as an upsert, for either backend.
pub fn seed_photos_sql() -> String {
    let rows: Vec<String> = seed_photos()
        .iter()
        .map(|p| {
            format!(
                "({}, {}, {}, {:?}, {:?}, '{}')",
                p.id,
                p.camera_id,
                p.owner_id,
                p.lat,
                p.lng,
                p.taken_at.format("%Y-%m-%d %H:%M:%S")
            )
        })
        .collect();
    format!(
        "INSERT INTO photos (id, camera_id, owner_id, lat, lng, taken_at) VALUES {}
         ON CONFLICT (id) DO UPDATE SET camera_id = excluded.camera_id,
             owner_id = excluded.owner_id, lat = excluded.lat, lng = excluded.lng,
             taken_at = excluded.taken_at",
        rows.join(", ")
    )
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize)]
pub(crate) struct PhotoPage {
    total: i64,
    page: i64,
    per_page: i64,
    items: Vec<Photo>,
}

/// `GET /photos?page=&per_page=`: the photos inside the caller's grants (and its own), in id
/// order. The rule is one `EXISTS` over `photo_grants` per photo, so a photo inside two
/// grants is listed once, and the count is of photos, not of grants.
pub(crate) async fn list_photos(
    State(app): State<App>,
    authorizer: AsUser,
    Query(query): Query<PageQuery>,
) -> Result<Json<PhotoPage>, AppError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(20);
    if page < 1 || !(1..=100).contains(&per_page) {
        return Err(AppError::BadRequest(
            "page must be >= 1 and per_page in 1..=100".to_owned(),
        ));
    }
    let offset = (page - 1)
        .checked_mul(per_page)
        .ok_or_else(|| AppError::BadRequest("page out of range".to_owned()))?;
    let actor = authorizer.into_arc();
    let ctx = RequestContext::now();
    with_conn!(app.db, |conn| {
        let authz = Authz::new(&*actor).context(&ctx);
        let total: i64 = photos::table
            .authorized(&authz, Photo::Read)
            .count()
            .get_result(conn)?;
        let items: Vec<Photo> = photos::table
            .authorized(&authz, Photo::Read)
            .order(photos::id)
            .limit(per_page)
            .offset(offset)
            .select(Photo::as_select())
            .load(conn)?;
        Ok(Json(PhotoPage {
            total,
            page,
            per_page,
            items,
        }))
    })
}

/// Photo `id` for `actor`: decided in the database by id (`authorize_by_id`), then loaded;
/// 404 outside the actor's grants, exactly as for a photo that does not exist. Also the
/// gateway's decision.
pub(crate) async fn read_photo(app: &App, actor: Arc<User>, id: i64) -> Result<Photo, AppError> {
    let ctx = RequestContext::now();
    with_conn!(app.db, |conn| {
        Authz::new(&*actor)
            .context(&ctx)
            .authorize_by_id(conn, Photo::Read, &id)?;
        photos::table
            .find(id)
            .select(Photo::as_select())
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)
    })
}

/// `GET /photos/{id}`.
pub(crate) async fn get_photo(
    State(app): State<App>,
    authorizer: AsUser,
    Path(id): Path<i64>,
) -> Result<Json<Photo>, AppError> {
    Ok(Json(read_photo(&app, authorizer.into_arc(), id).await?))
}

/// Camera `id` if `actor` may manage its grants: 404 when it does not exist, 403 when it is
/// not the actor's and the actor is no admin (every camera is readable).
pub(crate) async fn managed_camera(app: &App, actor: &User, id: i64) -> Result<Camera, AppError> {
    let camera: Camera = with_conn!(app.db, |conn| cameras::table
        .find(id)
        .select(Camera::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound))?;
    Authz::new(actor).authorize(Camera::ManageGrants, &camera)?;
    Ok(camera)
}

/// "Who can see camera C?"
#[derive(Serialize)]
pub(crate) struct CameraGrants {
    camera: Camera,
    /// The grants anchored to this camera.
    grants: Vec<PhotoGrant>,
    /// The grants on every camera (`camera_id` `NULL`), which reach this one too.
    every_camera: Vec<PhotoGrant>,
}

/// `GET /cameras/{id}/grants`: `authz_diesel::grants_on`, for the camera's managers.
pub(crate) async fn camera_grants(
    State(app): State<App>,
    authorizer: AsUser,
    Path(id): Path<i64>,
) -> Result<Json<CameraGrants>, AppError> {
    let camera = managed_camera(&app, &authorizer, id).await?;
    with_conn!(app.db, |conn| {
        let grants = grants_on::<PhotoGrant, _>(conn, Some(&id))?;
        let every_camera = grants_on::<PhotoGrant, _>(conn, None)?;
        Ok(Json(CameraGrants {
            camera,
            grants,
            every_camera,
        }))
    })
}

/// The body of `POST /cameras/{id}/grants`: who, and the box, date range and expiry (each
/// bound absent or `null` when open). The scope is `Read`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    pub user: i64,
    #[serde(default, rename = "box")]
    pub bounds: Bounds,
    #[serde(default)]
    pub taken_from: Option<NaiveDateTime>,
    #[serde(default)]
    pub taken_until: Option<NaiveDateTime>,
    #[serde(default)]
    pub valid_until: Option<NaiveDateTime>,
}

/// A latitude/longitude box; an absent bound is open.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    pub min_lat: Option<f64>,
    pub max_lat: Option<f64>,
    pub min_lng: Option<f64>,
    pub max_lng: Option<f64>,
}

impl NewGrant {
    /// The row, once the values are checked: bounds within ±90/±180 and ordered, whole
    /// seconds (SQLite and PostgreSQL then compare them alike).
    fn row(&self, id: i64, camera_id: i64) -> Result<PhotoGrant, AppError> {
        let bad = |why: &str| Err(AppError::BadRequest(why.to_owned()));
        let Bounds {
            min_lat,
            max_lat,
            min_lng,
            max_lng,
        } = self.bounds.clone();
        let within = |v: Option<f64>, limit: f64| v.is_none_or(|v| (-limit..=limit).contains(&v));
        if !(within(min_lat, 90.0) && within(max_lat, 90.0)) {
            return bad("latitudes are in -90..=90");
        }
        if !(within(min_lng, 180.0) && within(max_lng, 180.0)) {
            return bad("longitudes are in -180..=180");
        }
        let ordered = |lo: Option<f64>, hi: Option<f64>| lo.zip(hi).is_none_or(|(lo, hi)| lo <= hi);
        if !(ordered(min_lat, max_lat) && ordered(min_lng, max_lng)) {
            return bad("a box's min is at most its max");
        }
        let times = [self.taken_from, self.taken_until, self.valid_until];
        if times
            .iter()
            .flatten()
            .any(|t| t.and_utc().timestamp_subsec_nanos() != 0)
        {
            return bad("times are whole seconds");
        }
        Ok(PhotoGrant {
            id,
            user_id: self.user,
            scope: PhotoPermission::Read.name().to_owned(),
            camera_id: Some(camera_id),
            min_lat,
            max_lat,
            min_lng,
            max_lng,
            taken_from: self.taken_from,
            taken_until: self.taken_until,
            valid_until: self.valid_until,
        })
    }
}

/// `POST /cameras/{id}/grants`: a camera's manager grants a user a box on it. The grant holds
/// from the user's next request: the user's cached principal, if any, is dropped.
pub(crate) async fn create_grant(
    State(app): State<App>,
    authorizer: AsUser,
    Path(camera_id): Path<i64>,
    Json(grant): Json<NewGrant>,
) -> Result<(StatusCode, Json<PhotoGrant>), AppError> {
    managed_camera(&app, &authorizer, camera_id).await?;
    let holder = grant.user;
    // Validated before the database is asked.
    grant.row(0, camera_id)?;
    let row = with_conn!(app.db, |conn| conn.transaction(|conn| {
        let known: bool =
            diesel::select(diesel::dsl::exists(crate::model::users::table.find(holder)))
                .get_result(conn)?;
        if !known {
            return Err(AppError::BadRequest(format!("no user {holder}")));
        }
        // Ids are assigned here (the schema is the same on both backends, which have no
        // common auto-increment); a PostgreSQL race ends in a primary-key error, not a
        // wrong row.
        let last: Option<i64> = photo_grants::table
            .select(diesel::dsl::max(photo_grants::id))
            .first(conn)?;
        let row = grant.row(last.unwrap_or(0) + 1, camera_id)?;
        diesel::insert_into(photo_grants::table)
            .values(&row)
            .execute(conn)?;
        Ok(row)
    }))?;
    if let Some(cache) = &app.principals {
        cache.invalidate(holder);
    }
    Ok((StatusCode::CREATED, Json(row)))
}

/// Grant `id` if `actor` may manage the camera it is on: 404 when it does not exist, 403 when
/// the camera is not the actor's or the grant is on every camera (no camera's to manage).
pub(crate) async fn managed_grant(
    app: &App,
    actor: &User,
    id: i64,
) -> Result<PhotoGrant, AppError> {
    let grant: PhotoGrant = with_conn!(app.db, |conn| photo_grants::table
        .find(id)
        .select(PhotoGrant::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound))?;
    let Some(camera_id) = grant.camera_id else {
        return Err(AppError::Forbidden(
            "a grant on every camera is managed in the database",
        ));
    };
    managed_camera(app, actor, camera_id).await?;
    Ok(grant)
}

/// `DELETE /grants/{id}`: a camera's manager revokes one of its grants
/// (`authz_diesel::revoke_id`); it stops granting from the holder's next request. A grant on
/// every camera is refused here: it is no camera's to manage.
pub(crate) async fn delete_grant(
    State(app): State<App>,
    authorizer: AsUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let grant = managed_grant(&app, &authorizer, id).await?;
    let deleted = with_conn!(app.db, |conn| Ok(authz_diesel::revoke_id::<PhotoGrant, _>(
        conn, &id
    )?))?;
    if let Some(cache) = &app.principals {
        cache.invalidate(grant.user_id);
    }
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}
