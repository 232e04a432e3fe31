//! The delivery log: every message Tierline sent or tried to send, by status, with retries for
//! the failed ones.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{SectionPage, DELIVERIES};
use crate::components::time::{Instant, Precision};
use crate::domain::delivery::{DeliveryStatus, DeliveryView};
use crate::server_fns::notifications::{delivery_log, DeliveryReport, RetryDelivery};

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let query = use_query_map();
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let retry = ServerAction::<RetryDelivery>::new();
    let log =
        Resource::new(move || (status.get(), retry.version().get()), |(status, _)| delivery_log(status));
    view! {
        <SectionPage section=DELIVERIES data=log errors=retry.value() let:log
            intro="Every message Tierline sent or tried to send. Failed deliveries were tried with growing pauses for about an hour; retrying sends them again with the same idempotency key, so receivers can tell a repeat.">
            <Deliveries log=log retry=retry/>
        </SectionPage>
    }
}

/// The counts by status (each a filter), the retry of every failed delivery, and the log.
#[component]
fn Deliveries(log: DeliveryReport, retry: ServerAction<RetryDelivery>) -> impl IntoView {
    let counts = log
        .counts
        .iter()
        .map(|(status, n)| view! { <li><A href=format!("/admin/deliveries?status={}", status.as_str())>{format!("{}: {n}", status.label())}</A></li> })
        .collect_view();
    let any_failed = log.counts.iter().any(|(status, n)| *status == DeliveryStatus::Failed && *n > 0);
    let rows = log
        .deliveries
        .into_iter()
        .map(|delivery| view! { <DeliveryRow delivery=delivery retry=retry/> })
        .collect_view();
    view! {
        <ul class="nav-links"><li><A href="/admin/deliveries">"All"</A></li>{counts}</ul>
        <Show when=move || any_failed>
            <ActionForm action=retry attr:class="inline">
                <input type="hidden" name="id" value=""/>
                <button type="submit" class="secondary">"Retry every failed delivery"</button>
            </ActionForm>
        </Show>
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Created"</th><th scope="col">"Ticket"</th><th scope="col">"Kind"</th>
                        <th scope="col">"Channel"</th><th scope="col">"To"</th><th scope="col">"Status"</th>
                        <th scope="col">"Attempts"</th><th scope="col">"Last error"</th><th scope="col"></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn DeliveryRow(delivery: DeliveryView, retry: ServerAction<RetryDelivery>) -> impl IntoView {
    let failed = delivery.status == DeliveryStatus::Failed;
    view! {
        <tr data-status=delivery.status.as_str()>
            <td><Instant at=delivery.created_at precision=Precision::Second/></td>
            <td>{delivery.ticket_id.map(|id| view! { <A href=format!("/tickets/{id}")>{format!("#{id}")}</A> })}</td>
            <td>{delivery.kind.clone()}</td>
            <td>{delivery.channel.clone()}</td>
            <td>{delivery.destination.clone()}</td>
            <td>{delivery.status.label()}</td>
            <td>{delivery.attempts}</td>
            <td class="muted">{delivery.last_error.clone().unwrap_or_default()}</td>
            <td>
                <Show when=move || failed>
                    <ActionForm action=retry attr:class="inline">
                        <input type="hidden" name="id" value=delivery.id.to_string()/>
                        <button type="submit" class="secondary">"Retry"</button>
                    </ActionForm>
                </Show>
            </td>
        </tr>
    }
}
