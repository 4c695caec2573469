//! Service principals: a service (a batch job, another backend) has tokens of its own and
//! reads the datasets it is granted.
//!
//! A token's claims carry a kind (`"kind": "service"`, absent for users); the principal loader
//! makes an `auth::Principal::Service` of it, with the service's grants on datasets
//! (`authz_diesel::load_grants`); a service holds only the service scopes
//! (`auth::SERVICE_SCOPES`), so the request-level rules keep it off every user route. The
//! dataset rules read the request's principal, an enum of kinds with `#[derive(Actor)]`, and
//! test its kind: a user reads the datasets it owns, a service those it holds a
//! [`DatasetGrant`] on, a guest none. The kind is what keeps a service's grants from a user of
//! the same id, and a user's datasets from a service.

use authz_core::prelude::*;
use axum::extract::{Path, State};
use axum::Json;
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::Principal;
use crate::error::AppError;
use crate::App;

diesel::table! {
    services (id) {
        id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    datasets (id) {
        id -> BigInt,
        owner_id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    /// Which service may read which dataset (`dataset_id` `NULL`: every dataset).
    dataset_grants (id) {
        id -> BigInt,
        service_id -> BigInt,
        scope -> Text,
        dataset_id -> Nullable<BigInt>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(datasets, dataset_grants);

/// One row of `dataset_grants`, held by a service.
#[derive(Grant, Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = dataset_grants)]
#[grant(table = dataset_grants, resource = Dataset, holder = service_id, scope = scope, anchor = dataset_id)]
pub struct DatasetGrant {
    pub id: i64,
    pub service_id: i64,
    pub scope: String,
    pub dataset_id: Option<i64>,
}

/// A dataset: read by the user who owns it and by the services granted it.
#[derive(Resource, Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = datasets)]
#[resource(table = datasets, actor = Principal)]
#[permission(Read, if = (actor.is(User) && self.owner_id == actor.id)
    || (actor.is(Service) && grant(DatasetGrant, Read, on = self.id)))]
pub struct Dataset {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
}

/// The tables, for SQLite and PostgreSQL alike; idempotent.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS services (id BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL,
                                     name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_grants (id BIGINT PRIMARY KEY NOT NULL,
    service_id BIGINT NOT NULL, scope TEXT NOT NULL, dataset_id BIGINT);
CREATE INDEX IF NOT EXISTS dataset_grants_holder ON dataset_grants (service_id, scope, dataset_id);
";

/// Two services (`reporting` is granted the dataset `sales`; `backup` nothing) and two
/// datasets of alice's. Service 1 and user 1 (alice) share an id: the kind tells them apart.
pub const SEED: &str = "
INSERT INTO services (id, name) VALUES (1, 'reporting'), (2, 'backup')
ON CONFLICT (id) DO UPDATE SET name = excluded.name;
INSERT INTO datasets (id, owner_id, name) VALUES (1, 1, 'sales'), (2, 1, 'payroll')
ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name;
INSERT INTO dataset_grants (id, service_id, scope, dataset_id) VALUES (1, 1, 'Read', 1)
ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, scope = excluded.scope,
                               dataset_id = excluded.dataset_id;
";

/// Dataset `id` for `principal`, or 404 (missing or not readable alike). Also the gateway's
/// decision.
pub(crate) async fn read_dataset(
    app: &App,
    principal: &Principal,
    id: i64,
) -> Result<Dataset, AppError> {
    let dataset: Dataset = with_conn!(app.db, |conn| datasets::table
        .find(id)
        .select(Dataset::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound))?;
    Authz::new(principal).authorize(Dataset::Read, &dataset)?;
    Ok(dataset)
}

/// `GET /datasets/{id}`: for its owner (a user) and the services granted it.
pub(crate) async fn get_dataset(
    State(app): State<App>,
    authorizer: authz_axum::Authorizer<Principal>,
    Path(id): Path<i64>,
) -> Result<Json<Dataset>, AppError> {
    Ok(Json(read_dataset(&app, &authorizer, id).await?))
}
