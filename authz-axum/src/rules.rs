//! The request level: which requests reach a handler at all, declared once for the whole
//! service.
//!
//! A rule is a set of methods, a path pattern and an [`Access`]. The first rule that matches
//! the request's method and path decides; a request that no rule matches is refused (deny by
//! default), so a route added to the router without a rule answers 401/403 until one says who
//! may call it.
//!
//! Path patterns, matched against the path as received (percent-encoded, without the query):
//!
//! - `/repos/{id}/push`: literal segments, and `{name}` (or `*`) for exactly one non-empty
//!   segment — the route templates of axum read as patterns;
//! - `/files/{repo}/**`: a final `**` segment is any number of segments, none included
//!   (`/files/7`, `/files/7/a/b.txt`);
//! - `/home*`: a trailing `*` is a prefix: `/home`, `/home/`, `/homepage`, `/home/a/b`.
//!
//! A path with a `.` or `..` segment, an empty segment (`//`), or an encoded `/`, `\` or `.`
//! matches no rule: it is refused, never normalised into a path a rule allows.

use std::borrow::Cow;
use std::fmt;

use axum::http::Method;

/// Who may send the requests a rule matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, guests (no credentials) included.
    Public,
    /// Any caller with valid credentials, whatever their scopes.
    Authenticated,
    /// Callers whose credentials carry this scope (`issues:read`); a guest is asked to
    /// authenticate (401), a caller without the scope is refused (403).
    Scope(Cow<'static, str>),
}

impl Access {
    /// [`Access::Scope`] of a static name.
    pub const fn scope(name: &'static str) -> Access {
        Access::Scope(Cow::Borrowed(name))
    }
}

/// What the caller's credentials grant, as the rules ask it.
pub trait Scopes {
    /// Whether the credentials carry `scope` (a whole name: `repos:rea` is not `repos:read`).
    fn has_scope(&self, scope: &str) -> bool;
}

/// Why the request level refused a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestRefusal {
    /// The rule needs credentials and the request has none: 401.
    Unauthenticated,
    /// The credentials lack the rule's scope: 403.
    MissingScope(Cow<'static, str>),
    /// No rule matches this method and path: 401 for a guest, 403 otherwise.
    NoRule {
        /// Whether the request came with credentials.
        authenticated: bool,
    },
    /// A path with dot segments, empty segments or encoded separators: 400.
    BadPath,
}

impl RequestRefusal {
    /// The HTTP status of this refusal.
    pub fn status_code(&self) -> u16 {
        match self {
            RequestRefusal::Unauthenticated => 401,
            RequestRefusal::NoRule {
                authenticated: false,
            } => 401,
            RequestRefusal::MissingScope(_) | RequestRefusal::NoRule { .. } => 403,
            RequestRefusal::BadPath => 400,
        }
    }
}

impl fmt::Display for RequestRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestRefusal::Unauthenticated => f.write_str("authentication required"),
            RequestRefusal::MissingScope(scope) => write!(f, "missing scope `{scope}`"),
            RequestRefusal::NoRule { .. } => f.write_str("no rule allows this request"),
            RequestRefusal::BadPath => f.write_str("malformed path"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Any,
    /// `**`, last: any number of segments.
    Rest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    /// `/repos/{id}`: segment by segment.
    Segments(Vec<Segment>),
    /// `/home*`: a prefix of the path.
    Prefix(String),
}

impl Pattern {
    fn parse(pattern: &str) -> Pattern {
        assert!(
            pattern.starts_with('/'),
            "authz-axum: a path pattern starts with `/`, got `{pattern}`"
        );
        // `/home*` is a prefix; a final segment `*` alone (`/open/*`) is one segment.
        let last = pattern.rsplit('/').next().unwrap_or_default();
        if let Some(prefix) = pattern
            .strip_suffix('*')
            .filter(|_| last != "*" && last != "**")
        {
            assert!(
                !prefix.contains(['{', '}', '*']),
                "authz-axum: a prefix pattern (`/home*`) holds no other wildcard, got `{pattern}`"
            );
            return Pattern::Prefix(prefix.to_owned());
        }
        let count = pattern[1..].split('/').count();
        let segments = pattern[1..]
            .split('/')
            .enumerate()
            .map(|(i, s)| {
                if s == "**" {
                    assert!(
                        i + 1 == count,
                        "authz-axum: `**` is the last segment of a pattern, got `{pattern}`"
                    );
                    Segment::Rest
                } else if s == "*" || (s.starts_with('{') && s.ends_with('}') && s.len() > 2) {
                    Segment::Any
                } else {
                    assert!(
                        !s.contains(['{', '}', '*']),
                        "authz-axum: `{s}` in `{pattern}`: a wildcard is a whole segment (`{{id}}` or `*`) or a final `*`"
                    );
                    Segment::Literal(s.to_owned())
                }
            })
            .collect();
        Pattern::Segments(segments)
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            Pattern::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Pattern::Segments(segments) => {
                let mut parts = path[1..].split('/');
                for segment in segments {
                    if *segment == Segment::Rest {
                        return true;
                    }
                    match (segment, parts.next()) {
                        (Segment::Literal(lit), Some(part)) if lit == part => {}
                        (Segment::Any, Some(part)) if !part.is_empty() => {}
                        _ => return false,
                    }
                }
                parts.next().is_none()
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Rule {
    /// `None`: every method.
    methods: Option<Vec<Method>>,
    pattern: Pattern,
    access: Access,
}

/// The request-level rules of a service, declared in one place:
///
/// ```
/// use authz_axum::{Access, Rules};
///
/// let rules = Rules::new()
///     .rule("GET", "/home*", Access::Public)
///     .rule("GET", "/login", Access::Public)
///     .rule("GET", "/me", Access::Authenticated)
///     .rule("GET", "/issues*", Access::scope("issues:read"))
///     .rule("POST, PATCH", "/issues/{id}", Access::scope("issues:write"));
///
/// assert!(rules.check(&"GET".parse().unwrap(), "/home/news", None).is_ok());
/// assert_eq!(rules.check(&"GET".parse().unwrap(), "/me", None).unwrap_err().status_code(), 401);
/// // No rule matches: refused.
/// assert_eq!(rules.check(&"DELETE".parse().unwrap(), "/issues/3", None).unwrap_err().status_code(), 401);
/// // A dot segment is never normalised into an allowed path.
/// assert_eq!(rules.check(&"GET".parse().unwrap(), "/home/../admin", None).unwrap_err().status_code(), 400);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// No rules: every request is refused.
    pub fn new() -> Rules {
        Rules::default()
    }

    /// Adds a rule after the existing ones. `methods` is one method (`"GET"`, which covers
    /// `HEAD` as axum's routing does), a comma-separated list (`"POST, DELETE"`) or `"*"` for
    /// every method.
    ///
    /// # Panics
    ///
    /// On a malformed method or pattern, as axum does on a malformed route: rules are the
    /// program's constants, checked when the service starts.
    pub fn rule(mut self, methods: &str, pattern: &str, access: Access) -> Rules {
        let methods = if methods.trim() == "*" {
            None
        } else {
            Some(
                methods
                    .split(',')
                    .map(|m| {
                        Method::from_bytes(m.trim().as_bytes())
                            .unwrap_or_else(|_| panic!("authz-axum: invalid method `{m}`"))
                    })
                    .collect(),
            )
        };
        self.rules.push(Rule {
            methods,
            pattern: Pattern::parse(pattern),
            access,
        });
        self
    }

    /// The access of the first rule matching `method` and `path` (a path without its query).
    pub fn access(&self, method: &Method, path: &str) -> Result<Option<&Access>, RequestRefusal> {
        if !well_formed(path) {
            return Err(RequestRefusal::BadPath);
        }
        Ok(self
            .rules
            .iter()
            .find(|rule| {
                // As axum routes it, `HEAD` is a `GET` without its body: a `GET` rule covers it.
                rule.methods.as_ref().is_none_or(|ms| {
                    ms.contains(method) || (*method == Method::HEAD && ms.contains(&Method::GET))
                }) && rule.pattern.matches(path)
            })
            .map(|rule| &rule.access))
    }

    /// Whether a caller with these credentials (`None`: a guest) may send `method path`.
    pub fn check(
        &self,
        method: &Method,
        path: &str,
        credentials: Option<&dyn Scopes>,
    ) -> Result<(), RequestRefusal> {
        match (self.access(method, path)?, credentials) {
            (None, credentials) => Err(RequestRefusal::NoRule {
                authenticated: credentials.is_some(),
            }),
            (Some(Access::Public), _) => Ok(()),
            (Some(_), None) => Err(RequestRefusal::Unauthenticated),
            (Some(Access::Authenticated), Some(_)) => Ok(()),
            (Some(Access::Scope(scope)), Some(credentials)) => {
                if credentials.has_scope(scope) {
                    Ok(())
                } else {
                    Err(RequestRefusal::MissingScope(scope.clone()))
                }
            }
        }
    }
}

/// An absolute path with no empty, `.` or `..` segment and no encoded separator or dot.
fn well_formed(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if path.contains('\\') {
        return false;
    }
    let lower = path.to_ascii_lowercase();
    if ["%2f", "%5c", "%2e", "%00"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return false;
    }
    // `/` alone, and a trailing `/` (`/home/`), are fine; no other segment may be empty.
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    segments
        .iter()
        .enumerate()
        .all(|(i, s)| (i == last || !s.is_empty()) && *s != "." && *s != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Granted(&'static [&'static str]);
    impl Scopes for Granted {
        fn has_scope(&self, scope: &str) -> bool {
            self.0.contains(&scope)
        }
    }

    fn rules() -> Rules {
        Rules::new()
            .rule("GET", "/home*", Access::Public)
            .rule("GET", "/login", Access::Public)
            .rule("GET", "/me", Access::Authenticated)
            .rule("GET", "/repos", Access::scope("repos:read"))
            .rule("GET", "/repos/{id}", Access::scope("repos:read"))
            .rule("POST", "/repos/{id}/push", Access::scope("repos:write"))
            .rule("*", "/open/*", Access::Public)
            .rule("GET", "/files/{repo}/**", Access::scope("files:read"))
    }

    fn check(method: &str, path: &str, scopes: Option<&'static [&'static str]>) -> u16 {
        let granted = scopes.map(Granted);
        match rules().check(
            &method.parse().unwrap(),
            path,
            granted.as_ref().map(|g| g as &dyn Scopes),
        ) {
            Ok(()) => 200,
            Err(refusal) => refusal.status_code(),
        }
    }

    #[test]
    fn guests_reach_public_rules_only() {
        for path in ["/home", "/home/", "/homepage", "/home/a/b", "/login"] {
            assert_eq!(check("GET", path, None), 200, "{path}");
        }
        assert_eq!(check("POST", "/home", None), 401);
        assert_eq!(check("HEAD", "/home", None), 200, "a GET rule covers HEAD");
        assert_eq!(check("GET", "/login/x", None), 401);
        assert_eq!(check("GET", "/me", None), 401);
        assert_eq!(check("GET", "/repos", None), 401);
        assert_eq!(check("GET", "/nowhere", None), 401);
    }

    #[test]
    fn scopes_are_whole_names() {
        let read: &[&str] = &["repos:read"];
        assert_eq!(check("GET", "/repos", Some(read)), 200);
        assert_eq!(check("GET", "/repos/7", Some(read)), 200);
        assert_eq!(check("POST", "/repos/7/push", Some(read)), 403);
        assert_eq!(check("GET", "/repos", Some(&["repos:rea"])), 403);
        assert_eq!(check("GET", "/repos", Some(&["repos:read:x"])), 403);
        assert_eq!(check("GET", "/me", Some(&[])), 200);
        assert_eq!(
            rules()
                .check(&Method::POST, "/repos/7/push", Some(&Granted(read)))
                .unwrap_err(),
            RequestRefusal::MissingScope("repos:write".into())
        );
    }

    #[test]
    fn segments_match_exactly() {
        let all: &[&str] = &["repos:read", "repos:write"];
        assert_eq!(check("GET", "/repos/", Some(all)), 403, "empty id");
        assert_eq!(check("GET", "/repos/7/x", Some(all)), 403);
        assert_eq!(check("GET", "/repos7", Some(all)), 403);
        assert_eq!(check("DELETE", "/repos/7", Some(all)), 403, "no rule");
        assert_eq!(check("PUT", "/open/x", None), 200);
        assert_eq!(check("PUT", "/open/x/y", None), 401);
        let files: &[&str] = &["files:read"];
        for path in ["/files/7", "/files/7/", "/files/7/a", "/files/7/a/b.txt"] {
            assert_eq!(check("GET", path, Some(files)), 200, "{path}");
        }
        assert_eq!(check("GET", "/files", Some(files)), 403);
        assert_eq!(check("GET", "/files/", Some(files)), 403);
    }

    #[test]
    fn malformed_paths_match_nothing() {
        for path in [
            "/home/../repos",
            "/home/./x",
            "/home//x",
            "/home/%2e%2e/repos",
            "/home/%2F/x",
            "/home\\..\\repos",
            "home",
            "",
            "/home/%00",
        ] {
            assert_eq!(check("GET", path, None), 400, "{path}");
        }
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let rules = Rules::new().rule("GET", "/a/{x}", Access::Public).rule(
            "GET",
            "/a/b",
            Access::scope("s"),
        );
        assert!(rules.check(&Method::GET, "/a/b", None).is_ok());
    }

    #[test]
    #[should_panic(expected = "a wildcard is a whole segment")]
    fn partial_wildcards_are_refused() {
        let _ = Rules::new().rule("GET", "/a/x{id}", Access::Public);
    }
}
