//! Turns a validated storefront into files of the built site.
//!
//! Trunk builds the page shell (`index.html` with the hashed JS, WASM and CSS); this
//! step, run as Trunk's `post_build` hook, writes every page from it: the page's HTML
//! rendered at build time (`prerender`) and the creator's data the app takes it over
//! with, so the first paint is the page itself. It also writes what else the site
//! needs: images, one `.ics` file per pop-up, and a page at `p/<id>/index.html` for
//! every product so a shared product link opens directly on any static host (GitHub
//! Pages, Netlify, Cloudflare Pages) without rewrite rules. Each page carries only its
//! own part of the storefront (`linkshelf_core::page_data`), and each product's part is
//! also written beside its page for the carts of other pages. Last, what makes the
//! site open offline and installable (`offline`): the manifest, its icons, the offline
//! page and the service worker.

use crate::build::calendar;
use crate::build::config::{self, Assets, ConfigError};
use crate::build::html_escape;
use crate::build::{directory, early, hosting, languages, offline, prerender, qr, seo};
use crate::ui::route::Route;
use linkshelf_core::model::{Storefront, APP_ELEMENT_ID, DATA_ELEMENT_ID};
use linkshelf_core::theme;
use linkshelf_core::{embed, page_data};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the page shell wants the data and the theme.
pub const DATA_MARKER: &str = "<!-- linkshelf:data -->";
pub const HEAD_MARKER: &str = "<!-- linkshelf:head -->";
/// Files index.html links to at the site's root by hand (not through Trunk).
const SHELL_FILES: [&str; 2] = ["favicon.svg", "linkshelf-components.css"];
/// Where the page's prerendered HTML goes.
pub const PAGE_MARKER: &str = "<!-- linkshelf:page -->";

#[derive(Debug)]
pub enum BakeError {
    /// The config has problems; every one is listed.
    Config(Vec<ConfigError>),
    /// The page shell lacks a marker (the index.html was edited).
    MissingMarker(&'static str),
    /// The shell's early-tap script was minified for another config's sinks.
    EarlyTapSinks(Vec<&'static str>),
    /// A QR code could not be made or written (an address too long to scan in print).
    Qr(qr::QrWriteError),
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for BakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BakeError::Config(errors) => {
                let plural = if errors.len() == 1 { "" } else { "s" };
                writeln!(f, "the config has {} problem{plural}:", errors.len())?;
                for e in errors {
                    writeln!(f, "  {e}")?;
                }
                Ok(())
            }
            BakeError::MissingMarker(marker) => {
                write!(f, "index.html must contain {marker} where the storefront goes")
            }
            BakeError::EarlyTapSinks(kinds) => write!(
                f,
                "the page shell's early-tap script has no format for the config's {} sink(s): build with \
                 LINKSHELF_CONFIG set to this config, so the shell is minified for its sinks",
                kinds.join(", ")
            ),
            BakeError::Qr(error) => write!(f, "{error}"),
            BakeError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BakeError + '_ {
    move |error| BakeError::Io { path: path.to_path_buf(), error }
}

/// The storefront as text for the page (see `embed::to_text`: no `<`, `>` or `&`, so
/// nothing a creator writes can end the `<script>` element early).
pub fn embed_text(store: &Storefront) -> String {
    embed::to_text(&embed::encode(store))
}

/// What `route`'s page embeds of its part `store`: the words it can show only
/// (`Text::for_route`; the build itself writes the titles and the rest from all of them).
pub fn page_data(store: &Storefront, route: &Route) -> Storefront {
    Storefront { text: store.text.for_route(route), ..store.clone() }
}

/// The MIME type of the data element: not JavaScript, so browsers never run it.
pub const DATA_TYPE: &str = "application/x-linkshelf";

/// One page of the site from the shell: its title, description, canonical address,
/// preview and schema.org tags (`seo`) and theme colours, the data, and the page
/// itself as HTML (in an element that names the page it is). `store` is the page's
/// own part of the storefront ([`Storefront::for_page`]): the HTML is rendered from
/// exactly the data the page carries, so hydration renders the same HTML.
/// The shell must say where the head tags, the data and the page go.
fn check_markers(shell: &str) -> Result<(), BakeError> {
    match [DATA_MARKER, HEAD_MARKER, PAGE_MARKER].into_iter().find(|m| !shell.contains(m)) {
        Some(marker) => Err(BakeError::MissingMarker(marker)),
        None => Ok(()),
    }
}

pub fn fill_page(shell: &str, store: &Storefront, route: &Route) -> Result<String, BakeError> {
    check_markers(shell)?;
    let missing = early::missing_sinks(shell, store);
    if !missing.is_empty() {
        return Err(BakeError::EarlyTapSinks(missing));
    }
    // The manifest and the worker's registration (`offline`) sit before the theme's
    // `<style>`, inside the part `end2end/tools/bake-copy.mjs` puts back to a marker.
    let head = format!(
        "{}{}<title>{}</title>\n{}\n{}\n{}\n<style>{}</style>",
        languages::redirect_script(store, route),
        languages::missing_script(route),
        html_escape(&route.title(store)),
        seo::head_tags(store, route),
        seo::language_links(store, route),
        offline::head_tags(store),
        theme::css_variables(&store.theme)
    );
    let rendered = prerender::render(store, route);
    let data = format!(
        "<script type=\"{DATA_TYPE}\" id=\"{DATA_ELEMENT_ID}\">{}</script>{}",
        embed_text(&page_data(store, route)),
        early::data_element(store, route, &rendered)
    );
    let page = format!(
        "<div id=\"{APP_ELEMENT_ID}\" data-route=\"{}\">{rendered}</div>{}",
        html_escape(&route.file_path()),
        languages::links(store, route)
    );
    // The shell's own links to files at the site's root follow its base path (Trunk
    // writes its hashed files under `--public-url` itself).
    let base = store.site.base_path();
    let mut html = languages::set_lang(shell, store.text.locale)
        .replacen(HEAD_MARKER, &head, 1)
        .replacen(DATA_MARKER, &data, 1)
        .replacen(PAGE_MARKER, &page, 1);
    for file in SHELL_FILES {
        html = html.replace(&format!("href=\"/{file}\""), &format!("href=\"{base}{file}\""));
    }
    Ok(html)
}

/// What a bake wrote, for the command's summary line.
#[derive(Debug, Default)]
pub struct Report {
    pub pages: usize,
    /// Brand mode: the affiliates with a page of their own (counted in `pages` too).
    pub affiliates: usize,
    pub images: usize,
    pub calendars: usize,
    /// The whole built site afterwards (Trunk's files included), as a host counts it.
    pub size: hosting::SiteSize,
    /// The documented hosts it would not fit.
    pub warnings: Vec<hosting::HostWarning>,
}

/// Validates `config_path` and writes the storefront into the built site at `dist`.
pub fn bake(config_path: &Path, dist: &Path, now: i64) -> Result<(Storefront, Report), BakeError> {
    let (store, assets) = config::load(config_path, now).map_err(BakeError::Config)?;
    let mut report = write_site(&store, &assets, config_path.parent().unwrap_or(Path::new(".")), dist, now)?;
    report.size = hosting::measure(dist).map_err(io(dist))?;
    report.warnings = hosting::warnings(&report.size);
    Ok((store, report))
}

/// For the live demo (`scripts/demo.sh`): the config's problems as the site's only
/// page, so a mistake shows in the browser the creator is looking at, not just in the
/// terminal. Written into the page shell, which keeps Trunk's live-reload script: the
/// page turns back into the shop at the first save that fixes the config. It has no
/// app element, so the app does not start on it.
pub fn write_problems_page(config_path: &Path, dist: &Path, errors: &[ConfigError]) -> Result<(), BakeError> {
    let index = dist.join("index.html");
    let shell = fs::read_to_string(&index).map_err(io(&index))?;
    check_markers(&shell)?;
    let plural = if errors.len() == 1 { "" } else { "s" };
    let items: String =
        errors.iter().map(|e| format!("<li><code>{}</code></li>", html_escape(&e.to_string()))).collect();
    let head = format!("<title>{} problem{plural} in the config</title>\n<style>{PROBLEMS_CSS}</style>", errors.len());
    let page = format!(
        "<main class=\"problems\" role=\"alert\"><h1>The shop isn't built: {} problem{plural} in {}</h1>\
         <ol>{items}</ol><p>Fix them and save: this page turns back into the shop by itself.</p></main>",
        errors.len(),
        html_escape(&config_path.display().to_string()),
    );
    let html = shell.replacen(HEAD_MARKER, &head, 1).replacen(DATA_MARKER, "", 1).replacen(PAGE_MARKER, &page, 1);
    for file in ["index.html", "404.html"] {
        write(&dist.join(file), &html)?;
    }
    Ok(())
}

const PROBLEMS_CSS: &str = ".problems{box-sizing:border-box;width:min(44rem,calc(100% - 2rem));margin:2rem auto;\
padding:1.5rem;border:3px solid #b3261e;\
border-radius:12px;background:#fff;color:#1d1b1a;font:16px/1.5 system-ui,sans-serif}\
.problems h1{font-size:1.3rem;margin:0 0 1rem;color:#b3261e}.problems li{margin:.5rem 0}\
.problems code{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.95rem}";

/// The check's view of the built site: the config baked into a scratch folder with a
/// bare page shell, measured, and removed. The real site adds Trunk's files (the
/// bundle, about 0.5 MB) and a longer shell per page, so this is a little under what
/// `bake` measures, and its warnings are the same for any site near a limit.
pub fn estimate(config_path: &Path, now: i64) -> Result<(Storefront, Report), BakeError> {
    let scratch = std::env::temp_dir().join(format!("linkshelf-check-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    write(&scratch.join("index.html"), &format!("<head>{HEAD_MARKER}</head><body>{DATA_MARKER}{PAGE_MARKER}</body>"))?;
    let baked = bake(config_path, &scratch, now);
    let _ = fs::remove_dir_all(&scratch);
    baked
}

fn write(path: &Path, contents: &str) -> Result<(), BakeError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    fs::write(path, contents).map_err(io(path))
}

/// A printable sheet of QR codes (`build::qr`): `first` (the page itself), then a card
/// per pop-up, each opening `page_url` tagged `utm_source=qr&utm_campaign=<pop-up id>`
/// so the report tells which stall's code sold.
fn qr_sheet(
    store: &Storefront,
    name: &str,
    first: qr::Card,
    popups: &[linkshelf_core::model::Popup],
    page_url: &str,
) -> qr::Sheet {
    let mut cards = vec![first];
    for popup in popups {
        let mut card = qr::Card::new(page_url, &popup.id, popup.title.clone());
        // Named apart from the page's own card, whatever the pop-up's id.
        card.name = format!("popup-{}", popup.id);
        card.subtitle = Some(popup.when_label.clone());
        cards.push(card);
    }
    qr::Sheet {
        lang: "en".into(),
        title: format!("QR codes: {name}"),
        intro: "For stickers, packaging and your pop-up table. Scans count as utm_source=qr in the numbers.".into(),
        cards,
        labels: qr::Labels::default(),
        icon: Some(store.site.file_href("favicon.svg")),
    }
}

/// Brand mode: every affiliate's page (`c/<handle>/index.html`, made from their part
/// alone: `Storefront::for_affiliate`), the part the brand's shared pages fetch for
/// their visits (`page_data::affiliate_file`), and their pop-ups' calendar files.
/// Written on every core: a roster of 10,000 is 10,000 prerendered pages.
fn write_affiliates(
    store: &Storefront,
    assets: &Assets,
    shell: &str,
    dist: &Path,
    now: i64,
    with_qr: bool,
) -> Result<usize, BakeError> {
    let roster = &assets.roster;
    let folder = dist.join(store.site.language_folder());
    let one = |affiliate: &linkshelf_core::model::Affiliate| -> Result<(), BakeError> {
        let route = Route::Affiliate(affiliate.handle.clone());
        let part = store.for_affiliate(affiliate, roster.catalogue);
        write(
            &folder.join(route.file_path().trim_start_matches('/')).join("index.html"),
            &fill_page(shell, &part, &route)?,
        )?;
        for popup in &affiliate.popups {
            write(&folder.join(&popup.ics_path), &calendar::ics(popup, &affiliate.profile, &store.text, now))?;
        }
        // The printable QR sheet is the creator's, in the site's default language.
        if !with_qr {
            return Ok(());
        }
        let page_url = store.site.page_url(&route.path());
        let mut card = qr::Card::new(&page_url, "affiliate", affiliate.profile.name.clone());
        card.subtitle = Some(affiliate.profile.handle.clone());
        card.code = affiliate.codes.first().map(|c| c.code.clone());
        let sheet = qr_sheet(store, &affiliate.profile.name, card, &affiliate.popups, &page_url);
        qr::write(dist, &format!("c/{}/qr", affiliate.handle), &sheet).map_err(BakeError::Qr)?;
        Ok(())
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = roster.affiliates.len().div_ceil(cores).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = roster
            .affiliates
            .chunks(chunk)
            .map(|affiliates| scope.spawn(move || affiliates.iter().try_for_each(one)))
            .collect();
        // A worker that panicked is a bug in rendering, not in the config: say so.
        workers.into_iter().try_for_each(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })?;
    Ok(roster.affiliates.len())
}

fn write_site(
    store: &Storefront,
    assets: &Assets,
    config_dir: &Path,
    dist: &Path,
    now: i64,
) -> Result<Report, BakeError> {
    let index = dist.join("index.html");
    let shell = fs::read_to_string(&index).map_err(io(&index))?;
    let mut report = Report::default();
    // One copy of the pages per language: the default at the root, each other in its
    // folder, with its words and its dates in them (`config::localize`).
    for locale in &store.site.languages {
        let (mut copy, mut roster) = (store.clone(), assets.roster.clone());
        if *locale != store.site.locale {
            config::localize(&mut copy, &mut roster.affiliates, *locale);
        }
        write_language(&copy, &roster, &shell, dist, now, &mut report)?;
    }
    // What every language shares, once: the products' and affiliates' data the carts
    // fetch (without words: a page keeps its own), the images, the QR sheets, the
    // sitemap and, last, the offline files.
    let shared = Storefront { text: Default::default(), ..store.clone() };
    for product in &store.products {
        let part = shared.for_page(&Route::Product(product.id.clone()));
        write(&dist.join(page_data::product_file(&product.id)), &embed_text(&part))?;
    }
    for affiliate in &assets.roster.affiliates {
        write(
            &dist.join(page_data::affiliate_file(&affiliate.handle)),
            &embed_text(&shared.affiliate_part(affiliate)),
        )?;
    }
    if assets.roster.directory {
        write(&dist.join("c/index.html"), &directory::page(store, &assets.roster))?;
        report.pages += 1;
    }
    write(&dist.join("sitemap.xml"), &seo::sitemap(store, &assets.roster))?;
    // The site's own QR codes: the home page and each pop-up (a brand's too).
    let mut home = qr::Card::new(&store.site.url, "home", store.creator.name.clone());
    home.subtitle = Some(store.creator.handle.clone()).filter(|h| !h.is_empty());
    qr::write(dist, "qr", &qr_sheet(store, &store.creator.name, home, &store.popups, &store.site.url))
        .map_err(BakeError::Qr)?;
    write(&dist.join("robots.txt"), &seo::robots(store))?;
    for image in &assets.images {
        let (from, to) = (config_dir.join(image), dist.join(image));
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir).map_err(io(dir))?;
        }
        fs::copy(&from, &to).map_err(io(&from))?;
        report.images += 1;
    }
    // Last: the service worker's version is a hash of every file written before it.
    offline::write(store, &shell, dist).map_err(io(dist))?;
    Ok(report)
}

/// One language's copy of the pages (`store` in that language): home, missing page,
/// cart, thank-you, every product, every affiliate, and the pop-ups' calendar files,
/// in the copy's folder. The page of missing paths is the default copy's alone: hosts
/// answer every missing path with the root's `404.html`.
fn write_language(
    store: &Storefront,
    roster: &linkshelf_core::model::Roster,
    shell: &str,
    dist: &Path,
    now: i64,
    report: &mut Report,
) -> Result<(), BakeError> {
    let folder = dist.join(store.site.language_folder());
    let default = store.site.language_folder().is_empty();
    let mut pages = vec![
        ("index.html".to_owned(), Route::Home),
        ("cart/index.html".to_owned(), Route::Cart),
        ("thanks/index.html".to_owned(), Route::Thanks),
    ];
    if default {
        // GitHub Pages, Netlify and Cloudflare Pages serve 404.html for missing paths: it
        // tells a shopper with an old link what happened and links home. `/thanks/` is the
        // return page a creator gives the shop as its success URL.
        pages.push(("404.html".to_owned(), Route::NotFound));
    }
    pages.extend(store.products.iter().map(|p| (format!("p/{}/index.html", p.id), Route::Product(p.id.clone()))));
    for (file, route) in &pages {
        let part = store.for_page(route);
        write(&folder.join(file), &fill_page(shell, &part, route)?)?;
        report.pages += 1;
    }
    let assets = Assets { images: Vec::new(), roster: roster.clone() };
    let affiliates = write_affiliates(store, &assets, shell, dist, now, default)?;
    report.pages += affiliates;
    if default {
        report.affiliates = affiliates;
    }
    for popup in &store.popups {
        write(&folder.join(&popup.ics_path), &calendar::ics(popup, &store.creator, &store.text, now))?;
        report.calendars += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::config;
    use linkshelf_core::locale::Locale;

    fn demo() -> Storefront {
        config::load(Path::new("demo/storefront.json"), 0).map(|(s, _)| s).expect("demo config")
    }

    #[test]
    fn embedded_text_cannot_close_the_script_and_decodes() {
        let mut store = demo();
        store.creator.bio = "</script><!-- & \u{2028} <b>".to_owned();
        let embedded = embed_text(&store);
        assert!(!embedded.contains('<') && !embedded.contains('>') && !embedded.contains('&'));
        assert_eq!(embed::decode(&embed::from_text(&embedded)), Ok(embed::as_decoded(&store)));
    }

    #[test]
    fn fills_the_shell_and_escapes_the_head() {
        let mut store = demo();
        store.creator.name = "Juno <3 & co".to_owned();
        let shell = format!("<head>{HEAD_MARKER}</head><body>{DATA_MARKER}{PAGE_MARKER}</body>");
        let page = fill_page(&shell, &store, &Route::Home).expect("filled");
        assert!(page.contains("<title>Juno &lt;3 &amp; co (@junomakes) · Shop</title>"));
        assert!(page.contains(&format!("<script type=\"{DATA_TYPE}\" id=\"{DATA_ELEMENT_ID}\">")));
        assert!(page.contains("--accent:#a9502c"));
        assert!(page.contains("<div id=\"app\" data-route=\"/\"><main id=\"main\" class=\"page\">"));
        assert!(page.contains("<h1 class=\"name\">Juno &lt;3 &amp; co</h1>"), "the page itself is in the HTML");
        assert!(matches!(fill_page("<head></head>", &store, &Route::Home), Err(BakeError::MissingMarker(_))));
    }

    #[test]
    fn a_sub_path_site_has_no_link_to_the_host_root() {
        let mut store = demo();
        store.site.url = "https://juno.github.io/shop/".to_owned();
        let shell = format!(
            "<head>{HEAD_MARKER}<link rel=\"icon\" href=\"/favicon.svg\"></head><body>{DATA_MARKER}{PAGE_MARKER}</body>"
        );
        let mut routes = vec![Route::Home, Route::NotFound, Route::Cart, Route::Thanks];
        routes.extend(store.products.iter().map(|p| Route::Product(p.id.clone())));
        for route in routes {
            let page = fill_page(&shell, &store, &route).expect("filled");
            for attribute in ["href=\"/", "src=\"/"] {
                for (at, _) in page.match_indices(attribute) {
                    let rest = &page[at + attribute.len()..];
                    assert!(rest.starts_with("shop/"), "{route:?}: {}", &page[at..(at + 60).min(page.len())]);
                }
            }
            assert!(page.contains("href=\"/shop/favicon.svg\""));
        }
        let home = fill_page(&shell, &store, &Route::Home).expect("filled");
        assert!(home.contains("href=\"/shop/p/speckled-mug/\""));
        assert!(home.contains("href=\"/shop/calendar/"), "calendar files too");
        assert!(home.contains("<link rel=\"canonical\" href=\"https://juno.github.io/shop/\">"));
    }

    #[test]
    fn a_broken_config_becomes_a_page_listing_every_problem() {
        let dist = std::env::temp_dir().join(format!("linkshelf-problems-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dist);
        let shell = format!("<head>{HEAD_MARKER}<script>reload</script></head><body>{DATA_MARKER}{PAGE_MARKER}</body>");
        write(&dist.join("index.html"), &shell).expect("shell");
        let config = Path::new("tests/fixtures/broken-storefront.json");
        let Err(BakeError::Config(errors)) = bake(config, &dist, 0) else { panic!("the fixture is broken") };
        write_problems_page(config, &dist, &errors).expect("written");
        let page = fs::read_to_string(dist.join("index.html")).expect("page");
        assert!(page.contains(&format!("{} problems in tests/fixtures/broken-storefront.json", errors.len())));
        for error in &errors {
            assert!(page.contains(&html_escape(&error.to_string())), "{error}");
        }
        assert!(page.contains("<script>reload</script>"), "the live-reload script stays");
        assert!(!page.contains(APP_ELEMENT_ID), "no app to start");
        assert_eq!(fs::read_to_string(dist.join("404.html")).expect("404"), page);
        let _ = fs::remove_dir_all(&dist);
    }

    #[test]
    fn bakes_a_site_folder() {
        let dist = std::env::temp_dir().join(format!("linkshelf-bake-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dist);
        let shell = format!("<head>{HEAD_MARKER}</head><body>{DATA_MARKER}{PAGE_MARKER}</body>");
        write(&dist.join("index.html"), &shell).expect("shell");
        {
            let (store, report) = bake(Path::new("demo/storefront.json"), &dist, 0).expect("bakes");
            // Each language's copy has every page but the page of missing paths (the root's).
            let languages = store.site.languages.len();
            assert_eq!(languages, 6, "every language by default");
            assert_eq!(report.pages, languages * (3 + store.products.len()) + 1);
            assert!(dist.join("404.html").is_file() && !dist.join("es/404.html").exists());
            let spanish = fs::read_to_string(dist.join("es/p/speckled-mug/index.html")).expect("Spanish page");
            assert!(spanish.contains("data-route=\"/p/speckled-mug/\""));
            assert!(spanish.contains("hreflang=\"ja\" href=\"https://shop.junopark.example/ja/p/speckled-mug/\""));
            let japanese_ics = fs::read_to_string(dist.join("ja/calendar/glaze-live.ics")).expect("ics");
            assert!(japanese_ics.contains("DESCRIPTION;LANGUAGE=ja:"), "{japanese_ics}");
            assert!(!dist.join("es/p/speckled-mug/product.txt").exists(), "a product's data is shared");
            assert!(dist.join("cart/index.html").is_file() && dist.join("thanks/index.html").is_file());
            assert_eq!(report.calendars, languages * store.popups.len());
            let product_page = fs::read_to_string(dist.join("p/speckled-mug/index.html")).expect("product page");
            assert!(product_page.contains(DATA_ELEMENT_ID));
            assert!(product_page.contains("<title>Speckled stoneware mug · Juno Park</title>"));
            assert!(product_page.contains("data-route=\"/p/speckled-mug/\""));
            let not_found = fs::read_to_string(dist.join("404.html")).expect("404 page");
            assert!(not_found.contains("This page isn't here"));
            assert!(dist.join("media/avatar.svg").is_file());
            let ics = fs::read_to_string(dist.join("calendar/glaze-live.ics")).expect("ics");
            assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        }
        // A page that was already baked has no markers left: a clear error, not a
        // second copy of the data.
        assert!(matches!(bake(Path::new("demo/storefront.json"), &dist, 0), Err(BakeError::MissingMarker(_))));
        let _ = fs::remove_dir_all(&dist);
    }

    /// The storefront a baked page carries, read back from its data element.
    fn embedded(page: &str) -> Storefront {
        let start = page.find(&format!("id=\"{DATA_ELEMENT_ID}\">")).expect("data element") + DATA_ELEMENT_ID.len() + 6;
        let end = start + page[start..].find("</script>").expect("end of data");
        embed::decode(&embed::from_text(&page[start..end])).expect("readable data")
    }

    #[test]
    fn each_baked_page_carries_its_own_part_and_each_product_its_file() {
        let dist = std::env::temp_dir().join(format!("linkshelf-parts-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dist);
        write(&dist.join("index.html"), &format!("<head>{HEAD_MARKER}</head><body>{DATA_MARKER}{PAGE_MARKER}</body>"))
            .expect("shell");
        let (store, _) = bake(Path::new("demo/storefront.json"), &dist, 0).expect("bakes");
        let read = |file: &str| fs::read_to_string(dist.join(file)).expect(file);
        let mug = embedded(&read("p/speckled-mug/index.html"));
        assert_eq!(mug.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["speckled-mug"]);
        let product = Route::Product("speckled-mug".into());
        assert_eq!(mug, embed::as_decoded(&page_data(&store.for_page(&product), &product)));
        let file = read(&page_data::product_file("speckled-mug"));
        let wordless = Storefront { text: Default::default(), ..mug.clone() };
        assert_eq!(
            embed::decode(&embed::from_text(&file)),
            Ok(wordless),
            "the cart's file is the page's data, no words"
        );
        // The Spanish copy carries Spanish words and its site says so.
        let spanish = embedded(&read("es/p/speckled-mug/index.html"));
        assert_eq!((spanish.text.locale, spanish.site.folder.as_str()), (Locale::Es, "es/"));
        assert_eq!(spanish.text.get(linkshelf_core::locale::Key::AddToCart), "Añadir al carrito");
        assert_eq!(spanish.products, mug.products, "the creator's text as written");
        for (file, route) in
            [("index.html", Route::Home), ("cart/index.html", Route::Cart), ("404.html", Route::NotFound)]
        {
            assert_eq!(embedded(&read(file)), embed::as_decoded(&page_data(&store.for_page(&route), &route)), "{file}");
        }
        let picks = embedded(&read("cart/index.html"));
        assert_eq!(picks.products.len(), page_data::PICKS, "the cart page carries only the creator's picks");
        let _ = fs::remove_dir_all(&dist);
    }

    /// A page's data carries only the words it can show (`Text::for_route`): rendered
    /// from them, every page of the demo and of an affiliate is the page rendered from
    /// all of them, in every language. (Words the page says later, notices and states,
    /// are in the lists by hand; the end-to-end tests go through them.)
    #[test]
    fn each_page_s_words_are_all_it_shows() {
        let (store, assets) = config::load(Path::new("demo/storefront.json"), 0).expect("demo config");
        let (brand, brand_assets) = config::load(Path::new("demo/brand.json"), 0).expect("brand config");
        let mut routes = vec![Route::Home, Route::Cart, Route::Thanks, Route::NotFound];
        routes.extend(store.products.iter().map(|p| Route::Product(p.id.clone())));
        for locale in Locale::ALL {
            let (mut copy, mut roster) = (store.clone(), assets.roster.clone());
            config::localize(&mut copy, &mut roster.affiliates, locale);
            for route in &routes {
                let part = copy.for_page(route);
                let all = prerender::render(&part, route);
                assert_eq!(prerender::render(&page_data(&part, route), route), all, "{route:?} in {}", locale.tag());
            }
            let (mut brand_copy, mut brand_roster) = (brand.clone(), brand_assets.roster.clone());
            config::localize(&mut brand_copy, &mut brand_roster.affiliates, locale);
            let affiliate = &brand_roster.affiliates[0];
            let route = Route::Affiliate(affiliate.handle.clone());
            let part = brand_copy.for_affiliate(affiliate, brand_roster.catalogue);
            assert_eq!(prerender::render(&page_data(&part, &route), &route), prerender::render(&part, &route));
        }
    }

    /// Bakes a copy of the demo with `count` products (the demo's, repeated, their
    /// images reused) spread over its collections; returns the site's total bytes and
    /// the speckled mug's page bytes.
    fn bake_catalogue(count: usize) -> (u64, u64) {
        let dir = std::env::temp_dir().join(format!("linkshelf-catalogue-{}-{count}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut config: serde_json::Value =
            serde_json::from_str(&fs::read_to_string("demo/storefront.json").expect("demo")).expect("json");
        let demo_products = config["products"].as_array().expect("products").clone();
        let products: Vec<serde_json::Value> = (0..count)
            .map(|i| {
                let mut product = demo_products[i % demo_products.len()].clone();
                if i >= demo_products.len() {
                    let id = format!("{}-{i}", product["id"].as_str().expect("id"));
                    product["id"] = id.into();
                }
                product
            })
            .collect();
        let collections = config["collections"].as_array_mut().expect("collections");
        let shelves = collections.len();
        for (i, collection) in collections.iter_mut().enumerate() {
            collection["products"] = products.iter().skip(i).step_by(shelves).map(|p| p["id"].clone()).collect();
        }
        config["products"] = products.into();
        let media = dir.join("config/media");
        fs::create_dir_all(&media).expect("media dir");
        for entry in fs::read_dir("demo/media").expect("demo media") {
            let entry = entry.expect("entry");
            fs::copy(entry.path(), media.join(entry.file_name())).expect("copy image");
        }
        let config_path = dir.join("config/storefront.json");
        write(&config_path, &config.to_string()).expect("config");
        let dist = dir.join("dist");
        write(&dist.join("index.html"), &format!("<head>{HEAD_MARKER}</head><body>{DATA_MARKER}{PAGE_MARKER}</body>"))
            .expect("shell");
        let (store, _) = bake(&config_path, &dist, 0).expect("bakes");
        assert_eq!(store.products.len(), count);
        let total = hosting::measure(&dist).expect("measured").bytes;
        let mug = fs::metadata(dist.join("p/speckled-mug/index.html")).expect("mug page").len();
        let home = fs::metadata(dist.join("index.html")).expect("home page").len();
        println!("{count} products: home page {home} B");
        let _ = fs::remove_dir_all(&dir);
        (total, mug)
    }

    // Issue #11: with the whole storefront in every page the site grew with the square
    // of the catalogue (2,000 products: ~995 MB). Now 4× the products is about 4× the
    // site, and a product page weighs the same whatever the catalogue.
    #[test]
    fn the_site_grows_linearly_and_a_product_page_not_at_all() {
        let (small, small_mug) = bake_catalogue(500);
        let (large, large_mug) = bake_catalogue(2_000);
        let ratio = large as f64 / small as f64;
        assert!((3.0..=4.5).contains(&ratio), "500 → 2,000 products: {small} → {large} bytes (×{ratio:.2})");
        // Six languages' copies of every page: still well inside GitHub Pages' 1 GB.
        assert!(large < 300_000_000, "2,000 products in six languages: {large} bytes");
        assert!(large_mug.abs_diff(small_mug) <= 64, "the mug's page: {small_mug} → {large_mug} bytes");
        println!("site: 500 products {small} B, 2,000 products {large} B (×{ratio:.2}); mug page {small_mug} → {large_mug} B");
    }

    // The embedded text, read back, is exactly the storefront the check produced, but
    // for what only the build uses (the theme and the share image).
    #[test]
    fn round_trips_the_demo_storefront() {
        let store = demo();
        assert!(store.site.share_image.is_some(), "the demo has one: the test would not see it left out");
        let decoded = embed::as_decoded(&store);
        assert_ne!(decoded.theme, store.theme);
        assert_eq!(embed::decode(&embed::encode(&store)), Ok(decoded.clone()));
        let text = embed::to_text(&embed::encode(&store));
        assert!(!text.contains(['<', '>', '&', '\r', '\0']), "nothing the HTML parser would change or end on");
        assert_eq!(embed::decode(&embed::from_text(&format!("\n  {text}\n"))), Ok(decoded));
    }

    #[test]
    fn every_truncation_of_the_demo_fails_cleanly() {
        let bytes = embed::encode(&demo());
        assert!(matches!(embed::decode(&bytes[..bytes.len() / 2]), Err(embed::DecodeError::Corrupt(_))));
        for cut in 0..bytes.len() {
            assert!(embed::decode(&bytes[..cut]).is_err());
        }
    }

    /// Bakes demo/brand.json with `extra` more affiliates in its roster (copies of the
    /// demo's rows under other handles and codes); returns the dist folder.
    fn bake_brand(extra: usize) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("linkshelf-brand-{}-{extra}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let config = dir.join("config");
        fs::create_dir_all(config.join("media")).expect("config dir");
        for entry in fs::read_dir("demo/media").expect("demo media").flatten() {
            fs::copy(entry.path(), config.join("media").join(entry.file_name())).expect("copy image");
        }
        fs::copy("demo/brand.json", config.join("brand.json")).expect("config");
        let roster = fs::read_to_string("demo/affiliates.csv").expect("roster");
        let mut lines: Vec<String> = roster.lines().map(str::to_owned).collect();
        let rows: Vec<String> = lines[1..].to_vec();
        for i in 0..extra {
            let row = &rows[i % rows.len()];
            let (handle, rest) = row.split_once(',').expect("a row");
            let code = ["MIA10", "MISAKI5", "LEILA", "TOMAS20"][i % 4];
            lines.push(format!("x{i}-{handle},{}", rest.replacen(code, &format!("X{i}{code}"), 1)));
        }
        write(&config.join("affiliates.csv"), &(lines.join("\n") + "\n")).expect("roster");
        let dist = dir.join("dist");
        write(&dist.join("index.html"), &format!("<head>{HEAD_MARKER}</head><body>{DATA_MARKER}{PAGE_MARKER}</body>"))
            .expect("shell");
        let (_, report) = bake(&config.join("brand.json"), &dist, 0).expect("bakes");
        assert_eq!(report.affiliates, 5 + extra);
        dist
    }

    // An affiliate's page carries their profile, code and picks and nothing of anyone
    // else's, and is the same file in a roster of 5 or of 1,005: a page's weight does
    // not grow with the roster.
    #[test]
    fn an_affiliate_page_is_theirs_alone_whatever_the_roster() {
        let small = bake_brand(0);
        let page = fs::read_to_string(small.join("c/junomakes/index.html")).expect("Juno's page");
        assert!(page.contains("Juno Park") && page.contains("JUNO15") && page.contains("My picks"));
        for other in ["MIA10", "Mia König", "LEILA", "sato.misaki", "WELCOME10"] {
            assert!(!page.contains(other), "{other} on Juno's page");
        }
        let data = embedded(&page);
        assert_eq!(data.affiliate.as_deref(), Some("junomakes"));
        assert_eq!(data.codes.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["JUNO15"]);
        let part = embed::decode(&embed::from_text(
            &fs::read_to_string(small.join("c/junomakes/affiliate.txt")).expect("part"),
        ))
        .expect("readable part");
        assert!(part.products.is_empty() && part.codes.len() == 1);
        assert!(fs::read_to_string(small.join("sitemap.xml")).expect("sitemap").contains("/c/tomas.rivera/"));
        let large = bake_brand(1000);
        for file in ["c/junomakes/index.html", "c/leila.haddad/index.html", "c/junomakes/affiliate.txt", "index.html"] {
            let (a, b) = (fs::read(small.join(file)).expect("small"), fs::read(large.join(file)).expect("large"));
            assert!(a == b, "{file} differs with 1,000 more affiliates");
        }
        assert!(large.join("c/x999-tomas.rivera/index.html").is_file());
        // Each affiliate's QR code opens their page tagged as a scan, their pop-ups'
        // name the pop-up; the brand's own sheet has its home and pop-ups. Decoded from
        // the written SVGs with an independent decoder.
        for (file, url) in [
            (
                "c/junomakes/qr/affiliate.svg",
                "https://fable-studio.example/c/junomakes/?utm_source=qr&utm_campaign=affiliate",
            ),
            (
                "c/junomakes/qr/popup-juno-glaze-live.svg",
                "https://fable-studio.example/c/junomakes/?utm_source=qr&utm_campaign=juno-glaze-live",
            ),
            ("qr/home.svg", "https://fable-studio.example/?utm_source=qr&utm_campaign=home"),
            (
                "qr/popup-fable-berlin-market.svg",
                "https://fable-studio.example/?utm_source=qr&utm_campaign=fable-berlin-market",
            ),
        ] {
            let svg = fs::read_to_string(small.join(file)).expect(file);
            assert_eq!(crate::build::qr::tests::decode(&svg, 4.0), url, "{file}");
        }
        let sheet = fs::read_to_string(small.join("c/junomakes/qr/index.html")).expect("Juno's sheet");
        assert!(sheet.contains("JUNO15") && sheet.contains("fable-studio.example/c/junomakes"), "code and short URL");
        let _ = fs::remove_dir_all(small.parent().expect("dir"));
        let _ = fs::remove_dir_all(large.parent().expect("dir"));
    }
}
