//! The clocks panel (staff only): every clock of the ticket with its state, due instant and
//! remaining business time, and why it is due when it is.

use leptos::prelude::*;

use crate::components::time::{format_instant, format_span, Precision};
use crate::domain::calendar::SegmentKind;
use crate::domain::clock::{ClockKind, ClockPhase, TicketClocks};
use crate::domain::directory::Directory;

/// Every clock of the ticket: its state, due instant and remaining business time, and why it is
/// due when it is — the rule that set the target and the running, paused and out-of-hours
/// stretches that lead to the due instant.
#[component]
pub(super) fn ClocksPanel(clocks: TicketClocks, directory: Directory) -> impl IntoView {
    let rows = ClockKind::ALL
        .iter()
        .filter_map(|kind| clocks.latest(*kind).cloned())
        .map(|clock| {
            let tier = (clock.kind == ClockKind::TierBudget)
                .then(|| directory.tier_name(clock.tier_id).map(|name| format!(" ({name})")))
                .flatten()
                .unwrap_or_default();
            let due = clock.due_at.map(|due| format_instant(due, Precision::Minute));
            // An open clock says how much business time is left, or by how much it is over.
            let remaining = clock.remaining.filter(|_| clock.is_open()).map(|left| {
                if left < chrono::Duration::zero() {
                    format!(" · {} of business time over", format_span(-left))
                } else {
                    format!(" · {} of business time left", format_span(left))
                }
            });
            let segments = clock
                .explanation
                .iter()
                .map(|segment| {
                    let what = match segment.kind {
                        SegmentKind::Business => "running",
                        SegmentKind::OutOfHours => "out of hours",
                        SegmentKind::Paused => "paused",
                    };
                    let start = format_instant(segment.start, Precision::Brief);
                    let end = format_instant(segment.end, Precision::Brief);
                    view! { <li>{format!("{start} – {end}: {what} ({})", format_span(segment.end - segment.start))}</li> }
                })
                .collect_view();
            let target = clock.target.map(format_span).unwrap_or_else(|| "none".into());
            view! {
                <li class="clock">
                    <div>
                        <strong>{format!("{}{tier}", clock.kind.label())}</strong>
                        {(clock.cycle > 1).then(|| format!(" · cycle {}", clock.cycle))}
                        " " <span class=state_class(clock.state)>{state_label(clock.state)}</span>
                    </div>
                    <div class="muted">
                        {due.map(|due| format!("Due {due}"))}
                        {remaining}
                    </div>
                    <details>
                        <summary>"Why"</summary>
                        <p>{format!("Target {target} of business time, from {}; used so far {}.", clock.rule, format_span(clock.elapsed))}</p>
                        <ul class="segments">{segments}</ul>
                    </details>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-label="Clocks">
            <h2>"Clocks"</h2>
            <ul class="plain clocks">{rows}</ul>
        </section>
    }
}

fn state_label(state: ClockPhase) -> &'static str {
    match state {
        ClockPhase::Running => "Running",
        ClockPhase::Paused => "Paused",
        ClockPhase::Met => "Met",
        ClockPhase::Breached => "Breached",
        ClockPhase::Stopped => "No target",
    }
}

/// The badge of a clock's state; the lists' countdowns use the same `clock-…` classes.
fn state_class(state: ClockPhase) -> &'static str {
    match state {
        ClockPhase::Running => "badge clock-running",
        ClockPhase::Paused => "badge clock-paused",
        ClockPhase::Met => "badge clock-met",
        ClockPhase::Breached => "badge clock-breached",
        ClockPhase::Stopped => "badge clock-stopped",
    }
}
