//! Principal kinds: an actor that is an enum of kinds (a user, a service, a guest).
//!
//! `#[derive(Actor)]` on an enum implements [`ActorKinds`]: conditions test the kind with
//! `actor.is(Guest)`, and read `actor.<field>` from the variant that has the field; a kind
//! without it gives an absent value, which grants nothing (like `None`). The attribute
//! reference, with an example, is in [`crate::attributes`].

use core::fmt::{self, Debug};

use crate::Actor;

/// An actor whose type is an enum of kinds. Implemented by `#[derive(Actor)]` on an enum with
/// struct-like or unit variants.
///
/// ```
/// use authz_core::prelude::*;
/// use authz_core::ActorKinds;
///
/// #[derive(Actor)]
/// pub enum Principal {
///     User { id: i64 },
///     Service { id: i64, name: String },
///     Guest,
/// }
///
/// assert_eq!(Principal::Guest.kind_name(), "Guest");
/// assert_eq!(Principal::User { id: 1 }.kind_name(), "User");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no kinds: `actor.is(..)` tests the variant of an actor that is an enum",
    label = "not an enum actor",
    note = "declare the actor as an enum with `#[derive(Actor)]` (`enum Principal {{ User {{ id: i64 }}, Guest }}`), or drop `actor.is(..)`"
)]
pub trait ActorKinds: Actor {
    /// The generated kind enum: one value per variant (hidden).
    #[doc(hidden)]
    type Kind: Copy + Eq + Debug + 'static;
    /// The generated values of `actor.<field>`: one field per field name of any variant, `None`
    /// for a kind without the field (hidden).
    #[doc(hidden)]
    type Fields<'a>: Copy
    where
        Self: 'a;
    /// Every kind with its name, in declaration order.
    #[doc(hidden)]
    const KINDS: &'static [(&'static str, Self::Kind)];
    /// The message for a name in `actor.is(..)` that is no kind of this actor.
    #[doc(hidden)]
    const UNKNOWN_KIND: &'static str;
    /// This actor's kind.
    #[doc(hidden)]
    fn kind(&self) -> Self::Kind;
    /// This actor's fields.
    #[doc(hidden)]
    fn fields(&self) -> Self::Fields<'_>;
    /// The name of this actor's kind (its variant), as written.
    fn kind_name(&self) -> &'static str;
}

/// The identifier an enum actor reports for a kind without an id field (a guest): the kind's
/// name, printed bare (`Guest`).
#[doc(hidden)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KindName(pub &'static str);

impl Debug for KindName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The kind named `name` among `kinds`, at compile time (`actor.is(Guest)`).
#[doc(hidden)]
pub const fn kind_named<K: Copy>(kinds: &[(&str, K)], name: &str) -> Option<K> {
    let mut i = 0;
    while i < kinds.len() {
        let (n, k) = kinds[i];
        if bytes_eq(n.as_bytes(), name.as_bytes()) {
            return Some(k);
        }
        i += 1;
    }
    None
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
