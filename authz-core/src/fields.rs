//! Field-level authorization: `#[field_guard(read = P, write = Q)]` on the fields of a resource.
//!
//! The derive generates a field enum per resource (`RepoField { Id, OrgId, IsPublic, .. }`) with
//! every field, guarded or not. A guard names the permission that reading or writing the field
//! requires on top of whatever gave the caller the resource:
//!
//! - reading an unguarded field requires nothing beyond having the resource (the handler already
//!   checked `Read`, or the list query filtered on it);
//! - writing an unguarded field requires nothing extra (the handler still checks `Update`, or
//!   whatever permission the write itself needs).
//!
//! So the policy, not the handler, decides that changing `is_public` needs `ChangeVisibility`:
//! the handler asks about the fields the request touches with [`Authz::authorize_write`](crate::Authz::authorize_write).

use core::fmt;
use core::hash::Hash;
use core::marker::PhantomData;

use crate::{Denied, Env, PermissionSet, Resource};

/// A resource with a generated field enum. Implemented by `#[derive(Resource)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field enum",
    note = "derive `Resource` on `{Self}`; the field enum (`{Self}Field`) is generated for structs with at most 128 fields"
)]
pub trait HasFields: Resource {
    /// The generated field enum (`RepoField` for `Repo`).
    type Field: FieldEnum<Resource = Self>;
}

/// The generated field enum of one resource: one variant per field, in declaration order.
pub trait FieldEnum: Copy + Eq + Hash + Ord + fmt::Debug + fmt::Display + 'static {
    /// The resource this enum belongs to.
    type Resource: HasFields<Field = Self>;
    /// Every field, in declaration order.
    const ALL: &'static [Self];
    /// The distinct permissions named by some guard, so that a field set evaluates only those.
    const GUARDS: &'static [<Self::Resource as Resource>::Permission];
    /// Position in [`Self::ALL`]; the bit used in a [`FieldSet`].
    fn index(self) -> u32;
    /// The field's name as written in the struct (`is_public`).
    fn name(self) -> &'static str;
    /// The field named `name` (as written in the struct), e.g. from the keys of a JSON patch.
    fn from_name(name: &str) -> Option<Self>;
    /// The permission `#[field_guard(read = ..)]` requires to read this field, if any.
    fn read_guard(self) -> Option<<Self::Resource as Resource>::Permission>;
    /// The permission `#[field_guard(write = ..)]` requires to write this field, if any.
    fn write_guard(self) -> Option<<Self::Resource as Resource>::Permission>;
}

/// A set of fields of resource `R`, stored as a bitset (no allocation).
pub struct FieldSet<R: HasFields> {
    bits: u128,
    _resource: PhantomData<fn() -> R>,
}

impl<R: HasFields> FieldSet<R> {
    /// Whether the set holds `field`.
    #[inline]
    pub fn contains(self, field: R::Field) -> bool {
        self.bits & (1 << field.index()) != 0
    }

    /// Whether every field of `other` is in `self`.
    #[inline]
    pub const fn is_superset(self, other: Self) -> bool {
        other.bits & !self.bits == 0
    }

    /// The fields of `self` that are not in `other`.
    #[inline]
    pub const fn difference(self, other: Self) -> Self {
        Self::from_bits(self.bits & !other.bits)
    }

    /// The fields readable by an actor holding `perms`: the unguarded fields and those whose
    /// read guard is in `perms`.
    pub fn readable_given(perms: PermissionSet<R>) -> Self {
        Self::guarded_by(perms, FieldEnum::read_guard)
    }

    /// The fields writable by an actor holding `perms`: the unguarded fields and those whose
    /// write guard is in `perms`.
    pub fn writable_given(perms: PermissionSet<R>) -> Self {
        Self::guarded_by(perms, FieldEnum::write_guard)
    }

    fn guarded_by(perms: PermissionSet<R>, guard: fn(R::Field) -> Option<R::Permission>) -> Self {
        let mut set = Self::empty();
        for &field in <R::Field as FieldEnum>::ALL {
            if guard(field).is_none_or(|p| perms.contains(p)) {
                set.insert(field);
            }
        }
        set
    }
}

crate::name_set::name_set_impls! {
    set: FieldSet,
    iter: FieldSetIter,
    bound: HasFields,
    elem: Field,
    elem_trait: FieldEnum,
    bits: u128,
}

/// The fields a write touches: a slice or array of fields, a [`FieldSet`], one field, or a
/// patch struct with `#[derive(Patch)]` (its `Some` fields).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not name fields of `{R}`",
    label = "expected the fields of `{R}` that the write changes",
    note = "pass `&[{R}Field::Name, ..]`, a `FieldSet<{R}>`, or a patch struct with `#[derive(Patch)]` and `#[patch(resource = {R})]`"
)]
pub trait WrittenFields<R: HasFields> {
    /// The fields written.
    fn written_fields(self) -> FieldSet<R>;
}

impl<R: HasFields> WrittenFields<R> for FieldSet<R> {
    #[inline]
    fn written_fields(self) -> FieldSet<R> {
        self
    }
}
impl<F: FieldEnum> WrittenFields<F::Resource> for &[F] {
    #[inline]
    fn written_fields(self) -> FieldSet<F::Resource> {
        self.iter().copied().collect()
    }
}
impl<F: FieldEnum, const N: usize> WrittenFields<F::Resource> for &[F; N] {
    #[inline]
    fn written_fields(self) -> FieldSet<F::Resource> {
        self.iter().copied().collect()
    }
}

/// A patch struct (a diesel `AsChangeset` with `Option` fields): the fields it writes.
/// Implemented by `#[derive(Patch)]`.
pub trait Patch<R: HasFields> {
    /// The fields this patch writes: its `Some` fields, and every field that is not an
    /// `Option`.
    fn changed_fields(&self) -> FieldSet<R>;
}

/// The permissions named by field guards that the actor holds.
pub(crate) fn guard_permissions<R: HasFields>(
    env: Env<'_, R::Actor, R::Context>,
    resource: &R,
) -> PermissionSet<R> {
    let mut perms = PermissionSet::empty();
    for &perm in <R::Field as FieldEnum>::GUARDS {
        if resource.check(env, perm) {
            perms.insert(perm);
        }
    }
    perms
}

/// Checks that the actor may write every field in `fields`; see
/// [`Authz::authorize_write`](crate::Authz::authorize_write).
pub(crate) fn authorize_write<R: HasFields>(
    env: Env<'_, R::Actor, R::Context>,
    resource: &R,
    fields: impl WrittenFields<R>,
) -> Result<(), Denied> {
    let fields = fields.written_fields();
    let mut refused = None;
    for field in fields {
        if let Some(perm) = field.write_guard() {
            if !resource.check(env, perm) {
                refused = Some((field, perm));
                break;
            }
        }
    }
    crate::audit::write(env.actor, resource, fields, refused);
    match refused {
        None => Ok(()),
        Some((_, perm)) => Err(crate::denied::deny(env, perm, resource)),
    }
}
