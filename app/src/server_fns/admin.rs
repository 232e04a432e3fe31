//! Server functions for configuration: organisations, tiers, groups, people, categories,
//! calendars and API tokens. Changing anything here is for admins only; staff may read the
//! customer list to open tickets on a customer's behalf.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::account::ApiToken;
use crate::domain::directory::{CalendarRecord, Category, Group, Organisation, Tier};
use crate::domain::UserSummary;
use crate::error::AppError;

/// A person as the admin pages list them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPerson {
    pub user: UserSummary,
    pub active: bool,
    pub skills: Vec<String>,
    /// The working calendar of staff: when they are available for routing and notifications.
    pub calendar_id: Option<i64>,
}

/// Everything the admin pages show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub organisations: Vec<Organisation>,
    pub tiers: Vec<Tier>,
    pub groups: Vec<Group>,
    pub people: Vec<AdminPerson>,
    pub categories: Vec<Category>,
    pub calendars: Vec<CalendarRecord>,
    pub tokens: Vec<ApiToken>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationForm {
    /// Empty to create.
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub plan: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierForm {
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub rank: String,
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub handbook: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    pub id: String,
    pub tier: String,
    pub name: String,
    #[serde(default)]
    pub lead: String,
    /// Space- or comma-separated skills.
    #[serde(default)]
    pub skills: String,
    /// Space- or comma-separated e-mail addresses of the members.
    #[serde(default)]
    pub members: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonForm {
    pub email: String,
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub organisation: String,
    pub password: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarForm {
    pub name: String,
    pub source: String,
}

/// Customers, for the "open a ticket for" choice. Staff only.
#[server(endpoint = "admin/customers")]
pub async fn list_customers() -> Result<Vec<UserSummary>, AppError> {
    crate::ssr::auth::require_staff().await?;
    let users = crate::ssr::app_state()?.store.users().await?;
    Ok(users
        .into_iter()
        .filter(|user| user.active && user.summary.role.is_customer())
        .map(|user| user.summary)
        .collect())
}

/// Everything the admin pages show. Admins only.
#[server(endpoint = "admin/overview")]
pub async fn load_admin_overview() -> Result<AdminOverview, AppError> {
    crate::ssr::auth::require_admin().await?;
    let store = crate::ssr::app_state()?.store;
    Ok(AdminOverview {
        organisations: store.organisations().await?,
        tiers: store.tiers().await?,
        groups: store.groups().await?,
        people: {
            let skills = store.user_skills().await?;
            store
                .users()
                .await?
                .into_iter()
                .map(|u| AdminPerson {
                    skills: skills
                        .iter()
                        .filter(|(id, _)| *id == u.summary.id)
                        .map(|(_, skill)| skill.clone())
                        .collect(),
                    calendar_id: u.calendar_id,
                    user: u.summary,
                    active: u.active,
                })
                .collect()
        },
        categories: store.categories().await?,
        calendars: store.calendars().await?,
        tokens: store.api_tokens().await?,
    })
}

/// Creates an organisation or renames it / changes its plan. Admins only.
#[server(endpoint = "admin/organisation")]
pub async fn save_organisation(form: OrganisationForm) -> Result<(), AppError> {
    use crate::domain::validation;
    crate::ssr::auth::require_admin().await?;
    let store = crate::ssr::app_state()?.store;
    let mut errors = crate::domain::FieldErrors::default();
    let id = server::optional_id(&mut errors, "id", &form.id);
    let name = validation::text(&mut errors, "name", "The name", &form.name, 2, 120);
    let plan = validation::slug(&mut errors, "plan", "The plan", &form.plan);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let saved = match id {
        None => store.create_organisation(&name, &plan, crate::ssr::now()).await.map(|_| true),
        Some(id) => store.update_organisation(id, &name, &plan, crate::ssr::now()).await,
    };
    server::saved(saved, "name", "Another organisation already has this name.")
}

/// Creates or changes a tier: name, rank (its place in the escalation order), lead, handbook.
/// Admins only.
#[server(endpoint = "admin/tier")]
pub async fn save_tier(form: TierForm) -> Result<(), AppError> {
    use crate::domain::validation;
    crate::ssr::auth::require_admin().await?;
    let store = crate::ssr::app_state()?.store;
    let mut errors = crate::domain::FieldErrors::default();
    let id = server::optional_id(&mut errors, "id", &form.id);
    let name = validation::text(&mut errors, "name", "The name", &form.name, 2, 80);
    let rank =
        form.rank.trim().parse::<i64>().ok().filter(|rank| (1..=99).contains(rank)).unwrap_or_else(|| {
            errors.push(
                "rank",
                "The rank is the tier's place in the escalation order: a number from 1 (front line) to 99.",
            );
            0
        });
    let lead_id = server::staff_id(&store, &mut errors, "lead", &form.lead).await?;
    let handbook = validation::text(&mut errors, "handbook", "The handbook", &form.handbook, 0, 4000);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if let Some(id) = id {
        let old = store.tiers().await?.into_iter().find(|tier| tier.id == id).ok_or(AppError::NotFound)?;
        server::refuse_renaming_what_the_policy_names(&store, "tier", &old.name, &name).await?;
    }
    let tier = Tier { id: id.unwrap_or(0), name, rank, lead_id, handbook };
    let saved = match id {
        None => store.create_tier(&tier).await.map(|_| true),
        Some(_) => store.update_tier(&tier).await,
    };
    server::saved(saved, "name", "Another tier already has this name or rank.")
}

/// Creates or changes a group: its tier, name, lead, skills and members. Admins only.
#[server(endpoint = "admin/group")]
pub async fn save_group(form: GroupForm) -> Result<(), AppError> {
    use crate::domain::validation;
    crate::ssr::auth::require_admin().await?;
    let store = crate::ssr::app_state()?.store;
    let mut errors = crate::domain::FieldErrors::default();
    let id = server::optional_id(&mut errors, "id", &form.id);
    let tiers = store.tiers().await?;
    let tier_id = match server::optional_id(&mut errors, "tier", &form.tier) {
        Some(id) if tiers.iter().any(|t| t.id == id) => Some(id),
        Some(_) => {
            errors.push("tier", "Choose one of the listed tiers.");
            None
        }
        None => {
            if errors.for_field("tier").is_none() {
                errors.push("tier", "Choose the tier this group belongs to.");
            }
            None
        }
    };
    let name = validation::text(&mut errors, "name", "The name", &form.name, 2, 80);
    let lead_id = server::staff_id(&store, &mut errors, "lead", &form.lead).await?;
    let skills = crate::domain::commands::parse_tags("skills", &form.skills).unwrap_or_else(|more| {
        errors.0.extend(more.0);
        Vec::new()
    });
    let people = store.users().await?;
    let mut member_ids = Vec::new();
    for email in form.members.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()) {
        match people.iter().find(|p| p.summary.email == email.to_lowercase() && p.summary.role.is_staff()) {
            // Someone named twice is a member once.
            Some(person) if member_ids.contains(&person.summary.id) => {}
            Some(person) => member_ids.push(person.summary.id),
            None => errors.push("members", format!("{email} is not a member of staff.")),
        }
    }
    let Some(tier_id) = tier_id.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    if let Some(id) = id {
        let old = store.groups().await?.into_iter().find(|group| group.id == id).ok_or(AppError::NotFound)?;
        server::refuse_renaming_what_the_policy_names(&store, "group", &old.name, &name).await?;
    }
    let group = Group { id: id.unwrap_or(0), tier_id, name, lead_id, skills, member_ids };
    let saved = match id {
        None => store.create_group(&group).await.map(|_| true),
        Some(_) => store.update_group(&group).await,
    };
    server::saved(saved, "name", "Another group already has this name.")
}

/// Creates a person who can sign in. Admins only.
#[server(endpoint = "admin/person")]
pub async fn create_person(form: PersonForm) -> Result<(), AppError> {
    use crate::domain::{validation, Role};
    use crate::ssr::store::accounts::NewUser;
    crate::ssr::auth::require_admin().await?;
    let store = crate::ssr::app_state()?.store;
    let mut errors = crate::domain::FieldErrors::default();
    let email = validation::email(&mut errors, "email", &form.email);
    let name = validation::text(&mut errors, "name", "The name", &form.name, 2, 120);
    let role = Role::parse(form.role.trim());
    if role.is_none() {
        errors.push("role", "Choose a role.");
    }
    let organisation_id = server::optional_id(&mut errors, "organisation", &form.organisation);
    match (role, organisation_id) {
        (Some(role), None) if role.is_customer() && errors.for_field("organisation").is_none() => {
            errors.push("organisation", "A customer belongs to an organisation; choose it.")
        }
        (Some(role), Some(_)) if !role.is_customer() => {
            errors.push("organisation", "Staff do not belong to a customer organisation; leave it empty.")
        }
        _ => {}
    }
    if let Some(id) = organisation_id {
        if !store.organisations().await?.iter().any(|o| o.id == id) {
            errors.push("organisation", "Choose one of the listed organisations.");
        }
    }
    validation::new_password(&mut errors, "password", &form.password);
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let user = NewUser {
        email: &email,
        display_name: &name,
        role,
        organisation_id,
        calendar_id: None,
        password: &form.password,
    };
    server::unique(
        store.create_user(&user, crate::ssr::now()).await,
        "email",
        "Someone already has this address.",
    )?;
    Ok(())
}

/// Gives someone a new password (when they forgot theirs and cannot receive e-mail) and ends
/// every session they have. Admins only.
#[server(endpoint = "admin/person/password")]
pub async fn set_person_password(user_id: i64, password: String) -> Result<(), AppError> {
    crate::ssr::auth::require_admin().await?;
    let mut errors = crate::domain::FieldErrors::default();
    crate::domain::validation::new_password(&mut errors, "password", &password);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if !crate::ssr::app_state()?.store.set_password(user_id, &password, None).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id, "an admin set a new password");
    Ok(())
}

/// What an admin changes about an existing person.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonUpdate {
    pub user_id: String,
    pub role: String,
    /// "true" when the box is ticked; absent from a plain form when it is not.
    #[serde(default)]
    pub active: String,
    #[serde(default)]
    pub skills: String,
    #[serde(default)]
    pub calendar: String,
}

/// Changes a person's role, skills and working calendar, or deactivates them (which also ends
/// their sessions). Admins only; an admin cannot demote or deactivate themself, so there is
/// always an admin left.
#[server(endpoint = "admin/person/update")]
pub async fn update_person(update: PersonUpdate) -> Result<(), AppError> {
    use crate::domain::Role;
    let admin = crate::ssr::auth::require_admin().await?;
    let store = crate::ssr::app_state()?.store;
    let mut errors = crate::domain::FieldErrors::default();
    let user_id = server::optional_id(&mut errors, "user_id", &update.user_id).ok_or(AppError::NotFound)?;
    let role = Role::parse(update.role.trim()).ok_or_else(|| AppError::field("role", "Choose a role."))?;
    let active = update.active == "true" || update.active == "on";
    let skills = crate::domain::commands::parse_tags("skills", &update.skills)?;
    let calendar_id = server::optional_id(&mut errors, "calendar", &update.calendar);
    if let Some(id) = calendar_id {
        if !store.calendars().await?.iter().any(|c| c.id == id) {
            errors.push("calendar", "Choose one of the listed calendars.");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if user_id == admin.id && (!role.may_configure() || !active) {
        return Err(AppError::field("role", "You cannot demote or deactivate yourself."));
    }
    let person = store.user(user_id).await?.ok_or(AppError::NotFound)?;
    if !person.summary.role.may_become(role) {
        return Err(AppError::field(
            "role",
            "Customers stay customers and staff stay staff; create a new account instead.",
        ));
    }
    let updated = store.update_person(user_id, role, active, calendar_id, &skills).await?;
    updated.then_some(()).ok_or(AppError::NotFound)
}

/// Adds a ticket category. Admins only.
#[server(endpoint = "admin/category")]
pub async fn create_category(name: String) -> Result<(), AppError> {
    crate::ssr::auth::require_admin().await?;
    let store = crate::ssr::app_state()?.store;
    let mut errors = crate::domain::FieldErrors::default();
    let name = crate::domain::validation::text(&mut errors, "name", "The name", &name, 2, 80);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    server::unique(store.create_category(&name).await, "name", "This category exists already.")?;
    Ok(())
}

/// Retires a category (existing tickets keep it) or brings it back. Admins only.
#[server(endpoint = "admin/category/active")]
pub async fn set_category_active(category_id: i64, active: bool) -> Result<(), AppError> {
    crate::ssr::auth::require_admin().await?;
    let found = crate::ssr::app_state()?.store.set_category_active(category_id, active).await?;
    found.then_some(()).ok_or(AppError::NotFound)
}

/// Creates or replaces a business calendar from its TOML; refused with the line of the first
/// mistake. Admins only.
#[server(endpoint = "admin/calendar")]
pub async fn save_calendar(form: CalendarForm) -> Result<(), AppError> {
    crate::ssr::auth::require_admin().await?;
    let store = crate::ssr::app_state()?.store;
    let mut errors = crate::domain::FieldErrors::default();
    let name = crate::domain::validation::text(&mut errors, "name", "The name", &form.name, 2, 80);
    if let Err(error) = crate::domain::calendar::Calendar::from_toml(&form.source) {
        errors.push("source", error.to_string());
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    store.save_calendar(&name, &form.source, crate::ssr::now()).await?;
    Ok(())
}

/// Creates an API token and returns its secret, which is shown this once. Admins only.
#[server(endpoint = "admin/token")]
pub async fn create_api_token(name: String) -> Result<String, AppError> {
    let admin = crate::ssr::auth::require_admin().await?;
    let mut errors = crate::domain::FieldErrors::default();
    let name = crate::domain::validation::text(&mut errors, "name", "The name", &name, 2, 80);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let (_, secret) =
        crate::ssr::app_state()?.store.create_api_token(&name, admin.id, crate::ssr::now()).await?;
    Ok(secret)
}

/// Revokes an API token at once. Admins only.
#[server(endpoint = "admin/token/revoke")]
pub async fn revoke_api_token(token_id: i64) -> Result<(), AppError> {
    crate::ssr::auth::require_admin().await?;
    let revoked = crate::ssr::app_state()?.store.revoke_api_token(token_id, crate::ssr::now()).await?;
    revoked.then_some(()).ok_or(AppError::NotFound)
}

#[cfg(feature = "ssr")]
mod server {
    use crate::domain::FieldErrors;
    use crate::error::AppError;
    use crate::ssr::store::{StoreError, StoreResult};
    use crate::ssr::Store;

    pub use crate::domain::validation::optional_id;

    /// A member of staff chosen in a form, checked to exist.
    pub async fn staff_id(
        store: &Store,
        errors: &mut FieldErrors,
        field: &str,
        value: &str,
    ) -> Result<Option<i64>, AppError> {
        let Some(id) = optional_id(errors, field, value) else {
            return Ok(None);
        };
        match store.user(id).await? {
            Some(user) if user.summary.role.is_staff() => Ok(Some(id)),
            _ => {
                errors.push(field, "Choose a member of staff.");
                Ok(None)
            }
        }
    }

    /// The outcome of a create (always true) or an update (false when there was nothing to
    /// update): saved, a field error for a unique-constraint violation, or "not found".
    pub fn saved(result: StoreResult<bool>, field: &str, message: &str) -> Result<(), AppError> {
        unique(result, field, message)?.then_some(()).ok_or(AppError::NotFound)
    }

    /// Renaming a tier or group the policy in force names would silently stop routing to it, so
    /// it is refused with the policy's lines: change the policy first (a new version, with its
    /// author and diff), then the name. Refusing keeps every policy change a deliberate one.
    pub async fn refuse_renaming_what_the_policy_names(
        store: &Store,
        noun: &str,
        old_name: &str,
        new_name: &str,
    ) -> Result<(), AppError> {
        if old_name == new_name {
            return Ok(());
        }
        match store.policy_lines_naming(old_name).await? {
            None => Ok(()),
            Some((version, lines)) => {
                let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
                Err(AppError::field(
                    "name",
                    format!(
                        "The escalation policy in force (version {version}) names this {noun} \"{old_name}\" on \
                         line{} {}; change the policy first, then rename the {noun}.",
                        if lines.len() == 1 { "" } else { "s" },
                        lines.join(", ")
                    ),
                ))
            }
        }
    }

    /// Turns a unique-constraint violation into a field error.
    pub fn unique<T>(result: StoreResult<T>, field: &str, message: &str) -> Result<T, AppError> {
        result.map_err(|error: StoreError| {
            if error.is_unique_violation() {
                AppError::field(field, message)
            } else {
                error.into()
            }
        })
    }
}
