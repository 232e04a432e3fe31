//! Opening a ticket: customers from the portal, staff on behalf of a customer.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::errors::{action_error, field_error};
use crate::domain::Priority;
use crate::server_fns::admin::list_customers;
use crate::server_fns::tickets::{ticket_directory, CreateTicket};

#[component]
pub fn NewTicketPage(staff: bool) -> impl IntoView {
    let create = ServerAction::<CreateTicket>::new();
    let result = create.value();
    let directory = Resource::new(|| (), |_| ticket_directory());
    let customers = Resource::new(
        move || staff,
        |staff| async move {
            if staff {
                list_customers().await
            } else {
                Ok(Vec::new())
            }
        },
    );
    view! {
        <Title text="New ticket"/>
        <section class="panel">
            <h1>"Open a ticket"</h1>
            {action_error(result.into())}
            <ActionForm action=create>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let customers = customers.await.unwrap_or_default();
                        staff.then(|| {
                            let options = customers
                                .into_iter()
                                .map(|c| view! { <option value=c.id.to_string()>{format!("{} · {}", c.display_name, c.email)}</option> })
                                .collect_view();
                            view! {
                                <label for="requester">"Customer"</label>
                                <select id="requester" name="form[requester]" required>
                                    <option value="">"Choose…"</option>
                                    {options}
                                </select>
                                {field_error(result.into(), "requester")}
                            }
                        })
                    })}
                </Suspense>
                <label for="subject">"Subject"</label>
                <input id="subject" type="text" name="form[subject]" maxlength="200" required/>
                {field_error(result.into(), "subject")}
                <label for="description">"Description"</label>
                <textarea id="description" name="form[description]" required></textarea>
                {field_error(result.into(), "description")}
                <label for="category">"Category"</label>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let options = directory
                            .await
                            .unwrap_or_default()
                            .categories
                            .into_iter()
                            .filter(|c| c.active)
                            .map(|c| view! { <option value=c.id.to_string()>{c.name}</option> })
                            .collect_view();
                        view! {
                            <select id="category" name="form[category]">
                                <option value="">"Not sure"</option>
                                {options}
                            </select>
                        }
                    })}
                </Suspense>
                {field_error(result.into(), "category")}
                <label for="priority">{if staff { "Priority" } else { "How urgent is it for you?" }}</label>
                <select id="priority" name="form[priority]">
                    {Priority::ALL
                        .iter()
                        .map(|p| view! { <option value=p.as_str() selected=*p == Priority::Normal>{p.label()}</option> })
                        .collect_view()}
                </select>
                {field_error(result.into(), "priority")}
                <button type="submit" disabled=move || create.pending().get()>"Open ticket"</button>
            </ActionForm>
        </section>
    }
}
