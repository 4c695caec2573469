//! The PostgreSQL scaffolding of the query benches: a schema of the bench's own, first on the
//! connection's `search_path`, filled once and dropped at the end (also on panic).

use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Text;

/// The default server of the benches (`AUTHZ_BENCH_PG_URL` overrides it).
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A connection whose schema `name` is dropped when it goes.
pub struct BenchSchema {
    /// The connection, with the schema first on its `search_path`.
    pub conn: PgConnection,
    name: &'static str,
}

impl Drop for BenchSchema {
    fn drop(&mut self) {
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        if let Err(e) = diesel::sql_query(drop).execute(&mut self.conn) {
            eprintln!("postgres: could not drop schema {}: {e}", self.name);
        }
    }
}

/// Connects to `AUTHZ_BENCH_PG_URL`, creates schema `name` afresh and runs each `;`-separated
/// statement of `scripts` in it. `None`, with a message, when the server cannot be reached.
pub fn bench_schema(bench: &str, name: &'static str, scripts: &[&str]) -> Option<BenchSchema> {
    let url = std::env::var("AUTHZ_BENCH_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    let conn = match PgConnection::establish(&url) {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("{bench}: skipped, cannot connect to PostgreSQL at {url}: {e}");
            return None;
        }
    };
    let mut schema = BenchSchema { conn, name };
    let setup = [
        format!("DROP SCHEMA IF EXISTS {name} CASCADE"),
        format!("CREATE SCHEMA {name}"),
        format!("SET search_path TO {name}"),
    ];
    let statements = setup.iter().map(String::as_str).chain(
        scripts
            .iter()
            .flat_map(|sql| sql.split(';'))
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    );
    for stmt in statements {
        diesel::sql_query(stmt)
            .execute(&mut schema.conn)
            .unwrap_or_else(|e| panic!("{bench}: {stmt}: {e}"));
    }
    Some(schema)
}

/// `EXPLAIN (ANALYZE, BUFFERS)` in front of any query, loaded as lines of text.
#[derive(QueryId)]
pub struct Explain<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXPLAIN (ANALYZE, BUFFERS) ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> diesel::query_builder::Query for Explain<Q> {
    type SqlType = Text;
}

impl<Q> RunQueryDsl<PgConnection> for Explain<Q> {}
