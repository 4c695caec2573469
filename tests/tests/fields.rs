//! Field level: the generated field enum, readable/writable field sets, `authorize_write` with
//! field lists and `#[derive(Patch)]` structs, and the redacted serde view (through real
//! `serde_json` output).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use authz_core::prelude::*;
use authz_core::{policy, DenyReason, FieldEnum, HasFields};
use diesel::prelude::*;

diesel::table! {
    repos (id) {
        id -> BigInt,
        owner_id -> BigInt,
        name -> Text,
        is_public -> Bool,
        description -> Text,
        secret_token -> Nullable<Text>,
        #[sql_name = "type"]
        type_ -> SmallInt,
        updated_by -> BigInt,
    }
}

#[derive(Actor)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
}

// `Serialize` is derived for other uses; the redacted view honours its `rename` and `skip`.
#[derive(Resource, Debug, serde::Serialize)]
#[resource(actor = User)]
#[permission(Read, if = self.is_public || self.owner_id == actor.id || actor.is_admin)]
#[permission(Update, if = self.owner_id == actor.id || actor.is_admin)]
#[permission(Push, if = self.owner_id == actor.id)]
#[permission(ChangeVisibility, if = actor.is_admin)]
pub struct Repo {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    #[field_guard(write = ChangeVisibility)]
    pub is_public: bool,
    #[field_guard(read = Push)]
    pub description: String,
    #[field_guard(read = Update, write = ChangeVisibility)]
    #[serde(rename = "secretToken")]
    pub secret_token: Option<String>,
    #[serde(skip)]
    pub r#type: u8,
}

fn alice() -> User {
    User {
        id: 1,
        is_admin: false,
    }
}
fn bob() -> User {
    User {
        id: 2,
        is_admin: false,
    }
}
fn admin() -> User {
    User {
        id: 9,
        is_admin: true,
    }
}

fn repo(is_public: bool) -> Repo {
    Repo {
        id: 7,
        owner_id: 1,
        name: "authz".into(),
        is_public,
        description: "a policy engine".into(),
        secret_token: Some("s3cr3t".into()),
        r#type: 3,
    }
}

#[test]
fn the_field_enum_names_every_field() {
    assert_eq!(
        RepoField::ALL,
        [
            RepoField::Id,
            RepoField::OwnerId,
            RepoField::Name,
            RepoField::IsPublic,
            RepoField::Description,
            RepoField::SecretToken,
            RepoField::Type,
        ]
    );
    let names: Vec<&str> = RepoField::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        [
            "id",
            "owner_id",
            "name",
            "is_public",
            "description",
            "secret_token",
            "type"
        ]
    );
    for f in RepoField::ALL {
        assert_eq!(RepoField::from_name(f.name()), Some(f));
        assert_eq!(<RepoField as FieldEnum>::from_name(f.name()), Some(f));
        assert_eq!(f.to_string(), f.name());
    }
    assert_eq!(RepoField::from_name("is_publik"), None);
    assert_eq!(
        RepoField::IsPublic.write_guard(),
        Some(RepoPermission::ChangeVisibility)
    );
    assert_eq!(RepoField::IsPublic.read_guard(), None);
    assert_eq!(
        RepoField::Description.read_guard(),
        Some(RepoPermission::Push)
    );
    assert_eq!(RepoField::Name.read_guard(), None);
    assert_eq!(RepoField::Name.write_guard(), None);
    // Each guard permission once, in the order first named.
    assert_eq!(
        <RepoField as FieldEnum>::GUARDS,
        [
            RepoPermission::ChangeVisibility,
            RepoPermission::Push,
            RepoPermission::Update
        ]
    );
    fn field_of<R: HasFields>() -> &'static [R::Field] {
        <R::Field as FieldEnum>::ALL
    }
    assert_eq!(field_of::<Repo>().len(), 7);
}

#[test]
fn field_sets() {
    let mut set = FieldSet::from([RepoField::Name, RepoField::Id]);
    assert_eq!(set.len(), 2);
    assert!(set.contains(RepoField::Id));
    assert!(!set.contains(RepoField::IsPublic));
    assert_eq!(set.to_string(), "{id, name}");
    assert_eq!(format!("{set:?}"), "{Id, Name}");
    set.insert(RepoField::Type);
    set.remove(RepoField::Id);
    assert_eq!(
        set.iter().collect::<Vec<_>>(),
        [RepoField::Name, RepoField::Type]
    );
    assert!(FieldSet::<Repo>::all().is_superset(set));
    assert_eq!(FieldSet::<Repo>::all().len(), 7);
    assert_eq!(
        FieldSet::<Repo>::all().difference(set).len(),
        5,
        "all but name and type"
    );
    assert!(FieldSet::<Repo>::empty().is_empty());
    assert_eq!(FieldSet::<Repo>::from_bits(u128::MAX), FieldSet::all());
    assert_eq!(serde_json::to_string(&set).unwrap(), r#"["name","type"]"#);
}

#[test]
fn readable_fields_follow_read_guards() {
    let unguarded = FieldSet::from([
        RepoField::Id,
        RepoField::OwnerId,
        RepoField::Name,
        RepoField::IsPublic,
        RepoField::Type,
    ]);
    let r = repo(true);
    // The owner may push and update: everything.
    assert_eq!(Authz::new(&alice()).readable_fields(&r), FieldSet::all());
    // A stranger reads the unguarded fields only.
    assert_eq!(Authz::new(&bob()).readable_fields(&r), unguarded);
    // An admin may update but not push: the token, not the description.
    let mut admin_reads = unguarded;
    admin_reads.insert(RepoField::SecretToken);
    assert_eq!(Authz::new(&admin()).readable_fields(&r), admin_reads);
    // Reading unguarded fields needs nothing beyond having the resource: even on a private
    // repo the stranger cannot see, the set is the same (the handler checks `Read` first).
    assert_eq!(Authz::new(&bob()).readable_fields(&repo(false)), unguarded);
}

#[test]
fn writable_fields_follow_write_guards() {
    let r = repo(true);
    let mut owner_writes = FieldSet::<Repo>::all();
    owner_writes.remove(RepoField::IsPublic);
    owner_writes.remove(RepoField::SecretToken);
    assert_eq!(Authz::new(&alice()).writable_fields(&r), owner_writes);
    assert_eq!(Authz::new(&bob()).writable_fields(&r), owner_writes);
    assert_eq!(Authz::new(&admin()).writable_fields(&r), FieldSet::all());
}

#[test]
fn authorize_write_names_the_refused_guard() {
    let r = repo(true);
    assert_eq!(
        Authz::new(&alice()).authorize_write(&r, &[RepoField::Name, RepoField::Description]),
        Ok(())
    );
    assert_eq!(
        Authz::new(&alice()).authorize_write(&r, &[] as &[RepoField]),
        Ok(())
    );
    let err = Authz::new(&alice())
        .authorize_write(&r, &[RepoField::Name, RepoField::IsPublic])
        .unwrap_err();
    assert_eq!(err.permission, "ChangeVisibility");
    assert_eq!(err.resource, "Repo");
    assert_eq!(err.reason, DenyReason::Forbidden);
    assert_eq!(
        err.to_string(),
        "permission `ChangeVisibility` on `Repo` denied"
    );
    // The first refused field in declaration order decides, whatever the order asked.
    let err = Authz::new(&alice())
        .authorize_write(&r, &[RepoField::SecretToken, RepoField::IsPublic])
        .unwrap_err();
    assert_eq!(err.permission, "ChangeVisibility");
    // Not even readable: 404.
    let err = Authz::new(&bob())
        .authorize_write(&repo(false), &[RepoField::IsPublic])
        .unwrap_err();
    assert_eq!(err.status_code(), 404);
    // Field sets work too, and an admin may change the visibility.
    assert!(Authz::new(&admin())
        .authorize_write(&r, FieldSet::from([RepoField::IsPublic]))
        .is_ok());
    let slice: &[RepoField] = &[RepoField::IsPublic];
    assert!(Authz::new(&admin()).authorize_write(&r, slice).is_ok());
}

/// A diesel-style patch: `None` fields are left out of the `UPDATE`.
#[derive(Patch, AsChangeset, Default)]
#[diesel(table_name = repos)]
#[patch(resource = Repo)]
pub struct RepoPatch {
    pub name: Option<String>,
    pub is_public: Option<bool>,
    pub description: Option<String>,
    #[patch(field = secret_token)]
    #[diesel(column_name = secret_token)]
    pub token: Option<Option<String>>,
    #[patch(skip)]
    pub updated_by: i64,
}

/// Fields that are not an `Option` are always written; lifetimes are fine.
#[derive(Patch)]
#[patch(resource = Repo)]
pub struct Rename<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
}

/// `treat_none_as_null`: `None` writes `NULL`, so every field is written.
#[derive(Patch, AsChangeset, Default)]
#[patch(resource = Repo)]
#[diesel(table_name = repos, treat_none_as_null = true)]
pub struct NullingPatch {
    pub secret_token: Option<String>,
}

#[test]
fn patches_write_their_some_fields() {
    let empty = RepoPatch::default();
    assert!(empty.changed_fields().is_empty());
    let patch = RepoPatch {
        name: Some("new".into()),
        is_public: Some(false),
        updated_by: 1,
        ..RepoPatch::default()
    };
    assert_eq!(
        patch.changed_fields(),
        FieldSet::from([RepoField::Name, RepoField::IsPublic])
    );
    let token = RepoPatch {
        token: Some(None),
        ..RepoPatch::default()
    };
    assert_eq!(
        token.changed_fields(),
        FieldSet::from([RepoField::SecretToken])
    );

    let r = repo(true);
    let err = Authz::new(&alice())
        .authorize_write(&r, &patch)
        .unwrap_err();
    assert_eq!(err.permission, "ChangeVisibility");
    assert!(Authz::new(&admin()).authorize_write(&r, &patch).is_ok());
    let harmless = RepoPatch {
        name: Some("renamed".into()),
        description: Some("better".into()),
        ..RepoPatch::default()
    };
    assert!(Authz::new(&alice()).authorize_write(&r, &harmless).is_ok());

    let name = String::from("n");
    let rename = Rename {
        name: &name,
        description: None,
    };
    assert_eq!(rename.changed_fields(), FieldSet::from([RepoField::Name]));
    assert!(Authz::new(&bob()).authorize_write(&r, &rename).is_ok());

    let nulling = NullingPatch::default();
    assert_eq!(
        nulling.changed_fields(),
        FieldSet::from([RepoField::SecretToken])
    );
    assert!(Authz::new(&alice()).authorize_write(&r, &nulling).is_err());
}

#[test]
fn patches_are_diesel_changesets() {
    // The same struct the `UPDATE` uses: `None` fields are not in the SQL, `Some` ones are.
    let patch = RepoPatch {
        is_public: Some(true),
        updated_by: 2,
        ..RepoPatch::default()
    };
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(
        &diesel::update(repos::table.find(7)).set(&patch),
    )
    .to_string();
    assert!(sql.contains("`is_public` = ?"), "{sql}");
    assert!(!sql.contains("`description`"), "{sql}");
    assert_eq!(
        patch.changed_fields(),
        FieldSet::from([RepoField::IsPublic])
    );
}

#[test]
fn redacted_json_leaves_out_unreadable_fields() {
    let r = repo(true);
    let owner = serde_json::to_string(&Authz::new(&alice()).redacted(&r)).unwrap();
    assert_eq!(
        owner,
        r#"{"id":7,"owner_id":1,"name":"authz","is_public":true,"description":"a policy engine","secretToken":"s3cr3t"}"#
    );
    let stranger = serde_json::to_string(&Authz::new(&bob()).redacted(&r)).unwrap();
    assert_eq!(
        stranger,
        r#"{"id":7,"owner_id":1,"name":"authz","is_public":true}"#
    );
    let admin = serde_json::to_value(Authz::new(&admin()).redacted(&r)).unwrap();
    assert_eq!(
        admin,
        serde_json::json!({
            "id": 7, "owner_id": 1, "name": "authz", "is_public": true, "secretToken": "s3cr3t"
        })
    );
    // Lists: one view per row, serialized together.
    let rows = [repo(true), repo(false)];
    let views: Vec<_> = rows
        .iter()
        .map(|r| Authz::new(&bob()).redacted(r))
        .collect();
    let json = serde_json::to_value(&views).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert!(json[1].get("description").is_none());
    assert_eq!(
        Authz::new(&bob()).redacted(&r).readable(),
        Authz::new(&bob()).readable_fields(&r)
    );
}

#[test]
fn field_guards_are_in_the_policy() {
    let meta = policy::<Repo>();
    assert_eq!(meta.name, "Repo");
    assert_eq!(meta.id, Some("id"));
    assert_eq!(meta.read, Some("Read"));
    assert_eq!(meta.table, None);
    let guarded: Vec<(&str, Option<&str>, Option<&str>)> = meta
        .guarded_fields()
        .map(|f| (f.name, f.read, f.write))
        .collect();
    assert_eq!(
        guarded,
        [
            ("is_public", None, Some("ChangeVisibility")),
            ("description", Some("Push"), None),
            ("secret_token", Some("Update"), Some("ChangeVisibility")),
        ]
    );
    assert_eq!(meta.fields.len(), 7);
    assert_eq!(meta.field("type").map(|f| f.column), Some("type"));
    assert_eq!(
        meta.permission("Push").map(|p| p.condition),
        Some("self.owner_id == actor.id")
    );
    assert_eq!(meta.permissions.len(), RepoPermission::ALL.len());
}

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn field_checks_allocate_nothing() {
    let (a, b, r) = (alice(), bob(), repo(true));
    let patch = RepoPatch {
        is_public: Some(true),
        ..RepoPatch::default()
    };
    let before = ALLOCATIONS.with(Cell::get);
    for actor in [&a, &b] {
        black_box(Authz::new(black_box(actor)).readable_fields(&r));
        black_box(Authz::new(black_box(actor)).writable_fields(&r));
        let _ = black_box(Authz::new(actor).authorize_write(&r, &[RepoField::IsPublic]));
        let _ = black_box(Authz::new(actor).authorize_write(&r, &patch));
        black_box(RepoField::from_name(black_box("description")));
    }
    assert_eq!(ALLOCATIONS.with(Cell::get) - before, 0);
}
