//! Compile-fail cases of the authz macros live in `cases/`, one mistake per file, each with the
//! expected diagnostics in its `.stderr`; `tests/compile_fail.rs` runs them with trybuild.
#![forbid(unsafe_code)]
