//! `/reports/feedback`: what customers said after resolution, for leads, managers and admins —
//! response rate, satisfaction with its 95 % interval and effort, overall and by escalation path,
//! escalated or not, targets met or missed, tier, group, agent, category, priority, plan, channel
//! and week. Every group drills down to its answers; the period's figures download as CSV. The
//! period is in the URL, so a view can be shared; new answers arrive live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

use crate::components::feedback::satisfaction_words;
use crate::components::loading::Loaded;
use crate::components::time::Instant;
use crate::components::url::{query_from_url, query_string};
use crate::domain::feedback::report::{FeedbackPage, FeedbackQuery, ReportSection};
use crate::domain::feedback::{FeedbackFigures, MIN_ANSWERS_TO_COMPARE};
use crate::providers::use_live_updates;
use crate::server_fns::reports::feedback_report;

#[component]
pub fn FeedbackReportPage() -> impl IntoView {
    let query = query_from_url::<FeedbackQuery>();
    let changed = use_live_updates().any_ticket();
    let report = Resource::new(move || (query.get(), changed()), |(query, _)| feedback_report(query));
    view! {
        <Title text="Customer feedback"/>
        <h1>"Customer feedback"</h1>
        <Loaded resource=report let:page>
            <Report page=page query=query.get_untracked()/>
        </Loaded>
    }
}

#[component]
fn Report(page: FeedbackPage, query: FeedbackQuery) -> impl IntoView {
    let (from, to) = (page.from.to_string(), page.to.to_string());
    let csv = format!("/reports/feedback.csv{}", query_string(&[("from", &from), ("to", &to)]));
    let overall = page.report.overall.clone();
    let (from_value, to_value) = (from.clone(), to.clone());
    let jumps = page
        .report
        .sections
        .iter()
        .map(|section| {
            let grouping = section.grouping;
            view! { <a href=format!("#by-{}", grouping.as_str())>{grouping.label()}</a> " · " }
        })
        .collect_view();
    let sections = page
        .report
        .sections
        .clone()
        .into_iter()
        .map(|section| view! { <SectionTable section=section from=from.clone() to=to.clone()/> })
        .collect_view();
    view! {
        <p class="muted">
            {format!(
                "Satisfaction surveys offered from {from} to {to} (UTC). Satisfied means a score of 4 or 5 out of 5; \
                 the range after it is its 95 % confidence interval. Groups with fewer than {MIN_ANSWERS_TO_COMPARE} \
                 answers are marked too few to compare."
            )}
        </p>
        <Form method="GET" action="">
            <div class="filters">
                <div><label for="from">"From"</label><input type="date" id="from" name="from" value=from_value/></div>
                <div><label for="to">"To"</label><input type="date" id="to" name="to" value=to_value/></div>
                <div><button type="submit">"Show"</button></div>
                <div><a class="button secondary" href=csv download="">"Download CSV"</a></div>
            </div>
        </Form>
        <OverallTiles figures=overall/>
        <nav class="jump-links" aria-label="Groupings">
            "Jump to: "
            {jumps}
            <a href="#answers">"Answers"</a>
        </nav>
        {sections}
        <Answers page=page query=query from=from to=to/>
    }
}

/// The period's headline figures.
#[component]
fn OverallTiles(figures: FeedbackFigures) -> impl IntoView {
    let rate = percent(figures.responses.share());
    let satisfied = percent(figures.satisfied.share());
    let interval = interval_text(&figures);
    let mean = figures.mean_csat().map_or("—".to_string(), |mean| format!("{mean:.1} of 5"));
    let effort = figures.mean_effort().map_or("—".to_string(), |mean| format!("{mean:.1} of 7"));
    view! {
        <ul class="tiles" aria-label="The period in figures">
            <li><span class="tile-figure">{figures.responses.trials}</span><span class="tile-label">"surveys offered"</span></li>
            <li><span class="tile-figure">{figures.responses.successes}</span><span class="tile-label">{format!("answered ({rate})")}</span></li>
            <li><span class="tile-figure">{satisfied}</span><span class="tile-label">{format!("satisfied {interval}")}</span></li>
            <li><span class="tile-figure">{mean}</span><span class="tile-label">"mean satisfaction"</span></li>
            <li><span class="tile-figure">{effort}</span><span class="tile-label">"mean ease (7 is very easy)"</span></li>
        </ul>
    }
}

/// One grouping as a table, each group linking to its answers.
#[component]
fn SectionTable(section: ReportSection, from: String, to: String) -> impl IntoView {
    let grouping = section.grouping;
    let heading = format!("By {}", grouping.label().to_lowercase());
    let rows = section
        .rows
        .into_iter()
        .map(|row| {
            let href = format!(
                "{}#answers",
                query_string(&[("from", &from), ("to", &to), ("grouping", grouping.as_str()), ("key", &row.key)])
            );
            let figures = row.figures;
            let few = (!figures.satisfied.is_enough_to_compare() && figures.satisfied.trials > 0)
                .then(|| view! { <span class="badge">"too few to compare"</span> });
            view! {
                <tr>
                    <th scope="row"><a href=href>{row.label}</a></th>
                    <td class="number">{figures.responses.trials}</td>
                    <td class="number">{figures.responses.successes}</td>
                    <td class="number">{percent(figures.responses.share())}</td>
                    <td class="number">{percent(figures.satisfied.share())}</td>
                    <td>{interval_text(&figures)} " " {few}</td>
                    <td class="number">{figures.mean_csat().map_or("—".to_string(), |mean| format!("{mean:.1}"))}</td>
                    <td class="number">{figures.mean_effort().map_or("—".to_string(), |mean| format!("{mean:.1}"))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel report-section" id=format!("by-{}", grouping.as_str())>
            <h2>{heading}</h2>
            <table class="report-table">
                <thead>
                    <tr>
                        <th scope="col">{grouping.label()}</th>
                        <th scope="col" class="number">"Offered"</th>
                        <th scope="col" class="number">"Answered"</th>
                        <th scope="col" class="number">"Response rate"</th>
                        <th scope="col" class="number">"Satisfied"</th>
                        <th scope="col">"95 % interval"</th>
                        <th scope="col" class="number">"Mean (1–5)"</th>
                        <th scope="col" class="number">"Ease (1–7)"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

/// The answers of the group drilled into (or all), newest first, each linking to its ticket.
#[component]
fn Answers(page: FeedbackPage, query: FeedbackQuery, from: String, to: String) -> impl IntoView {
    let heading = match &page.drill {
        Some(group) => format!("Answers — {group}"),
        None => "Answers".to_string(),
    };
    let all = (page.drill.is_some() || !query.comments.is_empty()).then(|| {
        let href = format!("{}#answers", query_string(&[("from", &from), ("to", &to)]));
        view! { <p><a href=href>"Show every answer of the period"</a></p> }
    });
    let commented = format!(
        "{}#answers",
        query_string(&[
            ("from", &from),
            ("to", &to),
            ("grouping", &query.grouping),
            ("key", &query.key),
            ("comments", "with")
        ])
    );
    let shown = page.answers.len();
    let count = if shown < page.answer_count {
        format!("The newest {shown} of {} answers.", page.answer_count)
    } else {
        format!("{shown} answers.")
    };
    let rows = page
        .answers
        .into_iter()
        .map(|answer| {
            view! {
                <tr>
                    <td><a href=format!("/tickets/{}", answer.ticket_id)>{format!("#{} {}", answer.ticket_id, answer.subject)}</a></td>
                    <td><Instant at=answer.answered_at/></td>
                    <td>{satisfaction_words(answer.answer.csat)}</td>
                    <td class="number">{answer.answer.effort.map(|effort| effort.to_string()).unwrap_or_default()}</td>
                    <td class="survey-comment">{answer.answer.comment.unwrap_or_default()}</td>
                    <td>{answer.path}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel report-section" id="answers">
            <h2>{heading}</h2>
            <p class="muted">{count} " " <a href=commented>"Only those with a comment"</a></p>
            {all}
            <table class="report-table">
                <thead>
                    <tr>
                        <th scope="col">"Ticket"</th>
                        <th scope="col">"Answered"</th>
                        <th scope="col">"Satisfaction"</th>
                        <th scope="col" class="number">"Ease"</th>
                        <th scope="col">"Comment"</th>
                        <th scope="col">"Escalation path"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or("—".to_string(), |share| format!("{:.0} %", share * 100.0))
}

fn interval_text(figures: &FeedbackFigures) -> String {
    figures
        .satisfied
        .interval_95()
        .map_or(String::new(), |(low, high)| format!("{:.0}–{:.0} %", low * 100.0, high * 100.0))
}
