//! Every mistake the compiler can see, it reports: one file per mistake in `cases/`, each
//! with the expected diagnostics in its `.stderr` (regenerate with `TRYBUILD=overwrite` and
//! review the diff).
//!
//! rustc's wording and layout change between releases, so the `.stderr` files are pinned to one
//! toolchain ([`PINNED`]); on another, the suite says so and is skipped instead of failing on
//! a compiler upgrade (`AUTHZ_UI_ANY_TOOLCHAIN=1` runs it anyway).

use std::process::Command;

/// The `rustc` release the `.stderr` files were written with.
const PINNED: &str = "1.95.";

#[test]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let pinned = version.starts_with(&format!("rustc {PINNED}"));
    if !pinned && std::env::var_os("AUTHZ_UI_ANY_TOOLCHAIN").is_none() {
        eprintln!(
            "skipping the ui suite: its .stderr files are pinned to rustc {PINNED}x, this is `{}`",
            version.trim()
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("cases/*.rs");
}
