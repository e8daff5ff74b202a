//! Linkshelf: a link-in-bio storefront rendered from one config file.
//!
//! `domain` holds the rules (plain Rust, tested natively); `ui` holds the thin Leptos
//! components that render them.

// Leptos views are nested types; the home page's is deeper than rustc's default
// query depth when rendered natively (`ssr`).
#![recursion_limit = "256"]

pub mod domain;
pub mod ui;
