//! The admin page: organisations and plans, tiers, groups, people and roles, categories,
//! business calendars and API tokens. Every form posts to an admin-only server function.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::errors::{all_errors, done_notice, ErrorPanel};
use crate::domain::Role;
use crate::server_fns::admin::{
    load_admin_overview, AdminOverview, CreateApiToken, CreateCategory, CreatePerson, RevokeApiToken,
    SaveCalendar, SaveGroup, SaveOrganisation, SaveTier, SetCategoryActive, SetPersonPassword, UpdatePerson,
};

#[component]
pub fn AdminPage() -> impl IntoView {
    let organisation = ServerAction::<SaveOrganisation>::new();
    let tier = ServerAction::<SaveTier>::new();
    let group = ServerAction::<SaveGroup>::new();
    let person = ServerAction::<CreatePerson>::new();
    let update_person = ServerAction::<UpdatePerson>::new();
    let person_password = ServerAction::<SetPersonPassword>::new();
    let category = ServerAction::<CreateCategory>::new();
    let category_active = ServerAction::<SetCategoryActive>::new();
    let calendar = ServerAction::<SaveCalendar>::new();
    let token = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let overview = Resource::new(
        move || {
            (
                organisation.version().get(),
                tier.version().get(),
                group.version().get(),
                person.version().get(),
                update_person.version().get(),
                category.version().get(),
                category_active.version().get(),
                calendar.version().get(),
                (token.version().get(), revoke.version().get()),
            )
        },
        |_| load_admin_overview(),
    );
    view! {
        <Title text="Admin"/>
        <h1>"Administration"</h1>
        <nav class="tabs" aria-label="Sections">
            <a href="#organisations">"Organisations"</a>
            <a href="#tiers">"Tiers"</a>
            <a href="#groups">"Groups"</a>
            <a href="#people">"People"</a>
            <a href="#categories">"Categories"</a>
            <a href="#calendars">"Calendars"</a>
            <a href="#tokens">"API tokens"</a>
        </nav>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(error) => view! { <ErrorPanel error=error/> }.into_any(),
                    Ok(data) => view! {
                        <Organisations data=data.clone() action=organisation/>
                        <Tiers data=data.clone() action=tier/>
                        <Groups data=data.clone() action=group/>
                        <People data=data.clone() create=person update=update_person password=person_password/>
                        <Categories data=data.clone() create=category toggle=category_active/>
                        <Calendars data=data.clone() action=calendar/>
                        <Tokens data=data create=token revoke=revoke/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

fn option(value: String, label: String, current: &str) -> impl IntoView {
    let selected = value == current;
    view! { <option value=value selected=selected>{label}</option> }
}

fn staff_options(data: &AdminOverview, current: Option<i64>) -> impl IntoView {
    let current = current.map(|id| id.to_string()).unwrap_or_default();
    std::iter::once(option(String::new(), "Nobody".into(), &current))
        .chain(
            data.people
                .iter()
                .filter(|p| p.user.role.is_staff() && p.active)
                .map(|p| option(p.user.id.to_string(), p.user.display_name.clone(), &current)),
        )
        .collect_view()
}

#[component]
fn Organisations(data: AdminOverview, action: ServerAction<SaveOrganisation>) -> impl IntoView {
    let rows = data
        .organisations
        .into_iter()
        .map(|o| {
            view! {
                <li>
                    <ActionForm action=action attr:class="row-form">
                        <input type="hidden" name="form[id]" value=o.id.to_string()/>
                        <input type="text" name="form[name]" value=o.name.clone() aria-label="Name"/>
                        <input type="text" name="form[plan]" value=o.plan.clone() aria-label="Plan"/>
                        <button type="submit" class="secondary">"Save"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" id="organisations">
            <h2>"Organisations and plans"</h2>
            {all_errors(action.value().into())}
            <ul class="plain">{rows}</ul>
            <ActionForm action=action attr:class="row-form">
                <input type="hidden" name="form[id]" value=""/>
                <label for="new-organisation-name">"New organisation"</label>
                <input id="new-organisation-name" type="text" name="form[name]" placeholder="Name"/>
                <label for="new-organisation-plan">"Plan"</label>
                <input id="new-organisation-plan" type="text" name="form[plan]" placeholder="standard, premium, enterprise…"/>
                <button type="submit">"Add organisation"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Tiers(data: AdminOverview, action: ServerAction<SaveTier>) -> impl IntoView {
    let rows = data
        .tiers
        .clone()
        .into_iter()
        .map(|t| {
            let leads = staff_options(&data, t.lead_id);
            view! {
                <li>
                    <ActionForm action=action attr:class="stack-form">
                        <input type="hidden" name="form[id]" value=t.id.to_string()/>
                        <input type="text" name="form[name]" value=t.name.clone() aria-label="Name"/>
                        <input type="number" name="form[rank]" value=t.rank.to_string() aria-label="Rank" min="1" max="99"/>
                        <select name="form[lead]" aria-label="Lead">{leads}</select>
                        <textarea name="form[handbook]" aria-label="Handbook">{t.handbook.clone()}</textarea>
                        <button type="submit" class="secondary">"Save"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    let new_tier_leads = staff_options(&data, None);
    view! {
        <section class="panel" id="tiers">
            <h2>"Tiers"</h2>
            <p class="muted">"Ordered by rank: tickets escalate from lower to higher ranks. The handbook is shown on every ticket the tier holds."</p>
            {all_errors(action.value().into())}
            <ul class="plain">{rows}</ul>
            <ActionForm action=action attr:class="stack-form">
                <input type="hidden" name="form[id]" value=""/>
                <label for="new-tier-name">"New tier"</label>
                <input id="new-tier-name" type="text" name="form[name]"/>
                <label for="new-tier-rank">"Rank"</label>
                <input id="new-tier-rank" type="number" name="form[rank]" min="1" max="99"/>
                <label for="new-tier-lead">"Lead"</label>
                <select id="new-tier-lead" name="form[lead]">{new_tier_leads}</select>
                <label for="new-tier-handbook">"Handbook"</label>
                <textarea id="new-tier-handbook" name="form[handbook]"></textarea>
                <button type="submit">"Add tier"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Groups(data: AdminOverview, action: ServerAction<SaveGroup>) -> impl IntoView {
    let tier_options = move |data: &AdminOverview, current: i64| {
        let current = current.to_string();
        data.tiers.iter().map(|t| option(t.id.to_string(), t.name.clone(), &current)).collect_view()
    };
    let email_of = |data: &AdminOverview, id: i64| {
        data.people.iter().find(|p| p.user.id == id).map(|p| p.user.email.clone()).unwrap_or_default()
    };
    let rows = data
        .groups
        .clone()
        .into_iter()
        .map(|g| {
            let members = g.member_ids.iter().map(|id| email_of(&data, *id)).collect::<Vec<_>>().join(" ");
            let tiers = tier_options(&data, g.tier_id);
            let leads = staff_options(&data, g.lead_id);
            view! {
                <li>
                    <ActionForm action=action attr:class="stack-form">
                        <input type="hidden" name="form[id]" value=g.id.to_string()/>
                        <input type="text" name="form[name]" value=g.name.clone() aria-label="Name"/>
                        <select name="form[tier]" aria-label="Tier">{tiers}</select>
                        <select name="form[lead]" aria-label="Lead">{leads}</select>
                        <input type="text" name="form[skills]" value=g.skills.join(" ") aria-label="Skills"/>
                        <input type="text" name="form[members]" value=members aria-label="Members (e-mail addresses)"/>
                        <button type="submit" class="secondary">"Save"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    let new_group_tiers = tier_options(&data, 0);
    let new_group_leads = staff_options(&data, None);
    view! {
        <section class="panel" id="groups">
            <h2>"Groups, skills and members"</h2>
            {all_errors(action.value().into())}
            <ul class="plain">{rows}</ul>
            <ActionForm action=action attr:class="stack-form">
                <input type="hidden" name="form[id]" value=""/>
                <label for="new-group-name">"New group"</label>
                <input id="new-group-name" type="text" name="form[name]"/>
                <label for="new-group-tier">"Tier"</label>
                <select id="new-group-tier" name="form[tier]">{new_group_tiers}</select>
                <label for="new-group-lead">"Lead"</label>
                <select id="new-group-lead" name="form[lead]">{new_group_leads}</select>
                <label for="new-group-skills">"Skills"</label>
                <input id="new-group-skills" type="text" name="form[skills]" placeholder="security sso"/>
                <label for="new-group-members">"Members (e-mail addresses)"</label>
                <input id="new-group-members" type="text" name="form[members]"/>
                <button type="submit">"Add group"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn People(
    data: AdminOverview,
    create: ServerAction<CreatePerson>,
    update: ServerAction<UpdatePerson>,
    password: ServerAction<SetPersonPassword>,
) -> impl IntoView {
    let organisation_name = |id: Option<i64>| {
        id.and_then(|id| data.organisations.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let rows = data
        .people
        .clone()
        .into_iter()
        .map(|p| {
            let roles: Vec<Role> = Role::ALL.iter().copied().filter(|role| p.user.role.may_become(*role)).collect();
            let current = p.user.role.as_str();
            let role_options = roles.iter().map(|r| option(r.as_str().into(), r.label().into(), current)).collect_view();
            let organisation = organisation_name(p.user.organisation_id);
            let staff = p.user.role.is_staff();
            let current_calendar = p.calendar_id.map(|id| id.to_string()).unwrap_or_default();
            let calendars = std::iter::once(option(String::new(), "No calendar".into(), &current_calendar))
                .chain(data.calendars.iter().map(|c| option(c.id.to_string(), c.name.clone(), &current_calendar)))
                .collect_view();
            let skills = p.skills.join(" ");
            let name = p.user.display_name.clone();
            view! {
                <tr>
                    <td>{p.user.display_name.clone()}</td>
                    <td>{p.user.email.clone()}</td>
                    <td>{organisation}</td>
                    <td>
                        <ActionForm action=update attr:class="row-form">
                            <input type="hidden" name="update[user_id]" value=p.user.id.to_string()/>
                            <select name="update[role]" aria-label=format!("Role of {name}")>{role_options}</select>
                            {staff.then(|| view! {
                                <input type="text" name="update[skills]" value=skills aria-label=format!("Skills of {name}") placeholder="Skills"/>
                                <select name="update[calendar]" aria-label=format!("Working calendar of {name}")>{calendars}</select>
                            })}
                            <label class="inline-check">
                                <input type="checkbox" name="update[active]" value="true" checked=p.active/>"Active"
                            </label>
                            <button type="submit" class="secondary">"Save"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let people_options = data
        .people
        .iter()
        .map(|p| option(p.user.id.to_string(), format!("{} ({})", p.user.display_name, p.user.email), ""))
        .collect_view();
    let password_result = password.value();
    let organisation_options = std::iter::once(option(String::new(), "— (staff)".into(), ""))
        .chain(data.organisations.iter().map(|o| option(o.id.to_string(), o.name.clone(), "")))
        .collect_view();
    view! {
        <section class="panel" id="people">
            <h2>"People and roles"</h2>
            {all_errors(update.value().into())}
            <div class="table-wrap">
                <table>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Organisation"</th><th scope="col">"Role"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <h3>"Add a person"</h3>
            {all_errors(create.value().into())}
            <ActionForm action=create attr:class="stack-form">
                <label for="new-person-name">"Name"</label>
                <input id="new-person-name" type="text" name="form[name]"/>
                <label for="new-person-email">"E-mail"</label>
                <input id="new-person-email" type="email" name="form[email]"/>
                <label for="new-person-role">"Role"</label>
                <select id="new-person-role" name="form[role]">
                    {Role::ALL.iter().map(|r| option(r.as_str().into(), r.label().into(), "agent")).collect_view()}
                </select>
                <label for="new-person-organisation">"Organisation (customers)"</label>
                <select id="new-person-organisation" name="form[organisation]">{organisation_options}</select>
                <label for="new-person-password">"Initial password"</label>
                <input id="new-person-password" type="password" name="form[password]" autocomplete="new-password"/>
                <button type="submit">"Add person"</button>
            </ActionForm>
            <h3>"Set a new password"</h3>
            <p class="muted">"For someone who cannot use the e-mail link. Their sessions end; tell them the new password."</p>
            {done_notice(password_result.into(), "The new password is set and their sessions ended.")}
            {all_errors(password_result.into())}
            <ActionForm action=password attr:class="stack-form">
                <label for="password-person">"Person"</label>
                <select id="password-person" name="user_id">{people_options}</select>
                <label for="password-new">"New password"</label>
                <input id="password-new" type="password" name="password" autocomplete="new-password"/>
                <button type="submit">"Set password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Categories(
    data: AdminOverview,
    create: ServerAction<CreateCategory>,
    toggle: ServerAction<SetCategoryActive>,
) -> impl IntoView {
    let rows = data
        .categories
        .into_iter()
        .map(|c| {
            let (label, next) = if c.active { ("Retire", "false") } else { ("Restore", "true") };
            view! {
                <li>
                    {c.name.clone()}
                    {(!c.active).then_some(" (retired)")}
                    <ActionForm action=toggle attr:class="inline">
                        <input type="hidden" name="category_id" value=c.id.to_string()/>
                        <input type="hidden" name="active" value=next/>
                        <button type="submit" class="link">{label}</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" id="categories">
            <h2>"Categories"</h2>
            {all_errors(create.value().into())}
            <ul class="plain">{rows}</ul>
            <ActionForm action=create attr:class="row-form">
                <label for="new-category">"New category"</label>
                <input id="new-category" type="text" name="name"/>
                <button type="submit">"Add category"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Calendars(data: AdminOverview, action: ServerAction<SaveCalendar>) -> impl IntoView {
    let rows = data
        .calendars
        .into_iter()
        .map(|c| {
            view! {
                <li>
                    <ActionForm action=action attr:class="stack-form">
                        <input type="hidden" name="form[name]" value=c.name.clone()/>
                        <label>{c.name.clone()}
                            <textarea class="code" name="form[source]">{c.source.clone()}</textarea>
                        </label>
                        <button type="submit" class="secondary">"Save calendar"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" id="calendars">
            <h2>"Business calendars"</h2>
            <p class="muted">"Time zone, opening hours per weekday (several ranges allowed), holidays and per-date overrides, as TOML. Mistakes are reported with their line."</p>
            {all_errors(action.value().into())}
            <ul class="plain">{rows}</ul>
            <ActionForm action=action attr:class="stack-form">
                <label for="new-calendar-name">"New calendar"</label>
                <input id="new-calendar-name" type="text" name="form[name]"/>
                <label for="new-calendar-source">"Definition"</label>
                <textarea id="new-calendar-source" class="code" name="form[source]">
                    "timezone = \"Europe/Berlin\"\nholidays = []\n\n[hours]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n"
                </textarea>
                <button type="submit">"Add calendar"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Tokens(
    data: AdminOverview,
    create: ServerAction<CreateApiToken>,
    revoke: ServerAction<RevokeApiToken>,
) -> impl IntoView {
    let rows = data
        .tokens
        .into_iter()
        .map(|t| {
            let used = t
                .last_used_at
                .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "never".into());
            let id = t.id;
            let revoked = t.revoked;
            view! {
                <tr>
                    <td>{t.name.clone()}</td>
                    <td>{t.created_by.clone()}</td>
                    <td>{t.created_at.format("%Y-%m-%d").to_string()}</td>
                    <td>{used}</td>
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
        <section class="panel" id="tokens">
            <h2>"API tokens"</h2>
            <p class="muted">"Integrations call /api/v1 with \"Authorization: Bearer <token>\". A token acts with its creator's rights. The OpenAPI document is at "<a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>"."</p>
            {all_errors(create.value().into())}
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
                <label for="new-token">"New token for"</label>
                <input id="new-token" type="text" name="name" placeholder="e.g. Monitoring, E-mail gateway"/>
                <button type="submit">"Create token"</button>
            </ActionForm>
        </section>
    }
}
