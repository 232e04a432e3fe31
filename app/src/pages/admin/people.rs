//! Everyone who signs in: roles, skills and working calendars of staff, adding a person, and
//! setting a new password for someone who cannot use the e-mail link.

use leptos::prelude::*;

use super::{admin_data, SectionPage, PEOPLE};
use crate::components::errors::{all_errors, done_notice};
use crate::components::form::{choices, id_value, options, Choices, Control, Field, Select};
use crate::domain::Role;
use crate::server_fns::admin::{AdminOverview, AdminPerson, CreatePerson, SetPersonPassword, UpdatePerson};

#[component]
pub fn PeoplePage() -> impl IntoView {
    let create = ServerAction::<CreatePerson>::new();
    let update = ServerAction::<UpdatePerson>::new();
    let password = ServerAction::<SetPersonPassword>::new();
    let data = admin_data(move || (create.version().get(), update.version().get()));
    view! {
        <SectionPage section=PEOPLE data=data let:data>
            <People data=data create=create update=update password=password/>
        </SectionPage>
    }
}

#[component]
fn People(
    data: AdminOverview,
    create: ServerAction<CreatePerson>,
    update: ServerAction<UpdatePerson>,
    password: ServerAction<SetPersonPassword>,
) -> impl IntoView {
    let calendars: Choices = data.calendars.iter().map(|c| (c.id.to_string(), c.name.clone())).collect();
    let rows = data
        .people
        .iter()
        .map(|person| {
            let organisation = person
                .user
                .organisation_id
                .and_then(|id| data.organisations.iter().find(|o| o.id == id))
                .map(|o| o.name.clone())
                .unwrap_or_default();
            view! { <PersonRow person=person.clone() organisation=organisation calendars=calendars.clone() update=update/> }
        })
        .collect_view();
    let people = data
        .people
        .iter()
        .map(|p| (p.user.id.to_string(), format!("{} ({})", p.user.display_name, p.user.email)))
        .collect();
    let organisations = data.organisations.iter().map(|o| (o.id.to_string(), o.name.clone())).collect();
    let password_result = password.value();
    view! {
        {all_errors(update.value())}
        <div class="table-wrap">
            <table>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Organisation"</th><th scope="col">"Role"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <h2>"Add a person"</h2>
        {all_errors(create.value())}
        <ActionForm action=create attr:class="stack-form">
            <Field id="new-person-name" name="form[name]" label="Name"/>
            <Field id="new-person-email" name="form[email]" label="E-mail" control=Control::Email/>
            <Select id="new-person-role" name="form[role]" label="Role" choices=choices(Role::ALL, Role::as_str, Role::label)
                selected=Role::Agent.as_str()/>
            <Select id="new-person-organisation" name="form[organisation]" label="Organisation (customers)"
                choices=organisations empty="— (staff)"/>
            <Field id="new-person-password" name="form[password]" label="Initial password" control=Control::Password
                autocomplete="new-password"/>
            <button type="submit">"Add person"</button>
        </ActionForm>
        <h2>"Set a new password"</h2>
        <p class="muted">"For someone who cannot use the e-mail link. Their sessions end; tell them the new password."</p>
        {done_notice(password_result, "The new password is set and their sessions ended.")}
        {all_errors(password_result)}
        <ActionForm action=password attr:class="stack-form">
            <Select id="password-person" name="user_id" label="Person" choices=people/>
            <Field id="password-new" name="password" label="New password" control=Control::Password autocomplete="new-password"/>
            <button type="submit">"Set password"</button>
        </ActionForm>
    }
}

/// A person with the form that changes their role, and for staff their skills and working
/// calendar; a customer stays a customer.
#[component]
fn PersonRow(
    person: AdminPerson,
    organisation: String,
    calendars: Choices,
    update: ServerAction<UpdatePerson>,
) -> impl IntoView {
    let user = person.user;
    let roles: Vec<Role> = Role::ALL.iter().copied().filter(|role| user.role.may_become(*role)).collect();
    let name = user.display_name.clone();
    let staff_fields = user.role.is_staff().then(|| {
        view! {
            <input type="text" name="update[skills]" value=person.skills.join(" ") aria-label=format!("Skills of {name}") placeholder="Skills"/>
            <select name="update[calendar]" aria-label=format!("Working calendar of {name}")>
                {options(calendars, &id_value(person.calendar_id), Some("No calendar"))}
            </select>
        }
    });
    view! {
        <tr>
            <td>{user.display_name.clone()}</td>
            <td>{user.email.clone()}</td>
            <td>{organisation}</td>
            <td>
                <ActionForm action=update attr:class="row-form">
                    <input type="hidden" name="update[user_id]" value=user.id.to_string()/>
                    <select name="update[role]" aria-label=format!("Role of {}", user.display_name)>
                        {options(choices(&roles, Role::as_str, Role::label), user.role.as_str(), None)}
                    </select>
                    {staff_fields}
                    <label class="inline-check">
                        <input type="checkbox" name="update[active]" value="true" checked=person.active/>"Active"
                    </label>
                    <button type="submit" class="secondary">"Save"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
