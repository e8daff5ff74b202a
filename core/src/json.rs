//! The JSON the page sends, written by hand: a string escaper and an object writer
//! that keeps insertion order. miniserde's generic serializer cost 5 KB of WASM for this
//! one job; the tests check both against miniserde's own output.

/// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters
/// escaped, everything else as UTF-8. Written here because miniserde's generic
/// serializer cost 5 KB of WASM for this one job; tests check it against miniserde.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON object written in insertion order. Cheaper in WASM than building a
/// `miniserde::json::Value` tree (a sorted map per object).
pub struct JsonObject(String);

impl JsonObject {
    pub fn new() -> Self {
        JsonObject(String::from("{"))
    }

    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&quote(key));
        self.0.push(':');
        self.0.push_str(json);
        self
    }

    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.raw(key, &quote(value))
    }

    /// A string, or `null` when absent.
    pub fn optional(&mut self, key: &str, value: &Option<String>) -> &mut Self {
        match value {
            Some(v) => self.string(key, v),
            None => self.raw(key, "null"),
        }
    }

    pub fn finish(&mut self) -> String {
        let mut out = std::mem::take(&mut self.0);
        out.push('}');
        out
    }
}

impl Default for JsonObject {
    fn default() -> Self {
        Self::new()
    }
}
