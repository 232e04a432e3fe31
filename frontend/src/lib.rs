//! The browser entry point: hydrates the server-rendered page. Glue only; the application lives
//! in the `app` crate.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A report page's code comes in a piece of its own; it is loaded before the walk over the
    // page, which then finds everything at hand (`app::preload_lazy_page`).
    let path = leptos::prelude::window().location().pathname().unwrap_or_default();
    wasm_bindgen_futures::spawn_local(async move {
        app::preload_lazy_page(&path).await;
        leptos::mount::hydrate_body(app::App);
    });
}
