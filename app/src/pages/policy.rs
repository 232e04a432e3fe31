//! The escalation policy page: the version in force as a readable document, every earlier
//! version with its author, time, comment and changes, and (for managers and admins) the editor
//! that saves a new version.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::errors::all_errors;
use crate::components::form::Field;
use crate::components::loading::Loaded;
use crate::components::time::{format_instant, Instant, Precision};
use crate::server_fns::policies::{load_policy_page, PolicyPage, SavePolicy};

#[component]
pub fn PolicyPage() -> impl IntoView {
    let save = ServerAction::<SavePolicy>::new();
    let query = use_query_map();
    let version =
        Memo::new(move |_| query.read().get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let page = Resource::new(
        move || (version.get(), save.version().get()),
        |(version, _)| load_policy_page(version),
    );
    view! {
        <Title text="Escalation policy"/>
        <h1>"Escalation policy"</h1>
        <Loaded resource=page let:page>
            <PolicyVersions page=page save=save/>
        </Loaded>
    }
}

/// The policy shown, its changes, every version, and the editor for those who may edit.
#[component]
fn PolicyVersions(page: PolicyPage, save: ServerAction<SavePolicy>) -> impl IntoView {
    let versions = page
        .versions
        .iter()
        .map(|v| {
            view! {
                <tr>
                    <td><a href=format!("/policy?version={}", v.version)>{format!("v{}", v.version)}</a></td>
                    <td>{v.author.clone()}</td>
                    <td><Instant at=v.created_at/></td>
                    <td>{v.comment.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let heading = page
        .shown
        .as_ref()
        .map(|v| {
            let saved = format_instant(v.created_at, Precision::Minute);
            format!("Version {} by {}, {saved} — {}", v.version, v.author, v.comment)
        })
        .unwrap_or_else(|| "No policy has been saved yet.".to_string());
    let diff = page
        .diff
        .iter()
        .filter(|(mark, _)| *mark != ' ')
        .map(|(mark, line)| {
            let class = if *mark == '+' { "added" } else { "removed" };
            view! { <div class=class>{format!("{mark} {line}")}</div> }
        })
        .collect_view();
    let source = page.shown.as_ref().map(|v| v.source.clone()).unwrap_or_default();
    let may_edit = page.may_edit;
    let problems = (!page.problems.is_empty()).then(|| {
        let items = page.problems.iter().map(|problem| view! { <li>{problem.clone()}</li> }).collect_view();
        view! {
            <section class="panel degraded" role="alert" aria-label="Policy problems">
                <h2>"The policy in force does not fit the organisation"</h2>
                <p>"Tickets a criterion cannot route go to ladder level 1, with a note on their timeline. Save a corrected version below."</p>
                <ul>{items}</ul>
            </section>
        }
    });
    view! {
        {problems}
        <section class="panel" aria-label="Policy document">
            <h2>{heading}</h2>
            <pre class="markdown">{page.markdown.clone()}</pre>
        </section>
        <section class="panel" aria-label="Changes">
            <h2>"Changes from the version before"</h2>
            <div class="diff">{diff}</div>
        </section>
        <section class="panel" aria-label="Versions">
            <h2>"Versions"</h2>
            <div class="table-wrap">
                <table>
                    <thead><tr><th scope="col">"Version"</th><th scope="col">"Author"</th><th scope="col">"Saved"</th><th scope="col">"Comment"</th></tr></thead>
                    <tbody>{versions}</tbody>
                </table>
            </div>
        </section>
        {may_edit.then(|| view! {
            <section class="panel" aria-label="Edit policy">
                <h2>"Save a new version"</h2>
                <p class="muted">"The new version is in force at once: every open ticket is looked at again under it. The format is described in docs/policy-example.toml."</p>
                {all_errors(save.value())}
                <ActionForm action=save attr:class="stack-form">
                    <label for="policy-source">"Policy (TOML)"</label>
                    <textarea id="policy-source" class="code tall" name="source">{source}</textarea>
                    <Field id="policy-comment" name="comment" label="What changed and why"/>
                    <button type="submit" disabled=move || save.pending().get()>"Save and put in force"</button>
                </ActionForm>
            </section>
        })}
    }
}
