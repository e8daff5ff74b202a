//! Brand mode's directory (`affiliates.directory`): one static page at `/c/` listing
//! every affiliate, for brands that want shoppers to find their creator. Off by
//! default: many brands keep their roster to themselves.
//!
//! A plain page with no app and no data: a list of links is all it is, and it is the one
//! page whose size grows with the roster (about 150 bytes of HTML per affiliate, their
//! photos loaded lazily as they scroll into view). The browser's own find-in-page
//! searches it; the list is sorted by name as the shopper's language would sort it
//! in most cases (case-insensitively, by Unicode code point after that).

use linkshelf_core::locale::{self, Counted, Key};
use linkshelf_core::model::{Roster, Storefront};
use maud::{html, PreEscaped, DOCTYPE};

/// The page's CSS: the brand's accent on links and avatars' rings, light and dark.
fn style(accent: &str) -> String {
    format!(
        ":root{{color-scheme:light dark;--accent:{accent}}}*{{box-sizing:border-box}}\
body{{margin:0;font:16px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#1d1b1a;background:#faf8f5}}\
main{{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem}}h1{{font-size:1.6rem;line-height:1.2;margin:0 0 .3rem}}\
.intro{{margin:0 0 1.25rem;color:#57534e}}ul{{list-style:none;margin:0;padding:0}}\
li a{{display:flex;align-items:center;gap:.8rem;min-height:3.5rem;padding:.5rem .25rem;border-bottom:1px solid #e7e5e4;\
color:inherit;text-decoration:none}}li a:hover .name,li a:focus-visible .name{{text-decoration:underline}}\
img{{width:44px;height:44px;border-radius:50%;object-fit:cover;flex:none;border:2px solid var(--accent)}}\
.name{{font-weight:600;overflow-wrap:anywhere;unicode-bidi:plaintext}}.handle{{color:#57534e;margin-left:auto;font-size:.95rem}}\
.back{{display:inline-block;margin-bottom:1rem;color:inherit}}\
@media (prefers-color-scheme:dark){{body{{background:#1b1917;color:#f5f5f4}}.intro,.handle{{color:#d6d3d1}}\
li a{{border-color:#44403c}}}}"
    )
}

/// The directory page of `roster`'s affiliates, under `store`'s site and look.
pub fn page(store: &Storefront, roster: &Roster) -> String {
    let mut affiliates: Vec<_> = roster.affiliates.iter().collect();
    affiliates.sort_by_cached_key(|a| (a.profile.name.to_lowercase(), a.handle.clone()));
    let brand = &store.creator.name;
    let text = &store.text;
    let title = text.fill(Key::DirectoryTitle, &[("brand", brand)]);
    let count = affiliates.len() as u64;
    let intro = text.count(Counted::DirectoryIntro, count, locale::plural(text.locale, count));
    html! {
        (DOCTYPE)
        html lang=(text.locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="canonical" href=(store.site.page_url("c/"));
                link rel="icon" href=(store.site.file_href("favicon.svg"));
                style { (PreEscaped(style(&store.theme.accent_text_light))) }
            }
            body {
                main {
                    a.back href=(store.site.href("/")) { "← " (brand) }
                    h1 { (title) }
                    p.intro { (intro) }
                    ul {
                        @for a in &affiliates {
                            li {
                                a href=(store.site.href(&format!("c/{}/", a.handle))) {
                                    img src=(store.site.image_url(&a.profile.avatar)) alt="" width="44" height="44" loading="lazy";
                                    span.name { (a.profile.name) }
                                    span.handle { "@" (a.handle) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::config;
    use std::path::Path;

    #[test]
    fn lists_every_affiliate_by_name_with_links_under_the_site() {
        let (mut store, assets) = config::load(Path::new("demo/brand.json"), 0).expect("brand demo");
        store.site.url = "https://name.github.io/shop/".into();
        let html = page(&store, &assets.roster);
        let names: Vec<usize> = ["Juno Park", "Mia König", "Tomás Rivera", "ليلى حداد", "佐藤 美咲"]
            .iter()
            .map(|n| html.find(n).unwrap_or_else(|| panic!("{n} listed")))
            .collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted by name: {names:?}");
        assert!(html.contains("href=\"/shop/c/junomakes/\""));
        assert_eq!(html.matches("<li>").count(), assets.roster.affiliates.len());
        assert!(!html.contains("JUNO15"), "a directory, not the codes");
    }
}
