//! `#[requires(Resource::Permission)]`: the check runs before the body, the refusal leaves
//! through the function's own error type, and the body never runs when denied.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use authz_core::prelude::*;
use authz_core::DenyReason;

#[derive(Actor, Clone, Debug)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
}

#[derive(Resource, Clone, Debug)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id)]
#[permission(Push, if = self.owner_id == actor.id || actor.is_admin)]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
}

pub struct Ctx {
    pub frozen: bool,
}

#[derive(Resource, Clone, Debug)]
#[resource(actor = User, context = Ctx)]
#[permission(Read, if = self.owner_id == actor.id || self.is_public)]
#[permission(Merge, if = self.owner_id == actor.id && !ctx.frozen)]
pub struct Branch {
    pub owner_id: i64,
    pub is_public: bool,
}

/// The application's error type: a refusal converts into it through `From<Denied>`.
#[derive(Debug, PartialEq)]
pub enum AppError {
    Denied(Denied),
    Invalid(&'static str),
}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        AppError::Denied(denied)
    }
}

impl AppError {
    fn status(&self) -> u16 {
        match self {
            AppError::Denied(d) => d.status_code(),
            AppError::Invalid(_) => 400,
        }
    }
}

thread_local! {
    static RUNS: Cell<u32> = const { Cell::new(0) };
}

fn ran() {
    RUNS.with(|r| r.set(r.get() + 1));
}

/// How many bodies ran during `f` (on this thread).
fn runs<T>(f: impl FnOnce() -> T) -> (T, u32) {
    let before = RUNS.with(Cell::get);
    let out = f();
    (out, RUNS.with(Cell::get) - before)
}

/// A minimal executor: polls on this thread, parking until woken.
fn block_on<F: Future>(fut: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(out) => return out,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// A future that is pending once, so the async bodies really suspend.
struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn owner() -> User {
    User {
        id: 1,
        is_admin: false,
    }
}
fn stranger() -> User {
    User {
        id: 2,
        is_admin: false,
    }
}
fn public_repo() -> Repo {
    Repo {
        id: 10,
        owner_id: 1,
        is_public: true,
    }
}
fn private_repo() -> Repo {
    Repo {
        id: 11,
        owner_id: 1,
        is_public: false,
    }
}

fn denied(permission: &'static str, resource: &'static str, reason: DenyReason) -> AppError {
    AppError::Denied(Denied {
        resource,
        permission,
        reason,
    })
}

// ---------------------------------------------------------------------------------------------
// Sync functions: the actor and the resource passed in every usual way
// ---------------------------------------------------------------------------------------------

#[requires(Repo::Push)]
fn push(actor: &User, repo: &Repo) -> Result<i64, AppError> {
    ran();
    Ok(repo.id + actor.id)
}

#[test]
fn sync_fn_with_references() {
    let (res, n) = runs(|| push(&owner(), &public_repo()));
    assert_eq!(res, Ok(11));
    assert_eq!(n, 1);

    let (res, n) = runs(|| push(&stranger(), &public_repo()));
    assert_eq!(
        res,
        Err(denied("Push", "Repo", DenyReason::Forbidden)),
        "readable: 403"
    );
    assert_eq!(res.unwrap_err().status(), 403);
    assert_eq!(n, 0, "the body does not run when denied");

    let (res, n) = runs(|| push(&stranger(), &private_repo()));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::NotFound)));
    assert_eq!(res.unwrap_err().status(), 404);
    assert_eq!(n, 0);
}

/// The actor found by type when it is not called `actor`, both passed by value.
#[requires(Repo::Push)]
fn push_owned(user: User, repo: Repo, message: String, count: usize) -> Result<String, AppError> {
    ran();
    Ok(format!("{} {} {message} {count}", user.id, repo.id))
}

#[test]
fn sync_fn_by_value() {
    let (res, n) = runs(|| push_owned(owner(), public_repo(), "hi".into(), 2));
    assert_eq!(res.unwrap(), "1 10 hi 2");
    assert_eq!(n, 1);
    let (res, n) = runs(|| push_owned(stranger(), private_repo(), "hi".into(), 2));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::NotFound)));
    assert_eq!(n, 0);
}

#[requires(Repo::Push)]
fn push_arc(user: Arc<User>, repo: Arc<Repo>) -> Result<i64, AppError> {
    ran();
    Ok(Arc::strong_count(&repo) as i64 + user.id)
}

#[allow(clippy::boxed_local)]
#[requires(Repo::Push)]
fn push_rc_box(actor: Box<User>, repo: Rc<Repo>) -> Result<i64, AppError> {
    ran();
    Ok(repo.id + actor.id)
}

#[requires(Repo::Push)]
fn push_mut(actor: &User, repo: &mut Repo) -> Result<(), AppError> {
    ran();
    repo.is_public = !repo.is_public;
    Ok(())
}

#[test]
fn smart_pointers_and_mut() {
    let repo = Arc::new(public_repo());
    let (res, n) = runs(|| push_arc(Arc::new(owner()), Arc::clone(&repo)));
    assert_eq!(res, Ok(3));
    assert_eq!(n, 1);
    let (res, n) = runs(|| push_arc(Arc::new(stranger()), Arc::clone(&repo)));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::Forbidden)));
    assert_eq!(n, 0);

    let (res, n) = runs(|| push_rc_box(Box::new(owner()), Rc::new(private_repo())));
    assert_eq!(res, Ok(12));
    assert_eq!(n, 1);
    let (res, n) = runs(|| push_rc_box(Box::new(stranger()), Rc::new(private_repo())));
    assert!(res.is_err());
    assert_eq!(n, 0);

    let mut r = public_repo();
    assert_eq!(push_mut(&owner(), &mut r), Ok(()));
    assert!(!r.is_public);
    assert_eq!(
        push_mut(&stranger(), &mut r),
        Err(denied("Push", "Repo", DenyReason::NotFound))
    );
    assert!(!r.is_public, "unchanged when denied");
}

#[requires(Repo::Push)]
fn push_arc_ref(user: &Arc<User>, repo: &Arc<Repo>) -> Result<i64, AppError> {
    ran();
    Ok(repo.id + user.id)
}

#[test]
fn references_to_smart_pointers() {
    let repo = Arc::new(public_repo());
    assert_eq!(push_arc_ref(&Arc::new(owner()), &repo), Ok(11));
    assert_eq!(
        push_arc_ref(&Arc::new(stranger()), &repo),
        Err(denied("Push", "Repo", DenyReason::Forbidden))
    );
}

/// Explicit `actor = ..` and `on = ..` when several arguments could be either.
#[requires(Repo::Push, actor = by, on = target)]
fn copy_into(by: &User, author: &User, source: &Repo, target: &Repo) -> Result<i64, AppError> {
    ran();
    let _ = author;
    Ok(source.id * 100 + target.id)
}

#[test]
fn explicit_actor_and_on() {
    let mine = private_repo();
    let theirs = Repo {
        id: 20,
        owner_id: 2,
        is_public: true,
    };
    // The owner of `target` may push, whoever wrote `source`.
    let (res, n) = runs(|| copy_into(&owner(), &stranger(), &theirs, &mine));
    assert_eq!(res, Ok(2011));
    assert_eq!(n, 1);
    // The check is on `target`, not `source`: owner of `source` only is refused (403 because
    // `theirs` is public).
    let (res, n) = runs(|| copy_into(&owner(), &owner(), &mine, &theirs));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::Forbidden)));
    assert_eq!(n, 0);
    // The check is for `by`, not `author`.
    let (res, n) = runs(|| copy_into(&stranger(), &owner(), &theirs, &mine));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::NotFound)));
    assert_eq!(n, 0);
}

/// A path to the permission, and `Denied` itself as the error type.
#[requires(crate::Repo::Push)]
fn push_plain(actor: &User, repo: &Repo) -> Result<(), Denied> {
    ran();
    let _ = (actor, repo);
    Ok(())
}

#[requires(Repo::Read)]
fn read_boxed(actor: &User, repo: &Repo) -> Result<i64, Box<dyn std::error::Error + Send + Sync>> {
    ran();
    let _ = actor;
    Ok(repo.id)
}

#[test]
fn error_types() {
    assert_eq!(push_plain(&owner(), &private_repo()), Ok(()));
    let err = push_plain(&stranger(), &private_repo()).unwrap_err();
    assert_eq!(err.to_string(), "permission `Push` on `Repo` denied");
    assert!(err.is_not_found());

    assert_eq!(read_boxed(&stranger(), &public_repo()).unwrap(), 10);
    let (res, n) = runs(|| read_boxed(&stranger(), &private_repo()));
    assert_eq!(
        res.unwrap_err().to_string(),
        "permission `Read` on `Repo` denied"
    );
    assert_eq!(n, 0);
}

// ---------------------------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------------------------

#[requires(Branch::Merge)]
fn merge(actor: &User, ctx: &Ctx, branch: &Branch) -> Result<(), AppError> {
    ran();
    let _ = (actor, ctx, branch);
    Ok(())
}

#[requires(Branch::Merge, ctx = request)]
fn merge_owned(actor: User, request: Ctx, branch: Branch) -> Result<bool, AppError> {
    ran();
    let _ = actor;
    Ok(request.frozen || branch.is_public)
}

#[requires(Branch::Merge, ctx = request)]
fn merge_arc(actor: &User, request: Arc<Ctx>, branch: &Branch) -> Result<(), AppError> {
    ran();
    let _ = (actor, request, branch);
    Ok(())
}

#[test]
fn context_argument() {
    let open = Ctx { frozen: false };
    let frozen = Ctx { frozen: true };
    let private = Branch {
        owner_id: 1,
        is_public: false,
    };
    let (res, n) = runs(|| merge(&owner(), &open, &private));
    assert_eq!(res, Ok(()));
    assert_eq!(n, 1);
    let (res, n) = runs(|| merge(&owner(), &frozen, &private));
    assert_eq!(res, Err(denied("Merge", "Branch", DenyReason::Forbidden)));
    assert_eq!(n, 0);
    let (res, n) = runs(|| merge(&stranger(), &open, &private));
    assert_eq!(res, Err(denied("Merge", "Branch", DenyReason::NotFound)));
    assert_eq!(n, 0);

    assert_eq!(
        merge_owned(owner(), Ctx { frozen: false }, private.clone()),
        Ok(false)
    );
    assert_eq!(
        merge_owned(owner(), Ctx { frozen: true }, private.clone()),
        Err(denied("Merge", "Branch", DenyReason::Forbidden))
    );
    assert_eq!(
        merge_arc(&owner(), Arc::new(Ctx { frozen: false }), &private),
        Ok(())
    );
    assert!(merge_arc(&owner(), Arc::new(Ctx { frozen: true }), &private).is_err());
}

// ---------------------------------------------------------------------------------------------
// The request's authorizer as the argument
// ---------------------------------------------------------------------------------------------

/// The authorizer found by type: it carries the actor and the context.
#[requires(Branch::Merge)]
fn merge_with_authz(authz: &Authz<'_, User, Ctx>, branch: &Branch) -> Result<i64, AppError> {
    ran();
    Ok(authz.actor().id + i64::from(branch.is_public))
}

/// Named with `authz = ..`, by value, next to a second authorizer-like argument.
#[requires(Branch::Merge, authz = request, on = branch)]
async fn merge_named(
    request: Authz<'_, User, Ctx>,
    audit: Option<&Authz<'_, User, Ctx>>,
    branch: Arc<Branch>,
) -> Result<(), AppError> {
    ran();
    let _ = (request, audit, branch);
    Ok(())
}

#[test]
fn authorizer_argument() {
    let (open, frozen) = (Ctx { frozen: false }, Ctx { frozen: true });
    let (alice, bob) = (owner(), stranger());
    let private = Branch {
        owner_id: 1,
        is_public: false,
    };
    let (res, n) = runs(|| merge_with_authz(&Authz::new(&alice).context(&open), &private));
    assert_eq!(res, Ok(1));
    assert_eq!(n, 1);
    let (res, n) = runs(|| merge_with_authz(&Authz::new(&alice).context(&frozen), &private));
    assert_eq!(res, Err(denied("Merge", "Branch", DenyReason::Forbidden)));
    assert_eq!(n, 0);
    let (res, n) = runs(|| merge_with_authz(&Authz::new(&bob).context(&open), &private));
    assert_eq!(res, Err(denied("Merge", "Branch", DenyReason::NotFound)));
    assert_eq!(n, 0);

    let branch = Arc::new(private.clone());
    let authz = Authz::new(&alice).context(&open);
    assert_eq!(block_on(merge_named(authz, None, branch.clone())), Ok(()));
    let (res, n) = runs(|| {
        block_on(merge_named(
            Authz::new(&bob).context(&open),
            Some(&authz),
            branch.clone(),
        ))
    });
    assert_eq!(res, Err(denied("Merge", "Branch", DenyReason::NotFound)));
    assert_eq!(n, 0);
}

// ---------------------------------------------------------------------------------------------
// Async functions
// ---------------------------------------------------------------------------------------------

#[requires(Repo::Push)]
async fn push_async(actor: &User, repo: &Repo) -> Result<i64, AppError> {
    ran();
    YieldOnce(false).await;
    Ok(repo.id + actor.id)
}

#[requires(Repo::Push)]
async fn push_async_owned(user: Arc<User>, repo: Arc<Repo>) -> Result<i64, AppError> {
    YieldOnce(false).await;
    ran();
    Ok(repo.id + user.id)
}

#[requires(Branch::Merge)]
async fn merge_async(actor: &User, ctx: &Ctx, branch: &Branch) -> Result<(), AppError> {
    ran();
    let _ = (actor, ctx, branch);
    Ok(())
}

#[test]
fn async_fns() {
    let (res, n) = runs(|| block_on(push_async(&owner(), &private_repo())));
    assert_eq!(res, Ok(12));
    assert_eq!(n, 1);
    let (res, n) = runs(|| block_on(push_async(&stranger(), &private_repo())));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::NotFound)));
    assert_eq!(n, 0);

    // Nothing runs before the future is polled; the check runs on the first poll.
    let (bob, repo) = (stranger(), public_repo());
    let (fut, n) = runs(|| push_async(&bob, &repo));
    assert_eq!(n, 0);
    assert_eq!(
        block_on(fut),
        Err(denied("Push", "Repo", DenyReason::Forbidden))
    );

    let (res, n) = runs(|| block_on(push_async_owned(Arc::new(owner()), Arc::new(public_repo()))));
    assert_eq!(res, Ok(11));
    assert_eq!(n, 1);
    let (res, n) = runs(|| {
        block_on(push_async_owned(
            Arc::new(stranger()),
            Arc::new(public_repo()),
        ))
    });
    assert!(res.is_err());
    assert_eq!(n, 0);

    let branch = Branch {
        owner_id: 1,
        is_public: true,
    };
    assert_eq!(
        block_on(merge_async(&owner(), &Ctx { frozen: false }, &branch)),
        Ok(())
    );
    assert_eq!(
        block_on(merge_async(&owner(), &Ctx { frozen: true }, &branch)),
        Err(denied("Merge", "Branch", DenyReason::Forbidden))
    );
}

// ---------------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------------

pub struct RepoService {
    pushes: Cell<u32>,
}

impl RepoService {
    #[requires(Repo::Push)]
    pub fn push(&self, actor: &User, repo: &Repo) -> Result<u32, AppError> {
        self.pushes.set(self.pushes.get() + 1);
        let _ = (actor, repo);
        Ok(self.pushes.get())
    }

    /// The actor found by type next to `self`, the resource behind an `Arc`.
    #[requires(Repo::Push)]
    pub async fn push_async(&self, user: &User, repo: Arc<Repo>) -> Result<u32, AppError> {
        YieldOnce(false).await;
        self.pushes.set(self.pushes.get() + 1);
        let _ = (user, repo);
        Ok(self.pushes.get())
    }

    #[requires(Branch::Merge)]
    pub fn merge(&mut self, actor: &User, ctx: &Ctx, branch: &Branch) -> Result<(), AppError> {
        *self.pushes.get_mut() += 10;
        let _ = (actor, ctx, branch);
        Ok(())
    }
}

impl Repo {
    /// The resource is `self`.
    #[requires(Repo::Push, on = self)]
    pub fn rename(&self, actor: &User, name: &str) -> Result<String, AppError> {
        ran();
        let _ = actor;
        Ok(format!("{}:{name}", self.id))
    }

    /// `self` by value.
    #[requires(Repo::Push, on = self)]
    pub fn archive(self, actor: &User) -> Result<Repo, AppError> {
        ran();
        let _ = actor;
        Ok(Repo {
            is_public: false,
            ..self
        })
    }
}

impl User {
    /// The actor is `self`.
    #[requires(Repo::Push, actor = self)]
    pub fn push_to(&self, repo: &Repo) -> Result<i64, AppError> {
        ran();
        Ok(repo.id)
    }
}

#[test]
fn methods() {
    let mut service = RepoService {
        pushes: Cell::new(0),
    };
    assert_eq!(service.push(&owner(), &public_repo()), Ok(1));
    assert_eq!(
        service.push(&stranger(), &public_repo()),
        Err(denied("Push", "Repo", DenyReason::Forbidden))
    );
    assert_eq!(service.pushes.get(), 1, "the body did not run");
    assert_eq!(
        block_on(service.push_async(&owner(), Arc::new(public_repo()))),
        Ok(2)
    );
    assert_eq!(
        block_on(service.push_async(&stranger(), Arc::new(private_repo()))),
        Err(denied("Push", "Repo", DenyReason::NotFound))
    );
    assert_eq!(service.pushes.get(), 2);
    let branch = Branch {
        owner_id: 1,
        is_public: false,
    };
    assert!(service
        .merge(&stranger(), &Ctx { frozen: false }, &branch)
        .is_err());
    assert_eq!(service.pushes.get(), 2);
    assert!(service
        .merge(&owner(), &Ctx { frozen: false }, &branch)
        .is_ok());
    assert_eq!(service.pushes.get(), 12);

    let r = public_repo();
    assert_eq!(r.rename(&owner(), "x").unwrap(), "10:x");
    let (res, n) = runs(|| r.rename(&stranger(), "x"));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::Forbidden)));
    assert_eq!(n, 0);
    assert!(!public_repo().archive(&owner()).unwrap().is_public);
    assert!(public_repo().archive(&stranger()).is_err());

    assert_eq!(owner().push_to(&private_repo()), Ok(11));
    let (res, n) = runs(|| stranger().push_to(&private_repo()));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::NotFound)));
    assert_eq!(n, 0);
}

// ---------------------------------------------------------------------------------------------
// Generic and unusual signatures
// ---------------------------------------------------------------------------------------------

#[requires(Repo::Push)]
fn push_generic<T: Into<i64>>(actor: &User, repo: &Repo, extra: T) -> Result<i64, AppError> {
    ran();
    let _ = actor;
    Ok(repo.id + extra.into())
}

#[requires(Repo::Push)]
fn push_early_return(actor: &User, repo: &Repo, fail: bool) -> Result<i64, AppError> {
    ran();
    let _ = actor;
    if fail {
        return Err(AppError::Invalid("asked to fail"));
    }
    Ok(repo.id)
}

#[test]
fn generic_and_early_return() {
    assert_eq!(push_generic(&owner(), &public_repo(), 5i32), Ok(15));
    assert!(push_generic(&stranger(), &public_repo(), 5u8).is_err());
    assert_eq!(
        push_early_return(&owner(), &public_repo(), true),
        Err(AppError::Invalid("asked to fail"))
    );
    assert_eq!(push_early_return(&owner(), &public_repo(), false), Ok(10));
    // The refusal wins over the body's own failure.
    let (res, n) = runs(|| push_early_return(&stranger(), &public_repo(), true));
    assert_eq!(res, Err(denied("Push", "Repo", DenyReason::Forbidden)));
    assert_eq!(n, 0);
}

#[test]
fn admin_may_push_without_reading() {
    let root = User {
        id: 9,
        is_admin: true,
    };
    assert_eq!(push(&root, &private_repo()), Ok(20));
}
