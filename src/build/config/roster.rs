//! Brand mode: the affiliates of a brand, written in the config (`affiliates.list`) or
//! one per row of a CSV file (`affiliates.roster`), checked into [`Roster`].
//!
//! A roster row is read into the same [`RawAffiliate`] an affiliate written in the
//! config is, and checked by the same rules; only where an error points differs: a
//! field path for the config (`affiliates.list[3].codes[0].code`), the file, line and
//! column for the roster (`affiliates.csv line 7, column 8 (code)`), so a brand can
//! find the cell in their spreadsheet. Every problem of every row is reported at once:
//! a roster of 10,000 rows with 3 bad ones names exactly those 3.

use super::{
    text_of, ConfigError, ConfigErrorKind, RawAffiliate, RawAffiliates, RawCode, RawConfig, RawImage, RawOffer,
    RawSocialLink, Validator,
};
use jiff::tz::TimeZone;
use linkshelf_core::limits;
use linkshelf_core::model::{Affiliate, Creator, Roster, SocialKind, Storefront};
use linkshelf_core::page_data::PICKS_ID;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

/// The roster's columns. `handle` and `name` are required; the others may be left out
/// or empty. Order is free (the header row names them).
pub const COLUMNS: [&str; 21] = [
    "handle",
    "name",
    "avatar",
    "avatar_alt",
    "bio",
    "disclosure",
    "picks",
    "code",
    "offer",
    "min_subtotal",
    "code_starts_at",
    "code_ends_at",
    "tiktok",
    "instagram",
    "youtube",
    "twitch",
    "pinterest",
    "x",
    "threads",
    "website",
    "email",
];

/// The social link columns, named as `links[].kind` is in the config.
const SOCIAL_COLUMNS: [(&str, SocialKind); 9] = [
    ("tiktok", SocialKind::Tiktok),
    ("instagram", SocialKind::Instagram),
    ("youtube", SocialKind::Youtube),
    ("twitch", SocialKind::Twitch),
    ("pinterest", SocialKind::Pinterest),
    ("x", SocialKind::X),
    ("threads", SocialKind::Threads),
    ("website", SocialKind::Website),
    ("email", SocialKind::Email),
];

/// The site's own top-level paths and files. Affiliate pages live under `/c/`, so only
/// `/c/<handle>/` is taken; these are refused anyway so a page reads as what it is
/// (`/c/cart/` would look like the cart) and so handles could move to the root later
/// without breaking anyone's link.
const RESERVED: [&str; 14] = [
    "p", "c", "cart", "thanks", "media", "calendar", "qr", "assets", "pkg", "index", "404", "sitemap", "robots",
    "favicon",
];

/// Endings that make a handle look like a file (`/c/juno.html/`).
const FILE_ENDINGS: [&str; 20] = [
    "html",
    "htm",
    "xml",
    "txt",
    "json",
    "js",
    "mjs",
    "wasm",
    "css",
    "ics",
    "svg",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
    "avif",
    "ico",
    "webmanifest",
    "csv",
];

/// A handle as the site uses it: trimmed, without a leading `@`, NFKC-normalised (so
/// the full-width `ｊｕｎｏ` a Japanese keyboard types is `juno`) and lowercased.
/// Whether the result is a valid handle is `limits::is_handle`'s call.
pub fn normalise_handle(raw: &str) -> String {
    raw.trim().trim_start_matches('@').nfkc().collect::<String>().to_lowercase()
}

/// Whether `handle` is one of the site's own names ([`RESERVED`], [`FILE_ENDINGS`]).
pub fn is_reserved(handle: &str) -> bool {
    RESERVED.contains(&handle) || handle.rsplit_once('.').is_some_and(|(_, ending)| FILE_ENDINGS.contains(&ending))
}

/// Reads the roster file the config names, from the config's folder: its name and
/// text, or why not. `None` when the config names no roster, or when there is no
/// folder to read from (unit tests give the text to `validate_with_roster`).
pub(super) fn read(raw: &RawConfig, base_dir: Option<&Path>) -> Option<Result<(String, String), ConfigError>> {
    let name = raw.affiliates.as_ref()?.roster.as_ref()?.trim().to_owned();
    let at = |kind| ConfigError { path: "affiliates.roster".into(), kind };
    if name.is_empty() || name.starts_with('/') || name.split(['/', '\\']).any(|part| part == "..") {
        return Some(Err(at(ConfigErrorKind::BadRosterPath(name))));
    }
    let bytes = match std::fs::read(base_dir?.join(&name)) {
        Ok(bytes) => bytes,
        Err(e) => return Some(Err(at(ConfigErrorKind::Unreadable(format!("{name}: {e}"))))),
    };
    Some(
        text_of(&bytes)
            .map(|text| (name.clone(), text.strip_prefix('\u{FEFF}').unwrap_or(text).to_owned()))
            .map_err(|e| ConfigError { path: name.clone(), ..e }),
    )
}

/// One roster row, read into the config's shape, with where its values came from.
pub struct Row {
    /// The line the row starts on (a quoted value may span lines).
    pub line: u64,
    pub affiliate: RawAffiliate,
    /// The column of each of `affiliate.links`, in order.
    link_columns: Vec<&'static str>,
}

/// The header: each column's name and its position.
pub struct Header {
    index: HashMap<&'static str, usize>,
}

impl Header {
    /// Where `column` of the row at `line` is, as a person finds it in a spreadsheet.
    fn cell(&self, file: &str, line: u64, column: Option<&str>) -> String {
        match column.and_then(|c| self.index.get(c).map(|i| (c, i))) {
            Some((name, i)) => format!("{file} line {line}, column {} ({name})", i + 1),
            None => format!("{file} line {line}"),
        }
    }
}

/// Parses the roster's CSV text (RFC 4180, as spreadsheets export it) into rows in
/// the config's shape, with every problem of its structure and cells: unknown,
/// repeated or missing columns, rows with the wrong number of fields, offers that do
/// not read. `brand` names the codes' brand; `taken` are code ids in use already.
pub fn rows(file: &str, text: &str, brand: &str, taken: &HashSet<String>) -> (Vec<Row>, Vec<ConfigError>, Header) {
    let mut errors = Vec::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header_cells: Vec<String> = match reader.headers() {
        Ok(cells) => cells.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => {
            errors
                .push(ConfigError { path: format!("{file} line 1"), kind: ConfigErrorKind::Unreadable(e.to_string()) });
            return (Vec::new(), errors, Header { index: HashMap::new() });
        }
    };
    let mut index = HashMap::new();
    for (i, cell) in header_cells.iter().enumerate() {
        let path = format!("{file} line 1, column {}", i + 1);
        match COLUMNS.iter().find(|c| **c == cell) {
            None => errors.push(ConfigError { path, kind: ConfigErrorKind::UnknownColumn { name: cell.clone() } }),
            Some(column) if index.contains_key(column) => {
                errors.push(ConfigError { path, kind: ConfigErrorKind::DuplicateColumn(cell.clone()) })
            }
            Some(column) => {
                index.insert(*column, i);
            }
        }
    }
    for required in ["handle", "name"] {
        if !index.contains_key(required) {
            errors.push(ConfigError { path: format!("{file} line 1"), kind: ConfigErrorKind::MissingColumn(required) });
        }
    }
    let header = Header { index };
    if !errors.is_empty() {
        return (Vec::new(), errors, header);
    }
    let mut code_ids = taken.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(ConfigError {
                    path: format!("{file} line {line}"),
                    kind: ConfigErrorKind::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        // A row of only empty cells (a spreadsheet's trailing ",,,,") is no affiliate.
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != header_cells.len() {
            errors.push(ConfigError {
                path: header.cell(file, line, None),
                kind: ConfigErrorKind::FieldCount { found: record.len(), expected: header_cells.len() },
            });
            continue;
        }
        let cell = |column: &str| header.index.get(column).and_then(|i| record.get(*i)).map_or("", str::trim);
        let at = |column: &str| header.cell(file, line, Some(column));
        let mut affiliate = RawAffiliate {
            handle: cell("handle").to_owned(),
            name: cell("name").to_owned(),
            bio: cell("bio").to_owned(),
            disclosure: Some(cell("disclosure").to_owned()).filter(|d| !d.is_empty()),
            picks: cell("picks").split([' ', ',', '\t', '\n']).filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            ..RawAffiliate::default()
        };
        if !cell("avatar").is_empty() {
            // The picture is of the person named: their name is its honest alt text.
            let alt = Some(cell("avatar_alt")).filter(|a| !a.is_empty()).unwrap_or(cell("name"));
            affiliate.avatar = Some(RawImage { src: cell("avatar").to_owned(), alt: alt.to_owned() });
        }
        let mut link_columns = Vec::new();
        for (column, kind) in SOCIAL_COLUMNS {
            if !cell(column).is_empty() {
                affiliate.links.push(RawSocialLink { kind, url: cell(column).to_owned() });
                link_columns.push(column);
            }
        }
        let (code, offer) = (cell("code"), cell("offer"));
        if code.is_empty() {
            if !offer.is_empty() {
                errors.push(ConfigError { path: at("offer"), kind: ConfigErrorKind::OfferWithoutCode });
            }
        } else {
            // An offer that does not read is reported, and the code is still checked
            // (a duplicate, a bad end date) so every problem of the row shows at once.
            let offer = offer_of(offer, cell("min_subtotal")).unwrap_or_else(|kind| {
                errors.push(ConfigError { path: at("offer"), kind });
                RawOffer::FreeShipping { min_subtotal: None }
            });
            let id = code_id(code, &mut code_ids);
            affiliate.codes.push(RawCode {
                id,
                code: code.to_owned(),
                brand: brand.to_owned(),
                offer,
                starts_at: Some(cell("code_starts_at").to_owned()).filter(|s| !s.is_empty()),
                ends_at: Some(cell("code_ends_at").to_owned()).filter(|s| !s.is_empty()),
                time_zone: None,
                applies_to: None,
            });
        }
        rows.push(Row { line, affiliate, link_columns });
    }
    (rows, errors, header)
}

/// The line and column a roster error's path names (`affiliates.csv line 7, column 8
/// (code)`), for listing them as a spreadsheet reads: row by row, left to right.
fn cell_of(path: &str) -> (u64, u64) {
    let number = |after: &str| {
        let rest = path.split(after).nth(1).unwrap_or_default();
        rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).unwrap_or(0)
    };
    (number(" line "), number(", column "))
}

/// Where an affiliate was written: what its errors' paths are made from.
enum Place<'a> {
    /// In the config, at this prefix (`affiliates.list[3].`).
    List(String),
    /// A roster row.
    Row { file: &'a str, header: &'a Header, row: &'a Row },
}

impl Place<'_> {
    /// What the paths of the shared checks (codes, pop-ups, images …) start with; a
    /// roster row's are pointed at its cells afterwards.
    fn prefix(&self) -> &str {
        match self {
            Place::List(prefix) => prefix,
            Place::Row { .. } => ROW,
        }
    }

    /// Where `field` of the affiliate is, as an error shows it.
    fn path(&self, field: &str) -> String {
        match self {
            Place::List(prefix) => format!("{prefix}{field}"),
            Place::Row { file, header, row } => header.cell(file, row.line, row.column(field)),
        }
    }
}

impl Row {
    /// The cell an error at `field` (a path inside the row's [`RawAffiliate`], like
    /// `codes[0].offer.min_subtotal`) points at.
    fn column(&self, field: &str) -> Option<&'static str> {
        let column = match field {
            "" => return None,
            f if f.starts_with("handle") => "handle",
            f if f.starts_with("name") => "name",
            f if f.starts_with("bio") => "bio",
            f if f.starts_with("disclosure") => "disclosure",
            f if f.starts_with("avatar.alt") => "avatar_alt",
            f if f.starts_with("avatar") => "avatar",
            f if f.starts_with("picks") => "picks",
            f if f.starts_with("links[") => {
                let k: usize = f["links[".len()..].split(']').next()?.parse().ok()?;
                return self.link_columns.get(k).copied();
            }
            f if f.starts_with("codes[0].offer") && f.ends_with("min_subtotal") => "min_subtotal",
            f if f.starts_with("codes[0].offer") => "offer",
            f if f.starts_with("codes[0].starts_at") => "code_starts_at",
            f if f.starts_with("codes[0].ends_at") => "code_ends_at",
            f if f.starts_with("codes") => "code",
            _ => return None,
        };
        Some(column)
    }
}

/// Reads an `offer` cell: `15%`, an amount (`5.00 EUR`, optionally followed by
/// `off`), or `free shipping`; `min_subtotal` applies to any of them.
fn offer_of(offer: &str, min_subtotal: &str) -> Result<RawOffer, ConfigErrorKind> {
    let min_subtotal = Some(min_subtotal.to_owned()).filter(|m| !m.is_empty());
    let lower = offer.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    if words == ["free", "shipping"] || lower == "free-shipping" {
        return Ok(RawOffer::FreeShipping { min_subtotal });
    }
    if let Some(percent) = lower.strip_suffix('%').or_else(|| lower.strip_suffix("% off")) {
        return match percent.trim().parse::<i64>() {
            Ok(percent) => Ok(RawOffer::PercentOff { percent, min_subtotal }),
            Err(_) => Err(ConfigErrorKind::BadOffer(offer.to_owned())),
        };
    }
    let amount = offer.trim_end_matches(" off").trim_end_matches(" OFF").trim();
    let looks_like_money = amount.split_once(' ').is_some_and(|(n, c)| {
        n.chars().next().is_some_and(|d| d.is_ascii_digit())
            && c.len() == 3
            && c.bytes().all(|b| b.is_ascii_alphabetic())
    });
    if looks_like_money {
        Ok(RawOffer::AmountOff { amount: amount.to_uppercase(), min_subtotal })
    } else {
        Err(ConfigErrorKind::BadOffer(offer.to_owned()))
    }
}

/// A code's id (the cart and events name a code by it) from its text: `JUNO-15` →
/// `juno-15`, made unique with a number when two texts read alike (`JUNO_15`).
fn code_id(code: &str, taken: &mut HashSet<String>) -> String {
    let base = linkshelf_core::discount::id_from_text(code);
    let mut id = base.clone();
    let mut n = 2;
    while !taken.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// What the affiliates share a namespace with: handles among themselves; code ids,
/// code texts and pop-up ids with the brand's (one cart, one calendar folder).
struct Seen {
    handles: HashMap<String, String>,
    code_ids: HashMap<String, String>,
    code_texts: HashMap<String, String>,
    popup_ids: HashMap<String, String>,
}

/// Marks the paths of a roster row's errors until they are pointed at its cells.
const ROW: &str = "\u{1}";

impl Validator<'_> {
    /// Checks every affiliate, from the config then the roster, into the [`Roster`].
    pub(super) fn roster(
        &mut self,
        raw: &RawConfig,
        affiliates: &RawAffiliates,
        file: Option<Result<(String, String), ConfigError>>,
        store: &Storefront,
    ) -> Roster {
        let zone_name = raw.creator.time_zone.trim();
        let zone: Option<(String, TimeZone)> = jiff::tz::db().get(zone_name).ok().map(|tz| (zone_name.to_owned(), tz));
        if let Some(i) = raw.collections.iter().position(|c| c.id == PICKS_ID) {
            self.error(format!("collections[{i}].id"), ConfigErrorKind::ReservedCollectionId(PICKS_ID.to_owned()));
        }
        let mut seen = Seen {
            handles: HashMap::new(),
            code_ids: raw.codes.iter().enumerate().map(|(i, c)| (c.id.clone(), format!("codes[{i}].id"))).collect(),
            code_texts: raw
                .codes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.code.trim().to_uppercase(), format!("codes[{i}].code")))
                .collect(),
            popup_ids: raw.popups.iter().enumerate().map(|(i, p)| (p.id.clone(), format!("popups[{i}].id"))).collect(),
        };
        let mut roster =
            Roster { affiliates: Vec::new(), catalogue: affiliates.catalogue, directory: affiliates.directory };
        for (i, raw_affiliate) in affiliates.list.iter().enumerate() {
            let place = Place::List(format!("affiliates.list[{i}]."));
            let affiliate = self.affiliate(&place, raw_affiliate, affiliates, store, zone.as_ref(), &mut seen);
            roster.affiliates.push(affiliate);
        }
        match file {
            None => {}
            Some(Err(error)) => self.errors.push(error),
            Some(Ok((name, text))) => {
                let taken: HashSet<String> = seen.code_ids.keys().cloned().collect();
                let (rows, errors, header) = rows(&name, &text, &store.creator.name, &taken);
                let first_of_file = self.errors.len();
                self.errors.extend(errors);
                for row in &rows {
                    let first_error = self.errors.len();
                    let place = Place::Row { file: &name, header: &header, row };
                    let affiliate = self.affiliate(&place, &row.affiliate, affiliates, store, zone.as_ref(), &mut seen);
                    for error in &mut self.errors[first_error..] {
                        if let Some(field) = error.path.strip_prefix(ROW) {
                            error.path = place.path(field);
                        }
                        // A repeat within the row names the row's first one.
                        if let ConfigErrorKind::DuplicateId { first, .. } = &mut error.kind {
                            if let Some(field) = first.strip_prefix(ROW) {
                                *first = place.path(field);
                            }
                        }
                    }
                    roster.affiliates.push(affiliate);
                }
                // In the file's order, as a person goes through their spreadsheet.
                self.errors[first_of_file..].sort_by_key(|e| cell_of(&e.path));
            }
        }
        roster
    }

    fn affiliate(
        &mut self,
        place: &Place<'_>,
        raw: &RawAffiliate,
        affiliates: &RawAffiliates,
        store: &Storefront,
        zone: Option<&(String, TimeZone)>,
        seen: &mut Seen,
    ) -> Affiliate {
        let handle = normalise_handle(&raw.handle);
        let prefix = place.prefix();
        let at = |field: &str| format!("{prefix}{field}");
        if !limits::is_handle(&handle) {
            self.error(at("handle"), ConfigErrorKind::BadHandle(raw.handle.trim().to_owned()));
        } else if is_reserved(&handle) {
            self.error(at("handle"), ConfigErrorKind::ReservedHandle(handle.clone()));
        } else if let Some(first) = seen.handles.get(&handle) {
            let first = first.clone();
            self.error(at("handle"), ConfigErrorKind::DuplicateHandle { handle: handle.clone(), first });
        } else {
            seen.handles.insert(handle.clone(), place.path("handle"));
        }
        let links = raw
            .links
            .iter()
            .enumerate()
            .map(|(k, link)| linkshelf_core::model::SocialLink {
                kind: link.kind,
                url: self.social_url(at(&format!("links[{k}].url")), link),
            })
            .collect();
        let avatar = match &raw.avatar {
            Some(image) => self.image(at("avatar"), image),
            None => store.creator.avatar.clone(),
        };
        let disclosure = match &raw.disclosure {
            Some(own) => own.as_str(),
            None if !affiliates.disclosure.trim().is_empty() => affiliates.disclosure.as_str(),
            None => store.creator.disclosure.as_str(),
        };
        let profile = Creator {
            id: store.creator.id.clone(),
            name: self.required(at("name"), &raw.name),
            handle: format!("@{handle}"),
            bio: self.free_text(at("bio"), &raw.bio),
            avatar,
            disclosure: self.free_text(at("disclosure"), disclosure),
            links,
        };
        let codes = self.codes(prefix, &raw.codes, zone);
        self.check_code_reach(prefix, &raw.codes, &codes, &store.products, &store.collections);
        for (k, code) in codes.iter().enumerate() {
            if let Some(first) = seen.code_ids.get(&code.id) {
                let first = first.clone();
                self.error(at(&format!("codes[{k}].id")), ConfigErrorKind::DuplicateId { id: code.id.clone(), first });
            }
            let text = code.code.to_uppercase();
            match seen.code_texts.get(&text) {
                Some(first) => {
                    let first = first.clone();
                    self.error(
                        at(&format!("codes[{k}].code")),
                        ConfigErrorKind::DuplicateCode { code: code.code.clone(), first },
                    );
                }
                None => {
                    seen.code_texts.insert(text, place.path(&format!("codes[{k}].code")));
                }
            }
        }
        for (k, code) in codes.iter().enumerate() {
            seen.code_ids.entry(code.id.clone()).or_insert_with(|| place.path(&format!("codes[{k}].id")));
        }
        if raw.picks.is_empty() && !affiliates.catalogue {
            self.error(at("picks"), ConfigErrorKind::NoPicks);
        }
        if raw.picks.len() > limits::MAX_PICKS {
            self.error(at("picks"), ConfigErrorKind::TooManyPicks(raw.picks.len()));
        }
        self.product_list(&at("picks"), &raw.picks, |id| store.product(id).is_some());
        let popups = self.popups(prefix, &raw.popups, zone, &profile);
        for (k, popup) in popups.iter().enumerate() {
            let path = at(&format!("popups[{k}].id"));
            match seen.popup_ids.get(&popup.id) {
                Some(first) => {
                    let first = first.clone();
                    self.error(path, ConfigErrorKind::DuplicateId { id: popup.id.clone(), first });
                }
                None => {
                    seen.popup_ids.insert(popup.id.clone(), place.path(&format!("popups[{k}].id")));
                }
            }
        }
        Affiliate { handle, profile, codes, picks: raw.picks.clone(), popups }
    }
}
