//! The HTML shell, the root component and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};

use crate::components::layout::Layout;
use crate::pages;
use crate::pages::admin;
use crate::providers::{provide_live_updates, provide_session, provide_ticking_clock};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The Content-Security-Policy allows inline scripts only with this response's nonce, which
    // Leptos puts on its hydration script.
    #[cfg(feature = "ssr")]
    crate::ssr::security::provide_nonce_and_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_session();
    provide_ticking_clock();
    provide_live_updates();
    // Effects run only in the browser, after hydration: the mark tells tests (and curious
    // people) that the page is live.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/tierline.css"/>
        <Title formatter=|title: String| if title.is_empty() { "Tierline".to_string() } else { format!("{title} · Tierline") }/>
        <Router>
            <Layout>
                <Routes fallback=|| view! { <pages::NotFoundPage/> }>
                    <Route path=path!("/") view=pages::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=pages::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot") view=pages::ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset") view=pages::ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=pages::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal") view=pages::PortalPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/new") view=|| view! { <pages::NewTicketPage staff=false/> } ssr=SsrMode::Async/>
                    <Route path=path!("/queue") view=pages::QueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/huddle") view={Lazy::<HuddleRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tickets/new") view=|| view! { <pages::NewTicketPage staff=true/> } ssr=SsrMode::Async/>
                    <Route path=path!("/tickets/:id") view=pages::TicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/survey/:token") view=pages::SurveyPage ssr=SsrMode::Async/>
                    <Route path=path!("/reviews") view={Lazy::<ReviewsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reports/feedback") view={Lazy::<FeedbackReportRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reports/time") view={Lazy::<TimeReportRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reports/review") view={Lazy::<PerformanceReviewRoute>::new()} ssr=SsrMode::Async/>
                    <ParentRoute path=path!("/admin") view=admin::AdminLayout ssr=SsrMode::Async>
                        <Route path=path!("") view=admin::AdminOverviewPage ssr=SsrMode::Async/>
                        <Route path=path!("organisations") view=admin::OrganisationsPage ssr=SsrMode::Async/>
                        <Route path=path!("tiers") view=admin::TiersPage ssr=SsrMode::Async/>
                        <Route path=path!("groups") view=admin::GroupsPage ssr=SsrMode::Async/>
                        <Route path=path!("people") view=admin::PeoplePage ssr=SsrMode::Async/>
                        <Route path=path!("categories") view=admin::CategoriesPage ssr=SsrMode::Async/>
                        <Route path=path!("calendars") view=admin::CalendarsPage ssr=SsrMode::Async/>
                        <Route path=path!("tokens") view=admin::TokensPage ssr=SsrMode::Async/>
                        <Route path=path!("deliveries") view=admin::DeliveriesPage ssr=SsrMode::Async/>
                    </ParentRoute>
                    <Route path=path!("/notifications") view=pages::NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/policy") view=pages::PolicyPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// A report page as a lazy route: its code is a piece of the browser's WASM of its own (built by
/// `cargo leptos build --split`), loaded when the page is first shown, so that the queue, the
/// tickets and the portal do not download the managers' pages.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                pages::$page().into_any()
            }
        }
    };
}

lazy_page!(DashboardRoute, DashboardPage);
lazy_page!(HuddleRoute, HuddlePage);
lazy_page!(ReviewsRoute, ReviewsPage);
lazy_page!(FeedbackReportRoute, FeedbackReportPage);
lazy_page!(TimeReportRoute, TimeReportPage);
lazy_page!(PerformanceReviewRoute, PerformanceReviewPage);

/// Loads the WASM piece of the lazy page at `path` (the route table's paths above), if it is one.
/// The browser entry awaits it before hydrating: hydration walks the server's page at once and
/// cannot wait for a piece to arrive (Leptos' `hydrate_lazy` can, but let pages now and then stay
/// unhydrated), and the server's page already asked the browser to fetch the piece.
pub async fn preload_lazy_page(path: &str) {
    match path.trim_end_matches('/') {
        "/dashboard" => DashboardRoute::preload().await,
        "/huddle" => HuddleRoute::preload().await,
        "/reviews" => ReviewsRoute::preload().await,
        "/reports/feedback" => FeedbackReportRoute::preload().await,
        "/reports/time" => TimeReportRoute::preload().await,
        "/reports/review" => PerformanceReviewRoute::preload().await,
        _ => {}
    }
}
