//! Demo data: a support organisation with three tiers, skilled agents, customers on different
//! plans and a few dozen tickets with believable timelines. Loaded on first start into an empty
//! database (and by `tierline demo load`), so the product can be tried at once.

use app::domain::commands::{self, NewTicket, TicketChanges};
use app::domain::directory::{Group, Tier};
use app::domain::ladder::LadderContext;
use app::domain::survey::SurveyAnswer;
use app::domain::ticket::{Assignment, Handoff};
use app::domain::{Channel, Priority, Role, TicketStatus, UserSummary, Visibility};
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

/// A demo survey answer: satisfaction, effort, comment.
type DemoAnswer = (u8, Option<u8>, Option<&'static str>);

/// The demo's survey answers, in turn; `None` leaves the survey unanswered, as many customers do.
const DEMO_ANSWERS: &[Option<DemoAnswer>] = &[
    Some((5, Some(6), Some("Quick and friendly, thank you."))),
    Some((2, Some(2), Some("It took three days and we had to chase every update."))),
    None,
    Some((4, None, None)),
    Some((5, Some(7), None)),
    None,
    Some((3, Some(4), Some("Fixed in the end, but the first answer did not help."))),
];

const CATEGORIES: &[&str] =
    &["Access & accounts", "Billing", "Hardware", "Integrations & API", "Network & VPN", "Security"];

/// (subject, description, category index, priority, channel)
const SUBJECTS: &[(&str, &str, usize, Priority, Channel)] = &[
    (
        "Cannot sign in after password reset",
        "The reset link worked but the new password is refused on the login page.",
        0,
        Priority::Normal,
        Channel::Portal,
    ),
    (
        "Invoice for October charged twice",
        "Our card was charged twice for invoice 2026-10-118. Please refund one charge.",
        1,
        Priority::High,
        Channel::Email,
    ),
    (
        "VPN drops every hour at the Hamburg warehouse",
        "Since Monday the site-to-site VPN reconnects every 60 minutes and scanners lose their session.",
        4,
        Priority::Urgent,
        Channel::Phone,
    ),
    (
        "Webhook deliveries failing with 401",
        "Our endpoint started returning 401 for your webhook calls yesterday; nothing changed on our side.",
        3,
        Priority::High,
        Channel::Api,
    ),
    (
        "New starter needs access to the reporting module",
        "Please give jan@acme.example the same permissions as Carla.",
        0,
        Priority::Low,
        Channel::Portal,
    ),
    (
        "Label printer shows error E-204",
        "The Zebra printer at dock 3 stops after every 20 labels with E-204.",
        2,
        Priority::Normal,
        Channel::Portal,
    ),
    (
        "Suspicious login attempts on admin account",
        "We received alerts of sign-in attempts from an unknown country on our admin account.",
        5,
        Priority::Urgent,
        Channel::Email,
    ),
    (
        "Export to CSV times out for large date ranges",
        "Exporting a quarter of shipments fails after two minutes.",
        3,
        Priority::Normal,
        Channel::Portal,
    ),
    (
        "Change billing contact",
        "Please send invoices to accounts@globex.example from now on.",
        1,
        Priority::Low,
        Channel::Email,
    ),
    (
        "SSO with Azure AD stopped working",
        "Users get 'invalid audience' since this morning.",
        5,
        Priority::High,
        Channel::Portal,
    ),
    (
        "Slow dashboard in the afternoon",
        "Between 14:00 and 16:00 the dashboard takes 20 seconds to load.",
        3,
        Priority::Normal,
        Channel::Portal,
    ),
    (
        "Replacement handheld scanner",
        "One handheld (serial HS-22817) no longer charges.",
        2,
        Priority::Low,
        Channel::Phone,
    ),
    (
        "API rate limit too low for nightly sync",
        "Our nightly sync hits the rate limit at about 2,000 requests.",
        3,
        Priority::Normal,
        Channel::Api,
    ),
    (
        "VAT number missing on invoices",
        "Our VAT number DE812345678 is not printed on the invoices.",
        1,
        Priority::Normal,
        Channel::Portal,
    ),
    (
        "Two-factor codes not arriving by SMS",
        "Several users do not receive their SMS codes.",
        0,
        Priority::High,
        Channel::Portal,
    ),
];

pub async fn load(store: &Store, now: DateTime<Utc>) -> anyhow::Result<Vec<Login>> {
    let office = store.save_calendar("Office hours (Berlin)", CALENDAR_OFFICE, now).await?;
    store.save_calendar("Around the clock", CALENDAR_ALWAYS, now).await?;

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
                now,
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
    let service_desk = store
        .create_group(&group(
            l1,
            "Service Desk",
            "lena.lead@tierline.example",
            &["triage"],
            &["lena.lead@tierline.example", "sam.agent@tierline.example", "kim.agent@tierline.example"],
        ))
        .await?;
    let network = store
        .create_group(&group(
            l2,
            "Network",
            "omar.lead@tierline.example",
            &["networking", "vpn"],
            &["omar.lead@tierline.example", "nina.agent@tierline.example"],
        ))
        .await?;
    let billing = store
        .create_group(&group(
            l2,
            "Billing & Accounts",
            "omar.lead@tierline.example",
            &["billing", "invoicing"],
            &["raj.agent@tierline.example", "sam.agent@tierline.example"],
        ))
        .await?;
    let engineering = store
        .create_group(&group(
            l3,
            "Engineering",
            "eva.lead@tierline.example",
            &["engineering", "api"],
            &["eva.lead@tierline.example", "tom.engineer@tierline.example"],
        ))
        .await?;
    let security = store
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
        categories.push(store.create_category(name).await?);
    }

    let mut customers = Vec::new();
    for (name, plan, people) in ORGANISATIONS {
        let organisation = store.create_organisation(name, plan, now).await?;
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
                    now,
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

    // Each ticket follows a script chosen by its index, so the demo has every status and a mix of
    // tiers, with times spread over the last ten days.
    let agent = |email: &str| staff.iter().find(|p| p.email == email).cloned().expect("demo agent exists");
    let routes = [
        (l1, service_desk, "sam.agent@tierline.example"),
        (l1, service_desk, "kim.agent@tierline.example"),
        (l2, network, "nina.agent@tierline.example"),
        (l2, billing, "raj.agent@tierline.example"),
        (l3, engineering, "tom.engineer@tierline.example"),
        (l3, security, "ines.security@tierline.example"),
    ];
    // The demo's tickets move as people would move them under the policy the demo publishes.
    let policy = app::domain::policy::Policy::from_toml(app::domain::policy::EXAMPLE_POLICY)
        .map_err(|errors| anyhow::anyhow!("the example policy does not parse: {errors}"))?;
    let directory = store.directory().await?;
    let ladder = LadderContext { policy: Some(&policy), directory: &directory };
    let endings = [
        TicketStatus::New,
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Open,
        TicketStatus::OnHold,
        TicketStatus::Resolved,
        TicketStatus::Closed,
        TicketStatus::Open,
    ];
    for index in 0..36usize {
        let (subject, description, category, priority, channel) = SUBJECTS[index % SUBJECTS.len()];
        let customer = &customers[index % customers.len()];
        let organisation_id = customer.organisation_id.expect("customers have an organisation");
        let mut at = now - Duration::hours(240 - (index as i64) * 6);
        let subject = if index < SUBJECTS.len() { subject.to_string() } else { format!("{subject} (again)") };
        let created = commands::open(
            &NewTicket {
                subject,
                description: description.into(),
                category_id: Some(categories[category]),
                priority,
            },
            channel,
        );
        let ticket_id =
            store.create_ticket(customer.id, organisation_id, customer.id, created, at).await?.ticket.id;
        let ending = endings[index % endings.len()];
        if ending == TicketStatus::New {
            continue;
        }
        let (tier, group_id, agent_email) = routes[index % routes.len()];
        let worker = agent(agent_email);
        at += Duration::minutes(20 + (index as i64 % 5) * 7);
        let assignment = Assignment {
            tier_id: Some(l1),
            group_id: Some(service_desk),
            assignee_id: Some(agent("sam.agent@tierline.example").id),
        };
        let triage = agent("sam.agent@tierline.example");
        store
            .append(ticket_id, &triage, None, at, |t| {
                commands::change(
                    t,
                    triage.role,
                    &ladder,
                    &TicketChanges {
                        assignment: Some(assignment),
                        status: Some(TicketStatus::Open),
                        ..Default::default()
                    },
                )
            })
            .await?;
        at += Duration::minutes(12);
        store
            .append(ticket_id, &triage, None, at, |t| {
                commands::write_message(
                    t,
                    triage.role,
                    Visibility::Public,
                    "Thanks for reporting this. I am looking into it and will update you shortly.",
                )
            })
            .await?;
        if tier != l1 {
            at += Duration::hours(2);
            store
                .append(ticket_id, &triage, None, at, |t| commands::write_message(t, triage.role, Visibility::Internal, "Reproduced; this needs a specialist. Customer impact confirmed, logs attached to the previous reply."))
                .await?;
            let assignment =
                Assignment { tier_id: Some(tier), group_id: Some(group_id), assignee_id: Some(worker.id) };
            let handoff = Handoff {
                summary: format!("{} Reproduced on our side.", description),
                tried: "Checked the known-issues list, reproduced it and collected the logs.".into(),
                impact: "The customer's team is blocked while this lasts.".into(),
                ask: "Please find the cause; the logs are attached to the previous reply.".into(),
            };
            store
                .append(ticket_id, &triage, None, at, |t| {
                    commands::escalate(t, triage.role, &ladder, assignment, &handoff)
                })
                .await?;
        }
        at += Duration::hours(1);
        store
            .append(ticket_id, customer, None, at, |t| {
                commands::write_message(
                    t,
                    Role::Customer,
                    Visibility::Public,
                    "Thank you. It happened again this morning at 09:40, in case that helps.",
                )
            })
            .await?;
        if ending == TicketStatus::Open {
            continue;
        }
        at += Duration::hours(3);
        let reply = match ending {
            TicketStatus::Pending => "Could you send us the exact error message and a screenshot? We will continue as soon as we have it.",
            TicketStatus::OnHold => "We have raised this with the carrier and are waiting for their engineers.",
            _ => "We found the cause and applied a fix. Please let us know if anything still looks wrong.",
        };
        store
            .append(ticket_id, &worker, None, at, |t| {
                commands::write_message(t, worker.role, Visibility::Public, reply)
            })
            .await?;
        let status = if ending == TicketStatus::Closed { TicketStatus::Resolved } else { ending };
        store
            .append(ticket_id, &worker, None, at, |t| {
                commands::change(
                    t,
                    worker.role,
                    &ladder,
                    &TicketChanges { status: Some(status), ..Default::default() },
                )
            })
            .await?;
        // The customer answers the survey the resolution offered (at most one a week each), so
        // the feedback report and the reviews have something to show.
        let survey =
            store.latest_survey_of(ticket_id).await?.filter(|survey| survey.link.answered_at.is_none());
        if let (Some(survey), Some((csat, effort, comment))) =
            (survey, DEMO_ANSWERS[index % DEMO_ANSWERS.len()])
        {
            let answer = SurveyAnswer { csat, effort, comment: comment.map(str::to_string) };
            store
                .answer_survey(survey.id, &survey.nonce, &answer, at + Duration::hours(5))
                .await
                .map_err(|error| anyhow::anyhow!("the demo's survey answer: {error}"))?;
        }
        if ending == TicketStatus::Closed {
            at += Duration::hours(24);
            store
                .append(ticket_id, &worker, None, at, |t| {
                    commands::change(
                        t,
                        worker.role,
                        &ladder,
                        &TicketChanges { status: Some(TicketStatus::Closed), ..Default::default() },
                    )
                })
                .await?;
        }
    }

    let admin = staff.iter().find(|p| p.role == Role::Admin).map(|p| p.id).expect("the demo has an admin");
    store
        .save_policy_version(
            app::domain::policy::EXAMPLE_POLICY,
            admin,
            "The demo's standard support policy",
            now,
        )
        .await?;

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
