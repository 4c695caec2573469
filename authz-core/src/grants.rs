//! Grants stored as data: rows of a grant table that give their holder a permission, on one
//! resource (its anchor) or on every resource of a type, under typed constraints checked by the
//! rule that reads them.
//!
//! The attribute reference, with an example, is in [`crate::attributes`].

use core::fmt;

use crate::Resource;

/// A row type of a grant table. Implemented by `#[derive(Grant)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a grant type",
    label = "not a grant type",
    note = "add `#[derive(Grant)]` with `#[grant(resource = .., holder = .., scope = ..)]`"
)]
pub trait Grant: Sized + 'static {
    /// The resource type whose permissions the grant gives.
    type Resource: Resource;
    /// The holder column's type (the actor's id).
    type Holder: ?Sized;
    /// Who holds the grant; `None` (a `NULL` holder) grants nothing.
    fn holder(&self) -> Option<&Self::Holder>;
    /// The id of the groups that may hold grants of this type (`#[grant(.., group = Team)]`),
    /// `()` when only actors hold them.
    type GroupId: Clone + PartialEq + core::fmt::Debug + Send + Sync + 'static;
    /// The group holding the grant, when the row names one.
    fn group_holder(&self) -> Option<&Self::GroupId> {
        None
    }
    /// The permission's name as stored; `None` (a `NULL` scope) grants nothing.
    fn scope_name(&self) -> Option<&str>;
    /// The grant's id, for explanations and audit.
    fn grant_id(&self) -> String;
    /// The permission the grant gives, when its stored name is one of the resource's.
    fn scope(&self) -> Option<<Self::Resource as Resource>::Permission> {
        self.scope_name()?.parse().ok()
    }
    /// The grant with its scope set to `perm`, by name: how a grant row is written with a
    /// permission value rather than a string (`PhotoGrant { .. }.with_scope(Photo::Read)`).
    fn with_scope(self, perm: impl crate::Permission<Self::Resource>) -> Self;
}

/// A grant type with an anchor column: each grant names the resource (or the resource's
/// parent, such as a camera for photos) it applies to; a `NULL` anchor applies to every one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no anchor column, and the rule says what it anchors to",
    label = "`on = ..` needs an anchored grant type",
    note = "declare the column: `#[grant(.., anchor = camera_id)]`, or drop `on = ..` for grants that apply to every resource"
)]
pub trait AnchoredGrant: Grant {
    /// The anchor column's type (without `Option`).
    type Anchor: ?Sized;
    /// The resource (or parent) the grant applies to; `None`: every one.
    fn anchor(&self) -> Option<&Self::Anchor>;
}

/// A grant type without an anchor column: each grant applies to every resource of its type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is anchored, and the rule does not say to what",
    label = "say which field the anchor matches: `on = self.<field>`",
    note = "`grant({Self}, Read, on = self.camera_id, |g| ..)`: a grant applies where its anchor equals that field, or everywhere when its anchor is NULL"
)]
pub trait UnanchoredGrant: Grant {}

/// The grants of one type an actor holds, loaded once per request (`authz_diesel::load_grants`)
/// and carried by the actor in a `#[actor(grants)]` field. Each grant's scope is parsed once
/// here; a name the resource's permission enum does not know grants nothing.
pub struct Grants<G: Grant> {
    rows: Vec<G>,
    scopes: Vec<Option<<G::Resource as Resource>::Permission>>,
    /// The groups whose grants were loaded too: a grant held by one of them counts, in memory
    /// and in SQL.
    groups: Vec<G::GroupId>,
}

impl<G: Grant> Grants<G> {
    /// The grants `rows`, as loaded.
    pub fn new(rows: Vec<G>) -> Self {
        Self::with_groups(rows, Vec::new())
    }

    /// The grants `rows` of an actor and of its groups `groups`
    /// (`authz_diesel::load_grants_with_groups`): a grant held by one of the groups counts.
    pub fn with_groups(rows: Vec<G>, groups: Vec<G::GroupId>) -> Self {
        let scopes = rows.iter().map(Grant::scope).collect();
        Self {
            rows,
            scopes,
            groups,
        }
    }

    /// No grants.
    pub const fn empty() -> Self {
        Self {
            rows: Vec::new(),
            scopes: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// The groups whose grants count.
    pub fn groups(&self) -> &[G::GroupId] {
        &self.groups
    }

    /// Every grant, in load order.
    pub fn iter(&self) -> core::slice::Iter<'_, G> {
        self.rows.iter()
    }

    /// The grants whose scope is `perm`.
    #[inline]
    pub fn with_scope(
        &self,
        perm: <G::Resource as Resource>::Permission,
    ) -> impl Iterator<Item = &G> + '_ {
        self.rows
            .iter()
            .zip(&self.scopes)
            .filter(move |(_, s)| **s == Some(perm))
            .map(|(g, _)| g)
    }

    /// How many grants.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No grants.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The grants, as loaded.
    pub fn into_rows(self) -> Vec<G> {
        self.rows
    }
}

impl<G: Grant> Default for Grants<G> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<G: Grant + Clone> Clone for Grants<G> {
    fn clone(&self) -> Self {
        Self {
            rows: self.rows.clone(),
            scopes: self.scopes.clone(),
            groups: self.groups.clone(),
        }
    }
}

impl<G: Grant + fmt::Debug> fmt::Debug for Grants<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.rows).finish()
    }
}

impl<G: Grant> FromIterator<G> for Grants<G> {
    fn from_iter<I: IntoIterator<Item = G>>(iter: I) -> Self {
        Self::new(iter.into_iter().collect())
    }
}

impl<'g, G: Grant> IntoIterator for &'g Grants<G> {
    type Item = &'g G;
    type IntoIter = core::slice::Iter<'g, G>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

/// An actor carrying grants of type `G`. Implemented by `#[derive(Actor)]` for each
/// `#[actor(grants)]` field of type `Grants<G>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` carries no grants of type `{G}`",
    label = "a rule reads grants of type `{G}`",
    note = "add a field to the actor: `#[actor(grants)] pub grants: Grants<{G}>`, filled by `authz_diesel::load_grants`"
)]
pub trait HoldsGrants<G: Grant> {
    /// The actor's grants of type `G`.
    fn grants(&self) -> &Grants<G>;
}

/// The id under which an actor holds grants of type `G`: a struct's id; for an enum of kinds,
/// the id of the variant carrying them, `None` for the other kinds (they hold none).
/// Implemented by `#[derive(Actor)]` for each `#[actor(grants)]` field, next to
/// [`HoldsGrants`].
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` holds no grants of type `{G}` under an id",
    label = "a rule reads grants of type `{G}`",
    note = "add a field to the actor: `#[actor(grants)] pub grants: Grants<{G}>` (`#[derive(Actor)]` implements this next to it)"
)]
pub trait GrantHolder<G> {
    /// The id's type.
    type Id: ?Sized;
    /// The id, or `None` for a kind that holds no grants of type `G`.
    fn grant_holder(&self) -> Option<&Self::Id>;
}

/// Whether `grant` is held by `actor`: its holder is the actor's id (for an enum of kinds, the
/// id of the kind carrying grants of type `G`; the other kinds hold none), or a group among
/// `groups`, those the grants were loaded with. Grants are loaded for one actor; this keeps a
/// grant of another holder, put there by mistake, from granting.
#[doc(hidden)]
#[inline]
pub fn held_by<G, A>(grant: &G, actor: &A, groups: &[G::GroupId]) -> bool
where
    G: Grant,
    A: GrantHolder<G> + ?Sized,
    G::Holder: PartialEq<A::Id>,
{
    match (grant.holder(), actor.grant_holder()) {
        (Some(h), Some(a)) if h == a => true,
        // Held by one of the groups the grants were loaded with.
        _ => grant.group_holder().is_some_and(|g| groups.contains(g)),
    }
}

/// Whether an anchored grant applies to a resource whose anchor field is `value`: a `NULL`
/// anchor applies to every resource; otherwise the anchor equals a present value.
#[doc(hidden)]
#[inline]
pub fn anchor_matches<G, T>(grant: &G, value: Option<&T>) -> bool
where
    G: AnchoredGrant,
    G::Anchor: PartialEq<T>,
    T: ?Sized,
{
    match (grant.anchor(), value) {
        (None, _) => true,
        (Some(a), Some(v)) => a == v,
        (Some(_), None) => false,
    }
}

/// The text of a scope field: `String`, `Option<String>`, `&str`, `Box<str>`.
#[doc(hidden)]
pub trait ScopeName {
    fn scope_name(&self) -> Option<&str>;
}

impl ScopeName for String {
    #[inline]
    fn scope_name(&self) -> Option<&str> {
        Some(self)
    }
}

impl ScopeName for str {
    #[inline]
    fn scope_name(&self) -> Option<&str> {
        Some(self)
    }
}

impl ScopeName for Box<str> {
    #[inline]
    fn scope_name(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: ScopeName + ?Sized> ScopeName for &T {
    #[inline]
    fn scope_name(&self) -> Option<&str> {
        (**self).scope_name()
    }
}

impl<T: ScopeName> ScopeName for Option<T> {
    #[inline]
    fn scope_name(&self) -> Option<&str> {
        self.as_ref()?.scope_name()
    }
}

/// `true`, for a grant type without an anchor column; a rule that reads an anchored grant type
/// without `on = ..` does not compile (it would apply every grant everywhere).
#[doc(hidden)]
#[inline(always)]
pub fn unanchored<G: UnanchoredGrant>() -> bool {
    true
}

/// A scope field written from a permission's name: `String`, `Option<String>`, `Box<str>`.
#[doc(hidden)]
pub trait ScopeFromName {
    fn from_name(name: &'static str) -> Self;
}

impl ScopeFromName for String {
    fn from_name(name: &'static str) -> Self {
        name.to_owned()
    }
}

impl ScopeFromName for Box<str> {
    fn from_name(name: &'static str) -> Self {
        name.into()
    }
}

impl ScopeFromName for &'static str {
    fn from_name(name: &'static str) -> Self {
        name
    }
}

impl<T: ScopeFromName> ScopeFromName for Option<T> {
    fn from_name(name: &'static str) -> Self {
        Some(T::from_name(name))
    }
}
