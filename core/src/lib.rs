//! Linkshelf's rules in plain Rust, shared by the storefront (compiled to WASM) and the
//! collector (native): no browser calls, no files, no Leptos, so every rule is tested
//! natively with `cargo test -p linkshelf-core`.
//!
//! The contract between the page and the collector lives here: the event envelope and
//! its names (`events`), the limits both sides enforce (`limits`), and the payloads each
//! analytics backend receives (`sinks`).

pub mod attribution;
pub mod cart;
pub mod checkout;
pub mod delivery;
pub mod discount;
pub mod embed;
pub mod events;
#[cfg(test)]
mod fixture;
pub mod in_app;
pub mod json;
pub mod limits;
pub mod locale;
pub mod model;
pub mod money;
pub mod page_data;
pub mod pricing;
pub mod route;
pub mod schedule;
pub mod share;
pub mod sinks;
pub mod stored;
pub mod theme;
pub mod tracker;
