//! The storefront's trip from the build into the page.
//!
//! The build encodes the validated [`Storefront`] with postcard (compact, and its
//! decoder adds only a few KB to the WASM bundle) behind a one-byte format version,
//! and puts it base64-encoded inside the page. The app decodes it before its first
//! render: no request, no parsing of the human config in the browser.

use crate::domain::model::Storefront;
use std::fmt;

/// Bumped whenever the model changes shape, so a mismatch reads as such.
pub const FORMAT_VERSION: u8 = 2;

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

pub fn decode(bytes: &[u8]) -> Result<Storefront, DecodeError> {
    match bytes.split_first() {
        None => Err(DecodeError::Empty),
        Some((&FORMAT_VERSION, rest)) => {
            postcard::from_bytes(rest).map_err(|e| DecodeError::Corrupt(e.to_string()))
        }
        Some((&other, _)) => Err(DecodeError::Version(other)),
    }
}

#[cfg(all(test, feature = "cli"))]
mod tests {
    use super::*;
    use crate::domain::config;
    use std::path::Path;

    fn demo() -> Storefront {
        config::load(Path::new("demo/storefront.json"), 0).map(|(s, _)| s).expect("demo config")
    }

    #[test]
    fn round_trips_the_demo_storefront() {
        let store = demo();
        assert_eq!(decode(&encode(&store)), Ok(store));
    }

    #[test]
    fn damaged_data_is_an_error_not_a_panic() {
        let bytes = encode(&demo());
        assert_eq!(decode(&[]), Err(DecodeError::Empty));
        assert_eq!(decode(&[99, 1, 2]), Err(DecodeError::Version(99)));
        assert!(matches!(decode(&bytes[..bytes.len() / 2]), Err(DecodeError::Corrupt(_))));
        assert!(matches!(decode(&[FORMAT_VERSION, 0xff, 0xff, 0xff]), Err(DecodeError::Corrupt(_))));
        // Every truncation fails cleanly.
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err());
        }
    }
}
