//! The `linkshelf` command as a creator runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn linkshelf(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_linkshelf")).args(args).output().expect("runs linkshelf");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("linkshelf-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn check_accepts_the_demo() {
    let (ok, stdout, _) = linkshelf(&["check", "demo/storefront.json"]);
    assert!(ok);
    assert!(stdout.contains("is valid: 20 products in 3 collections, 3 codes, 4 pop-ups"), "{stdout}");
}

#[test]
fn check_lists_every_problem_and_fails() {
    let demo = std::fs::read_to_string("demo/storefront.json").expect("demo");
    let broken = demo
        .replacen("\"price\": \"32.00 EUR\"", "\"price\": \"-32.00 EUR\"", 1)
        .replacen("\"https://linenhaus.example/products/linen-napkins\"", "\"javascript:alert(1)\"", 1)
        .replacen("\"time_zone\": \"Europe/London\"", "\"time_zone\": \"Europe/Londn\"", 1);
    // Point the first collection at a product that does not exist.
    let at = broken.find("\"collections\"").expect("collections");
    let broken = format!("{}{}", &broken[..at], broken[at..].replacen("\"speckled-mug\"", "\"tote-xl\"", 1));
    let dir = temp_dir("broken");
    let config = dir.join("storefront.json");
    std::fs::write(&config, broken).expect("write config");
    std::fs::create_dir_all(dir.join("media")).expect("media dir");
    for entry in std::fs::read_dir("demo/media").expect("demo media").flatten() {
        std::fs::copy(entry.path(), dir.join("media").join(entry.file_name())).expect("copy image");
    }
    let (ok, _, stderr) = linkshelf(&["check", config.to_str().unwrap_or_default()]);
    assert!(!ok, "a broken config must fail");
    assert!(stderr.contains("the config has 4 problems:"), "{stderr}");
    assert!(stderr.contains("products[0].price: \"-32.00 EUR\": a price cannot be negative"), "{stderr}");
    assert!(
        stderr.contains("products[2].checkout.url: \"javascript:alert(1)\" must start with https:// or http://"),
        "{stderr}"
    );
    assert!(stderr.contains("popups[2].time_zone: unknown time zone \"Europe/Londn\""), "{stderr}");
    assert!(stderr.contains("collections[0].products[0]: unknown product \"tote-xl\""), "{stderr}");
}

#[test]
fn check_reports_a_missing_file_and_bad_json() {
    let (ok, _, stderr) = linkshelf(&["check", "no/such/storefront.json"]);
    assert!(!ok);
    assert!(stderr.contains("cannot read the file"), "{stderr}");
    let dir = temp_dir("syntax");
    let config = dir.join("storefront.json");
    std::fs::write(&config, "{\n  \"creator\": {\n    \"id\": \"x\",,\n").expect("write");
    let (ok, _, stderr) = linkshelf(&["check", config.to_str().unwrap_or_default()]);
    assert!(!ok);
    assert!(stderr.contains("line 3, column"), "{stderr}");
}

#[test]
fn bake_fills_a_built_page() {
    let dist = temp_dir("bake");
    let shell =
        "<html><head><!-- linkshelf:head --></head><body><!-- linkshelf:data --><!-- linkshelf:page --></body></html>";
    std::fs::write(dist.join("index.html"), shell).expect("shell");
    let (ok, stdout, stderr) =
        linkshelf(&["bake", "demo/storefront.json", "--dist", dist.to_str().unwrap_or_default()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("139 pages in 6 languages (en, es, de, fr, pt-BR, ja), 24 images, 24 calendar files"),
        "{stdout}"
    );
    let shirt = std::fs::read_to_string(dist.join("p/linen-shirt/index.html")).expect("product page");
    assert!(shirt.contains("<h1 class=\"detail-title\">"), "the page is prerendered");
    assert!(Path::new(&dist.join("calendar/berlin-winter-market.ics")).is_file());
    let japanese = std::fs::read_to_string(dist.join("ja/p/linen-shirt/index.html")).expect("Japanese page");
    assert!(japanese.starts_with("<html><head>"), "no lang attribute in this shell to set");
    assert!(japanese.contains("カートに入れる"), "Japanese words");
}
