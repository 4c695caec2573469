//! What generated code calls. Not a public API: no stability promise.

pub use crate::condition::{arith_compare, ArithCmp, ArithTerm, PrefixDialect, PrefixMatch};
pub use crate::grants::{
    non_null, AnchoredGrantRows, GrantExists, GrantRows, GrantSelection, Outer,
};
pub use crate::subquery::Union;
pub use crate::{
    load_relation, role_names, BoxedQuery, ById, FilterSource, InSubquery, KeyedTable, LoadParents,
    LoadRoles, RoleSubqueries, Subqueries, TableResource,
};
pub use authz_core::__private::ForeignKey;
pub use authz_core::{Actor, Keyed, ParentMap, RoleMap};
pub use diesel;

/// Invokes `$m!(Backend)` once per backend enabled on `authz-diesel`, so the generated code
/// follows this crate's features rather than the user crate's.
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_for_each_backend {
    ($m:ident) => {
        $crate::__authz_if_sqlite!($m);
        $crate::__authz_if_postgres!($m);
        $crate::__authz_if_mysql!($m);
    };
}
pub use crate::__authz_for_each_backend as for_each_backend;

#[cfg(feature = "sqlite")]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_sqlite {
    ($m:ident) => {
        $m!($crate::__private::diesel::sqlite::Sqlite);
    };
}
#[cfg(not(feature = "sqlite"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_sqlite {
    ($m:ident) => {};
}

#[cfg(feature = "postgres")]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_postgres {
    ($m:ident) => {
        $m!($crate::__private::diesel::pg::Pg);
    };
}
#[cfg(not(feature = "postgres"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_postgres {
    ($m:ident) => {};
}

#[cfg(feature = "mysql")]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_mysql {
    ($m:ident) => {
        $m!($crate::__private::diesel::mysql::Mysql);
    };
}
#[cfg(not(feature = "mysql"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_mysql {
    ($m:ident) => {};
}
