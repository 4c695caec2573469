use crate::{Env, PermissionEnum, Resource};

/// Why a check failed, in the terms an HTTP handler needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DenyReason {
    /// The actor may read the resource but not do this: answer 403 Forbidden.
    Forbidden,
    /// The actor may not even read the resource: answer 404 Not Found, so that its existence
    /// is not disclosed.
    NotFound,
}

/// A refused permission: which permission, on which resource type, and whether the actor may
/// read the resource at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("permission `{permission}` on `{resource}` denied")]
pub struct Denied {
    /// The resource type, as written in the source (`Repo`).
    pub resource: &'static str,
    /// The refused permission (`Push`).
    pub permission: &'static str,
    /// Whether the resource's existence may be disclosed.
    pub reason: DenyReason,
}

impl Denied {
    /// Whether the actor may not even read the resource (answer 404, not 403).
    pub fn is_not_found(&self) -> bool {
        self.reason == DenyReason::NotFound
    }

    /// The HTTP status a handler should answer with: 404 when the actor may not read the
    /// resource, 403 otherwise.
    pub fn status_code(&self) -> u16 {
        match self.reason {
            DenyReason::Forbidden => 403,
            DenyReason::NotFound => 404,
        }
    }
}

pub(crate) fn deny<R: Resource>(
    env: Env<'_, R::Actor, R::Context>,
    perm: R::Permission,
    resource: &R,
) -> Denied {
    let readable = match R::READ {
        Some(read) => read != perm && resource.check(env, read),
        // Without a read permission, existence is not secret.
        None => true,
    };
    Denied {
        resource: R::NAME,
        permission: perm.name(),
        reason: if readable {
            DenyReason::Forbidden
        } else {
            DenyReason::NotFound
        },
    }
}

/// A name that is not a permission of the resource (from `FromStr`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission `{name}` on `{resource}`, expected one of {}", expected_list(.expected))]
pub struct UnknownPermission {
    /// The resource type.
    pub resource: &'static str,
    /// The name that was given.
    pub name: String,
    /// The permissions the resource declares.
    pub expected: &'static [&'static str],
}

/// A name that is not a role of the resource (from `FromStr`, or a row of a role table).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{name}` on `{resource}`, expected one of {}", expected_list(.expected))]
pub struct UnknownRole {
    /// The resource type.
    pub resource: &'static str,
    /// The name that was given.
    pub name: String,
    /// The roles the resource declares.
    pub expected: &'static [&'static str],
}

fn expected_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}
