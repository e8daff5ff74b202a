//! The storefront's pages and the paths that reach them: [`Route`] lives in the core
//! (`linkshelf_core::route`), beside the rule of which data each page carries.

pub use linkshelf_core::route::Route;
