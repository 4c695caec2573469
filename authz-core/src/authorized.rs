use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

use crate::{Permission, Resource};

/// Proof that permission `P` was checked and granted on a resource.
///
/// Only [`Authz::authorize`](crate::Authz::authorize) creates one, so a function that takes an
/// `Authorized<'_, Repo, repo_permission::Push>` cannot be called without the check.
pub struct Authorized<'r, R: Resource, P: Permission<R>> {
    resource: &'r R,
    permission: P,
    _private: PhantomData<()>,
}

impl<'r, R: Resource, P: Permission<R>> Authorized<'r, R, P> {
    pub(crate) fn new(resource: &'r R, permission: P) -> Self {
        Self {
            resource,
            permission,
            _private: PhantomData,
        }
    }

    /// The checked resource.
    pub fn resource(&self) -> &'r R {
        self.resource
    }

    /// The granted permission.
    pub fn permission(&self) -> P {
        self.permission
    }
}

impl<R: Resource, P: Permission<R>> Deref for Authorized<'_, R, P> {
    type Target = R;
    fn deref(&self) -> &R {
        self.resource
    }
}

impl<R: Resource, P: Permission<R>> Clone for Authorized<'_, R, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Resource, P: Permission<R>> Copy for Authorized<'_, R, P> {}

impl<R: Resource, P: Permission<R>> fmt::Debug for Authorized<'_, R, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Authorized({} on {})",
            self.permission.permission(),
            R::NAME
        )
    }
}
