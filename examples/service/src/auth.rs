//! Authentication: a verified JWT becomes a principal, through `authz-axum`.
//!
//! - [`Keys`]: HS256 through jsonwebtoken's maintained `rust_crypto` backend; `exp` and `nbf`
//!   validated with no leeway; `sub` and `jti` required. The secret comes from
//!   `AUTHZ_JWT_SECRET` ([`Keys::from_secret_var`]): unset, the public development secret with
//!   a warning; set but not UTF-8 or shorter than 32 bytes, an error that stops the service.
//! - [`ServiceAuth`] ([`authz_axum::Authenticate`]): a request without credentials is a guest;
//!   a bearer token (or the `authz_token` cookie of the HTML pages) must verify and must not
//!   be revoked, else 401 — nothing of a rejected token is used. Its one loader makes the
//!   [`Principal`] of the claims, once per request: a user's row, roles and photo grants, or
//!   a service's row and dataset grants (the claims' `kind`).
//! - [`AsUser`]: the user routes' extractor of the principal; a service is refused there.

use std::ffi::OsString;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use authz_core::prelude::*;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use diesel::prelude::*;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::cache::PrincipalCache;
use crate::datasets::{services, DatasetGrant};
use crate::error::AppError;
use crate::model::{revoked_tokens, users, Org, Repo, User};
use crate::Db;

/// Scope of the read routes of repos.
pub const REPOS_READ: &str = "repos:read";
/// Scope of the routes that change repos.
pub const REPOS_WRITE: &str = "repos:write";
/// Scope of the read routes of issues.
pub const ISSUES_READ: &str = "issues:read";
/// Scope of the routes that change issues.
pub const ISSUES_WRITE: &str = "issues:write";
/// Scope of the photo routes.
pub const PHOTOS_READ: &str = "photos:read";
/// Scope of the routes that manage a camera's grants.
pub const GRANTS_MANAGE: &str = "grants:manage";
/// Scope of the dataset routes (users and services).
pub const DATASETS_READ: &str = "datasets:read";
/// Every scope of a user, for tokens of full-access users.
pub const ALL_SCOPES: &[&str] = &[
    REPOS_READ,
    REPOS_WRITE,
    ISSUES_READ,
    ISSUES_WRITE,
    PHOTOS_READ,
    GRANTS_MANAGE,
    DATASETS_READ,
];
/// The only scopes a service holds, whatever its token lists: every user route needs another
/// one, so the request level keeps services off them.
pub const SERVICE_SCOPES: &[&str] = &[DATASETS_READ];

/// What a token's subject is. Absent from a token: a user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    User,
    Service,
}

impl Kind {
    fn is_user(&self) -> bool {
        *self == Kind::User
    }
}

/// The cookie the HTML pages authenticate with (the same token as a bearer header).
pub const TOKEN_COOKIE: &str = "authz_token";

/// The development secret, used when `AUTHZ_JWT_SECRET` is unset. It is public (it is in this
/// file): a deployment must set its own.
pub const DEV_SECRET: &str = "authz-example-DEVELOPMENT-ONLY-secret-do-not-deploy";

/// The shortest secret accepted.
pub const MIN_SECRET_LEN: usize = 32;

/// The claims of the service's tokens.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's or the service's id (a string, as JWT wants it).
    pub sub: String,
    /// Which of the two `sub` names (absent: a user).
    #[serde(default, skip_serializing_if = "Kind::is_user")]
    pub kind: Kind,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Not valid before, seconds since the Unix epoch (validated when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at (optional).
    #[serde(default)]
    pub iat: u64,
    /// The token's id, the key of revocation.
    pub jti: String,
    /// The scopes granted to the bearer: `["repos:read", "repos:write"]`.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// What a verified, unrevoked token says: who, with which scopes.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    /// The user's (or the service's) id from `sub` (at least 1).
    pub user_id: i64,
    /// A user's token or a service's.
    pub kind: Kind,
    /// The token's id.
    pub jti: String,
    /// Its expiry.
    #[serde(skip)]
    pub exp: u64,
    /// The scopes from `scopes`.
    pub scopes: Vec<String>,
}

impl authz_axum::Scopes for Verified {
    fn has_scope(&self, scope: &str) -> bool {
        (self.kind == Kind::User || SERVICE_SCOPES.contains(&scope))
            && self.scopes.iter().any(|s| s == scope)
    }
}

/// The HMAC key, for minting and verifying.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl Keys {
    /// Keys for this secret.
    pub fn new(secret: &[u8]) -> Keys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub", "jti"]);
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// The keys of the value of `AUTHZ_JWT_SECRET` (`None`: unset). Unset is the public
    /// [`DEV_SECRET`] (the flag is then `true`, for a warning); set, the secret must be UTF-8
    /// and at least [`MIN_SECRET_LEN`] bytes, or this is an error — never a fallback.
    pub fn from_secret_var(value: Option<OsString>) -> Result<(Keys, bool), String> {
        let Some(value) = value else {
            return Ok((Keys::new(DEV_SECRET.as_bytes()), true));
        };
        let secret = value.into_string().map_err(|_| {
            "AUTHZ_JWT_SECRET is set but is not valid UTF-8; set a secret of at least 32 bytes \
             (or unset it to use the public development secret)"
                .to_owned()
        })?;
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "AUTHZ_JWT_SECRET is set but is {} bytes long; it must be at least {MIN_SECRET_LEN} bytes",
                secret.len()
            ));
        }
        Ok((Keys::new(secret.as_bytes()), false))
    }

    /// [`Keys::from_secret_var`] of the environment.
    pub fn from_env() -> Result<(Keys, bool), String> {
        Keys::from_secret_var(std::env::var_os("AUTHZ_JWT_SECRET"))
    }

    /// A token for `user_id` with these scopes, valid from now for `ttl_secs` seconds
    /// (negative: already expired, for tests), with a fresh `jti`.
    pub fn mint(
        &self,
        user_id: i64,
        scopes: &[&str],
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.mint_for(Kind::User, user_id, scopes, ttl_secs)
    }

    /// A token for the service `service_id` (its scopes: [`SERVICE_SCOPES`]), as
    /// [`Keys::mint`].
    pub fn mint_service(
        &self,
        service_id: i64,
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.mint_for(Kind::Service, service_id, SERVICE_SCOPES, ttl_secs)
    }

    /// A token for this subject.
    pub fn mint_for(
        &self,
        kind: Kind,
        id: i64,
        scopes: &[&str],
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = now();
        self.sign(&Claims {
            sub: id.to_string(),
            kind,
            exp: now.saturating_add_signed(ttl_secs),
            nbf: Some(now),
            iat: now,
            jti: fresh_jti(now),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// Signs these claims (HS256).
    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Verifies `token`: signature, algorithm, `exp`, `nbf`, claims. Either everything holds
    /// or the answer is 401; nothing of a rejected token is used. Revocation is checked by
    /// [`ServiceAuth`], which has the database.
    pub fn verify(&self, token: &str) -> Result<Verified, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| {
                AppError::Unauthorized(match err.kind() {
                    ErrorKind::ExpiredSignature => "token expired",
                    ErrorKind::ImmatureSignature => "token not yet valid",
                    ErrorKind::InvalidSignature => "invalid signature",
                    ErrorKind::InvalidAlgorithm => "algorithm not allowed",
                    _ => "malformed token",
                })
            })?;
        // A user id is positive: no token names the guest (0) or another non-user.
        let user_id = data
            .claims
            .sub
            .parse()
            .ok()
            .filter(|id: &i64| *id > 0)
            .ok_or(AppError::Unauthorized("malformed token"))?;
        if data.claims.jti.is_empty() || data.claims.jti.len() > 128 {
            return Err(AppError::Unauthorized("malformed token"));
        }
        Ok(Verified {
            user_id,
            kind: data.claims.kind,
            jti: data.claims.jti,
            exp: data.claims.exp,
            scopes: data.claims.scopes,
        })
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A token id unique within this process and across restarts (time, process, counter): tokens
/// are signed, so it need not be secret, only distinct.
fn fresh_jti(now: u64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{now:x}.{nanos:x}.{:x}.{:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Where the request's token came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum From {
    Header,
    Cookie,
}

/// The request's token: `Authorization: Bearer <token>`, else the [`TOKEN_COOKIE`] cookie;
/// `Ok(None)` when there is neither. An `Authorization` header of another form is refused,
/// not ignored.
fn token(headers: &HeaderMap) -> Result<Option<(&str, From)>, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| AppError::Unauthorized("malformed token"))?;
        return match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                Ok(Some((token.trim(), From::Header)))
            }
            _ => Err(AppError::Unauthorized("missing bearer token")),
        };
    }
    for value in headers.get_all(header::COOKIE) {
        let value = value
            .to_str()
            .map_err(|_| AppError::Unauthorized("malformed token"))?;
        for pair in value.split(';') {
            if let Some((name, token)) = pair.trim().split_once('=') {
                if name == TOKEN_COOKIE && !token.is_empty() {
                    return Ok(Some((token, From::Cookie)));
                }
            }
        }
    }
    Ok(None)
}

/// Who a request acts as, one kind per variant (`#[derive(Actor)]`): a signed-in user, a
/// service, or the guest of a request without a token. The dataset rules read it directly and
/// test its kind (`actor.is(Service)`); the user routes take the user's view of it
/// ([`AsUser`]).
#[derive(Actor, Clone, Debug)]
pub enum Principal {
    /// A user, loaded with its roles and photo grants (and cached as a whole, when the
    /// service runs with a cache).
    User { id: i64, user: Arc<User> },
    /// A service, with its grants on datasets (held under the service's id, so they never
    /// reach the user of the same id).
    Service {
        id: i64,
        name: String,
        #[actor(grants)]
        dataset_grants: Grants<DatasetGrant>,
    },
    /// A request without a token.
    Guest,
}

impl Principal {
    /// A user principal.
    pub fn user(user: Arc<User>) -> Principal {
        Principal::User { id: user.id, user }
    }
}

/// The request's user (the guest without a token), for the user routes. A service is refused
/// with 403: the request level already keeps service tokens off these routes (their scopes),
/// and this keeps a handler from ever running for a service by mistake.
pub struct AsUser(Arc<User>);

impl AsUser {
    /// The request's authorizer.
    pub fn authz(&self) -> authz_core::Authz<'_, User> {
        authz_core::Authz::new(&self.0)
    }

    /// The user, shared (to move into a database closure).
    pub fn into_arc(self) -> Arc<User> {
        self.0
    }
}

impl std::ops::Deref for AsUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AsUser {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<AsUser, axum::response::Response> {
        let authorizer = authz_axum::Authorizer::<Principal>::from_parts(parts).await?;
        match authorizer.principal() {
            Principal::User { user, .. } => Ok(AsUser(user.clone())),
            // The user rules read a guest as the user without id, roles or grants.
            Principal::Guest => Ok(AsUser(Arc::new(User::guest()))),
            Principal::Service { .. } => Err(axum::response::IntoResponse::into_response(
                AppError::Forbidden("a route for users"),
            )),
        }
    }
}

/// The user as an extractor of its own (a clone of the request's), so that `#[requires]` finds
/// the actor among an axum handler's arguments.
impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<User, Self::Rejection> {
        let user = AsUser::from_request_parts(parts, state).await?;
        Ok(User::clone(&user))
    }
}

/// The service's [`authz_axum::Authenticate`]: JWT → claims (revocation checked), claims →
/// [`Principal`]: a [`User`] with roles and photo grants, or a [`Service`] with its dataset
/// grants.
pub struct ServiceAuth {
    /// The token keys.
    pub keys: Arc<Keys>,
    /// The database, for revocations and principals.
    pub db: Db,
    /// Principals kept across requests, when the service runs with a cache.
    pub cache: Option<Arc<PrincipalCache>>,
}

impl ServiceAuth {
    /// The token's claims if it verifies and is not revoked.
    async fn verify(&self, token: &str) -> Result<Verified, AppError> {
        let verified = self.keys.verify(token)?;
        // One primary-key lookup per authenticated request; its answer is kept with the
        // claims for the rest of the request.
        let jti = verified.jti.clone();
        let revoked = with_conn!(self.db, |conn| {
            Ok(diesel::select(diesel::dsl::exists(
                revoked_tokens::table.filter(revoked_tokens::jti.eq(jti)),
            ))
            .get_result::<bool>(conn)?)
        })?;
        if revoked {
            return Err(AppError::Unauthorized("token revoked"));
        }
        Ok(verified)
    }
}

impl authz_axum::Authenticate for ServiceAuth {
    type Claims = Verified;
    type Principal = Principal;
    type Rejection = AppError;

    async fn authenticate(&self, parts: &Parts) -> Result<Option<Verified>, AppError> {
        let Some((token, from)) = token(&parts.headers)? else {
            return Ok(None);
        };
        match self.verify(token).await {
            // A page's cookie that no longer verifies is refused, and cleared, so that the
            // next page loads as a guest's and can sign in again.
            Err(AppError::Unauthorized(why)) if from == From::Cookie => {
                Err(AppError::StaleCookie(why))
            }
            other => other.map(Some),
        }
    }

    async fn load_principal(&self, claims: Option<&Verified>) -> Result<Principal, AppError> {
        let Some(claims) = claims else {
            return Ok(Principal::Guest);
        };
        let id = claims.user_id;
        if claims.kind == Kind::Service {
            return self.load_service(id).await;
        }
        if let Some(user) = self.cache.as_ref().and_then(|cache| cache.get(id)) {
            return Ok(Principal::user(Arc::new(user)));
        }
        let loaded_at = Instant::now();
        let user = with_conn!(self.db, |conn| {
            let row: Option<(String, bool)> = users::table
                .find(id)
                .select((users::name, users::is_admin))
                .first(conn)
                .optional()?;
            // A token for a user that does not exist (any more) authenticates no one.
            let Some((name, is_admin)) = row else {
                return Err(AppError::Unauthorized("unknown user"));
            };
            let mut user = User {
                id,
                name,
                is_admin,
                ..User::default()
            };
            user.org_roles = authz_diesel::load_roles::<Org, _>(conn, &user.id)?;
            user.repo_roles = authz_diesel::load_roles::<Repo, _>(conn, &user.id)?;
            user.photo_grants = authz_diesel::load_grants(conn, &id)?;
            Ok(user)
        })?;
        if let Some(cache) = &self.cache {
            cache.insert(user.clone(), loaded_at);
        }
        Ok(Principal::user(Arc::new(user)))
    }
}

impl ServiceAuth {
    /// A service's row and dataset grants (never cached).
    async fn load_service(&self, id: i64) -> Result<Principal, AppError> {
        with_conn!(self.db, |conn| {
            let name: Option<String> = services::table
                .find(id)
                .select(services::name)
                .first(conn)
                .optional()?;
            let Some(name) = name else {
                return Err(AppError::Unauthorized("unknown service"));
            };
            Ok(Principal::Service {
                id,
                name,
                dataset_grants: authz_diesel::load_grants(conn, &id)?,
            })
        })
    }
}
