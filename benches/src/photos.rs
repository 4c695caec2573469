//! Geolocated photos and the grants that open them: "may see the photos of camera C taken
//! inside this latitude/longitude box, in this date range, until this date". The declaration,
//! the same rule written by hand over the loaded grants, the schema with the index the grant
//! table needs, and a deterministic fill (`INSERT .. SELECT generate_series`) for PostgreSQL.

use authz_core::prelude::*;
use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

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

diesel::allow_tables_to_appear_in_same_query!(photos, photo_grants);

/// The tables, and the index a grant table needs: the subquery looks grants up by holder and
/// scope, then anchor.
pub const SCHEMA: &str = "
CREATE TABLE photos (id BIGINT PRIMARY KEY, camera_id BIGINT NOT NULL, owner_id BIGINT NOT NULL,
    lat DOUBLE PRECISION NOT NULL, lng DOUBLE PRECISION NOT NULL, taken_at TIMESTAMP NOT NULL);
CREATE TABLE photo_grants (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, scope TEXT NOT NULL,
    camera_id BIGINT, min_lat DOUBLE PRECISION, max_lat DOUBLE PRECISION,
    min_lng DOUBLE PRECISION, max_lng DOUBLE PRECISION,
    taken_from TIMESTAMP, taken_until TIMESTAMP, valid_until TIMESTAMP);
CREATE INDEX photo_grants_holder ON photo_grants (user_id, scope, camera_id)";

/// 1,000,000 photos over 1,000 cameras (owners among 10,000 users), spread over the globe and
/// over 2021–2023; 100,000 grants, 10 per user for 10,000 users, each on one camera (5% on
/// every camera), most with a 20°×40° box, half with a date range, a tenth expired.
pub const FILL: &str = "
INSERT INTO photos
    SELECT g, 1 + (g * 7919) % 1000, 1 + (g * 104729) % 10000,
           ((g * 2654435761) % 18000) / 100.0 - 90.0,
           ((g * 40503) % 36000) / 100.0 - 180.0,
           TIMESTAMP '2021-01-01' + ((g * 611953) % (3 * 365 * 86400)) * INTERVAL '1 second'
    FROM generate_series(1::bigint, 1000000) g;
INSERT INTO photo_grants
    SELECT g, 1 + (g - 1) / 10, 'Read',
           CASE WHEN g % 20 = 0 THEN NULL ELSE 1 + (g * 6007) % 1000 END,
           CASE WHEN g % 7 = 0 THEN NULL ELSE ((g * 331) % 140) - 90.0 END,
           CASE WHEN g % 7 = 0 THEN NULL ELSE ((g * 331) % 140) - 70.0 END,
           CASE WHEN g % 7 = 0 THEN NULL ELSE ((g * 577) % 320) - 180.0 END,
           CASE WHEN g % 7 = 0 THEN NULL ELSE ((g * 577) % 320) - 140.0 END,
           CASE WHEN g % 2 = 0 THEN TIMESTAMP '2022-01-01' ELSE NULL END,
           CASE WHEN g % 2 = 0 THEN TIMESTAMP '2023-01-01' ELSE NULL END,
           CASE WHEN g % 10 = 3 THEN TIMESTAMP '2024-01-01' ELSE NULL END
    FROM generate_series(1::bigint, 100000) g;
ANALYZE photos;
ANALYZE photo_grants";

/// The viewer, with the grants loaded for the request.
#[derive(Actor, Debug, Clone, Default)]
pub struct Viewer {
    pub id: i64,
    #[actor(grants)]
    pub grants: Grants<PhotoGrant>,
}

/// The request's time: expired grants never grant.
pub struct Request {
    pub now: NaiveDateTime,
}

#[derive(Grant, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = photo_grants)]
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

#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = photos)]
#[resource(table = photos, actor = Viewer, context = Request)]
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

/// The rule written by hand over the same loaded grants.
pub fn hand_read(viewer: &Viewer, now: &NaiveDateTime, photo: &Photo) -> bool {
    fn le<T: PartialOrd>(a: Option<T>, b: T) -> bool {
        a.is_none_or(|a| a <= b)
    }
    photo.owner_id == viewer.id
        || viewer.grants.iter().any(|g| {
            g.user_id == viewer.id
                && g.scope == "Read"
                && g.camera_id.is_none_or(|c| c == photo.camera_id)
                && le(g.min_lat, photo.lat)
                && g.max_lat.is_none_or(|m| photo.lat <= m)
                && le(g.min_lng, photo.lng)
                && g.max_lng.is_none_or(|m| photo.lng <= m)
                && le(g.taken_from, photo.taken_at)
                && g.taken_until.is_none_or(|t| photo.taken_at < t)
                && g.valid_until.is_none_or(|t| *now < t)
        })
}

/// The rule written by hand in SQL (the diesel DSL): the same correlated `EXISTS`.
pub fn hand_sql_filter(
    viewer: i64,
    now: NaiveDateTime,
) -> Box<dyn BoxableExpression<photos::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>> {
    use photo_grants as g;
    Box::new(
        photos::owner_id.eq(viewer).or(diesel::dsl::exists(
            g::table
                .select(g::id)
                .filter(g::user_id.eq(viewer))
                .filter(g::scope.eq("Read"))
                .filter(
                    g::camera_id
                        .is_null()
                        .or(g::camera_id.assume_not_null().eq(photos::camera_id)),
                )
                .filter(
                    g::min_lat
                        .is_null()
                        .or(g::min_lat.assume_not_null().le(photos::lat)),
                )
                .filter(
                    g::max_lat
                        .is_null()
                        .or(g::max_lat.assume_not_null().ge(photos::lat)),
                )
                .filter(
                    g::min_lng
                        .is_null()
                        .or(g::min_lng.assume_not_null().le(photos::lng)),
                )
                .filter(
                    g::max_lng
                        .is_null()
                        .or(g::max_lng.assume_not_null().ge(photos::lng)),
                )
                .filter(
                    g::taken_from
                        .is_null()
                        .or(g::taken_from.assume_not_null().le(photos::taken_at)),
                )
                .filter(
                    g::taken_until
                        .is_null()
                        .or(g::taken_until.assume_not_null().gt(photos::taken_at)),
                )
                .filter(
                    g::valid_until
                        .is_null()
                        .or(g::valid_until.assume_not_null().gt(now)),
                ),
        )),
    )
}

/// Seconds since 1970 as a timestamp.
pub fn at(secs: i64) -> NaiveDateTime {
    DateTime::from_timestamp(secs, 0)
        .expect("in range")
        .naive_utc()
}
