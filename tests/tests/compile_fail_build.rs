//! Mistakes found only when the code is built, not by `cargo check`: post-monomorphization
//! errors (a `const` assertion evaluated for one resource type). trybuild checks compile-fail
//! cases with `cargo check` unless the suite also holds a case that must pass, so this suite
//! has one (`is_allowed_in` used right) and lives apart from `tests/ui`, which stays fast.

#[test]
fn ui_build() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui_build/is_allowed_in_with_parents.rs");
    t.compile_fail("tests/ui_build/is_allowed_without_parents.rs");
}
