//! `/reports/review`: the performance review of a period, per tier, group and agent — tickets
//! handled, targets met, escalations sent and received (by hand, by the ladder), reopenings, the
//! median time they held a ticket, missed checkpoints, and how the receiving tiers rated the
//! escalations they received and those they sent. The same figures download as CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

use crate::components::loading::Loaded;
use crate::components::url::{query_from_url, query_string};
use crate::domain::describe::format_span;
use crate::domain::directory::Directory;
use crate::domain::tracking::review::{Ratings, ReviewRow, Unit};
use crate::providers::use_live_updates;
use crate::server_fns::reports::{performance_review, ReviewPage, ReviewQuery};

#[component]
pub fn PerformanceReviewPage() -> impl IntoView {
    let query = query_from_url::<ReviewQuery>();
    let changed = use_live_updates().any_ticket();
    let page = Resource::new(move || (query.get(), changed()), |(query, _)| performance_review(query));
    view! {
        <Title text="Performance review"/>
        <h1>"Performance review"</h1>
        <Loaded resource=page let:page>
            <Review page=page/>
        </Loaded>
    }
}

#[component]
fn Review(page: ReviewPage) -> impl IntoView {
    let ReviewPage { period, rows, names } = page;
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let csv = format!("/reports/review.csv{}", query_string(&[("from", &from), ("to", &to)]));
    let section = |title: &'static str, id: &'static str, wanted: fn(&Unit) -> bool| {
        let rows: Vec<ReviewRow> = rows.iter().filter(|row| wanted(&row.unit)).cloned().collect();
        view! { <Section title=title id=id rows=rows names=names.clone()/> }
    };
    view! {
        <p class="muted">
            {format!(
                "From {from} to {to}. Handled: tickets resolved in the period that they held; targets met are of \
                 those tickets. Escalations, missed checkpoints and ratings are those of the period. Ratings are the \
                 receiving tier's: was the escalation warranted, and how good was the handoff note (1–5)."
            )}
        </p>
        <Form method="GET" action="" attr:class="panel filters" attr:aria-label="Choose the period">
            <div><label for="review-from">"From"</label><input type="date" id="review-from" name="from" value=from.clone()/></div>
            <div><label for="review-to">"To"</label><input type="date" id="review-to" name="to" value=to.clone()/></div>
            <div><button type="submit">"Show"</button></div>
        </Form>
        <p><a href=csv download="">"Download these figures as CSV"</a></p>
        {section("Per tier", "tiers", |unit| matches!(unit, Unit::Tier(_)))}
        {section("Per group", "groups", |unit| matches!(unit, Unit::Group(_)))}
        {section("Per agent", "agents", |unit| matches!(unit, Unit::Agent(_)))}
    }
}

fn percent(value: Option<u32>) -> String {
    value.map_or("–".to_string(), |value| format!("{value} %"))
}

fn ratings(ratings: Ratings) -> String {
    if ratings.count == 0 {
        return "–".to_string();
    }
    format!(
        "{} rated · {} warranted · handoff {:.1}",
        ratings.count,
        percent(ratings.warranted_percent()),
        ratings.handoff_average().unwrap_or_default()
    )
}

#[component]
fn Section(title: &'static str, id: &'static str, rows: Vec<ReviewRow>, names: Directory) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|row| {
            let (_, name) = row.unit.describe(&names);
            view! {
                <tr>
                    <th scope="row">{name}</th>
                    <td class="number">{row.handled}</td>
                    <td class="number">{percent(row.first_response.percent())}</td>
                    <td class="number">{percent(row.resolution.percent())}</td>
                    <td class="number">{format!("{} / {}", row.sent_by_hand, row.sent_by_ladder)}</td>
                    <td class="number">{format!("{} / {}", row.received_by_hand, row.received_by_ladder)}</td>
                    <td class="number">{row.reopened}</td>
                    <td class="number">{row.median_held.map_or("–".to_string(), format_span)}</td>
                    <td class="number">{row.checkpoint_misses}</td>
                    <td>{ratings(row.rated_received)}</td>
                    <td>{ratings(row.rated_sent)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby=format!("{id}-heading")>
            <h2 id=format!("{id}-heading")>{title}</h2>
            <div class="table-wrap">
                <table class="report-table">
                    <thead>
                        <tr>
                            <th scope="col">""</th><th scope="col">"Handled"</th><th scope="col">"First response met"</th>
                            <th scope="col">"Resolution met"</th><th scope="col">"Sent: by hand / ladder"</th>
                            <th scope="col">"Received: by hand / ladder"</th><th scope="col">"Reopened"</th>
                            <th scope="col">"Median held"</th><th scope="col">"Checkpoints missed"</th>
                            <th scope="col">"Escalations received, rated"</th><th scope="col">"Escalations sent, rated"</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}
