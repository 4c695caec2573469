//! `explain`: which part of a rule allowed or refused, as text for a person (pinned by insta
//! snapshots, so changes are reviewed) and as a tree for programs. An explanation always agrees
//! with the check.

use authz_core::prelude::*;
use authz_core::{ExplainNode, NodeKind};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub enum Status {
    Open,
    Closed,
}
authz_core::attr_value!(Status);

#[derive(Actor, Debug, Clone)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
    pub clearance: Option<i32>,
}

pub struct Ctx {
    pub now: i64,
}

#[derive(Resource, Debug, Clone)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id || actor.is_admin)]
#[permission(Push, if = self.owner_id == actor.id && !(self.level > actor.clearance))]
#[permission(Tag, if = ["draft", "old"].contains(&self.title) && self.label.is_some())]
#[permission(Close, if = (self.status == Status::Open || actor.is_admin) && !self.archived)]
#[permission(Anyone, if = true)]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
    pub is_public: bool,
    pub archived: bool,
    pub level: Option<i32>,
    pub title: String,
    pub label: Option<String>,
    pub status: Status,
}

#[derive(Resource)]
#[resource(actor = User, context = Ctx)]
#[permission(Read, if = self.published_at <= ctx.now || self.owner_id == actor.id)]
pub struct Post {
    pub owner_id: i64,
    pub published_at: i64,
}

fn alice() -> User {
    User {
        id: 1,
        is_admin: false,
        clearance: Some(3),
    }
}

fn bob() -> User {
    User {
        id: 2,
        is_admin: false,
        clearance: None,
    }
}

fn repo() -> Repo {
    Repo {
        id: 7,
        owner_id: 1,
        is_public: false,
        archived: false,
        level: Some(5),
        title: "draft".into(),
        label: None,
        status: Status::Open,
    }
}

#[test]
fn refused_read_lists_every_failed_alternative() {
    let why = Authz::new(&bob()).explain(Repo::Read, &repo());
    assert!(!why.allowed());
    insta::assert_snapshot!(why.to_string(), @r"
    `Read` on `Repo`: denied
    rule: self.is_public || self.owner_id == actor.id || actor.is_admin
    ✗ any of
      ✗ self.is_public
      ✗ self.owner_id == actor.id
      ✗ actor.is_admin
    ");
    let failed: Vec<&str> = why.failed_conditions().map(|n| n.text).collect();
    assert_eq!(
        failed,
        [
            "self.is_public",
            "self.owner_id == actor.id",
            "actor.is_admin"
        ]
    );
}

#[test]
fn granted_read_shows_the_deciding_alternative() {
    let why = Authz::new(&alice()).explain(Repo::Read, &repo());
    assert!(why.allowed());
    insta::assert_snapshot!(why.to_string(), @r"
    `Read` on `Repo`: allowed
    rule: self.is_public || self.owner_id == actor.id || actor.is_admin
    ✓ any of
      ✗ self.is_public
      ✓ self.owner_id == actor.id
      ✗ actor.is_admin
    ");
    let deciding: Vec<&str> = why.satisfied_conditions().map(|n| n.text).collect();
    assert_eq!(deciding, ["self.owner_id == actor.id"]);
}

#[test]
fn negation_and_absent_values() {
    // The owner, but the repo's level is above her clearance.
    let why = Authz::new(&alice()).explain(Repo::Push, &repo());
    insta::assert_snapshot!(why.to_string(), @r"
    `Push` on `Repo`: denied
    rule: self.owner_id == actor.id && !(self.level > actor.clearance)
    ✗ all of
      ✓ self.owner_id == actor.id
      ✗ !(self.level > actor.clearance)
        ✓ self.level > actor.clearance
    ");
    // No clearance: the comparison with an absent value is false, so its negation holds.
    let owner_without_clearance = User {
        clearance: None,
        ..alice()
    };
    let why = Authz::new(&owner_without_clearance).explain(Repo::Push, &repo());
    assert!(why.allowed());
    insta::assert_snapshot!(why.to_string(), @r"
    `Push` on `Repo`: allowed
    rule: self.owner_id == actor.id && !(self.level > actor.clearance)
    ✓ all of
      ✓ self.owner_id == actor.id
      ✓ !(self.level > actor.clearance)
        ✗ self.level > actor.clearance
    ");
}

#[test]
fn membership_presence_constants_and_nesting() {
    insta::assert_snapshot!(Authz::new(&bob()).explain(Repo::Tag, &repo()).to_string(), @r#"
    `Tag` on `Repo`: denied
    rule: ["draft", "old"].contains(&self.title) && self.label.is_some()
    ✗ all of
      ✓ ["draft", "old"].contains(&self.title)
      ✗ self.label.is_some()
    "#);
    let archived = Repo {
        archived: true,
        status: Status::Closed,
        ..repo()
    };
    insta::assert_snapshot!(Authz::new(&bob()).explain(Repo::Close, &archived).to_string(), @r"
    `Close` on `Repo`: denied
    rule: (self.status == Status::Open || actor.is_admin) && !self.archived
    ✗ all of
      ✗ any of
        ✗ self.status == Status::Open
        ✗ actor.is_admin
      ✗ !self.archived
        ✓ self.archived
    ");
    insta::assert_snapshot!(Authz::new(&bob()).explain(Repo::Anyone, &repo()).to_string(), @r"
    `Anyone` on `Repo`: allowed
    rule: true
    ✓ true
    ");
}

#[test]
fn the_tree_is_inspectable() {
    let why = Authz::new(&alice()).explain(RepoPermission::Push, &repo());
    assert_eq!(why.permission, RepoPermission::Push);
    assert_eq!(why.rule(), RepoPermission::Push.condition());
    let root: &ExplainNode = &why.root;
    assert_eq!(root.kind, NodeKind::All);
    assert!(!root.value);
    assert_eq!(root.children.len(), 2);
    assert_eq!(root.children[1].kind, NodeKind::Not);
    assert_eq!(
        root.children[1].children[0],
        ExplainNode::condition("self.level > actor.clearance", true)
    );
    assert_eq!(root.walk().count(), 4);
    let json = serde_json::to_value(root).unwrap();
    assert_eq!(json["kind"], "all");
    assert_eq!(json["children"][0]["text"], "self.owner_id == actor.id");
    assert_eq!(json["children"][0]["value"], true);
}

#[test]
fn explanations_with_a_context() {
    let post = Post {
        owner_id: 1,
        published_at: 10,
    };
    let why = Authz::new(&bob())
        .context(&Ctx { now: 5 })
        .explain(Post::Read, &post);
    insta::assert_snapshot!(why.to_string(), @r"
    `Read` on `Post`: denied
    rule: self.published_at <= ctx.now || self.owner_id == actor.id
    ✗ any of
      ✗ self.published_at <= ctx.now
      ✗ self.owner_id == actor.id
    ");
    assert!(Authz::new(&bob())
        .context(&Ctx { now: 10 })
        .explain(Post::Read, &post)
        .allowed());
}

fn arb_user() -> impl Strategy<Value = User> {
    (0i64..3, any::<bool>(), prop::option::of(0i32..6)).prop_map(|(id, is_admin, clearance)| User {
        id,
        is_admin,
        clearance,
    })
}

fn arb_repo() -> impl Strategy<Value = Repo> {
    (
        (
            0i64..3,
            any::<bool>(),
            any::<bool>(),
            prop::option::of(0i32..6),
        ),
        (
            prop::sample::select(vec!["draft", "old", "x"]),
            prop::option::of(Just("l".to_owned())),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((owner_id, is_public, archived, level), (title, label, open))| Repo {
                id: 1,
                owner_id,
                is_public,
                archived,
                level,
                title: title.to_owned(),
                label,
                status: if open { Status::Open } else { Status::Closed },
            },
        )
}

proptest! {
    #[test]
    fn explanations_agree_with_checks(user in arb_user(), repo in arb_repo()) {
        for p in RepoPermission::ALL {
            let why = Authz::new(&user).explain(p, &repo);
            prop_assert_eq!(why.allowed(), is_allowed(&user, p, &repo));
            // Every composite node's value follows from its children.
            for node in why.root.walk() {
                let kids = node.children.iter().map(|c| c.value);
                match node.kind {
                    NodeKind::All => prop_assert_eq!(node.value, kids.clone().all(|v| v)),
                    NodeKind::Any => prop_assert_eq!(node.value, kids.clone().any(|v| v)),
                    NodeKind::Not | NodeKind::Prohibition => prop_assert_eq!(node.value, !node.children[0].value),
                    NodeKind::Condition => prop_assert!(node.children.is_empty()),
                }
            }
        }
    }
}
