//! Organisations and the support plan each has bought.

use leptos::prelude::*;

use super::{admin_data, SectionPage, ORGANISATIONS};
use crate::components::form::Field;
use crate::domain::directory::Organisation;
use crate::server_fns::admin::SaveOrganisation;

#[component]
pub fn OrganisationsPage() -> impl IntoView {
    let save = ServerAction::<SaveOrganisation>::new();
    let data = admin_data(move || save.version().get());
    view! {
        <SectionPage section=ORGANISATIONS data=data errors=save.value() let:data>
            <Organisations organisations=data.organisations save=save/>
        </SectionPage>
    }
}

/// Every organisation as a form of its own, and the form that adds one.
#[component]
fn Organisations(organisations: Vec<Organisation>, save: ServerAction<SaveOrganisation>) -> impl IntoView {
    let rows = organisations
        .into_iter()
        .map(|o| {
            view! {
                <li>
                    <ActionForm action=save attr:class="row-form">
                        <input type="hidden" name="form[id]" value=o.id.to_string()/>
                        <input type="text" name="form[name]" value=o.name.clone() aria-label="Name"/>
                        <input type="text" name="form[plan]" value=o.plan.clone() aria-label="Plan"/>
                        <button type="submit" class="secondary">"Save"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="plain">{rows}</ul>
        <ActionForm action=save attr:class="row-form">
            <input type="hidden" name="form[id]" value=""/>
            <Field id="new-organisation-name" name="form[name]" label="New organisation" placeholder="Name"/>
            <Field id="new-organisation-plan" name="form[plan]" label="Plan" placeholder="standard, premium, enterprise…"/>
            <button type="submit">"Add organisation"</button>
        </ActionForm>
    }
}
