//! The storefront's trip from the build into the page.
//!
//! The build encodes the validated [`Storefront`] with postcard (compact, and its
//! decoder adds only a few KB to the WASM bundle) behind a one-byte format version,
//! and puts it percent-encoded inside the page. The app decodes it before its first
//! render: no request, no parsing of the human config in the browser.
//!
//! Why percent-encoding and not base64: the bytes are mostly the creator's text, and
//! percent-encoding leaves printable ASCII as it is, so the page's brotli compresses
//! that text as text. Base64 shifts every byte across character boundaries; the
//! demo's data went from 5.2 KB to about 3.5 KB brotli.

use crate::model::Storefront;
use std::fmt;

/// Bumped whenever the model changes shape, so a mismatch reads as such.
pub const FORMAT_VERSION: u8 = 5;

/// What a page's data holds of `store` once decoded: all of it but what only the build
/// uses (`#[serde(skip)]` in the model: the theme, in the page's CSS, and the share
/// image, in its head tags), which the app never reads.
pub fn as_decoded(store: &Storefront) -> Storefront {
    let mut decoded = store.clone();
    decoded.theme = Default::default();
    decoded.site.share_image = None;
    decoded.site.languages = Vec::new();
    decoded.site.locale = Default::default();
    for code in &mut decoded.codes {
        code.time_zone = None;
    }
    for product in &mut decoded.products {
        product.time_zone = None;
    }
    decoded
}

#[derive(Clone, Debug, PartialEq)]
pub enum DecodeError {
    Empty,
    /// Built by a different version of Linkshelf than the app reading it.
    Version(u8),
    Corrupt(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "the data is empty"),
            DecodeError::Version(v) => {
                write!(f, "the data is format {v}, this app reads format {FORMAT_VERSION}: rebuild the site")
            }
            DecodeError::Corrupt(why) => write!(f, "the data is damaged ({why})"),
        }
    }
}

pub fn encode(store: &Storefront) -> Vec<u8> {
    let mut bytes = vec![FORMAT_VERSION];
    // Serialising plain owned data into a Vec cannot fail.
    bytes.extend(postcard::to_allocvec(store).unwrap_or_default());
    bytes
}

/// What must be escaped in the page: controls (the HTML parser rewrites CR and NUL),
/// `%` itself, and `<` and `&` so nothing in the data can end the `<script>` element
/// or be read as markup. Bytes above 0x7F are always escaped.
const EMBED_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'%').add(b'<').add(b'>').add(b'&');

/// The bytes as text for the page.
pub fn to_text(bytes: &[u8]) -> String {
    percent_encoding::percent_encode(bytes, EMBED_ESCAPES).to_string()
}

/// Reads [`to_text`]'s text back (a damaged escape stays as it is, and the decoder
/// then reports the data as damaged).
pub fn from_text(text: &str) -> Vec<u8> {
    percent_encoding::percent_decode(text.trim().as_bytes()).collect()
}

pub fn decode(bytes: &[u8]) -> Result<Storefront, DecodeError> {
    match bytes.split_first() {
        None => Err(DecodeError::Empty),
        Some((&FORMAT_VERSION, rest)) => postcard::from_bytes(rest).map_err(|e| DecodeError::Corrupt(e.to_string())),
        Some((&other, _)) => Err(DecodeError::Version(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_survives_the_page_text() {
        let all: Vec<u8> = (0..=255).collect();
        let text = to_text(&all);
        assert!(text.chars().all(|c| c.is_ascii_graphic() || c == ' '), "{text}");
        assert_eq!(from_text(&text), all);
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        assert_eq!(decode(&[]), Err(DecodeError::Empty));
        assert_eq!(decode(&[99, 1, 2]), Err(DecodeError::Version(99)));
        assert!(matches!(decode(&[FORMAT_VERSION, 0xff, 0xff, 0xff]), Err(DecodeError::Corrupt(_))));
    }
}
