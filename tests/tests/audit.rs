//! Every decision is observable: one `tracing` event per decision, target `authz`, with the
//! actor, permission, resource type and id, the decision and the deciding rule.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use authz_core::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
}

#[derive(Actor)]
#[actor(id = name)]
pub struct Service {
    pub name: String,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id)]
#[permission(ChangeVisibility, if = actor.is_admin)]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
    #[field_guard(write = ChangeVisibility)]
    pub is_public: bool,
}

/// No `id` field: no `resource_id` in the events.
#[derive(Resource)]
#[resource(actor = Service)]
#[permission(Call, if = self.open)]
pub struct Endpoint {
    pub open: bool,
}

/// One recorded event: level, target and fields as `name=value` (values `Debug`-formatted).
#[derive(Debug, Clone)]
struct Recorded {
    level: Level,
    target: String,
    fields: Vec<(String, String)>,
}

impl Recorded {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Recorded>>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Recorded {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn recorded(f: impl FnOnce()) -> Vec<Recorded> {
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), f);
    let events = recorder.0.lock().unwrap().clone();
    events
}

fn alice() -> User {
    User {
        id: 1,
        is_admin: false,
    }
}

fn repo() -> Repo {
    Repo {
        id: 7,
        owner_id: 2,
        is_public: false,
    }
}

#[test]
fn a_denied_decision_is_one_info_event() {
    let events = recorded(|| {
        assert!(!is_allowed(&alice(), Repo::Read, &repo()));
    });
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e.target, "authz");
    assert_eq!(e.target, authz_core::AUDIT_TARGET);
    assert_eq!(e.level, Level::INFO);
    assert_eq!(e.get("message"), Some("denied"));
    assert_eq!(e.get("actor"), Some("1"));
    assert_eq!(e.get("permission"), Some("Read"));
    assert_eq!(e.get("resource"), Some("Repo"));
    assert_eq!(e.get("resource_id"), Some("7"));
    assert_eq!(e.get("allowed"), Some("false"));
    assert_eq!(
        e.get("rule"),
        Some("self.is_public || self.owner_id == actor.id")
    );
}

#[test]
fn an_allowed_decision_is_one_debug_event() {
    let owner = User {
        id: 2,
        is_admin: false,
    };
    let events = recorded(|| {
        assert!(Authz::new(&owner).authorize(Repo::Read, &repo()).is_ok());
    });
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].level, Level::DEBUG);
    assert_eq!(events[0].get("allowed"), Some("true"));
    assert_eq!(events[0].get("actor"), Some("2"));
}

#[test]
fn every_entry_point_emits_exactly_one_event() {
    let a = alice();
    let r = repo();
    let events = recorded(|| {
        let _ = is_allowed(&a, Repo::Read, &r);
        let _ = Authz::new(&a).is_allowed(Repo::Read, &r);
        let _ = Authz::new(&a).is_allowed(Repo::Read, &r);
        let _ = Authz::new(&a).authorize(Repo::ChangeVisibility, &r);
        let _ = Authz::new(&a).authorize(Repo::Read, &r);
        let _ = Authz::new(&a).authorize(Repo::Read, &r);
        let _ = Authz::new(&a).actions(&r);
        let _ = Authz::new(&a).authorize_write(&r, &[RepoField::IsPublic]);
    });
    assert_eq!(events.len(), 8, "{events:?}");
    // The permission query: one event with the granted set.
    assert_eq!(events[6].get("message"), Some("permission query"));
    assert_eq!(events[6].get("permissions"), Some("{}"));
    // The field write: the refused field and the permission its guard requires.
    let w = &events[7];
    assert_eq!(w.get("message"), Some("write denied"));
    assert_eq!(w.get("field"), Some("is_public"));
    assert_eq!(w.get("permission"), Some("ChangeVisibility"));
    assert_eq!(w.get("fields"), Some("{is_public}"));
    assert_eq!(w.level, Level::INFO);
}

#[test]
fn actor_ids_and_resource_ids_as_declared() {
    let svc = Service {
        name: "billing".into(),
    };
    let events = recorded(|| {
        let _ = is_allowed(&svc, Endpoint::Call, &Endpoint { open: true });
    });
    assert_eq!(events[0].get("actor"), Some("\"billing\""));
    assert_eq!(events[0].get("resource_id"), None, "no id field");
    assert_eq!(events[0].get("resource"), Some("Endpoint"));
}

/// An actor with kinds: the kind beside the id, so that service 1 and user 1 are told apart.
#[derive(Actor)]
pub enum Principal {
    User { id: i64 },
    Service { id: i64 },
    Guest,
}

#[derive(Resource)]
#[resource(actor = Principal)]
#[permission(Read, if = self.is_public || (actor.is(User) && self.owner_id == actor.id))]
pub struct Page {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
}

#[test]
fn an_actor_with_kinds_reports_its_kind() {
    let page = Page {
        id: 3,
        owner_id: 1,
        is_public: false,
    };
    let events = recorded(|| {
        assert!(is_allowed(&Principal::User { id: 1 }, Page::Read, &page));
        assert!(!is_allowed(
            &Principal::Service { id: 1 },
            Page::Read,
            &page
        ));
        assert!(!is_allowed(&Principal::Guest, Page::Read, &page));
    });
    assert_eq!(events.len(), 3, "{events:?}");
    let who: Vec<(Option<&str>, Option<&str>)> = events
        .iter()
        .map(|e| (e.get("actor"), e.get("actor_kind")))
        .collect();
    assert_eq!(
        who,
        [
            (Some("1"), Some("User")),
            (Some("1"), Some("Service")),
            (Some("Guest"), Some("Guest")),
        ]
    );
    // A struct actor has no kind: no field.
    let events = recorded(|| {
        let _ = is_allowed(&alice(), Repo::Read, &repo());
    });
    assert_eq!(events[0].get("actor_kind"), None);
}

#[test]
fn no_subscriber_no_events_same_answers() {
    // Without a subscriber the decision is the same, and nothing is recorded anywhere.
    assert!(!is_allowed(&alice(), Repo::Read, &repo()));
    let events = recorded(|| {});
    assert!(events.is_empty());
}
