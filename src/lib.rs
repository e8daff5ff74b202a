//! Linkshelf: a link-in-bio storefront rendered from one config file.
//!
//! The rules live in the `linkshelf-core` crate (plain Rust, tested natively). This
//! crate has three rooms:
//! - `ui`: the Leptos views, thin over the core's rules;
//! - `runtime`: the browser side (platform calls, the tracker that delivers events);
//! - `build`: build-time work on files (loading and checking the config, baking the
//!   site, calendar files), native only.

// Leptos views are nested types; the home page's is deeper than rustc's default
// query depth when rendered natively (`ssr`).
#![recursion_limit = "256"]

#[cfg(feature = "cli")]
pub mod build;
pub mod runtime;
pub mod ui;
