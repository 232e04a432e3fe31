//! The ticket page for staff: the tier's handbook, the handoff that brought the ticket here,
//! the timeline, and beside it the facts, the attention panel, the clocks and the forms.

use leptos::prelude::*;

use super::attention::AttentionPanel;
use super::clocks::ClocksPanel;
use super::edit::EditForm;
use super::escalate::EscalateForm;
use super::feedback::SurveyPanel;
use super::rating::EscalationRating;
use super::summary::{FactsPanel, TicketHeading};
use super::timeline::TimelineSection;
use super::TicketActions;
use crate::domain::queue::CustomerTicket;
use crate::domain::ticket::Handoff;
use crate::domain::EventData;
use crate::server_fns::tickets::TicketDetail;

#[component]
pub(super) fn StaffTicketView(
    detail: TicketDetail,
    actions: TicketActions,
    draft: RwSignal<String>,
    /// Set while the viewer has unsaved changes in the edit or escalation form.
    editing: RwSignal<bool>,
) -> impl IntoView {
    let TicketActions { post, update, escalate, acknowledge, watch, rate } = actions;
    let may_rate = detail.may_rate_escalation;
    let ticket = detail.ticket.clone();
    let directory = detail.directory.clone();
    let handbook = directory
        .tiers
        .iter()
        .find(|tier| Some(tier.id) == ticket.assignment.tier_id && !tier.handbook.is_empty())
        .map(|tier| (tier.name.clone(), tier.handbook.clone()));
    let public = CustomerTicket::from(&ticket);
    let category = directory.category_name(ticket.category_id).map(str::to_string);
    view! {
        <TicketHeading ticket=public.clone() requester_name=detail.requester_name.clone() organisation_name=detail.organisation_name.clone()/>
        {handbook.map(|(tier, text)| view! {
            <aside class="panel" aria-label="Tier handbook">
                <strong>{format!("{tier} handbook: ")}</strong>{text}
            </aside>
        })}
        {current_handoff(&detail).map(|(from, handoff)| view! {
            <section class="panel handoff" aria-label="Handoff note">
                <h2>{format!("Handoff from {from}")}</h2>
                <dl class="facts">
                    <dt>"Summary"</dt><dd>{handoff.summary}</dd>
                    <dt>"Tried"</dt><dd>{handoff.tried}</dd>
                    <dt>"Customer impact"</dt><dd>{handoff.impact}</dd>
                    <dt>"Asked of you"</dt><dd>{handoff.ask}</dd>
                </dl>
            </section>
        })}
        {may_rate.then(|| view! {
            <section class="panel" aria-label="Rate the escalation">
                <EscalationRating ticket_id=ticket.id rate=rate/>
            </section>
        })}
        <div class="ticket-layout">
            <TimelineSection ticket=public.clone() timeline=detail.timeline.clone() directory=directory.clone()
                requester_name=detail.requester_name.clone() staff=true post=post draft=draft/>
            <aside>
                <FactsPanel organisation=format!("{} ({})", detail.organisation_name, detail.plan)
                    requester_name=detail.requester_name.clone() category=category channel=ticket.channel
                    reopen_count=ticket.reopen_count/>
                <AttentionPanel detail=detail.clone() acknowledge=acknowledge watch=watch/>
                {detail.clocks.clone().map(|clocks| view! { <ClocksPanel clocks=clocks directory=directory.clone()/> })}
                {detail.survey.clone().map(|survey| view! { <SurveyPanel survey=survey staff=true/> })}
                <div on:input=move |_| editing.set(true) on:change=move |_| editing.set(true)>
                    <EditForm detail=detail.clone() update=update/>
                    {(!ticket.status.is_done()).then(|| view! { <EscalateForm detail=detail.clone() escalate=escalate/> })}
                </div>
            </aside>
        </div>
    }
}

/// The handoff note of the escalation that brought the ticket where it is now, shown first to
/// the tier that received it.
fn current_handoff(detail: &TicketDetail) -> Option<(String, Handoff)> {
    detail.timeline.iter().rev().find_map(|entry| match &entry.event.data {
        EventData::Escalated { to, handoff: Some(handoff), .. } if *to == detail.ticket.assignment => {
            Some((entry.actor_name.clone().unwrap_or_default(), handoff.clone()))
        }
        _ => None,
    })
}
