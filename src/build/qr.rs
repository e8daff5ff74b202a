//! Printable QR codes, made at build time: the tagged address a code carries, the code
//! as a small standalone SVG, and a sheet page (static HTML, no JavaScript) that prints
//! the codes as cards a creator can cut out, stick on a table or hand out at a pop-up.
//! Native only (`cli`): the encoder never reaches the WASM bundle.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use qrcodegen::{QrCode, QrCodeEcc, QrSegment};
use std::collections::HashSet;
use std::fmt;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use url::form_urlencoded;

/// Light modules around the code on every side. The QR standard asks for 4: with less,
/// phone cameras lose the finder patterns against a busy background (a poster, a
/// patterned table cloth).
pub const QUIET_ZONE: usize = 4;

/// The largest QR version (69 × 69 modules) a code may use. The sheet never prints a
/// code narrower than 4 cm, and a sticker can be that small too; 4 cm over 69 modules
/// plus the quiet zone keeps each module above 0.5 mm, which phone cameras resolve at
/// arm's length. A longer address would still encode, but as a code that fails to scan
/// in print, so it is refused while the site is built instead.
pub const MAX_VERSION: u8 = 13;

/// How many bytes of an address fit at [`MAX_VERSION`] and level Q in byte mode (the
/// mode of every address with a lowercase letter); checked against the encoder by a
/// test. Only used to tell a creator how far over they are.
pub const MAX_URL_BYTES: usize = 241;

/// Why a QR code could not be made. Each message says what to change in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrError {
    /// Phones only open a printed code as a link when it is a full `http(s)://` address;
    /// anything else shows up as plain text.
    NotAbsolute { url: String },
    /// The address needs a code too dense to scan when printed.
    TooLong { url: String, bytes: usize },
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrError::NotAbsolute { url } => write!(
                f,
                "`{url}` is not a full web address, so a phone would not open it from a QR code; \
                 set `site.url` to the site's public address (https://…)"
            ),
            QrError::TooLong { url, bytes } => write!(
                f,
                "`{url}` is {bytes} characters long, too long for a QR code that still scans when printed \
                 4 cm wide (at most {MAX_URL_BYTES}); use a shorter site address or id"
            ),
        }
    }
}

impl std::error::Error for QrError {}

/// `page_url` as printed in a QR code: with `utm_source=qr` so scans are counted apart
/// from taps on the same link, and the campaign that says which code was scanned
/// (`affiliate` on an affiliate page, the pop-up's id, `home` on a creator's home page).
///
/// Site pages have no query, but an address that has one keeps it (the tags are added
/// with `&`), and a fragment stays last, where browsers expect it.
pub fn tagged_url(page_url: &str, campaign: &str) -> String {
    let (base, fragment) = match page_url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (page_url, None),
    };
    let joiner = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    let tags = form_urlencoded::Serializer::new(String::new())
        .append_pair("utm_source", "qr")
        .append_pair("utm_campaign", campaign)
        .finish();
    let mut url = format!("{base}{joiner}{tags}");
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// What a person can type instead of scanning: the address without its scheme, query,
/// fragment and trailing slash (`https://brand.example/c/junopark/?utm_source=qr` →
/// `brand.example/c/junopark`). Browsers add `https://` themselves.
pub fn short_url(url: &str) -> String {
    let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
    let end = after_scheme.find(['?', '#']).unwrap_or(after_scheme.len());
    after_scheme[..end].trim_end_matches('/').to_owned()
}

/// A QR code of `url` as a standalone SVG file.
///
/// Error correction level Q restores up to 25 % of the code: enough for a smudged print,
/// a crease, a scratched sticker or glare on a laminated card, for one QR version over
/// level M on a typical address (41 modules across instead of 37 for 73 characters).
/// (Level H, 30 %, mostly pays for a logo over the middle, and these codes carry none.) The level is fixed, not raised where it would fit, so every
/// code of a build reads the same way.
///
/// The code is black on white, also in dark mode: most scanners only read dark modules
/// on a light ground, so the SVG brings its own white background, quiet zone included.
/// The dark modules are one `<path>` of horizontal strokes, one per run of dark modules
/// in a row, with relative moves: a build writes thousands of these files, and on 10,000
/// typical addresses this drawing was a twelfth of the bytes of a `<rect>` per module and
/// half of a filled rectangle per run. `crispEdges` keeps renderers from antialiasing
/// the seams between rows into grey lines.
pub fn svg(url: &str) -> Result<String, QrError> {
    let code = encode(url)?;
    let width = code.size();
    let path = path_data(width as usize, |x, y| code.get_module(x as i32, y as i32));
    let side = width as usize + 2 * QUIET_ZONE;
    let q = QUIET_ZONE;
    let title = html! { (url) }.into_string();
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-{q} -{q} {side} {side}\" role=\"img\" \
         shape-rendering=\"crispEdges\"><title>{title}</title>\
         <rect x=\"-{q}\" y=\"-{q}\" width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path stroke=\"#000\" d=\"{path}\"/></svg>\n"
    ))
}

fn encode(url: &str) -> Result<QrCode, QrError> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(QrError::NotAbsolute { url: url.to_owned() });
    }
    let segments = QrSegment::make_segments(url);
    let max = qrcodegen::Version::new(MAX_VERSION);
    QrCode::encode_segments_advanced(&segments, QrCodeEcc::Quartile, qrcodegen::Version::MIN, max, None, false)
        .map_err(|_| QrError::TooLong { url: url.to_owned(), bytes: url.len() })
}

/// The dark modules of a `width` × `width` code as path data: a 1-unit-wide stroke
/// through the middle of each run of dark modules, so `h3` draws three modules and the
/// default butt caps end the stroke exactly on the module edges.
fn path_data(width: usize, dark: impl Fn(usize, usize) -> bool) -> String {
    let mut d = String::with_capacity(width * width);
    // The pen, in module units from the code's top-left corner, on the middle of a row.
    let mut pen: Option<(usize, usize)> = None;
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if !dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && dark(x, y) {
                x += 1;
            }
            // Writing into a String cannot fail.
            let _ = match pen {
                None => write!(d, "M{start} {y}.5h{}", x - start),
                Some((px, py)) => write!(d, "m{} {}h{}", start as isize - px as isize, y - py, x - start),
            };
            pen = Some((x, y));
        }
    }
    d
}

/// Fixed words on the sheet, in the sheet's language. The default is English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// Shown on screen only; there is no print button (the sheet has no JavaScript).
    pub print_hint: String,
    /// Before the discount code on the card, e.g. "Code".
    pub code: String,
    /// Before the typeable address on the card, e.g. "or visit".
    pub visit: String,
    /// The QR image's alt text, before the short address: "QR code for".
    pub qr_alt: String,
    /// The link to the card's SVG file (screen only).
    pub download: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            print_hint: "Print this page (Ctrl P, or ⌘ P on a Mac) for one card per code, each QR code at least \
                         4 cm wide. Scan one with your phone before you print many."
                .into(),
            code: "Code".into(),
            visit: "or visit".into(),
            qr_alt: "QR code for".into(),
            download: "Download SVG".into(),
        }
    }
}

/// One printed card: a QR code with what a person needs when they cannot scan it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The SVG's file name without `.svg`, next to the sheet (`home`, a pop-up id,
    /// `affiliate`): ASCII letters, digits, `-`, `_` and `.`, so it is safe as a file name
    /// on every host and as a relative link without escaping.
    pub name: String,
    /// What the code carries: the page's address from [`tagged_url`].
    pub url: String,
    /// "Juno Park", or the pop-up's title.
    pub title: String,
    /// "@junopark", or the pop-up's time and place.
    pub subtitle: Option<String>,
    /// The address to type ([`short_url`] of the page).
    pub short_url: String,
    /// A discount code to print big.
    pub code: Option<String>,
}

impl Card {
    /// A card for `page_url` scanned as `campaign`, its file named after the campaign
    /// (pass a different `name` by setting the field).
    pub fn new(page_url: &str, campaign: &str, title: impl Into<String>) -> Card {
        Card {
            name: campaign.to_owned(),
            url: tagged_url(page_url, campaign),
            title: title.into(),
            subtitle: None,
            short_url: short_url(page_url),
            code: None,
        }
    }

    /// The SVG's address relative to the sheet, so the sheet works wherever the site
    /// lives (a sub-path such as `https://name.github.io/shop/` included).
    pub fn svg_href(&self) -> String {
        format!("{}.svg", self.name)
    }
}

/// A printable sheet of QR cards (`qr/index.html` of a creator's site, or
/// `c/<handle>/qr/index.html` for one affiliate of a brand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The `lang` of the page, as the storefront's (e.g. "en", "de").
    pub lang: String,
    /// The page's title and only `<h1>`.
    pub title: String,
    /// One short line under the title.
    pub intro: String,
    pub cards: Vec<Card>,
    pub labels: Labels,
    /// The site's icon (its address), so browsers do not ask for a missing
    /// `/favicon.ico`.
    pub icon: Option<String>,
}

/// The page's own CSS. Print first: `@page` margins, two cards across an A4 or Letter
/// page that never break inside, QR codes 5 cm wide (the 4 cm minimum plus room to
/// spare). On screen a grid of cards from a 390 px phone up to a desktop, with dark
/// chrome in dark mode while the code keeps its white ground.
const STYLE: &str = "\
:root{color-scheme:light dark}\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#18181b;background:#f4f4f5}\
main{max-width:66rem;margin:0 auto;padding:1.5rem 1rem 3rem}\
h1{font-size:1.75rem;line-height:1.2;margin:0 0 .4rem}\
.intro{margin:0 0 1rem;color:#3f3f46}\
.hint{margin:0 0 1.5rem;padding:.7rem .9rem;border:1px solid #d4d4d8;border-left:4px solid #18181b;\
border-radius:.5rem;background:#fff}\
.cards{list-style:none;margin:0;padding:0;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(17.5rem,1fr))}\
.card{display:flex;flex-direction:column;align-items:center;text-align:center;padding:1.25rem 1rem;\
border:1px solid #d4d4d8;border-radius:.75rem;background:#fff;break-inside:avoid;page-break-inside:avoid}\
.card h2{font-size:1.25rem;line-height:1.25;margin:0;overflow-wrap:anywhere}\
.sub{margin:.25rem 0 0;color:#3f3f46}\
.qr{display:block;width:100%;max-width:15rem;height:auto;margin:1rem 0;padding:.75rem;background:#fff;\
border:1px solid #d4d4d8;border-radius:.5rem}\
.code{margin:0 0 .75rem;font-size:.8rem;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:#3f3f46}\
.code b{display:block;margin-top:.1rem;font:700 2.25rem/1.1 ui-monospace,SFMono-Regular,Menlo,Consolas,\
\"Liberation Mono\",monospace;letter-spacing:.05em;text-transform:none;color:#000;overflow-wrap:anywhere}\
.url{margin:0;color:#3f3f46}\
.url span{display:block;font:600 1.05rem/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\",monospace;\
color:#18181b;overflow-wrap:anywhere}\
.dl{margin-top:auto;padding-top:.9rem;font-size:.9rem;color:#1d4ed8}\
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
@media (prefers-color-scheme:dark){\
body{background:#18181b;color:#f4f4f5}\
.intro,.sub,.code,.url{color:#d4d4d8}\
.hint{background:#27272a;border-color:#52525b;border-left-color:#f4f4f5}\
.card{background:#27272a;border-color:#52525b}\
.code b,.url span{color:#fff}\
.qr{border-color:#fff}\
.dl{color:#93c5fd}}\
@page{margin:12mm}\
@media print{\
body{background:#fff;color:#000;font-size:11pt}\
main{max-width:none;padding:0}\
.hint,.dl{display:none}\
.intro,.sub,.code,.url{color:#333}\
.code b,.url span{color:#000}\
.cards{grid-template-columns:1fr 1fr;gap:6mm}\
.card{border:1px dashed #888;border-radius:0;background:#fff;padding:6mm 4mm}\
.qr{width:5cm;max-width:none;padding:0;margin:4mm 0;border:0}\
.code b{font-size:24pt}}";

fn card(card: &Card, labels: &Labels) -> Markup {
    html! {
        li.card {
            h2 { (card.title) }
            @if let Some(subtitle) = &card.subtitle {
                p.sub { (subtitle) }
            }
            img.qr src=(card.svg_href()) alt={ (labels.qr_alt) " " (card.short_url) } width="240" height="240";
            @if let Some(code) = &card.code {
                p.code { (labels.code) b { (code) } }
            }
            // Long addresses wrap after a slash rather than mid-word.
            p.url {
                (labels.visit)
                span {
                    @for (i, part) in card.short_url.split_inclusive('/').enumerate() {
                        @if i > 0 { wbr; }
                        (part)
                    }
                }
            }
            a.dl href=(card.svg_href()) download { (labels.download) span.vh { ", " (card.short_url) } }
        }
    }
}

/// The sheet as a complete page. `noindex`: it is a tool for the creator, not a page for
/// search results.
pub fn sheet_html(sheet: &Sheet) -> String {
    html! {
        (DOCTYPE)
        html lang=(sheet.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (sheet.title) }
                @if let Some(icon) = &sheet.icon {
                    link rel="icon" href=(icon);
                }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    h1 { (sheet.title) }
                    @if !sheet.intro.is_empty() {
                        p.intro { (sheet.intro) }
                    }
                    p.hint { (sheet.labels.print_hint) }
                    ul.cards {
                        @for c in &sheet.cards {
                            (card(c, &sheet.labels))
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

/// Why the QR files could not be written.
#[derive(Debug)]
pub enum QrWriteError {
    /// `dir` must be a relative folder inside the site.
    BadDir(String),
    /// A card's `name` cannot be a file name on every static host.
    BadName(String),
    /// Two cards would write the same file.
    DuplicateName(String),
    Code {
        name: String,
        error: QrError,
    },
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for QrWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrWriteError::BadDir(dir) => {
                write!(f, "`{dir}` is not a folder inside the site for QR codes (use a relative path like `qr`)")
            }
            QrWriteError::BadName(name) => write!(
                f,
                "`{name}` cannot name a QR code's file: use ASCII letters, digits, `-`, `_` and `.`, \
                 not starting with `.`"
            ),
            QrWriteError::DuplicateName(name) => write!(f, "two QR codes would both be written as `{name}.svg`"),
            QrWriteError::Code { name, error } => write!(f, "QR code `{name}`: {error}"),
            QrWriteError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for QrWriteError {}

/// Longest file name accepted, well under every file system's limit with `.svg`.
const MAX_NAME_CHARS: usize = 100;

fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Writes `<dir>/<name>.svg` for every card and the sheet as `<dir>/index.html` under
/// `dist`, and returns the bytes written. `dir` is the folder inside the site: `qr` for a
/// creator's own site (`qr/home.svg`, `qr/<popup-id>.svg`), `c/<handle>/qr` for one
/// affiliate of a brand (`c/<handle>/qr/affiliate.svg`). Every code is made before any
/// file is written, so a config error leaves no half-written sheet behind.
pub fn write(dist: &Path, dir: &str, sheet: &Sheet) -> Result<usize, QrWriteError> {
    let segments: Vec<&str> = dir.split('/').collect();
    if segments.iter().any(|s| s.is_empty() || *s == "." || *s == ".." || s.contains('\\') || s.contains(':')) {
        return Err(QrWriteError::BadDir(dir.to_owned()));
    }
    let mut seen = HashSet::new();
    let mut files = Vec::with_capacity(sheet.cards.len() + 1);
    for card in &sheet.cards {
        if !is_file_name(&card.name) {
            return Err(QrWriteError::BadName(card.name.clone()));
        }
        // Hosts differ in case sensitivity: `Home` and `home` would overwrite each other.
        if !seen.insert(card.name.to_ascii_lowercase()) {
            return Err(QrWriteError::DuplicateName(card.name.clone()));
        }
        let svg = svg(&card.url).map_err(|error| QrWriteError::Code { name: card.name.clone(), error })?;
        files.push((card.svg_href(), svg));
    }
    files.push(("index.html".to_owned(), sheet_html(sheet)));

    let folder = segments.iter().fold(dist.to_path_buf(), |path, s| path.join(s));
    fs::create_dir_all(&folder).map_err(|error| QrWriteError::Io { path: folder.clone(), error })?;
    let mut bytes = 0;
    for (file, text) in files {
        let path = folder.join(file);
        fs::write(&path, &text).map_err(|error| QrWriteError::Io { path, error })?;
        bytes += text.len();
    }
    Ok(bytes)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const HOME: &str = "https://junopark.example/";
    const AFFILIATE: &str = "https://name.github.io/brand-shop/c/juno.park_official/";
    const POPUP: &str = "https://junopark.example/";

    #[test]
    fn tags_the_page_url_for_scans() {
        assert_eq!(tagged_url(HOME, "home"), "https://junopark.example/?utm_source=qr&utm_campaign=home");
        assert_eq!(
            tagged_url(AFFILIATE, "affiliate"),
            "https://name.github.io/brand-shop/c/juno.park_official/?utm_source=qr&utm_campaign=affiliate"
        );
    }

    #[test]
    fn form_encodes_odd_campaigns() {
        assert_eq!(
            tagged_url(POPUP, "märz pop-up/1&x=2#3+4"),
            "https://junopark.example/?utm_source=qr&utm_campaign=m%C3%A4rz+pop-up%2F1%26x%3D2%233%2B4"
        );
    }

    #[test]
    fn keeps_an_existing_query_and_fragment() {
        assert_eq!(
            tagged_url("https://a.example/?ref=bio", "home"),
            "https://a.example/?ref=bio&utm_source=qr&utm_campaign=home"
        );
        assert_eq!(tagged_url("https://a.example/?", "home"), "https://a.example/?utm_source=qr&utm_campaign=home");
        assert_eq!(
            tagged_url("https://a.example/p/mug/#buy", "home"),
            "https://a.example/p/mug/?utm_source=qr&utm_campaign=home#buy"
        );
    }

    #[test]
    fn short_url_is_what_a_person_types() {
        assert_eq!(short_url("https://brand.example/c/junopark/"), "brand.example/c/junopark");
        assert_eq!(
            short_url(&tagged_url("https://brand.example/c/junopark/", "affiliate")),
            "brand.example/c/junopark"
        );
        assert_eq!(short_url("http://junopark.example/#x"), "junopark.example");
        assert_eq!(short_url("junopark.example"), "junopark.example");
    }

    #[test]
    fn svg_is_one_path_on_white_with_a_title() {
        let url = tagged_url(HOME, "home");
        let svg = svg(&url).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-4 -4 "), "{svg}");
        assert_eq!(svg.matches("<path").count(), 1);
        assert_eq!(svg.matches("<rect").count(), 1, "only the white background");
        assert!(svg.contains("fill=\"#fff\""));
        assert!(svg.contains("stroke=\"#000\""));
        assert!(svg.contains("shape-rendering=\"crispEdges\""));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>https://junopark.example/?utm_source=qr&amp;utm_campaign=home</title>"), "{svg}");
    }

    #[test]
    fn svg_view_box_fits_code_and_quiet_zone() {
        let url = tagged_url(AFFILIATE, "affiliate");
        let width = encode(&url).unwrap().size() as usize;
        let side = width + 2 * QUIET_ZONE;
        assert!(svg(&url).unwrap().contains(&format!("viewBox=\"-4 -4 {side} {side}\"")));
    }

    #[test]
    fn refuses_addresses_a_phone_would_not_open_or_could_not_scan() {
        assert_eq!(svg("/c/junopark/"), Err(QrError::NotAbsolute { url: "/c/junopark/".into() }));
        let too_dense = format!("https://junopark.example/{}", "a".repeat(MAX_URL_BYTES));
        let error = svg(&too_dense).unwrap_err();
        assert!(matches!(error, QrError::TooLong { bytes, .. } if bytes == too_dense.len()), "{error:?}");
        assert!(error.to_string().contains("too long for a QR code"), "{error}");
        let beyond_any_qr = format!("https://junopark.example/{}", "a".repeat(3000));
        assert!(matches!(svg(&beyond_any_qr), Err(QrError::TooLong { .. })));
    }

    #[test]
    fn max_url_bytes_is_the_capacity_at_max_version() {
        let fits = format!("https://{}", "a".repeat(MAX_URL_BYTES - 8));
        assert!(svg(&fits).is_ok());
        let over = format!("https://{}", "a".repeat(MAX_URL_BYTES - 7));
        assert!(matches!(svg(&over), Err(QrError::TooLong { .. })));
    }

    #[test]
    fn path_data_draws_runs_with_relative_moves() {
        let rows = ["##.", "#.#", ".##"];
        let dark = |x: usize, y: usize| rows[y].as_bytes()[x] == b'#';
        assert_eq!(path_data(3, dark), "M0 0.5h2m-2 1h1m1 0h1m-2 1h2");
    }

    /// The real `svg()` output, rasterised by resvg and read back by rqrr (a decoder
    /// independent of the encoder): the level the code says it has, and its text.
    fn read(svg: &str, scale: f32) -> (rqrr::MetaData, String) {
        let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("valid SVG");
        let size = tree.size();
        let (w, h) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
        let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).expect("pixmap");
        resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
        // Transparent pixels would read as black: the SVG must paint its own white ground.
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            let p = pixmap.pixel(x as u32, y as u32).expect("in the pixmap");
            ((p.red() as u32 + p.green() as u32 + p.blue() as u32) / 3) as u8
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the image");
        grids[0].decode().expect("decodes")
    }

    /// The text of a QR code SVG, decoded as a camera would (also for `bake`'s tests).
    pub(crate) fn decode(svg: &str, scale: f32) -> String {
        read(svg, scale).1
    }

    #[test]
    fn generated_svgs_decode_to_the_tagged_url() {
        let urls = [
            tagged_url(HOME, "home"),
            tagged_url(POPUP, "berlin-dec-5"),
            tagged_url("https://junopark.example/", "märz pop-up/1&x"),
            tagged_url(
                "https://creators-of-the-north.github.io/brand-storefront-2026/c/juno.park_official-berlin/",
                "affiliate",
            ),
            tagged_url("https://name.github.io/shop/c/junopark/?ref=bio", "affiliate"),
        ];
        for url in &urls {
            let svg = svg(url).unwrap();
            // A whole and a fractional number of pixels per module.
            for scale in [4.0, 6.7] {
                assert_eq!(&decode(&svg, scale), url, "at scale {scale}");
            }
        }
    }

    /// Decoders forgive a code drawn half a module off; printers and other scanners may
    /// not. At a whole number of pixels per module every pixel must be the colour of its
    /// module, the quiet zone white.
    #[test]
    fn every_pixel_is_its_modules_colour() {
        let url = tagged_url(HOME, "home");
        let code = encode(&url).unwrap();
        let width = code.size() as isize;
        let tree = resvg::usvg::Tree::from_str(&svg(&url).unwrap(), &resvg::usvg::Options::default()).unwrap();
        let scale = 3;
        let side = width as usize + 2 * QUIET_ZONE;
        let mut pixmap = resvg::tiny_skia::Pixmap::new((side * scale) as u32, (side * scale) as u32).unwrap();
        resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale as f32, scale as f32), &mut pixmap.as_mut());
        for y in 0..side * scale {
            for x in 0..side * scale {
                let (mx, my) = ((x / scale) as isize - QUIET_ZONE as isize, (y / scale) as isize - QUIET_ZONE as isize);
                let inside = (0..width).contains(&mx) && (0..width).contains(&my);
                let dark = inside && code.get_module(mx as i32, my as i32);
                let p = pixmap.pixel(x as u32, y as u32).unwrap();
                let want = if dark { (0, 0, 0, 255) } else { (255, 255, 255, 255) };
                assert_eq!((p.red(), p.green(), p.blue(), p.alpha()), want, "pixel {x},{y}");
            }
        }
    }

    #[test]
    fn codes_are_level_q() {
        let (meta, _) = read(&svg(&tagged_url(HOME, "home")).unwrap(), 5.0);
        // rqrr reports the format bits' level: 0 = M, 1 = L, 2 = H, 3 = Q.
        assert_eq!(meta.ecc_level, 3);
    }

    fn sample_sheet() -> Sheet {
        let mut affiliate = Card::new("https://brand.example/c/junopark/", "affiliate", "Juno <Park> & co");
        affiliate.subtitle = Some("@junopark".into());
        affiliate.code = Some("JUNO15".into());
        Sheet {
            lang: "en".into(),
            title: "QR codes for \"Juno\"".into(),
            intro: "Print, cut, stick <b>".into(),
            cards: vec![affiliate],
            labels: Labels::default(),
            icon: None,
        }
    }

    #[test]
    fn sheet_escapes_text_and_links_relatively() {
        let html = sheet_html(&sample_sheet());
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(html.contains("<h1>QR codes for &quot;Juno&quot;</h1>"), "{html}");
        assert!(html.contains("Juno &lt;Park&gt; &amp; co"));
        assert!(html.contains("Print, cut, stick &lt;b&gt;"));
        assert!(html.contains("src=\"affiliate.svg\""));
        assert!(html.contains("alt=\"QR code for brand.example/c/junopark\""));
        assert!(html.contains("<b>JUNO15</b>"));
        assert_eq!(html.matches("<h1").count(), 1);
        assert_eq!(html.matches("<main>").count(), 1);
        assert!(!html.contains("<script"));
        assert!(!html.contains("href=\"/"), "no root-relative links: the site may live under a sub-path");
        assert!(html.contains("break-inside:avoid"));
        assert!(html.contains("@page"));
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("linkshelf-qr-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_the_codes_and_the_sheet() {
        let dist = scratch("write");
        let mut sheet = sample_sheet();
        sheet.cards.push(Card::new("https://brand.example/c/junopark/", "berlin-dec-5", "Pop-up"));
        let bytes = write(&dist, "c/junopark/qr", &sheet).unwrap();
        let folder = dist.join("c/junopark/qr");
        let on_disk: usize = ["affiliate.svg", "berlin-dec-5.svg", "index.html"]
            .iter()
            .map(|f| fs::metadata(folder.join(f)).unwrap().len() as usize)
            .sum();
        assert_eq!(bytes, on_disk);
        let svg = fs::read_to_string(folder.join("berlin-dec-5.svg")).unwrap();
        assert_eq!(decode(&svg, 4.0), "https://brand.example/c/junopark/?utm_source=qr&utm_campaign=berlin-dec-5");
        fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn refuses_unsafe_names_and_folders_before_writing() {
        let dist = scratch("refuse");
        let mut sheet = sample_sheet();
        for dir in ["", "/qr", "qr/../..", "qr//x", "c:\\qr"] {
            assert!(matches!(write(&dist, dir, &sheet), Err(QrWriteError::BadDir(_))), "{dir}");
        }
        for name in ["", ".hidden", "a/b", "a b", "ü"] {
            sheet.cards[0].name = name.into();
            assert!(matches!(write(&dist, "qr", &sheet), Err(QrWriteError::BadName(_))), "{name}");
        }
        sheet.cards[0].name = "home".into();
        let mut twin = sheet.cards[0].clone();
        twin.name = "Home".into();
        sheet.cards.push(twin);
        assert!(matches!(write(&dist, "qr", &sheet), Err(QrWriteError::DuplicateName(_))));
        sheet.cards.truncate(1);
        sheet.cards[0].url = "/relative/".into();
        let error = write(&dist, "qr", &sheet).unwrap_err();
        assert!(matches!(error, QrWriteError::Code { .. }), "{error}");
        assert!(!dist.exists(), "nothing written when any code fails");
    }
}
