//! The browser entry point: read the storefront baked into the page and mount it.

fn main() {
    let data = linkshelf::ui::platform::read_embedded_data();
    leptos::mount::mount_to_body(move || leptos::view! { <linkshelf::ui::App data=data/> });
}
