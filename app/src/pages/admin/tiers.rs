//! The support tiers: name, rank, lead and the handbook shown on every ticket a tier holds.

use leptos::prelude::*;

use super::{admin_data, staff_choices, SectionPage, TIERS};
use crate::components::form::{id_value, options, Control, Field, Select};
use crate::server_fns::admin::{AdminOverview, SaveTier};

#[component]
pub fn TiersPage() -> impl IntoView {
    let save = ServerAction::<SaveTier>::new();
    let data = admin_data(move || save.version().get());
    view! {
        <SectionPage section=TIERS data=data errors=save.value() let:data
            intro="Ordered by rank: tickets escalate from lower to higher ranks. The handbook is shown on every ticket the tier holds.">
            <Tiers data=data save=save/>
        </SectionPage>
    }
}

/// Every tier as a form of its own, and the form that adds one.
#[component]
fn Tiers(data: AdminOverview, save: ServerAction<SaveTier>) -> impl IntoView {
    let staff = staff_choices(&data);
    let rows = data
        .tiers
        .into_iter()
        .map(|t| {
            let leads = options(staff.clone(), &id_value(t.lead_id), Some("Nobody"));
            view! {
                <li>
                    <ActionForm action=save attr:class="stack-form">
                        <input type="hidden" name="form[id]" value=t.id.to_string()/>
                        <input type="text" name="form[name]" value=t.name.clone() aria-label="Name"/>
                        <input type="number" name="form[rank]" value=t.rank.to_string() aria-label="Rank" min="1" max="99"/>
                        <select name="form[lead]" aria-label="Lead">{leads}</select>
                        <textarea name="form[handbook]" aria-label="Handbook">{t.handbook.clone()}</textarea>
                        <button type="submit" class="secondary">"Save"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="plain">{rows}</ul>
        <ActionForm action=save attr:class="stack-form">
            <input type="hidden" name="form[id]" value=""/>
            <Field id="new-tier-name" name="form[name]" label="New tier"/>
            <Field id="new-tier-rank" name="form[rank]" label="Rank" control=Control::Number min="1" max="99"/>
            <Select id="new-tier-lead" name="form[lead]" label="Lead" choices=staff empty="Nobody"/>
            <Field id="new-tier-handbook" name="form[handbook]" label="Handbook" control=Control::TextArea/>
            <button type="submit">"Add tier"</button>
        </ActionForm>
    }
}
