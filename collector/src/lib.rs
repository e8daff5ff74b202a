//! Linkshelf's event collector (issue #5): takes the storefront's events, records
//! verified purchases from shop webhooks, and answers the numbers a creator needs,
//! all on one SQLite file.

pub mod client;
pub mod config;
pub mod credential;
pub mod event;
pub mod forward;
pub mod load;
pub mod server;
pub mod stats;
pub mod store;
pub mod webhook;
