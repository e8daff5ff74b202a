//! Build-time work: reading the creator's config and files, checking them into an
//! always-valid model, and writing the site. Native only: these need the time zone
//! database and the ISO currency table, which stay out of the WASM bundle.

pub mod bake;
pub mod calendar;
pub mod config;
#[cfg(test)]
mod config_tests;
pub mod directory;
pub mod early;
pub mod hosting;
pub mod languages;
pub mod offline;
pub mod prerender;
pub mod qr;
#[cfg(test)]
mod roster_tests;
pub mod seo;

/// Text for an HTML attribute value or element content written by hand (the pages'
/// head tags, the offline page, the language links): `&`, `<`, `>` and `"` escaped.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
