//! Every mistake the compiler can see, it reports: one file per mistake in `tests/ui`, each
//! with the expected diagnostics in its `.stderr` (regenerate with `TRYBUILD=overwrite` and
//! review the diff).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
