//! Reads: a serialization of a resource that leaves out the fields the actor may not read
//! (`serde` feature).
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! pub struct User { pub id: i64 }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[permission(Read, if = true)]
//! #[permission(Manage, if = self.owner_id == actor.id)]
//! pub struct Doc {
//!     pub id: i64,
//!     pub owner_id: i64,
//!     #[field_guard(read = Manage)]
//!     pub notes: String,
//! }
//!
//! let doc = Doc { id: 7, owner_id: 1, notes: "secret".into() };
//! let owner = serde_json::to_string(&Authz::new(&User { id: 1 }).redacted(&doc)).unwrap();
//! assert_eq!(owner, r#"{"id":7,"owner_id":1,"notes":"secret"}"#);
//! let other = serde_json::to_string(&Authz::new(&User { id: 2 }).redacted(&doc)).unwrap();
//! assert_eq!(other, r#"{"id":7,"owner_id":1}"#);
//! ```
//!
//! The view serializes the resource's fields by name (honouring `#[serde(rename = "..")]` and
//! `#[serde(skip)]`/`#[serde(skip_serializing)]` on them), as a map-like struct, so every field
//! type must implement `Serialize`. Like
//! [`Authz::readable_fields`](crate::Authz::readable_fields), it does not check that the actor
//! may read the resource itself: do that first (or filter the list).

use core::fmt;

use crate::{FieldSet, HasFields};

/// A resource whose readable fields can be serialized. Implemented by `#[derive(Resource)]`
/// (with the `serde` feature) when every field implements `Serialize`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be serialized field by field",
    note = "every field of `{Self}` must implement `serde::Serialize`, and `authz-core` needs its `serde` feature"
)]
pub trait RedactedSerialize: HasFields {
    /// Serializes the fields in `readable` as a struct.
    fn serialize_redacted<S: serde::Serializer>(
        &self,
        readable: FieldSet<Self>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>;
}

/// A resource seen by one actor: serializes only the fields the actor may read.
pub struct Redacted<'r, R: HasFields> {
    resource: &'r R,
    readable: FieldSet<R>,
}

impl<'r, R: HasFields> Redacted<'r, R> {
    /// The resource with only the fields of `readable` visible.
    pub fn new(resource: &'r R, readable: FieldSet<R>) -> Self {
        Self { resource, readable }
    }

    /// The resource.
    pub fn resource(&self) -> &'r R {
        self.resource
    }

    /// The fields that are serialized.
    pub fn readable(&self) -> FieldSet<R> {
        self.readable
    }
}

impl<R: HasFields> Clone for Redacted<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: HasFields> Copy for Redacted<'_, R> {}

impl<R: HasFields> fmt::Debug for Redacted<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redacted({} {})", R::NAME, self.readable)
    }
}

impl<R: RedactedSerialize> serde::Serialize for Redacted<'_, R> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.resource.serialize_redacted(self.readable, serializer)
    }
}
