//! What generated code calls. Not a public API: no stability promise.

#[cfg(feature = "async")]
pub use crate::async_query::{
    AsyncById, AsyncGrantRows, AsyncLoadGroups, AsyncLoadParents, AsyncLoadRoles, BoxFuture,
};
pub use crate::condition::{arith_compare, ArithCmp, ArithTerm, PrefixDialect, PrefixMatch};
pub use crate::grants::{
    non_null, AnchoredGrantRows, GrantCol, GrantExists, GrantRows, GrantSelection, Outer,
};
pub use crate::groups::{GroupClosure, Ids, LoadGroups};
pub use crate::hierarchy::{hierarchy_ids, hierarchy_role_ids, BoxedColumn};
pub use crate::load::{
    insert_set_rows, load_set, missing_parent_ids, missing_set_keys, IDS_PER_QUERY,
};
pub use crate::paths::{path_ids, relation_permitted_ids, relation_role_ids, RelationColumn};
pub use crate::query::CreateQuery;
pub use crate::subquery::{
    carried_ids, BoundIds, BoundMembership, BoxedIds, IdSet, SubqueryDepth, Union,
};
pub use crate::{
    load_relation, role_names, BoxedQuery, ById, FilterSource, InSubquery, KeyedTable, LoadParents,
    LoadRoles, RoleSubqueries, Subqueries, TableResource,
};
pub use authz_core::__private::ForeignKey;
pub use authz_core::{Actor, HasRoles, Keyed, ParentMap, RoleMap, SetRelation};
pub use diesel;
pub use diesel::internal::table_macro::NoFromClause;
#[cfg(feature = "async")]
pub use diesel_async;

/// Expands its input only when authz-diesel's `async` feature is on: the generated async twins.
#[cfg(feature = "async")]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_async {
    ($($t:tt)*) => { $($t)* };
}
#[cfg(not(feature = "async"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_async {
    ($($t:tt)*) => {};
}
pub use crate::__authz_if_async as if_async;

/// The tokens given, once per backend enabled on `authz-diesel` (so the generated code follows
/// this crate's features rather than the user crate's), each in a block where `__AuthzDb`
/// names the backend. The tokens are passed through, not written in a macro's body, so an
/// error in them is reported as in the derive that wrote them: the same error from the
/// in-memory checks and from every backend's SQL is one diagnostic.
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_for_each_backend {
    ($($body:tt)*) => {
        $crate::__authz_if_sqlite! { $($body)* }
        $crate::__authz_if_postgres! { $($body)* }
        $crate::__authz_if_mysql! { $($body)* }
    };
}
pub use crate::__authz_for_each_backend as for_each_backend;

#[cfg(feature = "sqlite")]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_sqlite {
    ($($body:tt)*) => {
        const _: () = {
            type __AuthzDb = $crate::__private::diesel::sqlite::Sqlite;
            $($body)*
        };
    };
}
#[cfg(not(feature = "sqlite"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_sqlite {
    ($($body:tt)*) => {};
}

#[cfg(feature = "postgres")]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_postgres {
    ($($body:tt)*) => {
        const _: () = {
            type __AuthzDb = $crate::__private::diesel::pg::Pg;
            $($body)*
        };
    };
}
#[cfg(not(feature = "postgres"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_postgres {
    ($($body:tt)*) => {};
}

#[cfg(feature = "mysql")]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_mysql {
    ($($body:tt)*) => {
        const _: () = {
            type __AuthzDb = $crate::__private::diesel::mysql::Mysql;
            $($body)*
        };
    };
}
#[cfg(not(feature = "mysql"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_mysql {
    ($($body:tt)*) => {};
}
