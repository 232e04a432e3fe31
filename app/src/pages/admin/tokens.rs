//! API tokens for integrations calling `/api/v1`: made here, shown once, revoked here.

use leptos::prelude::*;

use super::{admin_data, SectionPage, TOKENS};
use crate::components::form::Field;
use crate::components::time::{Instant, Precision};
use crate::domain::account::ApiToken;
use crate::server_fns::admin::{CreateApiToken, RevokeApiToken};

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let data = admin_data(move || (create.version().get(), revoke.version().get()));
    view! {
        <SectionPage section=TOKENS data=data errors=create.value() let:data>
            <Tokens tokens=data.tokens create=create revoke=revoke/>
        </SectionPage>
    }
}

#[component]
fn Tokens(
    tokens: Vec<ApiToken>,
    create: ServerAction<CreateApiToken>,
    revoke: ServerAction<RevokeApiToken>,
) -> impl IntoView {
    let rows = tokens
        .into_iter()
        .map(|t| {
            let id = t.id;
            let revoked = t.revoked;
            view! {
                <tr>
                    <td>{t.name.clone()}</td>
                    <td>{t.created_by.clone()}</td>
                    <td><Instant at=t.created_at precision=Precision::Day/></td>
                    <td>{t.last_used_at.map(|at| view! { <Instant at=at/> }.into_any()).unwrap_or_else(|| "never".into_any())}</td>
                    <td>
                        <Show when=move || !revoked fallback=|| "revoked">
                            <ActionForm action=revoke attr:class="inline">
                                <input type="hidden" name="token_id" value=id.to_string()/>
                                <button type="submit" class="link">"Revoke"</button>
                            </ActionForm>
                        </Show>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let secret = move || create.value().get().and_then(Result::ok);
    view! {
        <p class="muted">"Integrations call /api/v1 with \"Authorization: Bearer <token>\". A token acts with its creator's rights. The OpenAPI document is at "<a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>"."</p>
        {move || secret().map(|secret| view! {
            <div class="notice" role="status">
                <p>"Copy this token now; it will not be shown again:"</p>
                <p class="secret">{secret}</p>
            </div>
        })}
        <div class="table-wrap">
            <table>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Created by"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col">""</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <ActionForm action=create attr:class="row-form">
            <Field id="new-token" name="name" label="New token for" placeholder="e.g. Monitoring, E-mail gateway"/>
            <button type="submit">"Create token"</button>
        </ActionForm>
    }
}
