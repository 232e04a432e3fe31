//! `/reviews`: one review for each low satisfaction score, for leads, managers and admins. Each
//! shows the ticket and the customer's answer, and a form for its owner, status, notes and the
//! action agreed. New low scores arrive live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::components::errors::all_errors;
use crate::components::feedback::GivenAnswer;
use crate::components::form::{choices, id_value, options, Choices};
use crate::components::loading::Loaded;
use crate::components::time::Instant;
use crate::domain::survey::{Review, ReviewStatus, REVIEW_TEXT_MAX};
use crate::providers::use_live_updates;
use crate::server_fns::surveys::{list_reviews, ReviewsListing, UpdateReview};

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let params = use_query_map();
    let status = Memo::new(move |_| params.read().get("status").unwrap_or_default());
    // Bumped by each card when it saves, so the list (its order and counts) follows.
    let saved = RwSignal::new(0u64);
    let changed = use_live_updates().any_ticket();
    let reviews =
        Resource::new(move || (status.get(), saved.get(), changed()), |(status, _, _)| list_reviews(status));
    view! {
        <Title text="Reviews of low scores"/>
        <h1>"Reviews of low scores"</h1>
        <p class="muted">
            "Every satisfaction score at or below the policy's low score opens a review here. Talk it through, agree \
             an action (a policy change, a handbook note, a word with the team), and close it."
        </p>
        <Form method="GET" action="">
            <div class="filters">
                <div>
                    <label for="status">"Status"</label>
                    <select id="status" name="status">
                        {options(choices(ReviewStatus::ALL, ReviewStatus::as_str, ReviewStatus::label), &status.get_untracked(), Some("Any"))}
                    </select>
                </div>
                <div><button type="submit">"Show"</button></div>
            </div>
        </Form>
        <Loaded resource=reviews let:page>
            <ReviewList page=page saved=saved/>
        </Loaded>
    }
}

#[component]
fn ReviewList(page: ReviewsListing, saved: RwSignal<u64>) -> impl IntoView {
    if page.reviews.is_empty() {
        return view! { <p class="panel">"No reviews here. Low scores appear as soon as a customer answers."</p> }
            .into_any();
    }
    let owners: Choices = page.owners.iter().map(|(id, name)| (id.to_string(), name.clone())).collect();
    let open = page.reviews.iter().filter(|review| review.status != ReviewStatus::Closed).count();
    view! {
        <p class="muted">{format!("{} reviews, {open} not closed", page.reviews.len())}</p>
        <ol class="reviews">
            {page
                .reviews
                .into_iter()
                .map(|review| view! { <li><ReviewCard review=review owners=owners.clone() saved=saved/></li> })
                .collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn ReviewCard(review: Review, owners: Choices, saved: RwSignal<u64>) -> impl IntoView {
    let id = review.id;
    let field = move |name: &str| format!("review-{id}-{name}");
    // One action a card, so each shows only its own refusal.
    let update = ServerAction::<UpdateReview>::new();
    Effect::watch(
        move || update.value().get(),
        move |result, _, _| {
            if matches!(result, Some(Ok(()))) {
                saved.update(|count| *count += 1);
            }
        },
        false,
    );
    let saved_by = review.updated_by_name.clone().map(|name| {
        view! { <p class="hint muted">"Last saved by " {name} ", " <Instant at=review.updated_at/></p> }
    });
    view! {
        <article class=format!("panel review review-{}", review.status.as_str())>
            <header class="review-heading">
                <h2><a href=format!("/tickets/{}", review.ticket_id)>{format!("#{} {}", review.ticket_id, review.ticket_subject)}</a></h2>
                <span class="badge">{review.status.label()}</span>
            </header>
            <p class="muted">{review.organisation.clone()} " · answered " <Instant at=review.answered_at/></p>
            <dl class="facts">
                <dt>"Escalation path"</dt><dd>{review.path.clone()}</dd>
                <dt>"Targets missed"</dt>
                <dd>{if review.missed_targets.is_empty() { "None".to_string() } else { review.missed_targets.join(", ") }}</dd>
            </dl>
            <GivenAnswer answer=review.answer.clone()/>
            <ActionForm action=update attr:class="stack-form">
                <input type="hidden" name="review_id" value=id.to_string()/>
                <div class="review-fields">
                    <div>
                        <label for=field("owner")>"Owner"</label>
                        <select id=field("owner") name="change[owner_id]">{options(owners, &id_value(review.owner_id), Some("Nobody yet"))}</select>
                    </div>
                    <div>
                        <label for=field("status")>"Status"</label>
                        <select id=field("status") name="change[status]">
                            {options(choices(ReviewStatus::ALL, ReviewStatus::as_str, ReviewStatus::label), review.status.as_str(), None)}
                        </select>
                    </div>
                </div>
                <label for=field("notes")>"Notes"</label>
                <textarea id=field("notes") name="change[notes]" rows="3" maxlength=REVIEW_TEXT_MAX>{review.notes.clone()}</textarea>
                <label for=field("action")>"Action agreed"</label>
                <textarea id=field("action") name="change[action]" rows="2" maxlength=REVIEW_TEXT_MAX>{review.action.clone()}</textarea>
                {all_errors(update.value())}
                <div><button type="submit">"Save review"</button></div>
            </ActionForm>
            {saved_by}
        </article>
    }
}
