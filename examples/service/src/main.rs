//! The example service: `serve` (default), `demo`, `token`. See the crate docs of the library.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::sync::Arc;

use authz_example_service::auth::{Keys, ALL_SCOPES};
use authz_example_service::cache::PrincipalCache;
use authz_example_service::model::SEEDED_USERS;
use authz_example_service::{demo, App, Db, Server};

const USAGE: &str = "\
usage:
  authz-example-service [serve [ADDR]]            serve on ADDR (default 127.0.0.1:8080)
  authz-example-service demo                      serve on an ephemeral loopback port, send the
                                                  demo requests, print them, exit
  authz-example-service matrix                    print the policy as Markdown: rules and the
                                                  role x permission matrix of every resource
  authz-example-service token USER_ID [SCOPES] [TTL_SECS]
                                                  print a signed token; SCOPES comma-separated
                                                  (default: all), TTL_SECS default 3600
  authz-example-service token service:ID [TTL_SECS]
                                                  print a service's token (scope datasets:read)

environment:
  DATABASE_URL      postgres://.. for PostgreSQL, sqlite:PATH for a SQLite file
                    (default: embedded SQLite, in memory)
  AUTHZ_PG_SCHEMA   the PostgreSQL schema of the service's tables (default authz_example)
  AUTHZ_PG_POOL     connections to PostgreSQL (default 16)
  AUTHZ_PRINCIPAL_TTL_MS
                    cache each user's row and roles across requests for this long
                    (default: no cache, loaded once per request)
  AUTHZ_JWT_SECRET  the HS256 secret, UTF-8, >= 32 bytes (unset: a public development secret,
                    with a warning; set and invalid: the service does not start)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        [] => serve("127.0.0.1:8080"),
        ["serve"] => serve("127.0.0.1:8080"),
        ["serve", addr] => serve(addr),
        ["demo"] => run_demo(),
        ["matrix"] => {
            print!("{}", policy_document());
            Ok(())
        }
        ["token", service, rest @ ..] if service.starts_with("service:") && rest.len() <= 1 => {
            service_token(service, rest)
        }
        ["token", user_id, rest @ ..] if rest.len() <= 2 => token(user_id, rest),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

fn keys() -> Result<Keys, String> {
    let (keys, dev) = Keys::from_env()?;
    if dev {
        eprintln!(
            "warning: AUTHZ_JWT_SECRET is not set; using the DEVELOPMENT secret (public, in the \
             source). Never deploy it."
        );
    }
    Ok(keys)
}

fn start(bind: &str) -> Result<(Server, Arc<Keys>, &'static str), String> {
    let keys = Arc::new(keys()?);
    let url = std::env::var("DATABASE_URL").ok();
    let schema = std::env::var("AUTHZ_PG_SCHEMA").unwrap_or_else(|_| "authz_example".to_owned());
    let db = Db::connect(url.as_deref(), &schema).map_err(|err| format!("database: {err}"))?;
    let backend = db.describe();
    let principals = principal_cache()?;
    let app = App {
        db,
        keys: keys.clone(),
        principals,
    };
    let server =
        Server::start(app, bind).map_err(|err| format!("cannot listen on {bind}: {err}"))?;
    Ok((server, keys, backend))
}

/// `AUTHZ_PRINCIPAL_TTL_MS`: principals cached that long (unset: no cache).
fn principal_cache() -> Result<Option<Arc<PrincipalCache>>, String> {
    let Ok(ms) = std::env::var("AUTHZ_PRINCIPAL_TTL_MS") else {
        return Ok(None);
    };
    let ms: u64 = ms
        .parse()
        .ok()
        .filter(|ms| (1..=3_600_000).contains(ms))
        .ok_or_else(|| format!("AUTHZ_PRINCIPAL_TTL_MS must be in 1..=3600000, got `{ms}`"))?;
    Ok(Some(Arc::new(PrincipalCache::new(
        std::time::Duration::from_millis(ms),
        10_000,
    ))))
}

fn serve(bind: &str) -> Result<(), String> {
    let (server, _keys, backend) = start(bind)?;
    let addr = server.addr;
    println!("authz example service on http://{addr} ({backend})");
    println!("\nseeded users:");
    for (id, name, what) in SEEDED_USERS {
        println!("  {id}  {name:<6} {what}");
    }
    println!(
        "\nmint a token and call it:\n  \
         TOKEN=$(cargo run -q -p authz-example-service -- token 1 repos:read,repos:write)\n  \
         curl -H \"Authorization: Bearer $TOKEN\" http://{addr}/repos\n\n\
         routes: GET /me, GET /repos?limit=&offset=, GET /repos/{{id}}, GET /repos/{{id}}/actions,\n        \
         POST /repos/{{id}}/push, DELETE /repos/{{id}}, POST /issues/{{id}}/close,\n        \
         GET /photos?page=&per_page=, GET /photos/{{id}}, GET|POST /cameras/{{id}}/grants,\n        \
         DELETE /grants/{{id}}, GET /datasets/{{id}} (services: token service:1)"
    );
    server.wait().map_err(|err| format!("server: {err}"))
}

fn run_demo() -> Result<(), String> {
    let (server, keys, backend) = start("127.0.0.1:0")?;
    println!(
        "authz example service on http://{} ({backend}); demo requests over loopback",
        server.addr
    );
    println!("\nseeded users:");
    for (id, name, what) in SEEDED_USERS {
        println!("  {id}  {name:<6} {what}");
    }
    let mismatches = demo::run(server.addr, &keys, &mut std::io::stdout().lock())
        .map_err(|err| format!("demo: {err}"))?;
    drop(server);
    if mismatches == 0 {
        Ok(())
    } else {
        Err(format!("demo: {mismatches} unexpected statuses"))
    }
}

fn token(user_id: &str, rest: &[&str]) -> Result<(), String> {
    let user_id: i64 = user_id
        .parse()
        .map_err(|_| format!("USER_ID must be an integer, got `{user_id}`\n\n{USAGE}"))?;
    let scopes: Vec<&str> = match rest.first() {
        Some(scopes) => scopes.split(',').filter(|s| !s.is_empty()).collect(),
        None => ALL_SCOPES.to_vec(),
    };
    let ttl: i64 = match rest.get(1) {
        Some(ttl) => ttl
            .parse()
            .map_err(|_| format!("TTL_SECS must be an integer, got `{ttl}`"))?,
        None => 3600,
    };
    let token = keys()?
        .mint(user_id, &scopes, ttl)
        .map_err(|err| format!("cannot sign: {err}"))?;
    println!("{token}");
    Ok(())
}

fn service_token(service: &str, rest: &[&str]) -> Result<(), String> {
    let id: i64 = service
        .trim_start_matches("service:")
        .parse()
        .map_err(|_| format!("service:ID needs an integer id, got `{service}`"))?;
    let ttl: i64 = match rest.first() {
        Some(ttl) => ttl
            .parse()
            .map_err(|_| format!("TTL_SECS must be an integer, got `{ttl}`"))?,
        None => 3600,
    };
    let token = keys()?
        .mint_service(id, ttl)
        .map_err(|err| format!("cannot sign: {err}"))?;
    println!("{token}");
    Ok(())
}

/// The policy of every resource as Markdown, generated from the declarations: documentation
/// that cannot drift from the code.
fn policy_document() -> String {
    use authz_core::meta::ResourceMeta;
    use authz_example_service::datasets::Dataset;
    use authz_example_service::model::{Issue, Org, Repo};
    use authz_example_service::photos::{Camera, Photo};
    let resources: [&ResourceMeta; 6] = [
        authz_core::policy::<Org>(),
        authz_core::policy::<Repo>(),
        authz_core::policy::<Issue>(),
        authz_core::policy::<Camera>(),
        authz_core::policy::<Photo>(),
        authz_core::policy::<Dataset>(),
    ];
    let mut out = String::from("# Policy\n");
    for meta in resources {
        out.push_str(&format!(
            "\n## {}\n\n| permission | rule |\n|---|---|\n",
            meta.name
        ));
        for p in meta.permissions {
            // `|` would end the table cell.
            out.push_str(&format!(
                "| {} | `{}` |\n",
                p.name,
                p.condition.replace('|', "\\|")
            ));
        }
        for r in meta.relations {
            out.push_str(&format!(
                "\nRelation `{}`: `{}` through `{}`.\n",
                r.name, r.target, r.field
            ));
        }
        if !meta.roles.is_empty() {
            out.push('\n');
            for role in meta.roles {
                let mut line = format!("- `{}`", role.name);
                if !role.implies.is_empty() {
                    line.push_str(&format!(" implies `{}`", role.implies.join("`, `")));
                }
                for cond in role.granted_if {
                    line.push_str(&format!("; also granted if `{cond}`"));
                }
                out.push_str(&line);
                out.push('\n');
            }
            out.push('\n');
            out.push_str(&meta.role_matrix_markdown());
        }
    }
    out
}
