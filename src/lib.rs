//! Linkshelf: a link-in-bio storefront rendered from one config file.
//!
//! `domain` holds the rules (plain Rust, tested natively); `ui` holds the thin Leptos
//! components that render them.

pub mod domain;
pub mod ui;
