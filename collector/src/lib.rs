//! Linkshelf's event collector (issue #5): takes the storefront's events, records
//! verified purchases from shop webhooks, and answers the numbers a creator needs,
//! all on one SQLite file; with a ClickHouse configured (issue #15), that file is the
//! outbox of a shared store several collectors ship to and read stats from.

pub mod ch_checkouts;
pub mod ch_day_memory;
pub mod ch_days;
pub mod ch_lookup;
pub mod ch_picks;
pub mod ch_purchases;
pub mod ch_recent_picks;
pub mod clickhouse;
pub mod client;
pub mod config;
pub mod credential;
pub mod event;
pub mod forward;
pub mod fresh;
pub mod generate;
pub mod generate_ch;
pub mod load;
pub mod retention;
pub mod server;
pub mod ship;
pub mod stats;
pub mod stats_source;
pub mod store;
pub mod webhook;
