//! Plain Rust rules with no browser calls, tested natively with `cargo test`.

pub mod attribution;
pub mod cart;
pub mod checkout;
pub mod delivery;
pub mod discount;
pub mod embed;
pub mod events;
pub mod model;
pub mod money;
pub mod pricing;
pub mod schedule;
pub mod sinks;
pub mod theme;

// Build-time only: these need the time zone database and the ISO currency table,
// which stay out of the WASM bundle.
#[cfg(feature = "cli")]
pub mod bake;
#[cfg(feature = "cli")]
pub mod calendar;
#[cfg(feature = "cli")]
pub mod config;
#[cfg(all(test, feature = "cli"))]
mod config_tests;
