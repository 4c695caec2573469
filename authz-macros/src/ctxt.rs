//! Collects every error of one macro invocation so they are reported together.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// An error on the tokens of `obj` (first to last token).
    pub fn error_spanned<T: ToTokens, M: Display>(&mut self, obj: T, msg: M) {
        self.errors
            .push(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    pub fn error_at<M: Display>(&mut self, span: proc_macro2::Span, msg: M) {
        self.errors.push(syn::Error::new(span, msg));
    }

    pub fn syn_error(&mut self, err: syn::Error) {
        self.errors.push(err);
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// How many errors are recorded, so a step can tell whether it added any.
    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// `compile_error!` invocations for every collected error.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }
}

/// `` `a`, `b`, `c` `` for hints.
pub fn one_of<I, T>(names: I) -> String
where
    I: IntoIterator<Item = T>,
    T: Display,
{
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The keys an attribute accepts, for hints: `` `id` ``, `` `read` or `write` ``,
/// `` one of `a`, `b`, `c` ``.
pub fn expected_keys(keys: &[&str]) -> String {
    match keys {
        [] => "no keys".to_owned(),
        [key] => format!("`{key}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        keys => format!("one of {}", one_of(keys)),
    }
}
