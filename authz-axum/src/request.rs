//! The hand-off from credentials to the request's authorizer: [`RequestPolicy`] (a layer)
//! authenticates every request and applies the [`Rules`] before any handler runs;
//! [`Authorizer`] (an extractor) yields the principal, loaded at most once per request, and
//! its [`Authz`].

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use authz_core::{Actor, Authz};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::response::{JsonResponses, RequestRefused, Responses};
use crate::rules::{Rules, Scopes};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the application supplies: how a request's credentials are verified, and how verified
/// claims become a principal.
///
/// The principal is any type: a user with the roles, groups and grants its rules read, or an
/// enum of principal kinds (user, service, guest) — [`load_principal`](Self::load_principal)
/// decides which from the claims.
pub trait Authenticate: Send + Sync + 'static {
    /// What verified credentials say (a token's claims): at least the scopes the
    /// request-level rules ask for.
    type Claims: Scopes + Send + Sync + 'static;
    /// The actor of the request's checks.
    type Principal: Send + Sync + 'static;
    /// The answer to credentials that do not verify, or to a principal that cannot be loaded.
    type Rejection: IntoResponse + Send;

    /// Verifies the request's credentials: `Ok(None)` when it carries none (a guest),
    /// `Err(..)` when it carries credentials that do not verify — malformed, expired, revoked
    /// credentials are rejected, never treated as a guest's.
    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<Self::Claims>, Self::Rejection>> + Send;

    /// The principal of verified claims (`None`: a guest), with everything its checks read
    /// (roles, groups, grants). Called at most once per request, by the first extractor that
    /// asks for it, so requests refused earlier cost no query.
    fn load_principal(
        &self,
        claims: Option<&Self::Claims>,
    ) -> impl Future<Output = Result<Self::Principal, Self::Rejection>> + Send;
}

/// The layer of the request level: authenticates every request with `A` and checks it
/// against the [`Rules`] before the handler runs; refusals are answered with `R`'s responses.
/// Apply it to the whole router, after the routes (`router.layer(policy)`).
pub struct RequestPolicy<A, R = JsonResponses> {
    auth: Arc<A>,
    rules: Arc<Rules>,
    responses: PhantomData<fn() -> R>,
}

impl<A, R> Clone for RequestPolicy<A, R> {
    fn clone(&self) -> Self {
        RequestPolicy {
            auth: self.auth.clone(),
            rules: self.rules.clone(),
            responses: PhantomData,
        }
    }
}

impl<A: Authenticate> RequestPolicy<A> {
    /// The policy of these rules, authenticating with `auth`.
    pub fn new(auth: A, rules: Rules) -> Self {
        RequestPolicy {
            auth: Arc::new(auth),
            rules: Arc::new(rules),
            responses: PhantomData,
        }
    }
}

impl<A: Authenticate, R: Responses> RequestPolicy<A, R> {
    /// The same policy, answering refusals with `R2`'s responses.
    pub fn responses<R2: Responses>(self) -> RequestPolicy<A, R2> {
        RequestPolicy {
            auth: self.auth,
            rules: self.rules,
            responses: PhantomData,
        }
    }

    /// The rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The application's authenticator.
    pub fn authenticator(&self) -> &A {
        &self.auth
    }

    /// The request level for `parts`: authenticates, applies the rules to its method and path,
    /// and on success stores the claims ([`Caller`]) and the principal's loader
    /// ([`Authorizer`]) in its extensions.
    pub async fn admit(&self, parts: &mut Parts) -> Result<(), Response> {
        let claims = self
            .auth
            .authenticate(parts)
            .await
            .map_err(IntoResponse::into_response)?
            .map(Arc::new);
        self.rules
            .check(
                &parts.method,
                parts.uri.path(),
                claims.as_deref().map(|c| c as &dyn Scopes),
            )
            .map_err(|refusal| RequestRefused::<R>::from(refusal).into_response())?;
        parts.extensions.insert(Caller(claims.clone()));
        let source: Arc<dyn PrincipalSource<A::Principal>> = Arc::new(Source {
            auth: self.auth.clone(),
            claims,
            principal: OnceLock::new(),
        });
        parts.extensions.insert(source);
        Ok(())
    }
}

impl<S, A, R> Layer<S> for RequestPolicy<A, R> {
    type Service = Enforce<S, A, R>;

    fn layer(&self, inner: S) -> Self::Service {
        Enforce {
            inner,
            policy: self.clone(),
        }
    }
}

/// The service of [`RequestPolicy`]'s layer.
pub struct Enforce<S, A, R> {
    inner: S,
    policy: RequestPolicy<A, R>,
}

impl<S: Clone, A, R> Clone for Enforce<S, A, R> {
    fn clone(&self) -> Self {
        Enforce {
            inner: self.inner.clone(),
            policy: self.policy.clone(),
        }
    }
}

impl<S, A, R> Service<Request> for Enforce<S, A, R>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    A: Authenticate,
    R: Responses,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The clone that was polled ready serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let policy = self.policy.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            match policy.admit(&mut parts).await {
                Ok(()) => inner.call(Request::from_parts(parts, body)).await,
                Err(response) => Ok(response),
            }
        })
    }
}

/// The verified claims of the request (`None`: a guest), as an extractor.
#[derive(Debug)]
pub struct Caller<C>(pub Option<Arc<C>>);

impl<C> Clone for Caller<C> {
    fn clone(&self) -> Self {
        Caller(self.0.clone())
    }
}

impl<C: Send + Sync + 'static, S: Send + Sync> FromRequestParts<S> for Caller<C> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        parts
            .extensions
            .get::<Caller<C>>()
            .cloned()
            .ok_or_else(no_layer)
    }
}

/// Loads the principal once per request.
trait PrincipalSource<P>: Send + Sync {
    fn principal(&self) -> BoxFuture<'_, Result<Arc<P>, Response>>;
}

struct Source<A: Authenticate> {
    auth: Arc<A>,
    claims: Option<Arc<A::Claims>>,
    principal: OnceLock<Arc<A::Principal>>,
}

impl<A: Authenticate> PrincipalSource<A::Principal> for Source<A> {
    fn principal(&self) -> BoxFuture<'_, Result<Arc<A::Principal>, Response>> {
        Box::pin(async move {
            if let Some(principal) = self.principal.get() {
                return Ok(principal.clone());
            }
            let loaded = self
                .auth
                .load_principal(self.claims.as_deref())
                .await
                .map_err(IntoResponse::into_response)?;
            // Extractors of one request run one after the other: the first load is kept.
            Ok(self.principal.get_or_init(|| Arc::new(loaded)).clone())
        })
    }
}

fn no_layer() -> Response {
    // A route outside the layer is a programming error; it is refused, never let through.
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "authz-axum: this route is not behind a RequestPolicy layer",
    )
        .into_response()
}

/// The request's principal, loaded by [`Authenticate::load_principal`] once per request, as
/// an extractor; [`Authorizer::authz`] is the request's authorizer.
pub struct Authorizer<P> {
    principal: Arc<P>,
}

impl<P> Authorizer<P> {
    /// The principal.
    pub fn principal(&self) -> &P {
        &self.principal
    }

    /// The principal, shared.
    pub fn into_arc(self) -> Arc<P> {
        self.principal
    }

    /// The request's principal, loaded now if no extractor has yet (for extractors and
    /// middleware of the application's own).
    pub async fn from_parts(parts: &Parts) -> Result<Self, Response>
    where
        P: Send + Sync + 'static,
    {
        let source = parts
            .extensions
            .get::<Arc<dyn PrincipalSource<P>>>()
            .cloned()
            .ok_or_else(no_layer)?;
        Ok(Authorizer {
            principal: source.principal().await?,
        })
    }
}

impl<P: Actor> Authorizer<P> {
    /// The request's authorizer; attach a context or parent rows with `.context(..)` and
    /// `.parents(..)` when the rules read them.
    pub fn authz(&self) -> Authz<'_, P> {
        Authz::new(&self.principal)
    }
}

impl<P> Deref for Authorizer<P> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.principal
    }
}

impl<P: Send + Sync + 'static, S: Send + Sync> FromRequestParts<S> for Authorizer<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        Authorizer::from_parts(parts).await
    }
}

/// Makes a principal type an extractor of its own (a clone of the request's principal), so
/// that `#[requires]` finds the actor among an axum handler's arguments:
///
/// ```text
/// authz_axum::principal_extractor!(User);
///
/// #[requires(Repo::Push)]
/// async fn push(actor: User, repo: Repo) -> Result<String, Refused> { .. }
/// ```
///
/// (The resource argument is an extractor of the application's, loading the row of the
/// path's id.) Expand it in the crate that defines the principal type.
#[macro_export]
macro_rules! principal_extractor {
    ($principal:ty) => {
        impl<S: ::core::marker::Send + ::core::marker::Sync> $crate::__private::FromRequestParts<S>
            for $principal
        {
            type Rejection = $crate::__private::Response;

            async fn from_request_parts(
                parts: &mut $crate::__private::Parts,
                _: &S,
            ) -> ::core::result::Result<Self, Self::Rejection> {
                let authorizer = $crate::Authorizer::<$principal>::from_parts(parts).await?;
                ::core::result::Result::Ok(::core::clone::Clone::clone(authorizer.principal()))
            }
        }
    };
}
