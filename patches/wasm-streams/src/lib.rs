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
//! Only streaming server functions reach `from_stream` and `into_stream`; here they
//! fail the way a network error would (an errored stream, an error item), so such a
//! call reaches its caller as a server-function error, never a panic and never an
//! empty body taken for data. Add a streaming server function and this stand-in must go
//! (delete it and the `[patch.crates-io]` entry).

pub mod readable {
    use futures_util::future::{ready, Ready};
    use futures_util::stream::{once, Once, Stream};
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

        /// Streaming server-function requests only (see the crate's comment): a stream
        /// that errors as soon as it is read, so the request fails; `stream` is dropped.
        pub fn from_stream<St>(_stream: St) -> Self
        where
            St: Stream<Item = Result<JsValue, JsValue>> + 'static,
        {
            use js_sys::{Function, Object, Reflect};
            use wasm_bindgen::{closure::Closure, JsCast};
            // The underlying source's `start(controller)` calls `controller.error(…)`.
            let start = Closure::once_into_js(|controller: JsValue| {
                if let Ok(error) = Reflect::get(&controller, &JsValue::from_str("error")) {
                    if let Some(error) = error.dyn_ref::<Function>() {
                        let _ = error.call1(&controller, &JsValue::from_str(UNSUPPORTED));
                    }
                }
            });
            let source = Object::new();
            let _ = Reflect::set(&source, &JsValue::from_str("start"), &start);
            // Every browser that can stream a request body has the constructor; one that
            // cannot has no stream to take, and the request goes without a body.
            let raw = sys::ReadableStream::new_with_underlying_source(&source)
                .unwrap_or_else(|_| JsValue::UNDEFINED.unchecked_into());
            Self { raw }
        }

        /// Streaming server-function responses only (see the crate's comment): one error
        /// item, then the end.
        pub fn into_stream(self) -> Once<Ready<Result<JsValue, JsValue>>> {
            once(ready(Err(JsValue::from_str(UNSUPPORTED))))
        }
    }

    /// What a streaming server function gets instead of its stream.
    const UNSUPPORTED: &str = "streaming server functions are not supported: Linkshelf replaces wasm-streams \
                               (patches/wasm-streams)";
}

pub use readable::ReadableStream;
