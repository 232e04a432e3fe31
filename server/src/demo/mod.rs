//! Demo data: a support organisation with three tiers, skilled agents, customers on different
//! plans, and a few dozen tickets whose histories (`history.rs`) leave the desk as it looks at
//! mid-day. Loaded on first start into an empty database (and by `tierline demo load`), so the
//! product can be tried at once.

mod history;

use app::domain::calendar::Calendar;
use app::domain::directory::{Group, Tier};
use app::domain::{Role, UserSummary};
use app::ssr::store::accounts::NewUser;
use app::ssr::Store;
use chrono::{DateTime, Duration, Utc};

/// Every demo account's password.
pub const DEMO_PASSWORD: &str = "tierline-demo";

/// A demo account worth printing: (role, e-mail).
pub type Login = (Role, String);

const CALENDAR_OFFICE: &str = r#"timezone = "Europe/Berlin"
holidays = ["2026-12-25", "2026-12-26", "2027-01-01"]

[hours]
mon = ["08:00-18:00"]
tue = ["08:00-18:00"]
wed = ["08:00-18:00"]
thu = ["08:00-18:00"]
fri = ["08:00-16:00"]

[overrides]
"2026-12-24" = ["08:00-12:00"]
"#;

const CALENDAR_ALWAYS: &str = r#"timezone = "UTC"

[hours]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]
"#;

struct StaffMember {
    email: &'static str,
    name: &'static str,
    role: Role,
    skills: &'static [&'static str],
}

const STAFF: &[StaffMember] = &[
    StaffMember { email: "admin@tierline.example", name: "Alex Admin", role: Role::Admin, skills: &[] },
    StaffMember {
        email: "maria.manager@tierline.example",
        name: "Maria Okafor",
        role: Role::Manager,
        skills: &[],
    },
    StaffMember {
        email: "lena.lead@tierline.example",
        name: "Lena Fischer",
        role: Role::Lead,
        skills: &["triage"],
    },
    StaffMember {
        email: "sam.agent@tierline.example",
        name: "Sam Patel",
        role: Role::Agent,
        skills: &["triage", "billing"],
    },
    StaffMember {
        email: "kim.agent@tierline.example",
        name: "Kim Nguyen",
        role: Role::Agent,
        skills: &["triage", "access"],
    },
    StaffMember {
        email: "omar.lead@tierline.example",
        name: "Omar Haddad",
        role: Role::Lead,
        skills: &["networking"],
    },
    StaffMember {
        email: "nina.agent@tierline.example",
        name: "Nina Kowalski",
        role: Role::Agent,
        skills: &["networking", "vpn"],
    },
    StaffMember {
        email: "raj.agent@tierline.example",
        name: "Raj Iyer",
        role: Role::Agent,
        skills: &["billing", "invoicing"],
    },
    StaffMember {
        email: "eva.lead@tierline.example",
        name: "Eva Lindqvist",
        role: Role::Lead,
        skills: &["engineering"],
    },
    StaffMember {
        email: "tom.engineer@tierline.example",
        name: "Tom Becker",
        role: Role::Agent,
        skills: &["engineering", "api"],
    },
    StaffMember {
        email: "ines.security@tierline.example",
        name: "Ines Duarte",
        role: Role::Agent,
        skills: &["security", "sso"],
    },
];

/// (e-mail, name) of a customer.
type Customer = (&'static str, &'static str);

/// (name, plan, customers) of an organisation.
const ORGANISATIONS: &[(&str, &str, &[Customer])] = &[
    (
        "Acme Logistics",
        "enterprise",
        &[("carla@acme.example", "Carla Reyes"), ("ben@acme.example", "Ben Walker")],
    ),
    ("Globex Retail", "premium", &[("dana@globex.example", "Dana Whitfield")]),
    (
        "Initech Software",
        "standard",
        &[("peter@initech.example", "Peter Gibbons"), ("joanna@initech.example", "Joanna Lee")],
    ),
];
const CATEGORIES: &[&str] =
    &["Access & accounts", "Billing", "Hardware", "Integrations & API", "Network & VPN", "Security"];

/// Loads the demo into an empty store as it would stand at `now`: the organisation was set up the
/// day before the first ticket of its history.
pub async fn load(store: &Store, now: DateTime<Utc>) -> anyhow::Result<Vec<Login>> {
    let calendar = Calendar::from_toml(CALENDAR_OFFICE)
        .map_err(|error| anyhow::anyhow!("the demo's office calendar: {error}"))?;
    let first_ticket = calendar
        .add_business_time(now, -Duration::minutes(history::earliest_minute()), &[])
        .map_err(|error| anyhow::anyhow!("the demo's office calendar: {error}"))?;
    let set_up = first_ticket - Duration::days(1);
    let office = store.save_calendar("Office hours (Berlin)", CALENDAR_OFFICE, set_up).await?;
    store.save_calendar("Around the clock", CALENDAR_ALWAYS, set_up).await?;

    let mut staff = Vec::new();
    for person in STAFF {
        let id = store
            .create_user(
                &NewUser {
                    email: person.email,
                    display_name: person.name,
                    role: person.role,
                    organisation_id: None,
                    calendar_id: Some(office),
                    password: DEMO_PASSWORD,
                },
                set_up,
            )
            .await?;
        let skills: Vec<String> = person.skills.iter().map(|s| s.to_string()).collect();
        store.set_user_skills(id, &skills).await?;
        staff.push(UserSummary {
            id,
            email: person.email.into(),
            display_name: person.name.into(),
            role: person.role,
            organisation_id: None,
        });
    }
    let by_email = |email: &str| staff.iter().find(|p| p.email == email).map(|p| p.id);

    let tier = |name: &str, rank: i64, lead: &str, handbook: &str| Tier {
        id: 0,
        name: name.into(),
        rank,
        lead_id: by_email(lead),
        handbook: handbook.into(),
    };
    let l1 = store
        .create_tier(&tier(
            "L1 Service Desk",
            1,
            "lena.lead@tierline.example",
            "Owns every new ticket. Before escalating: reproduce the problem, check the known-issues list, \
             collect screenshots, logs and the exact time it happened.",
        ))
        .await?;
    let l2 = store
        .create_tier(&tier(
            "L2 Specialists",
            2,
            "omar.lead@tierline.example",
            "Owns problems that need product or infrastructure knowledge. Before escalating to engineering: \
             rule out configuration, and write down the steps that reproduce the fault.",
        ))
        .await?;
    let l3 = store
        .create_tier(&tier(
            "L3 Engineering",
            3,
            "eva.lead@tierline.example",
            "Owns defects, outages and security incidents. Keep the customer updated at every checkpoint; \
             hand back to L2 once a workaround is in place.",
        ))
        .await?;
    let group = |tier_id: i64, name: &str, lead: &str, skills: &[&str], members: &[&str]| Group {
        id: 0,
        tier_id,
        name: name.into(),
        lead_id: by_email(lead),
        skills: skills.iter().map(|s| s.to_string()).collect(),
        member_ids: members.iter().filter_map(|m| by_email(m)).collect(),
    };
    store
        .create_group(&group(
            l1,
            "Service Desk",
            "lena.lead@tierline.example",
            &["triage"],
            &["lena.lead@tierline.example", "sam.agent@tierline.example", "kim.agent@tierline.example"],
        ))
        .await?;
    store
        .create_group(&group(
            l2,
            "Network",
            "omar.lead@tierline.example",
            &["networking", "vpn"],
            &["omar.lead@tierline.example", "nina.agent@tierline.example"],
        ))
        .await?;
    store
        .create_group(&group(
            l2,
            "Billing & Accounts",
            "omar.lead@tierline.example",
            &["billing", "invoicing"],
            &["raj.agent@tierline.example", "sam.agent@tierline.example"],
        ))
        .await?;
    store
        .create_group(&group(
            l3,
            "Engineering",
            "eva.lead@tierline.example",
            &["engineering", "api"],
            &["eva.lead@tierline.example", "tom.engineer@tierline.example"],
        ))
        .await?;
    store
        .create_group(&group(
            l3,
            "Security",
            "eva.lead@tierline.example",
            &["security", "sso"],
            &["ines.security@tierline.example"],
        ))
        .await?;

    let mut categories = Vec::new();
    for name in CATEGORIES {
        categories.push((*name, store.create_category(name).await?));
    }

    let mut customers = Vec::new();
    for (name, plan, people) in ORGANISATIONS {
        let organisation = store.create_organisation(name, plan, set_up).await?;
        for (email, display_name) in *people {
            let id = store
                .create_user(
                    &NewUser {
                        email,
                        display_name,
                        role: Role::Customer,
                        organisation_id: Some(organisation),
                        calendar_id: None,
                        password: DEMO_PASSWORD,
                    },
                    set_up,
                )
                .await?;
            customers.push(UserSummary {
                id,
                email: email.to_string(),
                display_name: display_name.to_string(),
                role: Role::Customer,
                organisation_id: Some(organisation),
            });
        }
    }

    let admin = staff.iter().find(|p| p.role == Role::Admin).map(|p| p.id).expect("the demo has an admin");
    store
        .save_policy_version(
            app::domain::policy::EXAMPLE_POLICY,
            admin,
            "The demo's standard support policy",
            set_up,
        )
        .await?;
    let cast = history::Cast { staff: &staff, customers: &customers, categories: &categories };
    history::tell(store, &cast, &calendar, now).await?;

    Ok(vec![
        (Role::Admin, "admin@tierline.example".into()),
        (Role::Manager, "maria.manager@tierline.example".into()),
        (Role::Lead, "lena.lead@tierline.example".into()),
        (Role::Agent, "sam.agent@tierline.example".into()),
        (Role::Agent, "nina.agent@tierline.example".into()),
        (Role::Customer, "carla@acme.example".into()),
        (Role::Customer, "dana@globex.example".into()),
    ])
}

pub fn print_logins(logins: &[Login]) {
    println!();
    println!("Demo data loaded. Sign in with any of these (password: {DEMO_PASSWORD}):");
    for (role, email) in logins {
        println!("  {:<9} {email}", role.label());
    }
    println!();
}
