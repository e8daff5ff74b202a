//! Affiliates' report links: a signed, expiring credential that lets one affiliate read
//! their own figures and nobody else's.
//!
//! A credential is `aff1.<handle>.<expires>.<mac>`:
//! - `aff1`: the format and its version. A later format gets a new prefix, so an old
//!   link is refused, never misread;
//! - `<handle>`: the affiliate (`limits::is_handle`; it may hold dots, never at its ends);
//! - `<expires>`: Unix seconds, in decimal; from that second on the link is refused;
//! - `<mac>`: HMAC-SHA256 of `aff1.<handle>.<expires>` keyed with the report secret
//!   (`--report-secret`), in base64url without padding (43 characters).
//!
//! Why this shape:
//! - **Nothing stored**: a brand with thousands of affiliates has no table of tokens to
//!   keep, back up or leak; the database holds no credential at all.
//! - **Nothing to edit**: the handle and the expiry are inside the signed text, so a link
//!   cannot be turned into another affiliate's or made to last longer.
//! - **Link-safe**: every character is one a URL carries unescaped, so the link survives
//!   being pasted into any chat app.
//! - **Read from the right**: handles contain dots; the expiry and the MAC never do.
//! - **Revocation** is by changing the secret, which revokes every link at once; there is
//!   no list to revoke one. That is why links expire, at most [`MAX_DAYS`] ahead.
//!
//! Checking compares the MAC in constant time (`hmac`'s `verify_slice`) and only then
//! looks at the expiry, so a forged credential learns nothing from the answer, not even
//! whether its date would have passed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use linkshelf_core::limits::{self, MAX_HANDLE_CHARS};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The format's prefix (and version).
pub const PREFIX: &str = "aff1";
/// The shortest report secret: 256 bits, the MAC's own strength.
pub const MIN_SECRET_BYTES: usize = 32;
/// The longest a link may last: a leaked link can only be revoked with every other one.
pub const MAX_DAYS: u32 = 365;
/// Unix seconds need 11 digits until the year 5138; more is not a time.
const MAX_EXPIRES_DIGITS: usize = 12;
/// 32 bytes in base64url without padding.
const MAC_CHARS: usize = 43;
/// The longest credential: anything longer is refused before it is read.
pub const MAX_CHARS: usize = PREFIX.len() + 1 + MAX_HANDLE_CHARS + 1 + MAX_EXPIRES_DIGITS + 1 + MAC_CHARS;

/// Why a credential was refused. The reader only ever hears "401"; the kinds differ so
/// that a genuine but expired link can say so.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not an affiliate report credential")]
    Malformed,
    #[error("the credential's signature does not match")]
    Mismatch,
    #[error("this report link expired at {0} (Unix seconds); ask the brand for a new one")]
    Expired(i64),
}

/// Why a link could not be made: each names the setting to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    #[error(
        "--report-secret (or LINKSHELF_COLLECTOR_REPORT_SECRET) is required to sign affiliate links; \
         use the collector's own, e.g. made once with `openssl rand -hex 32`"
    )]
    NoSecret,
    #[error("--report-secret must be at least {MIN_SECRET_BYTES} bytes (e.g. `openssl rand -hex 32`)")]
    ShortSecret,
    #[error(
        "--handle {0:?} is not an affiliate handle: 1 to {MAX_HANDLE_CHARS} lowercase letters, digits, '.', '_' \
         or '-', starting and ending with a letter or digit (as in the brand's config)"
    )]
    Handle(String),
    #[error("--days must be from 1 to {MAX_DAYS} (a leaked link can only be revoked by changing the secret)")]
    Days,
    #[error("--base-url {0:?} must be the collector's public address, https://host[:port] (http:// for a local test)")]
    BaseUrl(String),
}

/// Checks a report secret's length (the server's settings check and the link command
/// share it).
pub fn check_secret(secret: &str) -> Result<&[u8], IssueError> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(IssueError::ShortSecret);
    }
    Ok(secret.as_bytes())
}

fn mac(secret: &[u8], signed: &str) -> HmacSha256 {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(signed.as_bytes());
    mac
}

/// The credential for `handle` until `expires` (Unix seconds).
pub fn issue(secret: &[u8], handle: &str, expires: i64) -> Result<String, IssueError> {
    if !limits::is_handle(handle) {
        return Err(IssueError::Handle(handle.to_owned()));
    }
    let signed = format!("{PREFIX}.{handle}.{expires}");
    let tag = URL_SAFE_NO_PAD.encode(mac(secret, &signed).finalize().into_bytes());
    Ok(format!("{signed}.{tag}"))
}

/// The handle a credential was issued for, if it is genuine and not expired at `now`
/// (Unix seconds). Never panics, whatever `credential` holds.
pub fn verify(secret: &[u8], credential: &str, now: i64) -> Result<String, Refused> {
    if credential.len() > MAX_CHARS {
        return Err(Refused::Malformed);
    }
    let (signed, tag) = credential.rsplit_once('.').ok_or(Refused::Malformed)?;
    let (rest, expires) = signed.rsplit_once('.').ok_or(Refused::Malformed)?;
    let handle = rest.strip_prefix(PREFIX).and_then(|h| h.strip_prefix('.')).ok_or(Refused::Malformed)?;
    if !limits::is_handle(handle)
        || expires.is_empty()
        || expires.len() > MAX_EXPIRES_DIGITS
        || !expires.bytes().all(|b| b.is_ascii_digit())
        || tag.len() != MAC_CHARS
    {
        return Err(Refused::Malformed);
    }
    let expires: i64 = expires.parse().map_err(|_| Refused::Malformed)?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Refused::Malformed)?;
    mac(secret, signed).verify_slice(&tag).map_err(|_| Refused::Mismatch)?;
    if now >= expires {
        return Err(Refused::Expired(expires));
    }
    Ok(handle.to_owned())
}

/// The affiliate's report link: `base_url` + `/v1/report?token=<credential>`, lasting
/// `days` from `now` (Unix seconds). Returns the link and when it expires.
pub fn report_link(
    secret: Option<&str>,
    handle: &str,
    days: u32,
    base_url: &str,
    now: i64,
) -> Result<(String, i64), IssueError> {
    let secret = check_secret(secret.ok_or(IssueError::NoSecret)?)?;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(IssueError::Days);
    }
    let base = base_url.trim_end_matches('/');
    let host = base.strip_prefix("https://").or_else(|| base.strip_prefix("http://"));
    if !host.is_some_and(|h| !h.is_empty() && !h.contains(['?', '#', ' '])) {
        return Err(IssueError::BaseUrl(base_url.to_owned()));
    }
    let expires = now + i64::from(days) * 86_400;
    let credential = issue(secret, handle, expires)?;
    Ok((format!("{base}/v1/report?token={credential}"), expires))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_795_804_200;

    #[test]
    fn issues_and_verifies_by_the_documented_format() {
        let c = issue(SECRET, "juno.park", NOW + 60).expect("a handle");
        let (signed, tag) = c.rsplit_once('.').expect("four parts");
        assert_eq!(signed, format!("aff1.juno.park.{}", NOW + 60));
        assert_eq!(tag.len(), MAC_CHARS);
        // The same HMAC, computed by the book (RFC 2104 via the hmac crate, base64url).
        let mut by_hand = <HmacSha256 as Mac>::new_from_slice(SECRET).expect("key");
        by_hand.update(signed.as_bytes());
        assert_eq!(tag, URL_SAFE_NO_PAD.encode(by_hand.finalize().into_bytes()));
        assert_eq!(verify(SECRET, &c, NOW), Ok("juno.park".to_owned()));
    }

    #[test]
    fn refuses_expired_tampered_and_foreign_credentials() {
        let juno = issue(SECRET, "juno.park", NOW + 60).expect("juno");
        let mika = issue(SECRET, "mika", NOW + 60).expect("mika");
        assert_eq!(verify(SECRET, &juno, NOW + 60), Err(Refused::Expired(NOW + 60)), "expires at that second");
        assert_eq!(verify(b"another-secret-of-32-bytes-or-more!!", &juno, NOW), Err(Refused::Mismatch));
        // Another handle under juno's signature, or a later expiry.
        let (_, juno_tag) = juno.rsplit_once('.').expect("tag");
        assert_eq!(verify(SECRET, &format!("aff1.mika.{}.{juno_tag}", NOW + 60), NOW), Err(Refused::Mismatch));
        assert_eq!(verify(SECRET, &format!("aff1.juno.park.{}.{juno_tag}", NOW + 9999), NOW), Err(Refused::Mismatch));
        let (_, mika_tag) = mika.rsplit_once('.').expect("tag");
        assert_eq!(verify(SECRET, &format!("aff1.juno.park.{}.{mika_tag}", NOW + 60), NOW), Err(Refused::Mismatch));
        // An expired credential is reported expired only when its signature is genuine.
        let forged_old = format!("aff1.juno.park.{}.{juno_tag}", NOW - 1);
        assert_eq!(verify(SECRET, &forged_old, NOW), Err(Refused::Mismatch));
        for bad in [
            "",
            "aff1",
            "aff1.juno",
            "aff2.juno.1.x",
            "aff1..1.AAAA",
            "aff1.Juno.99999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "aff1.juno.-5.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "aff1.juno.+5.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "aff1.juno.9999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "aff1.juno.5.AAAA",
            "aff1.juno.5.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "test-read-token-0123456789",
        ] {
            assert_eq!(verify(SECRET, bad, NOW), Err(Refused::Malformed), "{bad:?}");
        }
        assert_eq!(issue(SECRET, "Juno", NOW), Err(IssueError::Handle("Juno".into())));
    }

    #[test]
    fn report_links_check_their_settings() {
        let secret = std::str::from_utf8(SECRET).expect("text");
        let (link, expires) =
            report_link(Some(secret), "juno.park", 90, "https://stats.brand.example/", NOW).expect("link");
        assert_eq!(expires, NOW + 90 * 86_400);
        let token = link.strip_prefix("https://stats.brand.example/v1/report?token=").expect("the report's address");
        assert_eq!(verify(SECRET, token, NOW), Ok("juno.park".into()));
        let link = |secret, handle, days, base| report_link(secret, handle, days, base, NOW).map(|_| ());
        assert_eq!(link(None, "juno", 90, "https://s.example"), Err(IssueError::NoSecret));
        assert_eq!(link(Some("short"), "juno", 90, "https://s.example"), Err(IssueError::ShortSecret));
        assert_eq!(link(Some(secret), "juno", 0, "https://s.example"), Err(IssueError::Days));
        assert_eq!(link(Some(secret), "juno", MAX_DAYS + 1, "https://s.example"), Err(IssueError::Days));
        assert_eq!(link(Some(secret), "@juno", 9, "https://s.example"), Err(IssueError::Handle("@juno".into())));
        for base in ["stats.brand.example", "https://", "ftp://x", "https://x/?a=1"] {
            assert_eq!(link(Some(secret), "juno", 9, base), Err(IssueError::BaseUrl(base.into())), "{base}");
        }
    }

    fn handle() -> impl Strategy<Value = String> {
        "[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?"
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Hostile input of any kind, and of the credential's own shape, is refused, never
        /// a panic.
        #[test]
        fn any_text_is_refused_without_a_panic(text in any::<String>(), shaped in "aff1\\.[a-z0-9._-]{0,70}\\.[0-9+-]{0,14}\\.[A-Za-z0-9_=-]{0,50}") {
            prop_assert!(verify(SECRET, &text, NOW).is_err());
            prop_assert!(verify(SECRET, &shaped, NOW).is_err());
        }

        /// Every issued credential is accepted for its own handle until it expires, and
        /// any change of one character makes it refused.
        #[test]
        fn a_credential_is_its_handle_and_nothing_else(
            handle in handle(),
            ahead in 1i64..=i64::from(MAX_DAYS) * 86_400,
            at in any::<prop::sample::Index>(),
            with in any::<char>(),
        ) {
            let c = issue(SECRET, &handle, NOW + ahead).expect("a valid handle");
            prop_assert_eq!(verify(SECRET, &c, NOW), Ok(handle.clone()));
            prop_assert_eq!(verify(SECRET, &c, NOW + ahead), Err(Refused::Expired(NOW + ahead)));
            let mut chars: Vec<char> = c.chars().collect();
            let i = at.index(chars.len());
            prop_assume!(chars[i] != with);
            chars[i] = with;
            let changed: String = chars.into_iter().collect();
            prop_assert!(verify(SECRET, &changed, NOW).is_err(), "{} was accepted", changed);
        }
    }
}
