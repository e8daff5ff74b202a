//! Collects every component's scoped CSS (`style_sheet!` in `src/`) into one file,
//! `target/linkshelf-components.css`, which `linkshelf bake` copies into the site.

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=style/components");
    stylers::build(Some(String::from("./target/linkshelf-components.css")));
}
