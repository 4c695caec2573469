//! `demo`: requests against a running server over loopback, one per case of the pipeline,
//! printed as a table; each status is compared with the expected one.

use std::io::{self, Write};
use std::net::SocketAddr;

use crate::auth::{Keys, ALL_SCOPES, REPOS_READ};
use crate::client;

/// `{"alg":"none","typ":"JWT"}`, base64url: the header of an unsigned token.
const ALG_NONE_HEADER: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";

/// One request of the demo.
pub struct Step {
    /// Who sends it (the token's description).
    pub who: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub token: Option<String>,
    /// The status the policy should answer.
    pub expect: u16,
    /// Why.
    pub why: &'static str,
}

/// The tokens of the demo and the tests.
pub struct Tokens {
    pub alice: String,
    pub bob: String,
    pub carol: String,
    pub carol_read_only: String,
    pub dave: String,
    pub erin: String,
    pub expired: String,
    pub tampered: String,
    pub alg_none: String,
    pub wrong_alg: String,
    /// The service `reporting` (id 1), granted the dataset `sales`.
    pub reporting: String,
}

impl Tokens {
    /// Mints them with `keys`.
    pub fn mint(keys: &Keys) -> Result<Tokens, jsonwebtoken::errors::Error> {
        let hour = 3600;
        let alice = keys.mint(1, ALL_SCOPES, hour)?;
        let dave = keys.mint(4, ALL_SCOPES, hour)?;
        let (alice_header, alice_rest) = alice.split_once('.').unwrap_or_default();
        let (alice_claims, _) = alice_rest.split_once('.').unwrap_or_default();
        let (_, dave_signature) = dave.rsplit_once('.').unwrap_or_default();
        Ok(Tokens {
            bob: keys.mint(2, ALL_SCOPES, hour)?,
            carol: keys.mint(3, ALL_SCOPES, hour)?,
            carol_read_only: keys.mint(3, &[REPOS_READ], hour)?,
            erin: keys.mint(5, ALL_SCOPES, hour)?,
            expired: keys.mint(1, ALL_SCOPES, -60)?,
            // Alice's claims under Dave's genuine signature: an edited payload.
            tampered: format!("{alice_header}.{alice_claims}.{dave_signature}"),
            // Alice's claims, unsigned.
            alg_none: format!("{ALG_NONE_HEADER}.{alice_claims}."),
            // `{"alg":"HS384","typ":"JWT"}`: not the service's algorithm.
            wrong_alg: format!(
                "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.{alice_claims}.{dave_signature}"
            ),
            reporting: keys.mint_service(1, hour)?,
            alice,
            dave,
        })
    }
}

/// The demo's requests, grouped by level: `(heading, steps)`.
pub fn steps(t: &Tokens) -> Vec<(&'static str, Vec<Step>)> {
    let step = |who, method, path, token: &String, expect, why| Step {
        who,
        method,
        path,
        token: Some(token.clone()),
        expect,
        why,
    };
    vec![
        (
            "authentication: a verified token becomes the actor, anything else is 401",
            vec![
                Step {
                    who: "anonymous",
                    method: "GET",
                    path: "/repos",
                    token: None,
                    expect: 401,
                    why: "guests: only the public rules",
                },
                Step {
                    who: "guest",
                    method: "GET",
                    path: "/nowhere",
                    token: None,
                    expect: 401,
                    why: "no rule names the route: closed",
                },
                Step {
                    who: "garbage token",
                    method: "GET",
                    path: "/repos",
                    token: Some("not-a-jwt".to_owned()),
                    expect: 401,
                    why: "not a JWT",
                },
                step("alice, expired", "GET", "/repos", &t.expired, 401, "exp is in the past"),
                step("alice's claims, dave's sig", "GET", "/repos", &t.tampered, 401, "payload edited after signing"),
                step("alice's claims, alg=none", "GET", "/repos", &t.alg_none, 401, "unsigned tokens are never accepted"),
                step("alice's claims, alg=HS384", "GET", "/repos", &t.wrong_alg, 401, "only HS256 is accepted"),
                step("alice", "GET", "/me", &t.alice, 200, "the actor: token subject + roles from the database"),
            ],
        ),
        (
            "request level: the route's rule (api::rules), checked before the handler runs",
            vec![
                step("carol, repos:read only", "GET", "/repos/20", &t.carol_read_only, 200, "GET needs repos:read"),
                step("carol, repos:read only", "POST", "/repos/20/push", &t.carol_read_only, 403, "POST needs repos:write"),
            ],
        ),
        (
            "query level: the list is filtered in SQL, paginated, counted; client level: each row's actions",
            vec![
                step("alice (owner of acme)", "GET", "/repos", &t.alice, 200, "all of acme + public oss/docs"),
                step("dave (no role)", "GET", "/repos", &t.dave, 200, "public repos only"),
                step("carol (contributor lib)", "GET", "/repos?limit=2&offset=0", &t.carol, 200, "page 1 of 3 visible"),
                step("carol", "GET", "/repos/20/actions", &t.carol, 200, "what a UI may show"),
                step("bob (member of acme)", "GET", "/repos/10/actions", &t.bob, 200, "members read acme's repos"),
                step("dave", "GET", "/repos/10/actions", &t.dave, 404, "no actions at all: not found"),
            ],
        ),
        (
            "resource level: 404 when the actor may not even read, 403 when it may read but not act",
            vec![
                step("dave", "GET", "/repos/10", &t.dave, 404, "private repo: as if it did not exist"),
                step("dave", "GET", "/repos/99", &t.dave, 404, "does not exist: the same answer"),
                step("dave", "GET", "/repos/11", &t.dave, 200, "public repo"),
                step("carol", "POST", "/repos/20/push", &t.carol, 200, "#[requires(Repo::Push)]: contributor"),
                step("dave", "POST", "/repos/21/push", &t.dave, 403, "may read the public repo, not push"),
                step("dave", "POST", "/repos/20/push", &t.dave, 404, "may not read it"),
                step("carol", "DELETE", "/repos/20", &t.carol, 403, "authorize_by_id: readable, not deletable"),
                step("dave", "DELETE", "/repos/12", &t.dave, 404, "authorize_by_id: not readable"),
                step("alice", "DELETE", "/repos/12", &t.alice, 204, "org owners maintain every repo"),
                step("alice", "GET", "/repos/12", &t.alice, 404, "gone"),
                step("erin (reader of secret)", "POST", "/issues/100/close", &t.erin, 200, "the creator may close"),
                step("dave", "POST", "/issues/200/close", &t.dave, 404, "issue of a repo dave cannot read"),
                step("dave", "POST", "/issues/102/close", &t.dave, 404, "his own issue, but he cannot read the repo"),
                step("dave", "POST", "/issues/201/close", &t.dave, 403, "readable, neither creator nor pusher"),
                step("carol", "POST", "/issues/200/close", &t.carol, 200, "repo.allows(Push) through the parent"),
            ],
        ),
        (
            "grants stored as data: the photos inside the caller's grants (box, dates, expiry), in SQL",
            vec![
                step("bob (box on camera 1)", "GET", "/photos?per_page=2", &t.bob, 200, "9 photos inside, edges included"),
                step("carol (June 2024, cam 2)", "GET", "/photos", &t.carol, 200, "06-01 included, 07-01 not"),
                step("dave (expired grant)", "GET", "/photos", &t.dave, 200, "an expired grant grants nothing"),
                step("bob", "GET", "/photos/107", &t.bob, 200, "authorize_by_id: on the box's corner"),
                step("bob", "GET", "/photos/106", &t.bob, 404, "0.01 degree west of the box"),
                step("alice (owns camera 1)", "GET", "/cameras/1/grants", &t.alice, 200, "who can see camera 1: grants_on"),
                step("bob", "GET", "/cameras/1/grants", &t.bob, 403, "Camera::ManageGrants: owners, admins"),
            ],
        ),
        (
            "service principals: a service's own token, the datasets it is granted",
            vec![
                step("service reporting (id 1)", "GET", "/datasets/1", &t.reporting, 200, "granted: grant(DatasetGrant, Read, ..)"),
                step("service reporting (id 1)", "GET", "/datasets/2", &t.reporting, 404, "alice's (user 1): another kind"),
                step("service reporting", "GET", "/repos", &t.reporting, 403, "a service holds datasets:read only"),
                step("alice", "GET", "/datasets/2", &t.alice, 200, "the owner, a user"),
            ],
        ),
    ]
}

/// Runs every step against `addr`, printing the table to `out`; returns the number of statuses
/// that differ from the expected ones.
pub fn run(addr: SocketAddr, keys: &Keys, out: &mut dyn Write) -> io::Result<usize> {
    let tokens = Tokens::mint(keys).map_err(io::Error::other)?;
    let mut mismatches = 0;
    let mut n = 0;
    for (heading, steps) in steps(&tokens) {
        writeln!(out, "\n== {heading}")?;
        for step in steps {
            n += 1;
            let response = client::request(addr, step.method, step.path, step.token.as_deref())?;
            let mark = if response.status == step.expect {
                String::new()
            } else {
                mismatches += 1;
                format!("  <-- UNEXPECTED, expected {}", step.expect)
            };
            writeln!(
                out,
                "{n:>3}  {:<28} {:<6} {:<24} {}  {}{mark}",
                step.who, step.method, step.path, response.status, step.why
            )?;
            if !response.body.is_empty() {
                writeln!(out, "     {}", response.body)?;
            }
        }
    }
    writeln!(
        out,
        "\n{n} requests, {} as expected, {mismatches} unexpected",
        n - mismatches
    )?;
    Ok(mismatches)
}
