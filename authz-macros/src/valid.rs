//! Cross-checks over the whole resource: names that must exist, duplicates, limits.

use crate::ast::Resource;
use crate::cond::Root;
use crate::ctxt::{one_of, Ctxt};

/// A permission set is a `u64` bitset.
const MAX_PERMISSIONS: usize = 64;

pub fn check(cx: &mut Ctxt, res: &Resource<'_>) {
    if res.actor.is_none() && !res.malformed {
        cx.error_spanned(
            res.ident,
            format_args!(
                "missing actor type; add `#[resource(actor = User)]` naming the type conditions read as `actor` (on `{}`)",
                res.ident
            ),
        );
    }
    if res.permissions.is_empty() && !res.malformed {
        cx.error_spanned(
            res.ident,
            "no permissions declared; add at least one `#[permission(Name, if = <condition>)]`",
        );
    }
    if res.permissions.len() > MAX_PERMISSIONS {
        cx.error_spanned(
            &res.permissions[MAX_PERMISSIONS].name,
            format_args!("a resource declares at most {MAX_PERMISSIONS} permissions"),
        );
    }

    // Duplicate permissions and an unknown `read = ..` are reported by `ast`, which drops them.
    for perm in &res.permissions {
        let mut fields = Vec::new();
        perm.cond.fields(&mut fields);
        for f in fields {
            match f.root {
                Root::Resource if res.field(&f.field).is_none() => cx.error_spanned(
                    &f.field,
                    format_args!(
                        "unknown field `{}` of `{}`, expected one of {}",
                        f.field,
                        res.ident,
                        one_of(res.fields.iter().map(|f| f.ident))
                    ),
                ),
                Root::Ctx if res.context.is_none() => cx.error_at(
                    f.root_span,
                    format_args!(
                        "`ctx` is used but `{}` declares no request context; add `#[resource(context = YourContext)]`",
                        res.ident
                    ),
                ),
                _ => {}
            }
        }
    }

    if let Some(id) = &res.id {
        if res.field(id).is_none() {
            cx.error_spanned(
                id,
                format_args!(
                    "unknown field `{id}` in `id = ..`, expected one of {}",
                    one_of(res.fields.iter().map(|f| f.ident))
                ),
            );
        }
    }
}
