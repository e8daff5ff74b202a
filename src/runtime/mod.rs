//! The browser runtime: the platform calls (storage, clipboard, `Intl`, network) behind
//! one module with native stand-ins, and the tracker that delivers events by the core's
//! delivery rules. No views here.

pub mod platform;
pub mod tracking;
