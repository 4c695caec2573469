//! Authentication and the request level: a verified JWT becomes an actor.
//!
//! - [`authenticate`] (middleware, on every route): verifies the bearer token — HS256 only,
//!   signature, `exp` (no leeway), `sub` required — and stores the [`Verified`] claims in the
//!   request; any failure is a 401 and the rest of the token is never looked at.
//! - [`require_scope`] (middleware, per route): the token's scopes must include the route's
//!   (`repos:write`), else 403 — before the handler and before any database work.
//! - [`Authenticated`] (extractor): the actor, built from the verified user id with the user's
//!   row and roles loaded from the database once per request.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use diesel::prelude::*;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{users, Org, Repo, User};
use crate::App;

/// Scope of the read routes.
pub const REPOS_READ: &str = "repos:read";
/// Scope of the routes that change repos.
pub const REPOS_WRITE: &str = "repos:write";
/// Scope of the routes that change issues.
pub const ISSUES_WRITE: &str = "issues:write";
/// Every scope, for tokens of full-access users.
pub const ALL_SCOPES: &[&str] = &[REPOS_READ, REPOS_WRITE, ISSUES_WRITE];

/// The development secret, used when `AUTHZ_JWT_SECRET` is unset. It is public (it is in this
/// file): a deployment must set its own.
pub const DEV_SECRET: &str = "authz-example-DEVELOPMENT-ONLY-secret-do-not-deploy";

/// The claims of the service's tokens.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id (a string, as JWT wants it).
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issued at (optional).
    #[serde(default)]
    pub iat: u64,
    /// The scopes granted to the bearer: `["repos:read", "repos:write"]`.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// What a verified token says: who, and with which scopes.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The user id from `sub`.
    pub user_id: i64,
    /// The scopes from `scopes`.
    pub scopes: Vec<String>,
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
        hs256::install();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// The secret of `AUTHZ_JWT_SECRET`, or [`DEV_SECRET`] (then the flag is `true`).
    pub fn from_env() -> Result<(Keys, bool), String> {
        match std::env::var("AUTHZ_JWT_SECRET") {
            Ok(secret) if secret.len() >= 32 => Ok((Keys::new(secret.as_bytes()), false)),
            Ok(_) => Err("AUTHZ_JWT_SECRET must be at least 32 bytes long".to_owned()),
            Err(_) => Ok((Keys::new(DEV_SECRET.as_bytes()), true)),
        }
    }

    /// A token for `user_id` with these scopes, valid for `ttl_secs` seconds (negative: already
    /// expired, for tests).
    pub fn mint(
        &self,
        user_id: i64,
        scopes: &[&str],
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = now();
        let claims = Claims {
            sub: user_id.to_string(),
            exp: now.saturating_add_signed(ttl_secs),
            iat: now,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Verifies `token`: signature, algorithm, expiry, claims. Either everything holds or the
    /// answer is 401; nothing of a rejected token is used.
    pub fn verify(&self, token: &str) -> Result<Verified, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| {
                AppError::Unauthorized(match err.kind() {
                    ErrorKind::ExpiredSignature => "token expired",
                    ErrorKind::InvalidSignature => "invalid signature",
                    ErrorKind::InvalidAlgorithm => "algorithm not allowed",
                    _ => "malformed token",
                })
            })?;
        let user_id = data
            .claims
            .sub
            .parse()
            .map_err(|_| AppError::Unauthorized("malformed token"))?;
        Ok(Verified {
            user_id,
            scopes: data.claims.scopes,
        })
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Result<&str, AppError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AppError::Unauthorized("missing bearer token"))?;
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthorized("malformed token"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(token.trim()),
        _ => Err(AppError::Unauthorized("missing bearer token")),
    }
}

/// Middleware on every route: verifies the bearer token and stores the [`Verified`] claims.
pub async fn authenticate(State(app): State<App>, mut req: Request, next: Next) -> Response {
    match bearer(req.headers()).and_then(|token| app.keys.verify(token)) {
        Ok(verified) => {
            req.extensions_mut().insert(Arc::new(verified));
            next.run(req).await
        }
        Err(err) => err.into_response(),
    }
}

/// The scope a route requires, the state of [`require_scope`].
#[derive(Clone, Copy, Debug)]
pub struct Scope(pub &'static str);

/// Middleware per route: the request level. The verified token must carry the route's scope.
pub async fn require_scope(
    State(Scope(scope)): State<Scope>,
    req: Request,
    next: Next,
) -> Response {
    let granted = req
        .extensions()
        .get::<Arc<Verified>>()
        .is_some_and(|v| v.scopes.iter().any(|s| s == scope));
    if granted {
        next.run(req).await
    } else {
        AppError::MissingScope(scope).into_response()
    }
}

/// The actor of the request: the verified user with their roles, loaded once per request.
pub struct Authenticated {
    /// The actor.
    pub user: User,
    /// The token's scopes.
    pub scopes: Vec<String>,
}

impl FromRequestParts<App> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, AppError> {
        // Only [`authenticate`] puts this here, after verifying the token.
        let verified = parts
            .extensions
            .get::<Arc<Verified>>()
            .cloned()
            .ok_or(AppError::Unauthorized("missing bearer token"))?;
        let id = verified.user_id;
        let user = with_conn!(app.db, |conn| {
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
            user.org_roles = authz_diesel::load_roles::<Org, _>(conn, &user)?;
            user.repo_roles = authz_diesel::load_roles::<Repo, _>(conn, &user)?;
            Ok(user)
        })?;
        Ok(Authenticated {
            user,
            scopes: verified.scopes.clone(),
        })
    }
}

/// HS256 for `jsonwebtoken`, on `hmac` + `sha2`: the one algorithm the service accepts, without
/// compiling the RSA and elliptic-curve code of the `rust_crypto` feature. Every other
/// algorithm is refused when a signer or verifier is asked for (and `Validation` admits only
/// HS256 before that).
mod hs256 {
    use hmac::{Hmac, Mac};
    use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
    use jsonwebtoken::errors::{Error, ErrorKind};
    use jsonwebtoken::signature::{self, Signer, Verifier};
    use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
    use sha2::Sha256;

    struct Hs256(Hmac<Sha256>);

    impl Hs256 {
        fn new(alg: &Algorithm, family: AlgorithmFamily, key: &[u8]) -> Result<Self, Error> {
            if *alg != Algorithm::HS256 || family != AlgorithmFamily::Hmac {
                return Err(ErrorKind::InvalidAlgorithm.into());
            }
            Hmac::new_from_slice(key)
                .map(Hs256)
                .map_err(|_| ErrorKind::InvalidKeyFormat.into())
        }
    }

    impl Signer<Vec<u8>> for Hs256 {
        fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
            let mut mac = self.0.clone();
            mac.update(msg);
            Ok(mac.finalize().into_bytes().to_vec())
        }
    }

    impl Verifier<Vec<u8>> for Hs256 {
        fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
            let mut mac = self.0.clone();
            mac.update(msg);
            // Constant-time comparison.
            mac.verify_slice(sig).map_err(signature::Error::from_source)
        }
    }

    impl JwtSigner for Hs256 {
        fn algorithm(&self) -> Algorithm {
            Algorithm::HS256
        }
    }

    impl JwtVerifier for Hs256 {
        fn algorithm(&self) -> Algorithm {
            Algorithm::HS256
        }
    }

    static PROVIDER: CryptoProvider = CryptoProvider {
        signer_factory: |alg, key: &EncodingKey| {
            Ok(Box::new(Hs256::new(alg, key.family(), key.as_bytes())?))
        },
        verifier_factory: |alg, key: &DecodingKey| {
            Ok(Box::new(Hs256::new(
                alg,
                key.family(),
                key.try_get_as_bytes()?,
            )?))
        },
        // No JWKs in this service.
        key_utils: KeyUtils::new_unimplemented(),
    };

    /// Installs the provider for the process (once; later calls change nothing).
    pub(super) fn install() {
        let _ = PROVIDER.install_default();
    }
}
