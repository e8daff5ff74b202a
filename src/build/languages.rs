//! Which language a shopper gets: the copy of the site their browser asks for.
//!
//! Every language the creator offers is a full copy of the pages, prerendered (the
//! creator's default at the site's root, the others in their folders: `bake`). A
//! shopper who lands on the default copy from outside the site and whose browser
//! prefers another offered language is sent to that copy before the page paints, by a
//! small script at the top of the head: no server, no cookie, nothing stored. Why a
//! redirect and not words swapped in by the app: the first paint is the page itself, in
//! one language, and `<html lang>` is right from the first byte (screen readers pick
//! their voice from it). Its cost is one more request, for those shoppers only.
//!
//! Not redirected: a shopper moving within the site (the referrer is the site: they may
//! have chosen a language with the footer's links), a shopper who opened a language's
//! copy directly (a creator's Spanish link stays Spanish), and the page of missing
//! paths (its path is not a page's).

use crate::build::html_escape as escape;
use crate::ui::route::Route;
use linkshelf_core::locale::{Key, Locale};
use linkshelf_core::model::{Storefront, LANGUAGES_ELEMENT_ID};
use serde_json::{Map, Value};

/// The links to `route`'s page in each language the site is built in, each named in
/// its own language, the current one marked: written after the app's element (not a
/// view: the bundle never draws them), swapped with the page when the app changes
/// pages in place (`platform::show_page`). Empty for a one-language site.
pub fn links(store: &Storefront, route: &Route) -> String {
    let site = &store.site;
    if site.languages.len() < 2 {
        return String::new();
    }
    let path = route.path();
    let items: String = site
        .languages
        .iter()
        .map(|l| {
            let href = format!("{}{}{}", site.base_path(), site.folder_of(*l), path.trim_start_matches('/'));
            let current = if *l == site.locale { " aria-current=\"page\"" } else { "" };
            format!(
                "<li><a href=\"{}\" hreflang=\"{tag}\" lang=\"{tag}\"{current}>{}</a></li>",
                escape(&href),
                l.name(),
                tag = l.tag()
            )
        })
        .collect();
    format!(
        "<nav class=\"languages\" id=\"{LANGUAGES_ELEMENT_ID}\" aria-label=\"{}\"><ul>{items}</ul></nav>",
        escape(store.text.get(Key::Languages))
    )
}

/// The page of missing paths is one file for every missing path: before its first
/// paint this marks a product's path (`/p/<id>/`, under any base or language folder),
/// whose wording the page then shows (`ui::not_found`, style/main.css).
pub fn missing_script(route: &Route) -> &'static str {
    match route {
        Route::NotFound => {
            "<script>if(/\\/p\\/[^/]+\\/?(index\\.html)?$/.test(location.pathname))\
             document.documentElement.dataset.missing='product'</script>"
        }
        _ => "",
    }
}

/// `shell` with `<html lang>` set to `locale`'s tag.
pub fn set_lang(shell: &str, locale: Locale) -> String {
    const OPEN: &str = "<html lang=\"";
    match shell.find(OPEN) {
        Some(at) => {
            let value_start = at + OPEN.len();
            let value_end = shell[value_start..].find('"').map_or(value_start, |i| value_start + i);
            format!("{}{}{}", &shell[..value_start], locale.tag(), &shell[value_end..])
        }
        None => shell.to_owned(),
    }
}

/// The language choice for a page of the default copy, when the site has other
/// languages: the first of the browser's languages (`navigator.languages`, in the
/// shopper's order) that the site offers wins, matched by full tag then by primary
/// language; the default's own language stops the search (no redirect).
pub fn redirect_script(store: &Storefront, route: &Route) -> String {
    let site = &store.site;
    if site.languages.len() < 2 || !site.language_folder().is_empty() || *route == Route::NotFound {
        return String::new();
    }
    // Lowercased tags and primary languages → folder ("" for the default). The first
    // offered language to claim a primary language keeps it.
    let mut folders = Map::new();
    for locale in &site.languages {
        let tag = locale.tag().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or_default().to_owned();
        for key in [tag, primary] {
            folders.entry(key).or_insert_with(|| Value::String(site.folder_of(*locale)));
        }
    }
    let base = site.base_path();
    // `<` cannot occur in the JSON of tags and folders; `base` is a checked URL path.
    format!(
        "<script>(function(f,b){{try{{var r=document.referrer,o=location.origin+b;\
         if(r.slice(0,o.length)===o)return;var n=navigator.languages||[navigator.language];\
         for(var i=0;i<n.length;i++){{var t=String(n[i]).toLowerCase(),d=f[t];if(d===undefined)d=f[t.split('-')[0]];\
         if(d!==undefined){{if(d)location.replace(b+d+location.pathname.slice(b.length)+location.search+location.hash);return}}}}\
         }}catch(e){{}}}})({},{})</script>",
        Value::Object(folders),
        Value::String(base.to_owned())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use linkshelf_core::model::Site;

    fn store(languages: Vec<Locale>, locale: Locale) -> Storefront {
        let mut store = crate::build::config::load(std::path::Path::new("demo/storefront.json"), 0)
            .map(|(s, _)| s)
            .expect("demo config");
        store.site = Site { languages, url: "https://juno.github.io/shop/".into(), ..store.site }.in_language(locale);
        store
    }

    #[test]
    fn only_the_page_of_missing_paths_reads_its_path() {
        let script = missing_script(&Route::NotFound);
        assert!(script.starts_with("<script>") && script.contains("dataset.missing='product'"), "{script}");
        assert_eq!(script.matches("</").count(), 1);
        assert_eq!(missing_script(&Route::Home), "");
        assert_eq!(missing_script(&Route::Product("mug".into())), "");
    }

    #[test]
    fn html_lang_is_the_page_s() {
        assert_eq!(
            set_lang("<!doctype html>\n<html lang=\"en\">\n<head>", Locale::PtBr),
            "<!doctype html>\n<html lang=\"pt-BR\">\n<head>"
        );
        assert_eq!(set_lang("<html>", Locale::Ja), "<html>", "no attribute to set: left alone");
    }

    #[test]
    fn only_the_default_copy_of_a_many_language_site_redirects() {
        let all = store(Locale::ALL.to_vec(), Locale::En);
        let script = redirect_script(&all, &Route::Home);
        assert!(script.contains(r#""pt-br":"pt-br/""#), "{script}");
        assert!(script.contains(r#""pt":"pt-br/""#), "any Portuguese gets Brazil's: {script}");
        assert!(script.contains(r#""en":"""#), "English stops the search: {script}");
        assert!(script.contains(r#","/shop/")"#), "{script}");
        assert_eq!(script.matches("</").count(), 1, "nothing in the data can close the script: {script}");
        assert_eq!(redirect_script(&all, &Route::NotFound), "");
        assert_eq!(
            redirect_script(&store(Locale::ALL.to_vec(), Locale::Es), &Route::Home),
            "",
            "a language's copy stays"
        );
        assert_eq!(redirect_script(&store(vec![Locale::En], Locale::En), &Route::Home), "", "one language");
    }
}
