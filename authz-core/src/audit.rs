//! Every decision is observable: one `tracing` event per decision, target `authz`.
//!
//! Refusals are logged at `INFO`, grants at `DEBUG` (`RUST_LOG=authz=info` shows what was
//! refused, `authz=debug` everything). Fields: `actor` (the actor's id), `actor_kind` (the
//! kind of an actor that is an enum of kinds, absent otherwise), `permission`,
//! `resource` (the type), `resource_id` (when the resource has an id), `allowed` and `rule`
//! (the condition that decided, as written). When no subscriber listens, or the subscriber
//! filters the `authz` target out, an event costs one relaxed atomic load and a branch: the
//! field values are neither computed nor formatted, and nothing is allocated.

use crate::{Actor, FieldEnum, FieldSet, HasFields, PermissionEnum, PermissionSet, Resource};

/// The target of every decision event.
pub const TARGET: &str = "authz";

/// One decision on one permission.
/// The level test comes first and the event is built out of line, so a check stays
/// branch-light when no subscriber listens: one relaxed atomic load (none at all with
/// tracing's `max_level_off`/`release_max_level_off` features).
#[inline(always)]
pub(crate) fn decision<R: Resource>(
    actor: &R::Actor,
    perm: R::Permission,
    resource: &R,
    allowed: bool,
) {
    if tracing::level_enabled!(tracing::Level::INFO) {
        decision_event(actor, perm, resource, allowed);
    }
}

#[cold]
#[inline(never)]
fn decision_event<R: Resource>(actor: &R::Actor, perm: R::Permission, resource: &R, allowed: bool) {
    if allowed {
        tracing::event!(
            target: "authz",
            tracing::Level::DEBUG,
            actor = ?actor.actor_id(),
            actor_kind = actor.actor_kind(),
            permission = perm.name(),
            resource = R::NAME,
            resource_id = resource.resource_id().map(tracing::field::debug),
            allowed = true,
            rule = perm.condition(),
            "allowed",
        );
    } else {
        tracing::event!(
            target: "authz",
            tracing::Level::INFO,
            actor = ?actor.actor_id(),
            actor_kind = actor.actor_kind(),
            permission = perm.name(),
            resource = R::NAME,
            resource_id = resource.resource_id().map(tracing::field::debug),
            allowed = false,
            rule = perm.condition(),
            "denied",
        );
    }
}

/// The permission query of [`Authz::actions`](crate::Authz::actions): one event with
/// the granted set.
#[inline(always)]
pub(crate) fn actions<R: Resource>(actor: &R::Actor, resource: &R, granted: PermissionSet<R>) {
    if tracing::level_enabled!(tracing::Level::DEBUG) {
        actions_event(actor, resource, granted);
    }
}

#[cold]
#[inline(never)]
fn actions_event<R: Resource>(actor: &R::Actor, resource: &R, granted: PermissionSet<R>) {
    tracing::event!(
        target: "authz",
        tracing::Level::DEBUG,
        actor = ?actor.actor_id(),
        actor_kind = actor.actor_kind(),
        resource = R::NAME,
        resource_id = resource.resource_id().map(tracing::field::debug),
        permissions = %granted,
        "permission query",
    );
}

/// A field-level write check: the fields asked for, and the first refused one.
#[inline(always)]
pub(crate) fn write<R: HasFields>(
    actor: &R::Actor,
    resource: &R,
    fields: FieldSet<R>,
    refused: Option<(R::Field, R::Permission)>,
) {
    if tracing::level_enabled!(tracing::Level::INFO) {
        write_event(actor, resource, fields, refused);
    }
}

#[cold]
#[inline(never)]
fn write_event<R: HasFields>(
    actor: &R::Actor,
    resource: &R,
    fields: FieldSet<R>,
    refused: Option<(R::Field, R::Permission)>,
) {
    match refused {
        None => tracing::event!(
            target: "authz",
            tracing::Level::DEBUG,
            actor = ?actor.actor_id(),
            actor_kind = actor.actor_kind(),
            resource = R::NAME,
            resource_id = resource.resource_id().map(tracing::field::debug),
            fields = %fields,
            allowed = true,
            "write allowed",
        ),
        Some((field, perm)) => tracing::event!(
            target: "authz",
            tracing::Level::INFO,
            actor = ?actor.actor_id(),
            actor_kind = actor.actor_kind(),
            permission = perm.name(),
            resource = R::NAME,
            resource_id = resource.resource_id().map(tracing::field::debug),
            fields = %fields,
            field = field.name(),
            allowed = false,
            rule = perm.condition(),
            "write denied",
        ),
    }
}
