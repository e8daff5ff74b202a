//! The browser entry point: read the storefront baked into the page and mount it.

fn main() {
    use linkshelf::runtime::platform;
    use linkshelf::ui::app;
    let data = platform::read_embedded_data();
    let path = platform::current_path();
    leptos::mount::mount_to_body(move || app(data, path));
}
