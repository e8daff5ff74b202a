//! A stand-in for the `wasm-streams` crate, which Leptos pulls in through `server_fn`'s
//! `browser` feature (always on) for streaming server functions. Linkshelf has no
//! server functions, but the real crate exports three JavaScript classes
//! (`IntoUnderlyingSource`, `…ByteSource`, `…Sink`) from the WASM module, and exports
//! are kept whether anything calls them or not: with them came their futures, I/O and
//! error-message code. Measured on the release bundle (2026-12-03, the demo): 13.8 KB
//! raw / 4.5 KB brotli of WASM and 0.9 KB brotli of JS glue before minification.
//!
//! This keeps only what `server_fn` names (`ReadableStream::{from_raw, into_raw,
//! from_stream, into_stream}`), with the same signatures, so it compiles unchanged.
//! Only streaming server functions reach `from_stream` and `into_stream`, and they
//! stop there: add a streaming server function and this stand-in must go (delete it
//! and the `[patch.crates-io]` entry).

pub mod readable {
    use futures_util::stream::Stream;
    use wasm_bindgen::JsValue;

    /// The browser's own stream types, as the real crate re-exports them.
    pub mod sys {
        pub use web_sys::ReadableStream;
    }

    /// A browser `ReadableStream`, held as it is.
    pub struct ReadableStream {
        raw: sys::ReadableStream,
    }

    impl ReadableStream {
        pub fn from_raw(raw: sys::ReadableStream) -> Self {
            Self { raw }
        }

        pub fn into_raw(self) -> sys::ReadableStream {
            self.raw
        }

        /// Streaming server-function requests only (see the crate's comment).
        pub fn from_stream<St>(_stream: St) -> Self
        where
            St: Stream<Item = Result<JsValue, JsValue>> + 'static,
        {
            unimplemented!("streaming server functions: Linkshelf replaces wasm-streams (patches/wasm-streams)")
        }

        /// Streaming server-function responses only (see the crate's comment).
        pub fn into_stream(self) -> futures_util::stream::Empty<Result<JsValue, JsValue>> {
            unimplemented!("streaming server functions: Linkshelf replaces wasm-streams (patches/wasm-streams)")
        }
    }
}

pub use readable::ReadableStream;
