//! A fuzz test of every entry point, run with the unit tests: thousands of declarations made by
//! mutating valid ones token by token (tokens deleted, duplicated, swapped, wrapped in groups;
//! names replaced by raw identifiers, keywords, non-ASCII identifiers and each other; literals
//! changed; deep nesting), each fed to `derive_resource_inner`, `derive_actor_inner`,
//! `derive_patch_inner` or `requires_inner`. A macro must answer every input with tokens —
//! an expansion or a `compile_error!` — never a panic.
//!
//! Deterministic: a fixed seed (`AUTHZ_FUZZ_SEED` picks another) and `AUTHZ_FUZZ_CASES` cases
//! (default 8000, a few seconds). A failure prints each distinct panic once, with the shortest
//! input that raised it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::quote;

/// splitmix64: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, Debug)]
enum Entry {
    Resource,
    Actor,
    Patch,
    Grant,
    Group,
    /// `#[requires(args)] item`: both streams are mutated.
    Requires,
}

struct Seed {
    entry: Entry,
    args: TokenStream,
    input: TokenStream,
}

fn seed(entry: Entry, input: TokenStream) -> Seed {
    Seed {
        entry,
        args: TokenStream::new(),
        input,
    }
}

/// Valid declarations using every attribute and condition form.
fn seeds() -> Vec<Seed> {
    vec![
        seed(
            Entry::Group,
            quote! {
                #[group(actor = crate::m::User, members = team_members, member = uid, group = tid, parents = team_parents, child = tid, parent = pid, id = r#ref)]
                pub struct Team {
                    pub r#ref: i64,
                    pub name: String,
                }
            },
        ),
        seed(
            Entry::Grant,
            quote! {
                #[grant(table = photo_grants, resource = crate::m::Photo, holder = user_id, scope = scope, anchor = camera_id, id = id)]
                pub struct PhotoGrant {
                    pub id: i64,
                    pub user_id: Option<i64>,
                    pub scope: String,
                    #[diesel(column_name = cam)]
                    pub camera_id: Option<i64>,
                    pub min_lat: Option<f64>,
                    pub r#type: i32,
                }
            },
        ),
        seed(
            Entry::Resource,
            quote! {
                #[resource(table = photos, actor = User, context = Request)]
                #[rule(boxed, if = grant(PhotoGrant, Read, on = self.camera_id, |g|
                    (g.min_lat.is_none() || g.min_lat <= self.lat) && ctx.now < g.valid_until))]
                #[permission(Read, if = self.owner_id == actor.id || rule(boxed))]
                #[permission(Export, if = grant(m::ExportGrant, Export) && !grant(PhotoGrant, Read, on = self.camera_id))]
                #[prohibit(Export, if = self.hidden)]
                pub struct Photo { pub id: i64, pub owner_id: i64, pub camera_id: Option<i64>, pub lat: f64, pub hidden: bool }
            },
        ),
        seed(
            Entry::Resource,
            quote! {
                #[resource(table = repos, actor = User, context = Request, read = Read, id = id)]
                #[relation(org: crate::m::Org = org_id)]
                #[roles(Maintainer > Contributor > Reader, table = repo_roles, actor_column = uid, resource_column = rid, role_column = name)]
                #[role(Maintainer, if = org.role(Owner))]
                #[rule(owner, if = self.owner_id == actor.id)]
                #[permission(Read, if = self.is_public || role(Reader) || rule(owner))]
                #[permission(Push, Merge, if = role(Contributor) && !self.archived && self.level >= -3)]
                #[permission(Delete, if = org.allows(Admin) || ["a", "b"].contains(&self.tag) || org.region.role(Lead))]
                #[permission(Touch, if = self.tag.is_some() && ctx.now < self.until && self.r#type != Kind::Open)]
                #[prohibit(*, if = actor.suspended)]
                #[prohibit(Delete, if = self.locked == true)]
                pub struct Repo {
                    pub id: i64,
                    pub org_id: Option<i64>,
                    pub owner_id: i64,
                    #[field_guard(read = Read, write = Push)]
                    #[serde(rename = "public")]
                    pub is_public: bool,
                    pub archived: bool,
                    pub level: i32,
                    #[diesel(column_name = tag_name)]
                    pub tag: Option<String>,
                    pub until: i64,
                    pub locked: bool,
                    pub r#type: Kind,
                }
            },
        ),
        seed(
            Entry::Resource,
            quote! {
                #[resource(table = docs, actor = User, context = Request)]
                #[permission(Read, if = self.created_at + 86400 > ctx.now && ctx.now - self.created_at < 86400)]
                #[permission(Sum, if = self.a + self.b <= actor.limit && !(self.a - (self.b - 1) >= ctx.k))]
                #[permission(Prefix, if = self.path.starts_with(&ctx.prefix) || !self.name.starts_with("tmp/"))]
                #[permission(Sets, if = ctx.consented_orgs.contains(&self.org_id) && !actor.blocked.contains(&self.owner_id))]
                #[permission(Nested, if = ctx.consent.client_id == self.client_id || actor.profile.home.region == self.name)]
                #[permission(GrantSum, if = grant(DocGrant, GrantSum, |g| g.lo + g.span >= self.a))]
                pub struct Doc {
                    pub id: i64, pub a: i64, pub b: i64, pub created_at: i64, pub path: String,
                    pub name: Option<String>, pub org_id: i64, pub owner_id: Option<i64>, pub client_id: i64,
                }
            },
        ),
        seed(
            Entry::Resource,
            quote! {
                #[resource(actor = User)]
                #[permission(Read, if = self.is_public || self.owner_id == actor.id)]
                #[permission(Delete, if = self.owner_id == actor.id && !(self.locked || self.n > 2.5))]
                pub struct Doc { pub id: i64, pub owner_id: i64, pub is_public: bool, pub locked: bool, pub n: f64 }
            },
        ),
        seed(
            Entry::Resource,
            // Text rather than `quote!`: rustc lints the non-ASCII identifier in source code.
            r#"
                #[resource(table = r#type, actor = r#User)]
                #[relation(r#in: r#Org = r#fn)]
                #[roles(r#Owner > r#Member, table = org_roles)]
                #[permission(r#Read, if = self.r#type == actor.r#type || role(r#Member) || r#in.role(r#Owner))]
                #[permission(r#Write, if = r#in.allows(r#Read) && self.r#match.is_none() && self._١)]
                pub struct r#Repo {
                    pub id: i64,
                    pub r#fn: i64,
                    #[diesel(column_name = r#loop)]
                    pub r#type: i64,
                    #[field_guard(write = r#Write)]
                    pub r#match: Option<i64>,
                    pub _١: bool,
                    pub r#self_: u8,
                }
            "#
            .parse()
            .unwrap_or_else(|err| panic!("seed: {err}")),
        ),
        seed(
            Entry::Resource,
            quote! {
                #[resource(table = documents, actor = User, context = Request)]
                #[set(viewers: i64, table = document_viewers, key = document_id, value = user_id)]
                #[set(tags: String, table = document_tags, key = document_id, value = tag)]
                #[set(blocks: i64, table = user_blocks, key = user_id, value = blocked_id, on = owner_id)]
                #[permission(Read, if = self.owner_id == actor.id || self.viewers.contains(&actor.id))]
                #[permission(Tagged, if = self.tags.all(|t| actor.tags.contains(t) && !t.starts_with("x"))
                    || !self.tags.any(|t| t == "secret" || t == ctx.tag))]
                #[prohibit(*, if = self.blocks.contains(&actor.id))]
                pub struct Document { pub id: i64, pub owner_id: Option<i64> }
            },
        ),
        seed(
            Entry::Resource,
            quote! {
                #[resource(table = orgs, actor = User, crate = ::my::authz_core, diesel_crate = ::my::authz_diesel)]
                #[roles(Owner > Member, Billing, table = org_roles)]
                #[role(Billing, if = actor.is_accountant)]
                pub struct Org { pub id: i64, pub name: String, pub is_public: bool }
            },
        ),
        seed(
            Entry::Resource,
            quote! {
                #[resource(table = teams, actor = User)]
                #[relation(org: Org = org_id)]
                #[roles(Lead > Writer > Reader, carried)]
                #[role(Reader, if = self.is_open || org.role(Member))]
                #[permission(Read, if = role(Reader) && !org.role(Billing))]
                pub struct Team { pub id: i64, pub org_id: Option<i64>, pub is_open: bool }
            },
        ),
        seed(
            Entry::Actor,
            quote! {
                #[actor(id = uid, crate = ::my::authz_core)]
                pub struct User {
                    pub uid: i64,
                    #[actor(roles)] pub orgs: StoredRoles<Org>,
                    #[actor(roles)] pub r#type: RoleMap<r#Repo>,
                    pub is_admin: bool,
                }
            },
        ),
        seed(
            Entry::Actor,
            quote! { pub struct r#User<T> where T: Clone { pub r#id: T, pub é: bool } },
        ),
        seed(
            Entry::Actor,
            quote! {
                #[actor(crate = ::my::authz_core)]
                pub enum Principal {
                    User { id: i64, r#type: String, #[actor(roles)] orgs: RoleMap<Org> },
                    Service { id: i64, name: Option<String> },
                    Guest,
                }
            },
        ),
        seed(
            Entry::Resource,
            quote! {
                #[resource(table = articles, actor = Principal)]
                #[rule(staff, if = actor.is(User) || actor.is(Service))]
                #[permission(Read, if = self.is_public || (rule(staff) && self.author_id == actor.id))]
                #[permission(Share, if = actor.teams.contains(&self.team) && actor.profile.level + 1 > self.n)]
                #[prohibit(*, if = actor.is(Guest) && actor.name.is_some())]
                pub struct Article { pub id: i64, pub author_id: i64, pub team: i64, pub n: i32, pub is_public: bool }
            },
        ),
        seed(
            Entry::Patch,
            quote! {
                #[patch(resource = crate::m::Repo)]
                #[diesel(table_name = repos)]
                pub struct RepoPatch {
                    pub name: Option<String>,
                    #[patch(field = is_public)]
                    pub public: Option<bool>,
                    #[patch(skip)]
                    pub note: String,
                    #[diesel(treat_none_as_null = true)]
                    pub r#type: Option<i64>,
                }
            },
        ),
        Seed {
            entry: Entry::Requires,
            args: quote!(Repo::Push),
            input: quote! { fn push(actor: &User, repo: &Repo) -> Result<(), Error> { Ok(()) } },
        },
        Seed {
            entry: Entry::Requires,
            args: quote!(crate::m::Issue::Close, authz = authz, on = r#issue, crate = ::my::authz_core),
            input: quote! {
                pub async fn close<'a>(authz: &Authz<'a, User, (), ParentMap>, r#issue: Arc<Issue>) -> Result<(), Error> { Ok(()) }
            },
        },
        Seed {
            entry: Entry::Requires,
            args: quote!(Repo::Push, on = self, ctx = request, parents = parents, actor = r#user),
            input: quote! {
                fn rename(&self, r#user: &User, request: &Ctx, parents: &ParentMap) -> Result<(), Error> { Ok(()) }
            },
        },
    ]
}

/// A token stream as a tree the mutations edit in place.
#[derive(Clone)]
enum Tok {
    Leaf(TokenTree),
    Group(Delimiter, Vec<Tok>),
}

fn tree(stream: TokenStream) -> Vec<Tok> {
    stream
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => Tok::Group(g.delimiter(), tree(g.stream())),
            leaf => Tok::Leaf(leaf),
        })
        .collect()
}

fn stream(toks: &[Tok]) -> TokenStream {
    toks.iter()
        .map(|t| match t {
            Tok::Leaf(tt) => tt.clone(),
            Tok::Group(d, inner) => TokenTree::Group(Group::new(*d, stream(inner))),
        })
        .collect()
}

/// Tokens from source text; `None` for text that does not lex.
fn lex(src: &str) -> Option<Vec<Tok>> {
    src.parse::<TokenStream>().ok().map(tree)
}

/// A list of tokens somewhere in the tree: the top level or inside a group.
fn pick_list<'t>(rng: &mut Rng, list: &'t mut Vec<Tok>) -> &'t mut Vec<Tok> {
    let groups: Vec<usize> = (0..list.len())
        .filter(|&i| matches!(list[i], Tok::Group(..)))
        .collect();
    if groups.is_empty() || rng.below(4) == 0 {
        return list;
    }
    let i = groups[rng.below(groups.len())];
    match &mut list[i] {
        Tok::Group(_, inner) => pick_list(rng, inner),
        Tok::Leaf(_) => unreachable!("only groups are picked"),
    }
}

fn all_leaves(toks: &[Tok], out: &mut Vec<Tok>) {
    for t in toks {
        match t {
            Tok::Group(_, inner) => {
                out.push(t.clone());
                all_leaves(inner, out);
            }
            leaf => out.push(leaf.clone()),
        }
    }
}

const NAMES: &[&str] = &[
    "r#type",
    "r#match",
    "r#Repo",
    "r#id",
    "r#in",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "fn",
    "match",
    "if",
    "true",
    "false",
    "async",
    "dyn",
    "_",
    "union",
    "_١",
    "é",
    "Δelta",
    "ß",
    "a١",
    "__authz_lhs",
    "Option",
    "None",
    "Some",
    "id",
    "role",
    "rule",
    "allows",
    "is_some",
    "is_none",
    "contains",
    "starts_with",
    "any",
    "all",
    "set",
    "t",
    "actor",
    "ctx",
    "Read",
    "Owner",
    "org",
    "table",
    "r#self_",
    "x",
    "r#r#",
];

const LITERALS: &[&str] = &[
    "0",
    "-1",
    "1_000i64",
    "\"draft\"",
    "\"r#type\"",
    "\"\"",
    "\"a b\"",
    "'c'",
    "1.5",
    "1e400",
    "99999999999999999999999999999999999999999",
    "b'x'",
    "b\"x\"",
    "true",
    "r\"raw\"",
    "r#\"raw\"#",
    "0x10u8",
    "1u128",
    "1f32",
];

const PUNCT: &[&str] = &[
    "!", "+", "&&", "||", ".", ",", "=", "::", "#", "==", "!=", "<", ">", ">=", "&", "-", "*", ";",
    ":", "?", "'a", "@", "$", "..",
];

/// One mutation somewhere in `toks`. `pool` holds every token of the seed, to copy from.
fn mutate(rng: &mut Rng, toks: &mut Vec<Tok>, pool: &[Tok]) {
    let list = pick_list(rng, toks);
    let len = list.len();
    let i = rng.below(len.max(1));
    match rng.below(13) {
        // delete a token
        0 if len > 0 => {
            list.remove(i);
        }
        // duplicate a token
        1 if len > 0 => {
            let t = list[i].clone();
            list.insert(i, t);
        }
        // swap two tokens
        2 if len > 1 => {
            let j = rng.below(len);
            list.swap(i, j);
        }
        // replace a name: raw identifiers, keywords, non-ASCII identifiers, other names
        3 | 4 => {
            let idents: Vec<usize> = (0..len)
                .filter(|&k| matches!(list[k], Tok::Leaf(TokenTree::Ident(_))))
                .collect();
            if idents.is_empty() {
                return;
            }
            let k = idents[rng.below(idents.len())];
            let replacement = match (&list[k], rng.below(3)) {
                (Tok::Leaf(TokenTree::Ident(id)), 0) => {
                    let text = id.to_string();
                    match text.strip_prefix("r#") {
                        Some(plain) => plain.to_owned(),
                        None => format!("r#{text}"),
                    }
                }
                (_, 1) => match &pool[rng.below(pool.len())] {
                    Tok::Leaf(tt @ TokenTree::Ident(_)) => tt.to_string(),
                    _ => rng.pick(NAMES).to_owned(),
                },
                _ => rng.pick(NAMES).to_owned(),
            };
            if let Some(new) = lex(&replacement) {
                list.splice(k..=k, new);
            }
        }
        // change a literal, or put one anywhere
        5 => {
            let lits: Vec<usize> = (0..len)
                .filter(|&k| matches!(list[k], Tok::Leaf(TokenTree::Literal(_))))
                .collect();
            let Some(new) = lex(rng.pick(LITERALS)) else {
                return;
            };
            if lits.is_empty() {
                list.splice(i..i, new);
            } else {
                let k = lits[rng.below(lits.len())];
                list.splice(k..=k, new);
            }
        }
        // wrap tokens in a group
        6 if len > 0 => {
            let j = (i + 1 + rng.below(3)).min(len);
            let delim = [
                Delimiter::Parenthesis,
                Delimiter::Bracket,
                Delimiter::Brace,
                Delimiter::None,
            ][rng.below(4)];
            let inner: Vec<Tok> = list.drain(i..j).collect();
            list.insert(i, Tok::Group(delim, inner));
        }
        // unwrap a group
        7 if len > 0 => {
            if let Tok::Group(_, inner) = list[i].clone() {
                list.splice(i..=i, inner);
            }
        }
        // insert punctuation
        8 => {
            if let Some(new) = lex(rng.pick(PUNCT)) {
                list.splice(i..i, new);
            }
        }
        // copy a token or group from elsewhere in the declaration
        9 | 10 if !pool.is_empty() => {
            let t = pool[rng.below(pool.len())].clone();
            list.insert(i.min(len), t);
        }
        // deep nesting: a run of `!` or of parentheses
        11 => {
            let depth = 1 + rng.below(300);
            if rng.below(2) == 0 {
                let bangs = "!".repeat(depth);
                if let Some(new) = lex(&bangs) {
                    list.splice(i..i, new);
                }
            } else if len > 0 {
                let mut t = list[i].clone();
                for _ in 0..depth {
                    t = Tok::Group(Delimiter::Parenthesis, vec![t]);
                }
                list[i] = t;
            }
        }
        // a long chain: `|| x` repeated
        12 => {
            let terms = 1 + rng.below(500);
            let op = if rng.below(2) == 0 { "||" } else { "&&" };
            let src = format!(" {op} self.x").repeat(terms);
            if let Some(new) = lex(&src) {
                list.splice(i..i, new);
            }
        }
        _ => {}
    }
}

fn run(entry: Entry, args: TokenStream, input: TokenStream) -> TokenStream {
    match entry {
        Entry::Resource => crate::expand::derive_resource_inner(input),
        Entry::Actor => crate::actor::derive_actor_inner(input),
        Entry::Patch => crate::patch::derive_patch_inner(input),
        Entry::Grant => crate::grant::derive_grant_inner(input),
        Entry::Group => crate::group::derive_group_inner(input),
        Entry::Requires => crate::requires::requires_inner(args, input),
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one fuzz run found.
struct Found {
    cases: u64,
    /// `(entry, args, input, panic message)`.
    panics: Vec<(Entry, String, String, String)>,
}

fn fuzz(cases: u64, seed: u64) -> Found {
    let seeds = seeds();
    let mut rng = Rng(seed);
    let mut found = Found {
        cases: 0,
        panics: Vec::new(),
    };
    for _ in 0..cases {
        let s = &seeds[rng.below(seeds.len())];
        let mut input = tree(s.input.clone());
        let mut args = tree(s.args.clone());
        let mut pool = Vec::new();
        all_leaves(&input, &mut pool);
        all_leaves(&args, &mut pool);
        for _ in 0..1 + rng.below(4) {
            if matches!(s.entry, Entry::Requires) && rng.below(3) == 0 {
                mutate(&mut rng, &mut args, &pool);
            } else {
                mutate(&mut rng, &mut input, &pool);
            }
        }
        let (args, input) = (stream(&args), stream(&input));
        found.cases += 1;
        let result = catch_unwind(AssertUnwindSafe(|| {
            run(s.entry, args.clone(), input.clone())
        }));
        if let Ok(out) = &result {
            // Tokens rustc cannot parse as items are a failure too: the user would see a parse
            // error in code they did not write. (`#[requires]` re-emits the function as given.)
            let item_parses = syn::parse2::<syn::ItemFn>(input.clone()).is_ok();
            let checked = !matches!(s.entry, Entry::Requires) || item_parses;
            if checked {
                if let Err(err) = syn::parse2::<syn::File>(out.clone()) {
                    found.panics.push((
                        s.entry,
                        args.to_string(),
                        input.to_string(),
                        format!("unparseable output ({err}): {out}"),
                    ));
                }
            }
        }
        if let Err(payload) = result {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            found
                .panics
                .push((s.entry, args.to_string(), input.to_string(), message));
        }
    }
    found
}

#[test]
fn no_input_makes_a_macro_panic() {
    let cases = env_number("AUTHZ_FUZZ_CASES", 8000);
    let seed = env_number("AUTHZ_FUZZ_SEED", 0x00A7_7A2F);
    // Panics are caught and reported below, once per message; the default hook would print
    // each with its backtrace.
    let hook = std::sync::Arc::new(std::panic::take_hook());
    let previous = hook.clone();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(THREAD) {
            previous(info);
        }
    }));
    // The stack rustc gives the thread that runs proc macros.
    let found = std::thread::Builder::new()
        .name(THREAD.to_owned())
        .stack_size(8 << 20)
        .spawn(move || fuzz(cases, seed))
        .map(|t| t.join())
        .unwrap_or_else(|err| panic!("cannot start the fuzz thread: {err}"))
        .unwrap_or_else(|_| panic!("the fuzz thread panicked outside `catch_unwind`"));
    // Each distinct message once, with the shortest input that raised it.
    let mut distinct: Vec<&(Entry, String, String, String)> = Vec::new();
    for p in &found.panics {
        match distinct.iter_mut().find(|q| q.3 == p.3) {
            Some(q) if p.2.len() < q.2.len() => *q = p,
            Some(_) => {}
            None => distinct.push(p),
        }
    }
    let shown: Vec<String> = distinct
        .iter()
        .map(|(entry, args, input, message)| {
            format!("{entry:?} panicked: {message}\n  args: {args}\n  input: {input}")
        })
        .collect();
    assert!(
        found.panics.is_empty(),
        "{} of {} fuzz cases (seed {seed:#x}) panicked, {} distinct:\n{}",
        found.panics.len(),
        found.cases,
        distinct.len(),
        shown.join("\n")
    );
}

/// The name of the thread running the cases, whose panics the hook keeps quiet.
const THREAD: &str = "authz-fuzz";

/// The seeds themselves expand without errors where they are meant to be valid, so that the
/// mutations start from declarations that reach every stage.
#[test]
fn seeds_reach_the_expansion() {
    for s in seeds() {
        let out = run(s.entry, s.args.clone(), s.input.clone()).to_string();
        assert!(
            !out.contains("compile_error"),
            "seed {:?} has errors: {out}",
            s.entry
        );
    }
}

/// Conditions nested thousands deep (`!!!..`, `((..))`) are one error at the token past the
/// limit; long chains of one connective (`a || b || ..`) are flat and expand. On the stack rustc
/// gives proc macros.
#[test]
fn deep_conditions_are_an_error_or_expand() {
    let limit = crate::cond::MAX_DEPTH;
    let cases = [
        (format!("{}self.a", "!".repeat(2000)), true),
        (
            format!("{}self.a{}", "(".repeat(5000), ")".repeat(5000)),
            true,
        ),
        (
            format!("{}self.a{}", "!(".repeat(limit), ")".repeat(limit)),
            true,
        ),
        (format!("{}self.a", "!".repeat(limit - 1)), false),
        (vec!["self.a"; 5000].join(" || "), false),
        (
            (0..5000)
                .map(|i| ["self.a || ", "self.a && "][i % 2])
                .collect::<String>()
                + "self.a",
            false,
        ),
    ];
    for (cond, error) in cases {
        let out = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                let src = format!(
                    "#[resource(actor = User, table = t)] #[permission(Read, if = {cond})] pub struct R {{ pub id: i64, pub a: bool }}"
                );
                let input: TokenStream = src.parse().unwrap_or_else(|e| panic!("{e}"));
                let out = crate::expand::derive_resource_inner(input).to_string();
                let errors: Vec<String> = out
                    .match_indices("compile_error")
                    .map(|(i, _)| out[i..].chars().take(160).collect())
                    .collect();
                errors
            })
            .map(|t| t.join())
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|_| panic!("the expansion panicked"));
        if error {
            assert_eq!(out.len(), 1, "{out:?}");
            assert!(out[0].contains("condition nested deeper than 32 levels; split it with `#[rule(name, if = ..)]`"), "{out:?}");
        } else {
            assert!(out.is_empty(), "{out:?}");
        }
    }
}

/// Rules using rules can nest a decision deeper than any condition as written.
#[test]
fn rules_inlined_too_deep_are_an_error() {
    let depth = crate::cond::MAX_DEPTH - 1;
    let nest = |inner: &str| format!("{}{inner}{}", "!(".repeat(depth / 2), ")".repeat(depth / 2));
    let mut src = String::from("#[resource(actor = User)] #[rule(r0, if = self.a)]");
    for i in 1..8 {
        src.push_str(&format!(
            "#[rule(r{i}, if = {})]",
            nest(&format!("rule(r{})", i - 1))
        ));
    }
    src.push_str("#[permission(Read, if = rule(r7))] pub struct R { pub id: i64, pub a: bool }");
    let input: TokenStream = src.parse().unwrap_or_else(|e| panic!("{e}"));
    let out = crate::expand::derive_resource_inner(input).to_string();
    assert!(
        out.contains(
            "the condition of `Read` nests deeper than 96 levels once its `rule(..)`s are inlined"
        ),
        "{out}"
    );
}
