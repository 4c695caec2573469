//! Policy introspection: the policy of each resource as data, generated from the same
//! attributes as the checks, so documentation built from it cannot drift from the code.
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
//! #[permission(Edit, if = self.owner_id == actor.id)]
//! pub struct Doc {
//!     pub id: i64,
//!     pub owner_id: i64,
//!     #[field_guard(read = Edit)]
//!     pub notes: String,
//! }
//!
//! let meta = authz_core::policy::<Doc>();
//! assert_eq!(meta.name, "Doc");
//! assert_eq!(meta.permissions[1].name, "Edit");
//! assert_eq!(meta.permissions[1].condition, "self.owner_id == actor.id");
//! assert_eq!(meta.fields[2].read, Some("Edit"));
//! assert_eq!(meta.guarded_fields().count(), 1);
//! ```

use crate::Resource;

/// The policy of one resource, as declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceMeta {
    /// The resource type's name (`Repo`).
    pub name: &'static str,
    /// The diesel table of `#[resource(table = ..)]`, as written.
    pub table: Option<&'static str>,
    /// The permission deciding whether the resource may be known to exist (`Read`).
    pub read: Option<&'static str>,
    /// The id field, if any.
    pub id: Option<&'static str>,
    /// Every permission, in declaration order.
    pub permissions: &'static [PermissionMeta],
    /// Every field, in declaration order, with its guards.
    pub fields: &'static [FieldMeta],
    /// Every role, from the strongest (filled by the roles lowering; empty without roles).
    pub roles: &'static [RoleMeta],
    /// Where the role data comes from (`None` without roles).
    pub role_source: Option<RoleSource>,
    /// The relations to parent resources (filled by the roles lowering).
    pub relations: &'static [RelationMeta],
    /// The set-valued relations (`#[set(..)]`), in declaration order.
    pub sets: &'static [SetMeta],
    /// The deny rules (`#[prohibit(..)]`), in declaration order.
    pub prohibitions: &'static [ProhibitionMeta],
    /// The named conditions (`#[rule(..)]`), in declaration order.
    pub rules: &'static [RuleMeta],
}

impl ResourceMeta {
    /// The permission named `name`.
    pub fn permission(&self, name: &str) -> Option<&'static PermissionMeta> {
        self.permissions.iter().find(|p| p.name == name)
    }

    /// The deny rules that refuse the permission named `name`.
    pub fn prohibitions_of<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'static ProhibitionMeta> + 's {
        self.prohibitions
            .iter()
            .filter(move |p| p.permissions.contains(&name))
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldMeta> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The fields with a read or write guard.
    pub fn guarded_fields(&self) -> impl Iterator<Item = &'static FieldMeta> {
        self.fields
            .iter()
            .filter(|f| f.read.is_some() || f.write.is_some())
    }
}

/// One `#[permission(Name, if = <condition>)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PermissionMeta {
    /// The permission's name.
    pub name: &'static str,
    /// The condition as written.
    pub condition: &'static str,
}

/// One `#[prohibit(Update, Delete, if = <condition>)]`: while the condition holds, none of the
/// permissions is granted, whatever allows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProhibitionMeta {
    /// The permissions it refuses (every permission for `#[prohibit(*, ..)]`).
    pub permissions: &'static [&'static str],
    /// The condition as written.
    pub condition: &'static str,
}

/// One `#[rule(name, if = <condition>)]`: a named condition the other rules use as
/// `rule(name)`; not a permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// The rule's name.
    pub name: &'static str,
    /// The condition as written.
    pub condition: &'static str,
}

/// One field and its `#[field_guard(..)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldMeta {
    /// The field's name.
    pub name: &'static str,
    /// Its column in the resource's table.
    pub column: &'static str,
    /// The permission reading it requires (`None`: nothing beyond having the resource).
    pub read: Option<&'static str>,
    /// The permission writing it requires (`None`: nothing beyond the write's own check).
    pub write: Option<&'static str>,
}

/// The one source of a resource's role data, chosen in `#[roles(..)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleSource {
    /// `table = ..`: rows of this role table, as written; in memory a `StoredRoles` loaded
    /// from it.
    Table(&'static str),
    /// `carried`: the actor's `RoleMap`, whose ids SQL filters bind.
    Carried,
}

/// One role of `#[roles(..)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleMeta {
    /// The role's name.
    pub name: &'static str,
    /// The roles it implies directly (`Owner > Member`: `Owner` implies `Member`).
    pub implies: &'static [&'static str],
    /// The conditions of `#[role(Name, if = ..)]` that also grant it, as written.
    pub granted_if: &'static [&'static str],
    /// What holding this role (and nothing else) does for each permission.
    pub grants: &'static [RoleGrant],
}

/// What holding one role does for one permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleGrant {
    /// The permission.
    pub permission: &'static str,
    /// Granted always, never, or depending on other attributes.
    pub grant: Grant,
}

/// The answer of a role × permission cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// The role alone grants the permission.
    Always,
    /// The role does not grant it; another rule may.
    Never,
    /// Granted by the role only with other attributes (a flag, a parent's role, the creator).
    Depends,
}

impl ResourceMeta {
    /// The role × permission matrix as a Markdown table: `yes` when the role alone grants the
    /// permission, `if …` when it grants it together with other attributes, blank otherwise.
    /// Generated from the declaration, so it cannot drift from the code.
    pub fn role_matrix_markdown(&self) -> String {
        use core::fmt::Write;
        let mut out = String::new();
        let _ = write!(out, "| {} role |", self.name);
        for p in self.permissions {
            let _ = write!(out, " {} |", p.name);
        }
        out.push_str("\n|---|");
        for _ in self.permissions {
            out.push_str("---|");
        }
        for role in self.roles {
            let _ = write!(out, "\n| {} |", role.name);
            for p in self.permissions {
                let cell = match role
                    .grants
                    .iter()
                    .find(|g| g.permission == p.name)
                    .map(|g| g.grant)
                {
                    Some(Grant::Always) => "yes".to_owned(),
                    // `|` would end the table cell.
                    Some(Grant::Depends) => format!("if `{}`", p.condition.replace('|', "\\|")),
                    Some(Grant::Never) | None => String::new(),
                };
                let _ = write!(out, " {cell} |");
            }
        }
        out.push('\n');
        out
    }
}

/// One `#[relation(name: Parent = field)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelationMeta {
    /// The relation's name in conditions (`org`).
    pub name: &'static str,
    /// The parent resource type (`Org`).
    pub target: &'static str,
    /// The foreign key field (`org_id`).
    pub field: &'static str,
}

/// `#[set(viewers: i64, table = document_viewers, key = document_id, value = user_id)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetMeta {
    /// The set's name in conditions (`viewers`).
    pub name: &'static str,
    /// The type of its values (`i64`), as written.
    pub value_type: &'static str,
    /// The table holding its rows, as written (`None` on a resource without a table).
    pub table: Option<&'static str>,
    /// The column holding the key (`document_id`).
    pub key: Option<&'static str>,
    /// The column holding the values (`user_id`).
    pub value: Option<&'static str>,
    /// The field of the resource the key matches (`id`, or `on = ..`).
    pub on: &'static str,
}

/// A resource whose policy can be read as data. Implemented by `#[derive(Resource)]`.
pub trait Policy: Resource {
    /// The policy as declared.
    const POLICY: &'static ResourceMeta;
}

/// The policy of `R` as declared: permissions and their rules as written, guarded fields,
/// roles.
pub const fn policy<R: Policy>() -> &'static ResourceMeta {
    R::POLICY
}
