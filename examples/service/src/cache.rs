//! Principals cached across requests (optional; off unless `AUTHZ_PRINCIPAL_TTL_MS` is set):
//! a user's row, roles and photo grants are read once per TTL instead of once per request.
//! Service principals are not cached.
//!
//! A cached principal is at most one TTL old: a role or grant revoked in the database still
//! grants until the entry expires, unless the code that changes it calls (as the grant routes
//! of `photos` do)
//! [`PrincipalCache::invalidate`] (one user) or [`PrincipalCache::invalidate_all`] (a change
//! that touches many, such as an org's roles), after which the next request reloads at once.
//! Token revocation is not cached: it is checked on every request.

use std::time::{Duration, Instant};

use quick_cache::sync::Cache;

use crate::model::User;

/// Users with their roles, by id, each with the instant it was loaded.
pub struct PrincipalCache {
    ttl: Duration,
    entries: Cache<i64, (Instant, User)>,
}

impl PrincipalCache {
    /// A cache of at most `capacity` principals, each kept at most `ttl`.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        PrincipalCache {
            ttl,
            entries: Cache::new(capacity),
        }
    }

    /// How long an entry is trusted.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The cached principal of `user_id`, if loaded less than one TTL ago.
    pub fn get(&self, user_id: i64) -> Option<User> {
        let (loaded, user) = self.entries.get(&user_id)?;
        if loaded.elapsed() < self.ttl {
            Some(user)
        } else {
            self.entries.remove(&user_id);
            None
        }
    }

    /// Keeps `user`, loaded at `loaded` (taken before the queries, so that the entry's age is
    /// never understated).
    pub fn insert(&self, user: User, loaded: Instant) {
        self.entries.insert(user.id, (loaded, user));
    }

    /// Forgets one user: call it after changing that user's roles, grants or row.
    pub fn invalidate(&self, user_id: i64) {
        self.entries.remove(&user_id);
    }

    /// Forgets everyone: call it after a change that reaches many users.
    pub fn invalidate_all(&self) {
        self.entries.clear();
    }
}
