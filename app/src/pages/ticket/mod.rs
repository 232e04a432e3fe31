//! The ticket page: the timeline (the one place of record), the reply and note forms, and for
//! staff the form that changes status, priority, category, tags and assignment.
//!
//! One file a part: the heading and facts both views share (`summary`), each viewer's page
//! (`customer`, `staff`), the timeline and the form that writes on it (`timeline`, `message`),
//! the attention panel with acknowledgement and watching (`attention`), the clocks (`clocks`), the
//! satisfaction survey (`feedback`), the rating of the escalation that brought the ticket
//! (`rating`), and the forms that change the ticket (`edit`, `escalate`).

mod attention;
mod clocks;
mod customer;
mod edit;
mod escalate;
mod feedback;
mod message;
mod rating;
mod staff;
mod summary;
mod timeline;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::loading::Loaded;
use crate::error::AppError;
use crate::providers::use_live_updates;
use crate::server_fns::tickets::{
    load_ticket, AcknowledgeEscalation, EscalateTicket, PostMessage, RateEscalation, ReopenTicket,
    UpdateTicket, ViewedTicket, WatchTicket,
};

use customer::CustomerTicketView;
use staff::StaffTicketView;

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let ticket_id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<i64>().ok()));
    let post = ServerAction::<PostMessage>::new();
    let update = ServerAction::<UpdateTicket>::new();
    let reopen = ServerAction::<ReopenTicket>::new();
    let escalate = ServerAction::<EscalateTicket>::new();
    let acknowledge = ServerAction::<AcknowledgeEscalation>::new();
    let watch = ServerAction::<WatchTicket>::new();
    let rate = ServerAction::<RateEscalation>::new();
    let actions = TicketActions { post, update, escalate, acknowledge, watch, rate };
    // Someone else's change to this ticket, pushed by the server, reloads it like our own do —
    // except while the viewer has unsaved changes in the edit or escalation form: those are
    // kept, and saving them meets the version check (and its message) as without live updates.
    let changed = use_live_updates().ticket_version(move || ticket_id.get());
    let editing = RwSignal::new(false);
    let shown = Memo::new(move |previous: Option<&(u64, i64)>| match previous {
        Some(previous) if editing.get() => *previous,
        _ => changed.get(),
    });
    Effect::new(move |_| {
        // Any completed save starts afresh.
        update.version().track();
        escalate.version().track();
        editing.set(false);
    });
    // The message being written survives those reloads.
    let draft = RwSignal::new(String::new());
    let detail = Resource::new(
        move || {
            (
                ticket_id.get(),
                shown.get(),
                (post.version().get(), update.version().get(), reopen.version().get()),
                (
                    escalate.version().get(),
                    acknowledge.version().get(),
                    watch.version().get(),
                    rate.version().get(),
                ),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => load_ticket(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        // The heading's title, with the ticket's subject, replaces this one once it is shown.
        <Title text="Ticket"/>
        <Loaded resource=detail let:viewed>
            {match viewed {
                ViewedTicket::Staff(detail) => view! {
                    <Show when=move || editing.get() && shown.get() != changed.get()>
                        <p class="panel" role="status">"This ticket changed since you began editing. Saving will tell you what changed."</p>
                    </Show>
                    <StaffTicketView detail=*detail actions=actions draft=draft editing=editing/>
                }.into_any(),
                ViewedTicket::Customer(detail) => view! {
                    <CustomerTicketView detail=*detail post=post reopen=reopen draft=draft/>
                }.into_any(),
            }}
        </Loaded>
    }
}

/// Everything staff can do on the ticket page (customers write and reopen).
#[derive(Clone, Copy)]
struct TicketActions {
    post: ServerAction<PostMessage>,
    update: ServerAction<UpdateTicket>,
    escalate: ServerAction<EscalateTicket>,
    acknowledge: ServerAction<AcknowledgeEscalation>,
    watch: ServerAction<WatchTicket>,
    rate: ServerAction<RateEscalation>,
}
