//! The groups inside each tier: the skills tickets are routed by, the lead and the members.

use leptos::prelude::*;

use super::{admin_data, staff_choices, SectionPage, GROUPS};
use crate::components::form::{id_value, options, Choices, Field, Select};
use crate::server_fns::admin::{AdminOverview, SaveGroup};

#[component]
pub fn GroupsPage() -> impl IntoView {
    let save = ServerAction::<SaveGroup>::new();
    let data = admin_data(move || save.version().get());
    view! {
        <SectionPage section=GROUPS data=data errors=save.value() let:data>
            <Groups data=data save=save/>
        </SectionPage>
    }
}

/// Every group as a form of its own, and the form that adds one.
#[component]
fn Groups(data: AdminOverview, save: ServerAction<SaveGroup>) -> impl IntoView {
    let staff = staff_choices(&data);
    let tiers: Choices = data.tiers.iter().map(|t| (t.id.to_string(), t.name.clone())).collect();
    let email_of = |id: i64| {
        data.people.iter().find(|p| p.user.id == id).map(|p| p.user.email.clone()).unwrap_or_default()
    };
    let rows = data
        .groups
        .iter()
        .map(|g| {
            let members = g.member_ids.iter().map(|id| email_of(*id)).collect::<Vec<_>>().join(" ");
            let group_tiers = options(tiers.clone(), &g.tier_id.to_string(), None);
            let leads = options(staff.clone(), &id_value(g.lead_id), Some("Nobody"));
            let (id, name, skills) = (g.id.to_string(), g.name.clone(), g.skills.join(" "));
            view! {
                <li>
                    <ActionForm action=save attr:class="stack-form">
                        <input type="hidden" name="form[id]" value=id/>
                        <input type="text" name="form[name]" value=name aria-label="Name"/>
                        <select name="form[tier]" aria-label="Tier">{group_tiers}</select>
                        <select name="form[lead]" aria-label="Lead">{leads}</select>
                        <input type="text" name="form[skills]" value=skills aria-label="Skills"/>
                        <input type="text" name="form[members]" value=members aria-label="Members (e-mail addresses)"/>
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
            <Field id="new-group-name" name="form[name]" label="New group"/>
            <Select id="new-group-tier" name="form[tier]" label="Tier" choices=tiers/>
            <Select id="new-group-lead" name="form[lead]" label="Lead" choices=staff empty="Nobody"/>
            <Field id="new-group-skills" name="form[skills]" label="Skills" placeholder="security sso"/>
            <Field id="new-group-members" name="form[members]" label="Members (e-mail addresses)"/>
            <button type="submit">"Add group"</button>
        </ActionForm>
    }
}
