//! The administration, one page a section — organisations and plans, tiers, groups, people and
//! roles, categories, business calendars, API tokens and the delivery log — beside a side
//! navigation, with an overview at `/admin`. Every form posts to an admin-only server function;
//! without JavaScript the browser comes back to the section the form was sent from.

mod calendars;
mod categories;
mod deliveries;
mod groups;
mod organisations;
mod people;
mod tiers;
mod tokens;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};

use crate::components::errors::{all_errors, FormErrors};
use crate::components::form::Choices;
use crate::components::loading::{Loaded, LoadedProps};
use crate::error::AppError;
use crate::server_fns::admin::{load_admin_overview, AdminOverview};

pub use calendars::CalendarsPage;
pub use categories::CategoriesPage;
pub use deliveries::DeliveriesPage;
pub use groups::GroupsPage;
pub use organisations::OrganisationsPage;
pub use people::PeoplePage;
pub use tiers::TiersPage;
pub use tokens::TokensPage;

/// A section of the administration: its address under `/admin/`, its names, and what the
/// overview says of it.
#[derive(Clone, Copy)]
struct Section {
    /// The last part of its address, and its panel's id.
    slug: &'static str,
    /// Its name in the side navigation and the page title.
    label: &'static str,
    /// Its page's heading.
    heading: &'static str,
    summary: &'static str,
    /// How many it holds, and of which kind ("in all", "active"), for the overview; the
    /// delivery log has no count here.
    count: fn(&AdminOverview) -> Option<(usize, &'static str)>,
}

impl Section {
    fn href(self) -> String {
        format!("/admin/{}", self.slug)
    }
}

const ORGANISATIONS: Section = Section {
    slug: "organisations",
    label: "Organisations",
    heading: "Organisations and plans",
    summary: "The customers' organisations and the support plan each has bought.",
    count: |data| Some((data.organisations.len(), "in all")),
};
const TIERS: Section = Section {
    slug: "tiers",
    label: "Tiers",
    heading: "Tiers",
    summary: "The support tiers by rank, their leads and handbooks.",
    count: |data| Some((data.tiers.len(), "in all")),
};
const GROUPS: Section = Section {
    slug: "groups",
    label: "Groups",
    heading: "Groups, skills and members",
    summary: "The groups inside each tier, the skills they route by, and who belongs to them.",
    count: |data| Some((data.groups.len(), "in all")),
};
const PEOPLE: Section = Section {
    slug: "people",
    label: "People",
    heading: "People and roles",
    summary: "Everyone who signs in: roles, skills, working calendars, new people and passwords.",
    count: |data| Some((data.people.iter().filter(|p| p.active).count(), "active")),
};
const CATEGORIES: Section = Section {
    slug: "categories",
    label: "Categories",
    heading: "Categories",
    summary: "What tickets are about, as customers choose it.",
    count: |data| Some((data.categories.iter().filter(|c| c.active).count(), "in use")),
};
const CALENDARS: Section = Section {
    slug: "calendars",
    label: "Calendars",
    heading: "Business calendars",
    summary: "Opening hours, holidays and time zones that business-time targets count in.",
    count: |data| Some((data.calendars.len(), "in all")),
};
const TOKENS: Section = Section {
    slug: "tokens",
    label: "API tokens",
    heading: "API tokens",
    summary: "Tokens for integrations calling the REST API.",
    count: |data| Some((data.tokens.iter().filter(|t| !t.revoked).count(), "in use")),
};
const DELIVERIES: Section = Section {
    slug: "deliveries",
    label: "Deliveries",
    heading: "Deliveries",
    summary: "Every e-mail, chat message and webhook Tierline sent or tried to send; retry the failed ones.",
    count: |_| None,
};

/// The side navigation's order.
const SECTIONS: [Section; 8] =
    [ORGANISATIONS, TIERS, GROUPS, PEOPLE, CATEGORIES, CALENDARS, TOKENS, DELIVERIES];

/// The frame of every `/admin` page: the side navigation, the current section marked, and the
/// section's page beside it.
#[component]
pub fn AdminLayout() -> impl IntoView {
    let links = SECTIONS
        .iter()
        .map(|section| view! { <li><A href=section.href()>{section.label}</A></li> })
        .collect_view();
    view! {
        <div class="admin-layout">
            <nav class="side-nav" aria-label="Administration">
                <ul>
                    <li><A href="/admin" exact=true>"Overview"</A></li>
                    {links}
                </ul>
            </nav>
            <div class="admin-section">
                <Outlet/>
            </div>
        </div>
    }
}

/// `/admin`: every section with what it holds.
#[component]
pub fn AdminOverviewPage() -> impl IntoView {
    let data = admin_data(|| ());
    view! {
        <Title text="Admin"/>
        <h1>"Administration"</h1>
        <Loaded resource=data let:data>
            <ul class="admin-overview">
                {SECTIONS
                    .iter()
                    .map(|section| {
                        view! {
                            <li class="panel">
                                <h2><A href=section.href()>{section.label}</A></h2>
                                <p>{section.summary}</p>
                                {(section.count)(&data).map(|(count, kind)| view! { <p class="muted">{format!("{count} {kind}")}</p> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </Loaded>
    }
}

/// A section's page: its title and heading, and its panel — whose id is the section's, as the
/// anchors of the one long page had it — with an introduction, the errors of the section's
/// saves, and `children` with the section's data once it has loaded.
#[component]
fn SectionPage<T, V, F>(
    section: Section,
    data: Resource<Result<T, AppError>>,
    #[prop(optional)] intro: Option<&'static str>,
    /// The action whose refusals are listed above the data.
    #[prop(optional, into)]
    errors: Option<FormErrors>,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Title text=format!("{} · Admin", section.label)/>
        <h1>{section.heading}</h1>
        <section class="panel" id=section.slug aria-label=section.heading>
            {intro.map(|intro| view! { <p class="muted">{intro}</p> })}
            {errors.map(all_errors)}
            {Loaded(LoadedProps::builder().resource(data).children(children).build())}
        </section>
    }
}

/// Everything the admin pages show, loaded again whenever `saved` changes (the versions of the
/// section's actions). One server function serves every section.
fn admin_data<S>(saved: impl Fn() -> S + Send + Sync + 'static) -> Resource<Result<AdminOverview, AppError>>
where
    S: PartialEq + Clone + Send + Sync + 'static,
{
    Resource::new(saved, |_| load_admin_overview())
}

/// The active staff, who may lead a tier or a group.
fn staff_choices(data: &AdminOverview) -> Choices {
    data.people
        .iter()
        .filter(|p| p.user.role.is_staff() && p.active)
        .map(|p| (p.user.id.to_string(), p.user.display_name.clone()))
        .collect()
}
