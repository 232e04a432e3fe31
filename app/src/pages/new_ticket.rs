//! Opening a ticket: customers from the portal, staff on behalf of a customer.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::errors::action_error;
use crate::components::form::{choices, Control, Field, Select};
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
            {action_error(result)}
            <ActionForm action=create>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let customers = customers.await.unwrap_or_default();
                        staff.then(|| {
                            let customers = customers
                                .into_iter()
                                .map(|c| (c.id.to_string(), format!("{} · {}", c.display_name, c.email)))
                                .collect();
                            view! {
                                <Select id="requester" name="form[requester]" label="Customer" choices=customers
                                    empty="Choose…" required=true errors=result/>
                            }
                        })
                    })}
                </Suspense>
                <Field id="subject" name="form[subject]" label="Subject" maxlength=200 required=true errors=result/>
                <Field id="description" name="form[description]" label="Description" control=Control::TextArea
                    required=true errors=result/>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let categories = directory
                            .await
                            .unwrap_or_default()
                            .categories
                            .into_iter()
                            .filter(|c| c.active)
                            .map(|c| (c.id.to_string(), c.name))
                            .collect();
                        view! {
                            <Select id="category" name="form[category]" label="Category" choices=categories
                                empty="Not sure" errors=result/>
                        }
                    })}
                </Suspense>
                <Select id="priority" name="form[priority]" label=if staff { "Priority" } else { "How urgent is it for you?" }
                    choices=choices(Priority::ALL, Priority::as_str, Priority::label) selected=Priority::Normal.as_str()
                    errors=result/>
                <button type="submit" disabled=move || create.pending().get()>"Open ticket"</button>
            </ActionForm>
        </section>
    }
}
