//! Offline at the pop-up, and installable (issue #14, point 2).
//!
//! A creator sells at a market stall where the phone network drops out. After one
//! visit with network the storefront opens with none: its pages, codes, schedule and
//! the product pictures already seen; taps made offline wait in the app's own outbox
//! (`standard` privacy) with their time and go when the network is back. This module
//! writes, at bake time and after every other file of the site:
//!
//! - `manifest.webmanifest`: the creator's name, the site's base path as `id`,
//!   `start_url` and `scope` (a site can live under a sub-path, `/shop/`), `standalone`,
//!   the theme's colours (`theme_color` the accent, `background_color` the preset's
//!   light background, the splash screen's) and three PNG icons, 192 and 512 px and a
//!   maskable 512 px (Chrome installs from 144 px up). One manifest for the whole site:
//!   in brand mode an affiliate's page links the brand's (a manifest per affiliate would
//!   be a fifth file per affiliate, and hosts count files: see `hosting`).
//! - `icons/*.png`: the creator's avatar in a circle on their accent, drawn with resvg
//!   when the avatar is a local SVG, PNG, JPEG, GIF or WebP; otherwise (a remote or AVIF
//!   avatar, or one resvg cannot read) the site's shelf mark (the favicon's) in the
//!   accent's colours. No text is drawn, so the icons need no font and are the same on
//!   every build machine.
//! - `offline.html`: the page the worker shows when a page never opened on this device
//!   is asked for with no network, in the site's look (its stylesheet and theme), with
//!   a way to try again, a link home and the product pages saved for offline. No script
//!   runs on it (the app and the early-tap script are left out: it has no data).
//! - `sw.js`: the service worker, from `sw.js` beside this file, with this build's
//!   version and precache lists. See [`worker`] for its strategy.
//!
//! Every page (`bake::fill_page`) links the manifest and registers the worker with
//! [`head_tags`]: about 0.1 KB brotli of HTML, and nothing in the WASM. It registers once
//! the app has started and the page has loaded (`TrunkApplicationStarted`, then `load`),
//! so the worker's download and its precache never compete with the first paint or the
//! WASM (which is then in the HTTP cache: precaching it costs no second download). A
//! page whose app never starts (no module support, or the WASM blocked) registers
//! nothing and works as before.
//!
//! Privacy: the worker stores only the site's own public files (the same bytes the
//! browser's HTTP cache holds), keyed by path without the query, so a landing URL's
//! campaign tags, click ids and code never reach its cache. It never sees an event
//! (non-GET and cross-origin requests are not its business) nor the cart (the app's
//! storage). So it runs under `strict` privacy and with Global Privacy Control too:
//! nothing it keeps is personal.

use crate::build::bake::{DATA_MARKER, HEAD_MARKER, PAGE_MARKER};
use crate::build::html_escape;
use linkshelf_core::locale::Key;
use linkshelf_core::model::{Image, Storefront};
use linkshelf_core::{page_data, theme};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub const MANIFEST_FILE: &str = "manifest.webmanifest";
pub const WORKER_FILE: &str = "sw.js";
pub const OFFLINE_FILE: &str = "offline.html";
/// The icons: (file, size in px, maskable).
pub const ICONS: [(&str, u32, bool); 3] =
    [("icons/icon-192.png", 192, false), ("icons/icon-512.png", 512, false), ("icons/maskable-512.png", 512, true)];
/// Product pages (with the part a cart on another page fetches) precached at install,
/// in the order the home page shows them. Pages a shopper opens are kept whatever
/// their number; these are the ones ready before they are opened. The bound keeps the
/// first visit's extra download small on a phone plan (a demo product page is about
/// 9 KB brotli, its part 1 KB: 24 are about 0.25 MB) and a catalogue of 500 products
/// or a brand's 10,000 affiliate pages out of it: affiliate pages are never precached
/// (the one visited is kept when it is opened).
pub const PRECACHE_PRODUCTS: usize = 24;
/// How long a page waits for the network before the worker shows its saved copy.
pub const NETWORK_TIMEOUT_MS: u32 = 3_000;
/// Pictures kept across deploys, the oldest dropped first.
pub const MEDIA_MAX: usize = 200;

const TEMPLATE: &str = include_str!("sw.js");

/// What every page's `<head>` gets: the manifest, and the worker's registration once
/// the app has started and the page has loaded. `?.` leaves browsers without service
/// workers alone; a failed registration (offline at the first visit) is retried by
/// the next page load.
pub fn head_tags(store: &Storefront) -> String {
    let base = store.site.base_path();
    format!(
        "<link rel=\"manifest\" href=\"{base}{MANIFEST_FILE}\">\n<script>addEventListener(\"TrunkApplicationStarted\",()=>{{\
         let r=()=>navigator.serviceWorker?.register(\"{base}{WORKER_FILE}\").catch(()=>0);\
         document.readyState==\"complete\"?r():addEventListener(\"load\",r)}})</script>"
    )
}

/// A name for the home screen: the creator's name when it fits under an icon (12
/// characters, as Chrome's guidance for `short_name`), else their handle without the
/// `@`, else the name cut at a whole character.
fn short_name(store: &Storefront) -> String {
    const FITS: usize = 12;
    let name = store.creator.name.trim();
    let handle = store.creator.handle.trim().trim_start_matches('@');
    if name.chars().count() <= FITS {
        name.to_owned()
    } else if !handle.is_empty() && handle.chars().count() <= FITS {
        handle.to_owned()
    } else {
        linkshelf_core::limits::cut_at_grapheme(name, FITS).trim_end().to_owned()
    }
}

/// The web app manifest (JSON).
pub fn manifest(store: &Storefront) -> String {
    let base = store.site.base_path();
    let light = store.theme.preset.look().light;
    let icons: Vec<_> = ICONS
        .iter()
        .map(|(file, size, maskable)| {
            json!({
                "src": format!("{base}{file}"),
                "sizes": format!("{size}x{size}"),
                "type": "image/png",
                "purpose": if *maskable { "maskable" } else { "any" },
            })
        })
        .collect();
    let manifest = json!({
        "id": base,
        "name": store.creator.name,
        "short_name": short_name(store),
        "description": store.creator.bio,
        "lang": store.text.locale.tag(),
        "dir": "auto",
        "start_url": base,
        "scope": base,
        "display": "standalone",
        "theme_color": store.theme.accent,
        "background_color": light.bg,
        "categories": ["shopping"],
        "icons": icons,
    });
    serde_json::to_string_pretty(&manifest).unwrap_or_default()
}

/// The favicon's shelf mark, in a 512 unit square centred on (256, 256).
const MARK: &str = "<path transform=\"scale(16)\" d=\"M9 8h3v13h11v3H9z\" fill=\"{on}\"/>";

/// The avatar as a data URL resvg can read, when it is a local file of a kind it
/// decodes.
fn avatar_data_url(avatar: &Image, dist: &Path) -> Option<String> {
    use base64::Engine as _;
    if avatar.is_remote() {
        return None;
    }
    let extension = Path::new(&avatar.src).extension()?.to_str()?.to_ascii_lowercase();
    let mime = match extension.as_str() {
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => return None,
    };
    let bytes = fs::read(dist.join(&avatar.src)).ok()?;
    Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

/// The icon's drawing in a 512 unit square: the accent (a rounded square, or the
/// whole square for a maskable icon, whose corners the launcher cuts) and the
/// avatar in a circle, or the mark. A maskable icon keeps what matters inside the
/// middle 80 % circle (radius 204.8): the avatar's circle has radius 180 there.
fn icon_svg(store: &Storefront, picture: Option<&str>, maskable: bool) -> String {
    let theme = &store.theme;
    let background = if maskable {
        format!("<rect width=\"512\" height=\"512\" fill=\"{}\"/>", theme.accent)
    } else {
        format!("<rect width=\"512\" height=\"512\" rx=\"112\" fill=\"{}\"/>", theme.accent)
    };
    let radius = if maskable { 180 } else { 208 };
    let middle = match picture {
        Some(url) => format!(
            "<clipPath id=\"c\"><circle cx=\"256\" cy=\"256\" r=\"{radius}\"/></clipPath>\
             <circle cx=\"256\" cy=\"256\" r=\"{}\" fill=\"{}\"/>\
             <image x=\"{at}\" y=\"{at}\" width=\"{d}\" height=\"{d}\" preserveAspectRatio=\"xMidYMid slice\" \
             clip-path=\"url(#c)\" xlink:href=\"{url}\"/>",
            radius + 8,
            theme.on_accent,
            at = 256 - radius,
            d = 2 * radius,
        ),
        None => MARK.replace("{on}", &theme.on_accent),
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         viewBox=\"0 0 512 512\">{background}{middle}</svg>"
    )
}

fn render(svg: &str, size: u32) -> io::Result<resvg::tiny_skia::Pixmap> {
    use resvg::{tiny_skia, usvg};
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).map_err(io::Error::other)?;
    let mut pixmap = tiny_skia::Pixmap::new(size, size).ok_or_else(|| io::Error::other("empty icon"))?;
    let scale = size as f32 / 512.0;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    Ok(pixmap)
}

/// One icon as PNG bytes: the avatar when resvg could draw it (a picture that adds
/// not one pixel to the icon was unreadable), else the mark.
pub fn icon_png(store: &Storefront, dist: &Path, size: u32, maskable: bool) -> io::Result<Vec<u8>> {
    let picture = avatar_data_url(&store.creator.avatar, dist);
    let mut pixmap = render(&icon_svg(store, None, maskable), size)?;
    if let Some(url) = picture {
        let with_avatar = render(&icon_svg(store, Some(&url), maskable), size)?;
        let ring_only = render(&icon_svg(store, Some("data:,"), maskable), size)?;
        if with_avatar.data() != ring_only.data() {
            pixmap = with_avatar;
        }
    }
    pixmap.encode_png().map_err(io::Error::other)
}

/// What the worker precaches: `core` (all or nothing: the hashed JS, WASM and CSS the
/// page shell links, the home page, the cart, the offline page and a local avatar)
/// and `more` (the first [`PRECACHE_PRODUCTS`] product pages in the home page's order,
/// each with its cart part; left out when the shopper asked to save data).
pub fn precache(store: &Storefront, shell: &str, dist: &Path) -> (Vec<String>, Vec<String>) {
    let base = store.site.base_path();
    let mut core = hashed_files(shell, base, dist);
    core.extend([base.to_owned(), format!("{base}cart/")]);
    // Each language's offline page: small, and a shopper in any copy gets theirs.
    core.extend(store.site.languages.iter().map(|l| format!("{base}{}{OFFLINE_FILE}", store.site.folder_of(*l))));
    if !store.creator.avatar.is_remote() {
        core.push(store.site.image_url(&store.creator.avatar));
    }
    let mut order: Vec<&str> = Vec::new();
    let shown = store.collections.iter().flat_map(|c| c.products.iter().map(String::as_str));
    for id in shown.chain(store.products.iter().map(|p| p.id.as_str())) {
        if !order.contains(&id) {
            order.push(id);
        }
        if order.len() == PRECACHE_PRODUCTS {
            break;
        }
    }
    let more = order
        .iter()
        .flat_map(|id| [store.site.href(&format!("p/{id}/")), store.site.file_href(&page_data::product_file(id))])
        .collect();
    (core, more)
}

/// The hashed files the page shell names (in quotes, under the base path, ending in
/// `.js`, `.wasm` or `.css`) that exist in the built site, once each.
fn hashed_files(shell: &str, base: &str, dist: &Path) -> Vec<String> {
    // Every piece between two quote marks of either kind, not only the odd ones: an
    // apostrophe in a script's text ("Couldn't") must not shift the pairs. A piece
    // that is not a file name (code, prose) has a space, a slash or a quote in it.
    let mut found: Vec<String> = Vec::new();
    for candidate in shell.split(['"', '\'']) {
        let Some(file) = candidate.strip_prefix(base) else { continue };
        let named = [".js", ".wasm", ".css"].iter().any(|e| file.ends_with(e));
        let plain = !file.is_empty() && !file.contains(['/', '\\', '?', '#', ' ', '\n']);
        if named && plain && dist.join(file).is_file() && !found.iter().any(|f| f == candidate) {
            found.push(candidate.to_owned());
        }
    }
    found
}

/// The site's version: the first 16 hex digits of a SHA-256 over every file of the
/// built site but the worker (its path and bytes, in path order). Any change a deploy
/// makes (a page, a picture, the bundle) makes a new worker, which the browser fetches
/// on the next visit with network, installs and puts in charge at once, deleting the
/// old build's saved pages.
pub fn site_version(dist: &Path) -> io::Result<String> {
    let mut files = Vec::new();
    collect(dist, dist, &mut files)?;
    files.sort();
    let mut hash = Sha256::new();
    for (relative, path) in files {
        if relative == WORKER_FILE {
            continue;
        }
        let bytes = fs::read(&path)?;
        hash.update(relative.as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(root, &path, out)?;
        } else {
            let relative = path.strip_prefix(root).map_err(io::Error::other)?;
            let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            out.push((name, path));
        }
    }
    Ok(())
}

/// The service worker for this build, from the template (`sw.js` beside this file;
/// its full-line comments are left out).
///
/// Its strategy, each choice for a reason:
/// - It handles only GET requests of the site itself (same origin, under the base
///   path): events (POSTs, beacons) to the creator's backends pass untouched, so the
///   app's outbox, which already persists and retries, stays their only sender and
///   nothing is sent twice or kept by the worker.
/// - Pages and the site's data files (a product's part, an affiliate's part, `.ics`):
///   network first, revalidated with the host (never an older copy from the HTTP
///   cache), so with network a new deploy shows at once; after 3 s without an answer
///   (a market's weak signal), or on a network error or a 5xx, the saved copy; for a
///   page never saved, the offline page. Pages the app fetches to change pages in
///   place follow the same rule (a miss fails the fetch and the app loads the page,
///   which then gets the offline page).
/// - Trunk's hashed JS, WASM and CSS: the saved copy first (their names change with
///   their bytes).
/// - Pictures: the saved copy at once while a fresh one is fetched for the next view
///   (stale-while-revalidate), kept across deploys, at most 200 (oldest out).
/// - Install precaches [`precache`] (all or nothing: a failed install is tried again
///   on the next visit), then the pages open at that moment (the first visit landed
///   before the worker existed, maybe on a page the lists leave out, an affiliate's),
///   and the pictures those pages and the home page showed, copied from the browser's
///   HTTP cache with `only-if-cached` (never downloaded: a picture not seen stays out;
///   a host that sends `no-store` leaves none to copy). Then it takes over at once
///   (`skipWaiting`, `clients.claim`); activate deletes every other build's cache of
///   this site (cache names carry the base path, so two sites on one origin leave each
///   other alone).
///   An old worker can therefore never show an old page while the network answers: it
///   asks the network first, and it is replaced as soon as the browser has seen the
///   new `sw.js` (on the next navigation with network).
pub fn worker(base: &str, version: &str, core: &[String], more: &[String], folders: &[String]) -> String {
    let list = |urls: &[String]| serde_json::to_string(urls).unwrap_or_else(|_| "[]".into());
    let quoted = |text: &str| {
        let json = serde_json::to_string(text).unwrap_or_default();
        json[1..json.len() - 1].replace('\'', "\\'")
    };
    let source: String =
        TEMPLATE.lines().filter(|line| !line.trim_start().starts_with("//")).map(|line| format!("{line}\n")).collect();
    source
        .replace("'__VERSION__'", &format!("'{}'", quoted(version)))
        .replace("'__BASE__'", &format!("'{}'", quoted(base)))
        .replace("__CORE__", &list(core))
        .replace("__MORE__", &list(more))
        .replace("__FOLDERS__", &list(folders))
        .replace("TIMEOUT_MS = 3000", &format!("TIMEOUT_MS = {NETWORK_TIMEOUT_MS}"))
        .replace("MEDIA_MAX = 200", &format!("MEDIA_MAX = {MEDIA_MAX}"))
}

/// The shell without the element that starts with `start` (up to its `</script>`).
fn without_script(html: &str, start: &str) -> String {
    let Some(at) = html.find(start) else { return html.to_owned() };
    let Some(len) = html[at..].find("</script>") else { return html.to_owned() };
    format!("{}{}", &html[..at], html[at + len + "</script>".len()..].trim_start_matches('\n'))
}

const OFFLINE_CSS: &str = ".offline .avatar{width:72px;height:72px;border-radius:50%;object-fit:cover}\
.offline .who{margin:0;font-weight:600}\
.offline .actions{display:flex;flex-wrap:wrap;gap:var(--space-3);justify-content:center}\
.offline .saved{width:100%;max-width:28rem;margin-top:var(--space-6);text-align:start}\
.offline .saved ul{margin:0;padding:0;list-style:none;border-top:1px solid var(--border)}\
.offline .saved a{display:flex;align-items:center;min-height:48px;padding:0 var(--space-2);\
border-bottom:1px solid var(--border);color:var(--text);text-decoration:none}\
.offline .saved a:hover{color:var(--accent-text)}";

/// The offline page, from the page shell: the site's stylesheet and theme, the
/// creator, what happened, a way to try again and home, and the product pages the
/// worker saved at install. `saved` are (path, title) pairs.
pub fn offline_page(shell: &str, store: &Storefront, saved: &[(String, String)]) -> String {
    let base = store.site.base_path();
    let name = html_escape(&store.creator.name);
    let text = &store.text;
    let word = |key: Key| html_escape(text.get(key));
    let title = html_escape(&text.fill(Key::OfflineTitle, &[("name", &store.creator.name)]));
    let head = format!(
        "<title>{title}</title>\n<meta name=\"robots\" content=\"noindex\">\n\
         <link rel=\"manifest\" href=\"{base}{MANIFEST_FILE}\">\n<style>{}</style><style>{OFFLINE_CSS}</style>",
        theme::css_variables(&store.theme)
    );
    let avatar = &store.creator.avatar;
    // Only a local picture: the worker saved it; a remote one would be a broken image.
    let picture = match avatar.is_remote() {
        true => String::new(),
        false => format!(
            "<img src=\"{}\" alt=\"\" width=\"72\" height=\"72\" class=\"avatar\">",
            html_escape(&store.site.image_url(avatar))
        ),
    };
    let list: String = saved
        .iter()
        .map(|(path, title)| {
            format!("<li><a href=\"{}\"><bdi>{}</bdi></a></li>", html_escape(path), html_escape(title))
        })
        .collect();
    let saved_nav = match saved.is_empty() {
        true => String::new(),
        false => format!(
            "<nav aria-labelledby=\"saved-title\" class=\"saved\"><h2 id=\"saved-title\" class=\"section-title\">\
             {}</h2><ul>{list}</ul></nav>",
            word(Key::OfflineSeen)
        ),
    };
    let page = format!(
        "<main id=\"main\" class=\"page state offline\">{picture}<p class=\"who\"><bdi>{name}</bdi></p>\
         <h1>{}</h1><p>{}</p>\
         <div class=\"actions\"><a href=\"\" class=\"button primary\">{}</a>\
         <a href=\"{}\" class=\"button\">{}</a></div>{saved_nav}</main>",
        word(Key::Offline),
        word(Key::OfflineDetail),
        word(Key::TryAgain),
        html_escape(&store.site.href("/")),
        word(Key::OpenShop),
    );
    let shell = without_script(&without_script(shell, "<script type=\"module\">"), "<script data-sinks=");
    let shell = crate::build::languages::set_lang(&shell, store.text.locale);
    let mut html = shell.replacen(HEAD_MARKER, &head, 1).replacen(DATA_MARKER, "", 1).replacen(PAGE_MARKER, &page, 1);
    for file in ["favicon.svg", "linkshelf-components.css"] {
        html = html.replace(&format!("href=\"/{file}\""), &format!("href=\"{base}{file}\""));
    }
    html
}

/// Writes the manifest, the icons, the offline page and, last (its version hashes all
/// the rest), the worker. `shell` is the page shell every page was made from.
pub fn write(store: &Storefront, shell: &str, dist: &Path) -> io::Result<()> {
    let put = |file: &str, bytes: &[u8]| -> io::Result<()> {
        let path = dist.join(file);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, bytes).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    };
    put(MANIFEST_FILE, manifest(store).as_bytes())?;
    for (file, size, maskable) in ICONS {
        put(file, &icon_png(store, dist, size, maskable)?)?;
    }
    let (core, more) = precache(store, shell, dist);
    let saved: Vec<(String, String)> = store
        .products
        .iter()
        .map(|p| (store.site.href(&format!("p/{}/", p.id)), p.title.clone()))
        .filter(|(path, _)| more.contains(path))
        .collect();
    // The offline page of each language's copy, in its words; the pages saved at
    // install are the default copy's (pages opened in any language are saved as they
    // are opened).
    let mut folders = Vec::new();
    for locale in &store.site.languages {
        let mut copy = store.clone();
        crate::build::config::localize(&mut copy, &mut [], *locale);
        let folder = copy.site.language_folder();
        put(&format!("{folder}{OFFLINE_FILE}"), offline_page(shell, &copy, &saved).as_bytes())?;
        if !folder.is_empty() {
            folders.push(folder);
        }
    }
    let version = site_version(dist)?;
    put(WORKER_FILE, worker(store.site.base_path(), &version, &core, &more, &folders).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use resvg::tiny_skia::Pixmap;

    fn demo() -> Storefront {
        crate::build::config::load(Path::new("demo/storefront.json"), 0).map(|(s, _)| s).expect("demo config")
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("linkshelf-offline-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    const SHELL: &str =
        "<html lang=\"en\"><head><!-- linkshelf:head --><script data-sinks=\"collector\">early(\"Couldn't copy\")</script>\
        <link rel=\"stylesheet\" href=\"/linkshelf-0123456789abcdef.css\" integrity=\"x\">\
        <link rel=\"icon\" href=\"/favicon.svg\"><script type=\"module\">\nconst start = async () => \
        { await import('/linkshelf-web-0123456789abcdef.js'); await init({ module_or_path: \
        '/linkshelf-web-0123456789abcdef_bg.wasm' }); };\n</script></head>\
        <body><!-- linkshelf:data --><!-- linkshelf:page --></body></html>";

    fn with_assets(dir: &Path) {
        for file in [
            "linkshelf-0123456789abcdef.css",
            "linkshelf-web-0123456789abcdef.js",
            "linkshelf-web-0123456789abcdef_bg.wasm",
        ] {
            fs::write(dir.join(file), file).expect("asset");
        }
    }

    #[test]
    fn the_manifest_names_the_creator_under_the_base_path() {
        let mut store = demo();
        let read = |store: &Storefront| -> serde_json::Value { serde_json::from_str(&manifest(store)).expect("json") };
        let manifest = read(&store);
        assert_eq!(manifest["name"], "Juno Park");
        assert_eq!(manifest["short_name"], "Juno Park");
        assert_eq!(
            (&manifest["start_url"], &manifest["scope"], &manifest["id"]),
            (&json!("/"), &json!("/"), &json!("/"))
        );
        assert_eq!(manifest["display"], "standalone");
        assert_eq!(manifest["theme_color"], "#a9502c");
        assert_eq!(manifest["background_color"], "#f6f3ee");
        let purposes: Vec<_> =
            manifest["icons"].as_array().expect("icons").iter().map(|i| i["purpose"].clone()).collect();
        assert_eq!(purposes, [json!("any"), json!("any"), json!("maskable")]);
        assert_eq!(manifest["icons"][1]["sizes"], "512x512");

        store.site.url = "https://juno.github.io/shop/".into();
        store.creator.name = "Juno Park & the Slow Mornings Studio".into();
        store.theme.preset = theme::Preset::Soft;
        let manifest = read(&store);
        assert_eq!((&manifest["start_url"], &manifest["scope"]), (&json!("/shop/"), &json!("/shop/")));
        assert_eq!(manifest["icons"][0]["src"], "/shop/icons/icon-192.png");
        assert_eq!(manifest["short_name"], "junomakes", "a long name gives way to the handle");
        assert_eq!(manifest["background_color"], "#fdf2f4", "the preset's background");
        store.creator.handle = "@a-handle-too-long-too".into();
        assert_eq!(short_name(&store), "Juno Park &");
    }

    #[test]
    fn every_page_links_the_manifest_and_registers_the_worker_under_its_base() {
        let mut store = demo();
        store.site.url = "https://juno.github.io/shop/".into();
        let tags = head_tags(&store);
        assert!(tags.contains("<link rel=\"manifest\" href=\"/shop/manifest.webmanifest\">"));
        assert!(tags.contains("register(\"/shop/sw.js\")"));
        assert!(tags.contains("TrunkApplicationStarted"), "after the app, never on the first paint's path");
        assert!(tags.len() < 300, "{} bytes in every page", tags.len());
    }

    /// The pixel at (x, y) as RGB.
    fn pixel(pixmap: &Pixmap, x: u32, y: u32) -> (u8, u8, u8) {
        let p = pixmap.pixel(x, y).expect("in the icon").demultiply();
        (p.red(), p.green(), p.blue())
    }

    #[test]
    fn icons_are_the_avatar_on_the_accent_or_the_mark() {
        let store = demo();
        let dist = scratch("icons");
        fs::create_dir_all(dist.join("media")).expect("media");
        fs::copy("demo/media/avatar.svg", dist.join("media/avatar.svg")).expect("avatar");
        for (_, size, maskable) in ICONS {
            let png = icon_png(&store, &dist, size, maskable).expect("drawn");
            let icon = Pixmap::decode_png(&png).expect("a PNG");
            assert_eq!((icon.width(), icon.height()), (size, size));
            // The avatar's background colour (#F2C9AE) in the middle, the accent
            // (#a9502c) near the edge, and a maskable icon's corners filled too.
            let middle = pixel(&icon, size / 2, size / 6);
            assert!(middle.0.abs_diff(0xf2) < 8 && middle.1.abs_diff(0xc9) < 8, "{middle:?}");
            assert_eq!(pixel(&icon, size / 2, 2), (0xa9, 0x50, 0x2c));
            let corner = icon.pixel(0, 0).expect("corner").alpha();
            assert_eq!(corner == 255, maskable, "a maskable icon is full bleed, the other rounded");
        }
        // No readable avatar (missing here, or remote): the mark in the accent's colours.
        let mut remote = store.clone();
        remote.creator.avatar.src = "https://cdn.example/juno.jpg".into();
        for store in [&remote, &store] {
            let icon =
                Pixmap::decode_png(&icon_png(store, &scratch("no-avatar"), 192, false).expect("drawn")).expect("a PNG");
            assert_eq!(pixel(&icon, 96, 96), (0xa9, 0x50, 0x2c), "accent around the mark");
            assert_eq!(pixel(&icon, 60, 120), (0xff, 0xff, 0xff), "the mark in the accent's text colour");
        }
        // A PNG avatar is drawn too.
        fs::write(dist.join("media/avatar.png"), icon_png(&remote, &dist, 192, true).expect("a PNG")).expect("png");
        let mut png_avatar = store.clone();
        png_avatar.creator.avatar.src = "media/avatar.png".into();
        let icon = Pixmap::decode_png(&icon_png(&png_avatar, &dist, 512, false).expect("drawn")).expect("a PNG");
        assert_eq!(pixel(&icon, 256, 256), (0xa9, 0x50, 0x2c), "the PNG's own accent in the middle");
        let _ = fs::remove_dir_all(&dist);
    }

    #[test]
    fn precache_is_the_shell_and_a_bounded_set_of_product_pages() {
        let mut store = demo();
        let dist = scratch("precache");
        with_assets(&dist);
        let (core, more) = precache(&store, SHELL, &dist);
        assert_eq!(
            core,
            [
                "/linkshelf-0123456789abcdef.css",
                "/linkshelf-web-0123456789abcdef.js",
                "/linkshelf-web-0123456789abcdef_bg.wasm",
                "/",
                "/cart/",
                "/offline.html",
                "/es/offline.html",
                "/de/offline.html",
                "/fr/offline.html",
                "/pt-br/offline.html",
                "/ja/offline.html",
                "/media/avatar.svg"
            ]
        );
        let first = &store.collections[0].products[0];
        assert_eq!(more[..2], [format!("/p/{first}/"), format!("/p/{first}/product.txt")]);
        assert_eq!(more.len(), 2 * store.products.len().min(PRECACHE_PRODUCTS));
        // A catalogue of 500: still 24 pages.
        let product = store.products[0].clone();
        store.products = (0..500)
            .map(|i| {
                let mut p = product.clone();
                p.id = format!("p{i}");
                p
            })
            .collect();
        store.collections.clear();
        let (_, more) = precache(&store, SHELL, &dist);
        assert_eq!(more.len(), 2 * PRECACHE_PRODUCTS);
        assert_eq!(more[0], "/p/p0/");
        // Under a sub-path; a file the shell names but the site lacks is left out.
        store.site.url = "https://juno.github.io/shop/".into();
        let shell =
            SHELL.replace("'/linkshelf-web", "'/shop/linkshelf-web").replace("\"/linkshelf-0", "\"/shop/linkshelf-0");
        fs::remove_file(dist.join("linkshelf-web-0123456789abcdef_bg.wasm")).expect("removed");
        let (core, _) = precache(&store, &shell, &dist);
        assert_eq!(
            core[..3],
            ["/shop/linkshelf-0123456789abcdef.css", "/shop/linkshelf-web-0123456789abcdef.js", "/shop/"]
        );
        let _ = fs::remove_dir_all(&dist);
    }

    #[test]
    fn the_version_changes_with_any_file_but_the_worker() {
        let dist = scratch("version");
        fs::create_dir_all(dist.join("p/mug")).expect("dir");
        fs::write(dist.join("index.html"), "home").expect("home");
        fs::write(dist.join("p/mug/index.html"), "mug").expect("mug");
        let first = site_version(&dist).expect("hashed");
        assert_eq!(first.len(), 16);
        assert_eq!(site_version(&dist).expect("hashed"), first, "the same site, the same version");
        fs::write(dist.join(WORKER_FILE), "any worker").expect("worker");
        assert_eq!(site_version(&dist).expect("hashed"), first, "the worker itself is not counted");
        fs::write(dist.join("p/mug/index.html"), "mug!").expect("mug");
        let second = site_version(&dist).expect("hashed");
        assert_ne!(second, first);
        // Moving bytes from one file to another is a change too.
        fs::write(dist.join("p/mug/index.html"), "mu").expect("mug");
        fs::write(dist.join("index.html"), "homeg!").expect("home");
        assert_ne!(site_version(&dist).expect("hashed"), second);
        let _ = fs::remove_dir_all(&dist);
    }

    #[test]
    fn the_worker_is_the_template_with_this_builds_lists() {
        let core = vec!["/shop/".to_owned(), "/shop/offline.html".to_owned()];
        let more = vec!["/shop/p/mug/".to_owned()];
        let written = worker("/shop/", "0123456789abcdef", &core, &more, &["es/".to_owned()]);
        assert!(written.contains("const VERSION = '0123456789abcdef';"));
        assert!(written.contains("const BASE = '/shop/';"));
        assert!(written.contains("const CORE = [\"/shop/\",\"/shop/offline.html\"];"));
        assert!(written.contains("const MORE = [\"/shop/p/mug/\"];"));
        assert!(!written.contains("__"), "every placeholder filled");
        assert!(!written.lines().any(|l| l.trim_start().starts_with("//")), "no comment lines");
        // What it must never touch: requests that are not GET, and other origins.
        assert!(written.contains("if (request.method !== 'GET'"));
        assert!(written.contains("url.origin === self.location.origin && url.pathname.startsWith(BASE)"));
        assert!(written.contains("if (!ours(url)) return;"));
        // A quote in a base path cannot end the string.
        assert!(worker("/it's/", "v", &[], &[], &[]).contains("const BASE = '/it\\'s/';"));
    }

    #[test]
    fn the_offline_page_is_in_the_sites_look_and_runs_no_script() {
        let mut store = demo();
        store.site.url = "https://juno.github.io/shop/".into();
        let page = offline_page(SHELL, &store, &[("/shop/p/mug/".into(), "Mug <3".into())]);
        assert!(page.contains("<title>Offline · Juno Park</title>"));
        assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
        assert!(page.contains("--accent:#a9502c"), "the theme");
        assert!(page.contains("href=\"/linkshelf-0123456789abcdef.css\""), "the site's stylesheet");
        assert!(page.contains("<h1>You're offline</h1>"));
        assert!(page.contains("<a href=\"/shop/\" class=\"button\">Open the shop</a>"));
        assert!(page.contains("<li><a href=\"/shop/p/mug/\"><bdi>Mug &lt;3</bdi></a></li>"));
        assert!(page.contains("href=\"/shop/favicon.svg\""));
        assert!(!page.contains("<script"), "no app, no early taps: it has no data");
        assert!(!page.contains("linkshelf:"), "every marker filled");
        let none = offline_page(SHELL, &store, &[]);
        assert!(!none.contains("Saved on this device"), "no empty list");
    }

    #[test]
    fn writes_every_file_with_the_worker_last() {
        let store = demo();
        let dist = scratch("write");
        with_assets(&dist);
        fs::write(dist.join("index.html"), "home").expect("home");
        write(&store, SHELL, &dist).expect("written");
        for file in [MANIFEST_FILE, OFFLINE_FILE, WORKER_FILE, ICONS[0].0, ICONS[1].0, ICONS[2].0] {
            assert!(dist.join(file).is_file(), "{file}");
        }
        let worker = fs::read_to_string(dist.join(WORKER_FILE)).expect("worker");
        let version = site_version(&dist).expect("hashed");
        assert!(worker.contains(&format!("const VERSION = '{version}';")), "the version of everything written");
        let offline = fs::read_to_string(dist.join(OFFLINE_FILE)).expect("offline page");
        let first = store.product(&store.collections[0].products[0]).expect("first product");
        assert!(offline.contains(&format!("<bdi>{}</bdi>", html_escape(&first.title))), "saved pages listed");
        let _ = fs::remove_dir_all(&dist);
    }
}
