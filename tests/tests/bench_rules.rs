//! The benchmarks compare generated checks with rules written by hand (`authz-benches`); these
//! tests hold the comparison fair: the hand-written rules decide exactly like the generated
//! ones, for every permission, on the benchmarks' own data. (Here rather than in the benches
//! crate, so that `cargo test --workspace` does not build criterion.)

mod repo {
    use authz_benches::{hand, pairs, RepoPermission};
    use authz_core::prelude::*;

    #[test]
    fn repo_hand_written_rules_match_the_generated_ones() {
        let pairs = pairs(4096);
        let mut granted = [0usize; 4];
        for (a, r) in &pairs {
            for p in RepoPermission::ALL {
                let allowed = is_allowed(a, p, r);
                assert_eq!(allowed, hand::check(a, p, r), "{p} for {a:?} on {r:?}");
                granted[p.index() as usize] += allowed as usize;
            }
            assert_eq!(Authz::new(a).actions(r).bits(), hand::actions(a, r));
        }
        // Every rule is neither always nor never granted on the sample.
        for g in granted {
            assert!(
                g > pairs.len() / 20 && g < pairs.len() * 19 / 20,
                "{granted:?}"
            );
        }
    }
}

mod hosting {
    use std::collections::HashMap;

    use authz_benches::hosting::*;

    /// `q` asked for every permission of its resource type, so that the hand-written rules
    /// are compared with every rule of the model, not only the six the benches time.
    fn every_permission(q: Query) -> Vec<Query> {
        match q {
            Query::Org(u, _, o) => OrgPermission::ALL
                .iter()
                .map(|p| Query::Org(u, *p, o))
                .collect(),
            Query::Repo(u, _, r) => RepoPermission::ALL
                .iter()
                .map(|p| Query::Repo(u, *p, r))
                .collect(),
            Query::Issue(u, _, i) => IssuePermission::ALL
                .iter()
                .map(|p| Query::Issue(u, *p, i))
                .collect(),
        }
    }

    #[test]
    fn hosting_hand_written_rules_match_the_generated_ones() {
        let size = Size {
            orgs: 20,
            repos: 100,
            issues: 500,
            users: 200,
        };
        let world = World::generate(size, 7);
        let parents = world.parents();
        let own_resolver = RepoParents::new(&world);
        let hand = world.hand();
        let queries = world.queries(6_000, 8);
        let mut granted = 0;
        for q in &queries {
            let allowed = decide(&world, &parents, *q);
            assert_eq!(allowed, hand.decide(*q), "{q:?}");
            assert_eq!(allowed, decide(&world, &own_resolver, *q));
            granted += allowed as usize;
        }
        assert!(
            granted > queries.len() / 5 && granted < queries.len() * 4 / 5,
            "{granted} of {}",
            queries.len()
        );
        // Every permission of the model: each is granted and refused somewhere on the sample.
        let mut outcomes: HashMap<String, [usize; 2]> = HashMap::new();
        for q in queries.iter().flat_map(|q| every_permission(*q)) {
            let allowed = decide(&world, &parents, q);
            assert_eq!(allowed, hand.decide(q), "{q:?}");
            outcomes.entry(q.label()).or_default()[allowed as usize] += 1;
        }
        let permissions =
            OrgPermission::ALL.len() + RepoPermission::ALL.len() + IssuePermission::ALL.len();
        assert_eq!(outcomes.len(), permissions, "{outcomes:?}");
        for (label, [refused, allowed]) in &outcomes {
            assert!(*refused > 0 && *allowed > 0, "{label}: {outcomes:?}");
        }
    }
}
