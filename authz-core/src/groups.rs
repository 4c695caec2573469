//! Groups an actor belongs to (user in team, team in team, team in org): the ids of every group
//! reached through the membership table and the nesting table, transitively. `#[derive(Group)]`
//! declares the tables; `authz_diesel::load_groups` reads the closure in one query (cyclic
//! nesting terminates). Held by the actor as a [`Groups`] field, a rule reads it as a set
//! (`actor.teams.contains(&self.team_id)`), and SQL filters bind the same ids, so a list never
//! disagrees with a check.

use core::fmt::{self, Debug};
use core::marker::PhantomData;

use crate::value::{AttrSet, AttrValue};

/// A group type: what `#[derive(Group)]` implements.
pub trait Group: 'static {
    /// The group's identifier.
    type Id: Clone + PartialEq + Debug + Send + Sync + 'static;
    /// The actor whose memberships the group's tables hold, by its key (an enum actor's kind
    /// id).
    type Actor: crate::roles::ActorKey;
}

/// The groups of type `G` an actor belongs to, directly or through nested groups.
pub struct Groups<G: Group> {
    ids: Vec<G::Id>,
    _group: PhantomData<fn() -> G>,
}

impl<G: Group> Groups<G> {
    /// No group.
    pub fn new() -> Self {
        Self {
            ids: Vec::new(),
            _group: PhantomData,
        }
    }

    /// The given groups (duplicates are kept once): for groups the application already knows,
    /// from a token or a test. `authz_diesel::load_groups` reads them from the tables.
    pub fn from_ids(ids: impl IntoIterator<Item = G::Id>) -> Self {
        let mut groups = Self::new();
        for id in ids {
            if !groups.ids.contains(&id) {
                groups.ids.push(id);
            }
        }
        groups
    }

    /// Whether the actor belongs to group `id`.
    #[inline]
    pub fn contains(&self, id: &G::Id) -> bool {
        self.ids.contains(id)
    }

    /// The group ids, in no particular order.
    pub fn ids(&self) -> &[G::Id] {
        &self.ids
    }

    /// How many groups.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the actor belongs to no group.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl<G: Group> Default for Groups<G> {
    fn default() -> Self {
        Self::new()
    }
}

impl<G: Group> Clone for Groups<G> {
    fn clone(&self) -> Self {
        Self {
            ids: self.ids.clone(),
            _group: PhantomData,
        }
    }
}

impl<G: Group> Debug for Groups<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(&self.ids).finish()
    }
}

impl<G: Group> PartialEq for Groups<G> {
    /// The same groups, in any order.
    fn eq(&self, other: &Self) -> bool {
        self.ids.len() == other.ids.len() && self.ids.iter().all(|id| other.ids.contains(id))
    }
}

/// A rule reads the groups as a set: `actor.teams.contains(&self.team_id)`.
impl<G: Group> AttrSet for Groups<G>
where
    G::Id: AttrValue,
    <G::Id as AttrValue>::Inner: PartialEq,
{
    type Item = <G::Id as AttrValue>::Inner;
    #[inline]
    fn contains_item(&self, item: &Self::Item) -> bool {
        self.ids[..].contains_item(item)
    }
    fn items(&self) -> impl Iterator<Item = &Self::Item> {
        self.ids[..].items()
    }
}
