use super::*;
use chrono::TimeZone;
use EventKind::{Breach, CheckpointMissed, Created, Escalated, Mention, Reminder, Resolved};

const BERLIN_OFFICE_HOURS: &str = r#"timezone = "Europe/Berlin"
[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

fn berlin_office_hours() -> Calendar {
    Calendar::from_toml(BERLIN_OFFICE_HOURS).expect("the test calendar is valid")
}

fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, second).single().expect("a valid instant")
}

/// Monday 9 March 2026, 10:00 UTC: 11:00 in Berlin, within office hours.
fn monday_morning() -> DateTime<Utc> {
    utc(2026, 3, 9, 10, 0, 0)
}

fn person(id: i64, name: &str, role: Role) -> Contact {
    Contact {
        id,
        display_name: name.to_string(),
        email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        role,
        active: true,
        calendar: None,
        digest_every: None,
    }
}

/// The people of the tests. Ina (9) is inactive in group 10; Max (6) is an inactive manager.
fn people() -> Vec<Contact> {
    let inactive = |mut person: Contact| {
        person.active = false;
        person
    };
    vec![
        person(1, "Ada Agent", Role::Agent),
        person(2, "Ben Agent", Role::Agent),
        person(3, "Lea Lead", Role::Lead),
        person(4, "Tom Tierlead", Role::Lead),
        person(5, "Mia Manager", Role::Manager),
        inactive(person(6, "Max Manager", Role::Manager)),
        person(7, "Cleo Customer", Role::Customer),
        person(8, "Wes Watcher", Role::Customer),
        inactive(person(9, "Ina Inactive", Role::Agent)),
        person(11, "Gus Frontline", Role::Agent),
        person(12, "Sam Patel", Role::Agent),
    ]
}

fn tiers() -> Vec<Tier> {
    let tier = |id: i64, name: &str, rank: i64, lead_id: Option<i64>| Tier {
        id,
        name: name.to_string(),
        rank,
        lead_id,
        handbook: String::new(),
    };
    vec![tier(1, "L1 Service Desk", 1, Some(4)), tier(2, "L2 Specialists", 2, None)]
}

fn groups() -> Vec<Group> {
    let group = |id: i64, tier_id: i64, name: &str, lead_id: Option<i64>, member_ids: Vec<i64>| Group {
        id,
        tier_id,
        name: name.to_string(),
        lead_id,
        skills: Vec::new(),
        member_ids,
    };
    vec![
        group(10, 1, "Service Desk", Some(3), vec![1, 2, 9]),
        group(20, 1, "Front Line", None, vec![11, 3]),
        group(30, 2, "L2 Specialists", None, vec![12]),
    ]
}

/// A normal-priority Billing ticket at level 1, held by group 10 of tier 1 and assigned to Ada.
fn ticket() -> TicketSnapshot {
    TicketSnapshot {
        ticket_id: 42,
        subject: "Invoice is wrong".to_string(),
        priority: Priority::Normal,
        plan: "standard".to_string(),
        category: Some("Billing".to_string()),
        level: 1,
        tier_id: Some(1),
        group_id: Some(10),
        assignee_id: Some(1),
        requester_id: 7,
        watcher_ids: vec![8],
        acknowledged_level: None,
    }
}

fn occurrence(kind: EventKind) -> Occurrence {
    Occurrence {
        kind,
        ticket: ticket(),
        mentioned_ids: Vec::new(),
        also_tell: None,
        actor_id: None,
        at: monday_morning(),
    }
}

/// A rule without filters, written as in a policy file.
fn rule(events: &[EventKind], to: &[&str], channels: &[&str]) -> NotificationRule {
    NotificationRule {
        events: events.to_vec(),
        priorities: Vec::new(),
        plans: Vec::new(),
        levels: Vec::new(),
        categories: Vec::new(),
        urgent: false,
        recipients: to.iter().map(|word| Recipient::parse(word).expect("a recipient word")).collect(),
        channels: channels
            .iter()
            .map(|word| NotificationChannel::parse(word).expect("a channel word"))
            .collect(),
    }
}

fn plan(occurrence: &Occurrence, rules: &[NotificationRule], people: &[Contact]) -> Vec<PlannedDelivery> {
    let (tiers, groups) = (tiers(), groups());
    plan_deliveries(occurrence, rules, &Audience { people, tiers: &tiers, groups: &groups })
}

/// The deliveries as (channel, destination) in words: `("email", "7")`, `("slack", "channel")`.
fn shown(deliveries: &[PlannedDelivery]) -> Vec<(String, String)> {
    deliveries
        .iter()
        .map(|delivery| {
            let destination = match &delivery.destination {
                Destination::Person(id) => id.to_string(),
                Destination::Address(address) => address.clone(),
                Destination::Channel => "channel".to_string(),
            };
            (delivery.channel.as_text(), destination)
        })
        .collect()
}

fn person_ids(deliveries: &[PlannedDelivery]) -> Vec<i64> {
    deliveries
        .iter()
        .filter_map(|delivery| match delivery.destination {
            Destination::Person(id) => Some(id),
            _ => None,
        })
        .collect()
}

fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(channel, destination)| (channel.to_string(), destination.to_string())).collect()
}

#[test]
fn a_rule_applies_only_when_the_event_and_every_filter_match() {
    type Case = (&'static str, fn(&mut NotificationRule), fn(&mut TicketSnapshot), bool);
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("no filters",                    |_| {},                                                        |_| {},                                                true),
        ("another event",                 |rule| rule.events = vec![Created],                           |_| {},                                                false),
        ("its priority",                  |rule| rule.priorities = vec![Priority::High, Priority::Normal], |_| {},                                              true),
        ("another priority",              |rule| rule.priorities = vec![Priority::High],                |_| {},                                                false),
        ("its plan, ignoring case",       |rule| rule.plans = vec!["enterprise".into()],                |ticket| ticket.plan = "Enterprise".into(),            true),
        ("another plan",                  |rule| rule.plans = vec!["enterprise".into()],                |_| {},                                                false),
        ("its level",                     |rule| rule.levels = vec![1, 3],                              |_| {},                                                true),
        ("another level",                 |rule| rule.levels = vec![2],                                 |_| {},                                                false),
        ("a level filter, no level",      |rule| rule.levels = vec![1],                                 |ticket| ticket.level = 0,                             false),
        ("its category",                  |rule| rule.categories = vec!["Security".into(), "Billing".into()], |_| {},                                           true),
        ("another category",              |rule| rule.categories = vec!["Security".into()],             |_| {},                                                false),
        ("a category in another case",    |rule| rule.categories = vec!["billing".into()],              |_| {},                                                false),
        ("a category filter, none set",   |rule| rule.categories = vec!["Billing".into()],              |ticket| ticket.category = None,                       false),
        ("no category filter, none set",  |_| {},                                                        |ticket| ticket.category = None,                       true),
        ("all filters at once",           |rule| {
                                              rule.priorities = vec![Priority::Normal];
                                              rule.plans = vec!["standard".into()];
                                              rule.levels = vec![1];
                                              rule.categories = vec!["Billing".into()];
                                          },                                                             |_| {},                                                true),
        ("all but one filter",            |rule| {
                                              rule.priorities = vec![Priority::Normal];
                                              rule.plans = vec!["standard".into()];
                                              rule.levels = vec![2];
                                              rule.categories = vec!["Billing".into()];
                                          },                                                             |_| {},                                                false),
    ];
    for (description, change_rule, change_ticket, applies) in cases {
        let mut rule = rule(&[Escalated], &["assignee"], &["in_app"]);
        change_rule(&mut rule);
        let mut occurrence = occurrence(Escalated);
        change_ticket(&mut occurrence.ticket);
        let deliveries = plan(&occurrence, &[rule], &people());
        assert_eq!(!deliveries.is_empty(), *applies, "{description}: {deliveries:?}");
    }
}

#[test]
fn every_matching_rule_applies_not_only_the_first() {
    let rules = [
        rule(&[Escalated], &["assignee"], &["in_app"]),
        rule(&[Created], &["watchers"], &["in_app"]),
        rule(&[Escalated, Breach], &["requester"], &["email"]),
    ];
    let deliveries = plan(&occurrence(Escalated), &rules, &people());
    assert_eq!(shown(&deliveries), pairs(&[("in_app", "1"), ("email", "7")]));
}

#[test]
fn each_recipient_resolves_to_the_active_people_it_names() {
    type Case = (&'static str, &'static str, fn(&mut Occurrence), fn(&mut Vec<Contact>), &'static [i64]);
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("the assignee",                         "assignee",  |_| {}, |_| {}, &[1]),
        ("no assignee",                          "assignee",  |o| o.ticket.assignee_id = None, |_| {}, &[]),
        ("the group's active members",           "group",     |_| {}, |_| {}, &[1, 2]),
        ("no group",                             "group",     |o| o.ticket.group_id = None, |_| {}, &[]),
        ("every group of the tier",              "tier",      |_| {}, |_| {}, &[1, 2, 3, 11]),
        ("the tier of the group when no tier",   "tier",      |o| { o.ticket.tier_id = None; o.ticket.group_id = Some(30) }, |_| {}, &[12]),
        ("neither tier nor group",               "tier",      |o| { o.ticket.tier_id = None; o.ticket.group_id = None }, |_| {}, &[]),
        ("the group's lead",                     "lead",      |_| {}, |_| {}, &[3]),
        ("the tier's lead when the group has none", "lead",   |o| o.ticket.group_id = Some(20), |_| {}, &[4]),
        ("the tier's lead for a tier alone",     "lead",      |o| o.ticket.group_id = None, |_| {}, &[4]),
        ("the tier's lead when the group's is inactive", "lead", |_| {}, |people| people[2].active = false, &[4]),
        ("no lead at all",                       "lead",      |o| { o.ticket.tier_id = Some(2); o.ticket.group_id = Some(30) }, |_| {}, &[]),
        ("the active managers",                  "managers",  |_| {}, |_| {}, &[5]),
        ("the watchers",                         "watchers",  |o| o.ticket.watcher_ids = vec![8, 2, 8], |_| {}, &[2, 8]),
        ("the people mentioned",                 "mentioned", |o| o.mentioned_ids = vec![12, 2], |_| {}, &[2, 12]),
        ("nobody mentioned",                     "mentioned", |_| {}, |_| {}, &[]),
        ("the requester",                        "requester", |_| {}, |_| {}, &[7]),
        ("an inactive assignee",                 "assignee",  |o| o.ticket.assignee_id = Some(9), |_| {}, &[]),
        ("an inactive watcher and a stranger",   "watchers",  |o| o.ticket.watcher_ids = vec![9, 404, 8], |_| {}, &[8]),
        ("an inactive requester",                "requester", |_| {}, |people| people[6].active = false, &[]),
    ];
    for (description, word, change_occurrence, change_people, expected) in cases {
        let mut occurrence = occurrence(Escalated);
        change_occurrence(&mut occurrence);
        let mut people = people();
        change_people(&mut people);
        let deliveries = plan(&occurrence, &[rule(&[Escalated], &[word], &["in_app"])], &people);
        assert_eq!(person_ids(&deliveries), expected.to_vec(), "{description}");
    }
}

#[test]
fn a_fixed_address_gets_email_but_no_in_app_message() {
    let rules = [rule(&[Escalated], &["email:desk@example.com"], &["in_app", "email"])];
    let deliveries = plan(&occurrence(Escalated), &rules, &people());
    assert_eq!(shown(&deliveries), pairs(&[("email", "desk@example.com")]));
    assert_eq!(deliveries[0].recipient_names, vec!["desk@example.com".to_string()]);
}

#[test]
fn the_actor_is_never_told_but_fixed_addresses_and_channels_are() {
    let mut occurrence = occurrence(Escalated);
    occurrence.actor_id = Some(1);
    let rules =
        [rule(&[Escalated], &["assignee", "group", "email:desk@example.com"], &["in_app", "email", "slack"])];
    let deliveries = plan(&occurrence, &rules, &people());
    assert_eq!(
        shown(&deliveries),
        pairs(&[("in_app", "2"), ("email", "2"), ("email", "desk@example.com"), ("slack", "channel"),])
    );
    let slack = &deliveries[3];
    assert_eq!(slack.recipient_names, vec!["Ben Agent".to_string(), "desk@example.com".to_string()]);

    // The actor is not told as a lead or manager either, and nobody replaces them.
    occurrence.actor_id = Some(3);
    let deliveries = plan(&occurrence, &[rule(&[Escalated], &["lead"], &["in_app"])], &people());
    assert_eq!(deliveries, vec![]);
}

#[test]
fn chat_channels_get_one_message_per_occurrence_naming_everyone_it_is_for() {
    let mut occurrence = occurrence(Breach);
    occurrence.mentioned_ids = vec![12];
    let rules = [
        rule(&[Breach], &["group", "watchers"], &["slack", "webhook:status-page"]),
        rule(&[Breach], &["assignee", "mentioned"], &["slack", "teams", "webhook:alerts"]),
        rule(&[Breach], &["managers"], &["teams"]),
    ];
    let deliveries = plan(&occurrence, &rules, &people());
    assert_eq!(
        shown(&deliveries),
        pairs(&[
            ("slack", "channel"),
            ("teams", "channel"),
            ("webhook:alerts", "channel"),
            ("webhook:status-page", "channel"),
        ])
    );
    let names: Vec<Vec<String>> =
        deliveries.iter().map(|delivery| delivery.recipient_names.clone()).collect();
    let names_of = |list: &[&str]| list.iter().map(ToString::to_string).collect::<Vec<String>>();
    assert_eq!(
        names,
        vec![
            names_of(&["Ada Agent", "Ben Agent", "Sam Patel", "Wes Watcher"]),
            names_of(&["Ada Agent", "Mia Manager", "Sam Patel"]),
            names_of(&["Ada Agent", "Sam Patel"]),
            names_of(&["Ada Agent", "Ben Agent", "Wes Watcher"]),
        ]
    );
    // A channel with nobody left to name is still told: it is an audience of its own.
    let rules = [rule(&[Breach], &["watchers"], &["webhook:status-page"])];
    let mut quiet = occurrence.clone();
    quiet.ticket.watcher_ids.clear();
    let deliveries = plan(&quiet, &rules, &people());
    assert_eq!(shown(&deliveries), pairs(&[("webhook:status-page", "channel")]));
    assert_eq!(deliveries[0].recipient_names, Vec::<String>::new());
}

#[test]
fn the_same_destination_and_channel_is_told_once_and_urgent_if_any_copy_is() {
    let mut urgent_rule = rule(&[Escalated], &["assignee", "lead"], &["email", "slack"]);
    urgent_rule.urgent = true;
    // Plain copies both before and after the urgent one.
    let rules = [
        rule(&[Escalated], &["lead"], &["email"]),
        urgent_rule,
        rule(&[Escalated], &["group", "assignee"], &["in_app", "email", "slack"]),
        rule(&[Escalated], &["tier"], &["in_app"]),
    ];
    let deliveries = plan(&occurrence(Escalated), &rules, &people());
    let summary: Vec<(String, String, bool)> = shown(&deliveries)
        .into_iter()
        .zip(&deliveries)
        .map(|((channel, destination), delivery)| (channel, destination, delivery.urgent))
        .collect();
    let expected: Vec<(String, String, bool)> = [
        ("in_app", "1", false),
        ("in_app", "2", false),
        ("in_app", "3", false),
        ("in_app", "11", false),
        ("email", "1", true),
        ("email", "2", false),
        ("email", "3", true),
        ("slack", "channel", true),
    ]
    .iter()
    .map(|(channel, destination, urgent)| (channel.to_string(), destination.to_string(), *urgent))
    .collect();
    assert_eq!(summary, expected);
    assert_eq!(deliveries[7].recipient_names, vec!["Ada Agent", "Ben Agent", "Lea Lead"]);
}

#[test]
fn a_fixed_address_that_is_a_recipients_own_address_is_merged_into_their_email() {
    let mut address_rule = rule(&[Escalated], &["email:Ada.Agent@Example.com"], &["email"]);
    address_rule.urgent = true;
    let rules = [rule(&[Escalated], &["group"], &["email"]), address_rule];
    let deliveries = plan(&occurrence(Escalated), &rules, &people());
    assert_eq!(shown(&deliveries), pairs(&[("email", "1"), ("email", "2")]));
    assert!(deliveries[0].urgent && !deliveries[1].urgent, "{deliveries:?}");

    // When the owner is not e-mailed (here: they caused it), the address still is.
    let mut occurrence = occurrence(Escalated);
    occurrence.actor_id = Some(1);
    let deliveries = plan(&occurrence, &rules, &people());
    assert_eq!(shown(&deliveries), pairs(&[("email", "2"), ("email", "ada.agent@example.com")]));
}

#[test]
fn people_without_an_email_address_get_no_email() {
    let mut people = people();
    people[0].email = " ".to_string();
    let deliveries =
        plan(&occurrence(Escalated), &[rule(&[Escalated], &["assignee"], &["in_app", "email"])], &people);
    assert_eq!(shown(&deliveries), pairs(&[("in_app", "1")]));
}

#[test]
fn urgency_comes_from_the_rule_or_the_ticket() {
    let mut urgent_rule = rule(&[Escalated], &["assignee"], &["email"]);
    urgent_rule.urgent = true;
    let plain_rule = rule(&[Escalated], &["assignee"], &["email"]);
    for (description, rule, priority, urgent) in [
        ("a plain rule on a normal ticket", &plain_rule, Priority::Normal, false),
        ("a plain rule on a high ticket", &plain_rule, Priority::High, false),
        ("a plain rule on an urgent ticket", &plain_rule, Priority::Urgent, true),
        ("an urgent rule on a low ticket", &urgent_rule, Priority::Low, true),
    ] {
        let mut occurrence = occurrence(Escalated);
        occurrence.ticket.priority = priority;
        let deliveries = plan(&occurrence, std::slice::from_ref(rule), &people());
        assert_eq!(deliveries.len(), 1, "{description}");
        assert_eq!(deliveries[0].urgent, urgent, "{description}");
    }
}

#[test]
fn a_low_satisfaction_score_is_urgent_by_default() {
    let mut occurrence = occurrence(EventKind::LowScore);
    occurrence.ticket.priority = Priority::Low;
    let deliveries = plan(&occurrence, &[rule(&[EventKind::LowScore], &["assignee"], &["email"])], &people());
    assert_eq!(deliveries.len(), 1);
    assert!(deliveries[0].urgent, "{deliveries:?}");
}

#[test]
fn breach_actions_add_the_lead_or_the_managers_urgently() {
    type Case = (Option<BreachAction>, Option<i64>, &'static [(&'static str, &'static str)]);
    #[rustfmt::skip]
    let cases: &[Case] = &[
        (Some(BreachAction::NotifyLead),    None,    &[("in_app", "3"), ("email", "3")]),
        (Some(BreachAction::NotifyManager), None,    &[("in_app", "5"), ("email", "5")]),
        (Some(BreachAction::NotifyManager), Some(5), &[]),
        (Some(BreachAction::Notify),        None,    &[]),
        (Some(BreachAction::NextLevel),     None,    &[]),
        (None,                              None,    &[]),
    ];
    // No rule matches breaches here, so everything told comes from the breach action.
    let rules = [rule(&[Created], &["group"], &["in_app"])];
    for (also_tell, actor_id, expected) in cases {
        let mut occurrence = occurrence(Breach);
        occurrence.also_tell = *also_tell;
        occurrence.actor_id = *actor_id;
        let deliveries = plan(&occurrence, &rules, &people());
        assert_eq!(shown(&deliveries), pairs(expected), "{also_tell:?}");
        assert!(deliveries.iter().all(|delivery| delivery.urgent), "{also_tell:?}");
    }
    // They merge with what the rules send the same people.
    let rules = [rule(&[Breach], &["lead", "group"], &["email"])];
    let mut occurrence = occurrence(Breach);
    occurrence.also_tell = Some(BreachAction::NotifyLead);
    let deliveries = plan(&occurrence, &rules, &people());
    let urgent: Vec<(String, String, bool)> = shown(&deliveries)
        .into_iter()
        .zip(&deliveries)
        .map(|((channel, destination), delivery)| (channel, destination, delivery.urgent))
        .collect();
    assert_eq!(
        urgent,
        vec![
            ("in_app".to_string(), "3".to_string(), true),
            ("email".to_string(), "1".to_string(), false),
            ("email".to_string(), "2".to_string(), false),
            ("email".to_string(), "3".to_string(), true),
        ]
    );
}

#[test]
fn non_urgent_email_waits_for_the_recipients_working_hours() {
    #[rustfmt::skip]
    let cases: &[(&str, DateTime<Utc>, DateTime<Utc>)] = &[
        ("Monday 11:00 in Berlin is open",          utc(2026, 3, 9, 10, 0, 0),  utc(2026, 3, 9, 10, 0, 0)),
        ("Monday 07:00 waits for 09:00",            utc(2026, 3, 9, 6, 0, 0),   utc(2026, 3, 9, 8, 0, 0)),
        ("Monday 09:00 sharp is open",              utc(2026, 3, 9, 8, 0, 0),   utc(2026, 3, 9, 8, 0, 0)),
        ("Monday 17:00 is closed: Tuesday 09:00",   utc(2026, 3, 9, 16, 0, 0),  utc(2026, 3, 10, 8, 0, 0)),
        ("Friday 18:00 waits over the weekend",     utc(2026, 3, 6, 17, 0, 0),  utc(2026, 3, 9, 8, 0, 0)),
        ("Saturday noon waits for Monday",          utc(2026, 3, 7, 12, 0, 0),  utc(2026, 3, 9, 8, 0, 0)),
        ("Sunday night waits for Monday",           utc(2026, 3, 8, 22, 59, 0), utc(2026, 3, 9, 8, 0, 0)),
        ("over the weekend summer time begins",     utc(2026, 3, 27, 16, 30, 0), utc(2026, 3, 30, 7, 0, 0)),
    ];
    let mut people = people();
    people[0].calendar = Some(berlin_office_hours());
    let rules = [rule(&[Escalated], &["assignee"], &["in_app", "email", "slack"])];
    for (description, at, expected) in cases {
        let mut occurrence = occurrence(Escalated);
        occurrence.at = *at;
        let deliveries = plan(&occurrence, &rules, &people);
        let times: Vec<(String, DateTime<Utc>, bool)> = deliveries
            .iter()
            .map(|delivery| (delivery.channel.as_text(), delivery.not_before, delivery.digest))
            .collect();
        // In-app messages are silent and chat channels are not a person: neither waits.
        assert_eq!(
            times,
            vec![
                ("in_app".into(), *at, false),
                ("email".into(), *expected, false),
                ("slack".into(), *at, false)
            ],
            "{description}"
        );
    }
}

#[test]
fn urgent_email_and_fixed_addresses_never_wait() {
    let mut people = people();
    people[0].calendar = Some(berlin_office_hours());
    people[0].digest_every = Some(Duration::hours(1));
    let saturday = utc(2026, 3, 7, 12, 0, 0);
    let mut urgent_rule = rule(&[Escalated], &["assignee", "email:desk@example.com"], &["email"]);
    urgent_rule.urgent = true;
    let plain_rule = rule(&[Escalated], &["email:desk@example.com"], &["email"]);
    let mut occurrence = occurrence(Escalated);
    occurrence.at = saturday;
    for rules in [vec![urgent_rule], vec![plain_rule]] {
        for delivery in plan(&occurrence, &rules, &people) {
            assert_eq!((delivery.not_before, delivery.digest), (saturday, false), "{delivery:?}");
        }
    }
    // The same e-mail, not urgent, would wait: the test above is not vacuous.
    let waits = plan(&occurrence, &[rule(&[Escalated], &["assignee"], &["email"])], &people);
    assert_eq!((waits[0].not_before, waits[0].digest), (utc(2026, 3, 9, 9, 0, 0), true));
}

#[test]
fn a_calendar_that_is_never_open_holds_nothing() {
    let mut people = people();
    people[0].calendar =
        Some(Calendar::from_toml("timezone = \"Europe/Berlin\"\n").expect("a closed calendar"));
    let deliveries = plan(&occurrence(Escalated), &[rule(&[Escalated], &["assignee"], &["email"])], &people);
    assert_eq!(deliveries[0].not_before, monday_morning());
}

/// A row of the digest table: what it shows, the interval, whether the person has office
/// hours, the occurrence's instant and when the e-mail may go.
type DigestCase = (&'static str, Duration, bool, DateTime<Utc>, DateTime<Utc>);

#[test]
fn digests_wait_for_the_end_of_their_window_aligned_to_the_epoch() {
    #[rustfmt::skip]
    let cases: &[DigestCase] = &[
        ("hourly, mid-window",              Duration::hours(1),    false, utc(2026, 3, 9, 10, 20, 0), utc(2026, 3, 9, 11, 0, 0)),
        ("hourly, on a window's start",     Duration::hours(1),    false, utc(2026, 3, 9, 11, 0, 0),  utc(2026, 3, 9, 12, 0, 0)),
        ("hourly, just before its end",     Duration::hours(1),    false, utc(2026, 3, 9, 11, 59, 59), utc(2026, 3, 9, 12, 0, 0)),
        ("quarter-hourly",                  Duration::minutes(15), false, utc(2026, 3, 9, 10, 7, 30), utc(2026, 3, 9, 10, 15, 0)),
        ("daily, windows end at midnight UTC", Duration::hours(24), false, utc(2026, 3, 9, 10, 0, 0), utc(2026, 3, 10, 0, 0, 0)),
        ("seven minutes, from the epoch",   Duration::minutes(7),  false, utc(2026, 3, 9, 10, 0, 0),  utc(2026, 3, 9, 10, 3, 0)),
        ("hourly within office hours",      Duration::hours(1),    true,  utc(2026, 3, 9, 10, 20, 0), utc(2026, 3, 9, 11, 0, 0)),
        ("hourly after quiet hours end",    Duration::hours(1),    true,  utc(2026, 3, 7, 12, 0, 0),  utc(2026, 3, 9, 9, 0, 0)),
        ("half-hourly after the weekend",   Duration::minutes(30), true,  utc(2026, 3, 6, 17, 0, 0),  utc(2026, 3, 9, 8, 30, 0)),
    ];
    // 10:00 UTC on 9 March 2026 is 29_550_840 minutes after the epoch, 4 past a multiple of 7.
    assert_eq!(utc(2026, 3, 9, 10, 0, 0).timestamp() / 60, 29_550_840);
    for (description, every, with_calendar, at, expected) in cases {
        let mut people = people();
        people[0].digest_every = Some(*every);
        people[0].calendar = with_calendar.then(berlin_office_hours);
        let mut occurrence = occurrence(Escalated);
        occurrence.at = *at;
        let deliveries =
            plan(&occurrence, &[rule(&[Escalated], &["assignee"], &["in_app", "email"])], &people);
        let times: Vec<(DateTime<Utc>, bool)> =
            deliveries.iter().map(|delivery| (delivery.not_before, delivery.digest)).collect();
        assert_eq!(times, vec![(*at, false), (*expected, true)], "{description}");
    }
}

#[test]
fn a_digest_interval_below_a_millisecond_sends_each_email() {
    let mut people = people();
    people[0].digest_every = Some(Duration::zero());
    people[1].digest_every = Some(Duration::minutes(-5));
    let deliveries = plan(&occurrence(Escalated), &[rule(&[Escalated], &["group"], &["email"])], &people);
    assert!(deliveries.iter().all(|delivery| !delivery.digest && delivery.not_before == monday_morning()));
    assert_eq!(deliveries.len(), 2);
}

#[test]
fn an_acknowledgement_silences_reminders_at_its_level_and_never_a_first_breach() {
    #[rustfmt::skip]
    let cases: &[(EventKind, i64, Option<i64>, bool)] = &[
        (Reminder,         2, Some(2), true),
        (Reminder,         1, Some(2), false),
        (Breach,           2, Some(2), false),
        (CheckpointMissed, 2, Some(2), false),
        (Breach,           1, Some(2), false),
        (Breach,           2, Some(1), false),
        (Reminder,         2, Some(1), false),
        (Breach,           1, None,    false),
        (Escalated,        1, Some(1), false),
        (Escalated,        2, Some(1), false),
        (Mention,          1, Some(1), false),
        (Resolved,         1, Some(3), false),
    ];
    let rules = [rule(EventKind::ALL, &["assignee"], &["in_app"])];
    for (kind, level, acknowledged, suppressed) in cases {
        assert_eq!(
            is_suppressed_by_acknowledgement(*kind, *level, *acknowledged),
            *suppressed,
            "{kind:?} at level {level}, acknowledged {acknowledged:?}"
        );
        let mut occurrence = occurrence(*kind);
        occurrence.ticket.level = *level;
        occurrence.ticket.acknowledged_level = *acknowledged;
        occurrence.also_tell = Some(BreachAction::NotifyManager);
        let deliveries = plan(&occurrence, &rules, &people());
        assert_eq!(deliveries.is_empty(), *suppressed, "{kind:?} at level {level}: {deliveries:?}");
    }
}

#[test]
fn the_output_does_not_depend_on_the_order_of_the_rules() {
    let mut occurrence = occurrence(Breach);
    occurrence.mentioned_ids = vec![12, 5];
    occurrence.also_tell = Some(BreachAction::NotifyLead);
    let mut rules = vec![
        rule(&[Breach], &["mentioned", "email:desk@example.com"], &["email", "teams"]),
        rule(&[Breach], &["group"], &["webhook:b", "in_app"]),
        rule(&[Breach], &["managers", "requester"], &["webhook:a", "email", "slack"]),
    ];
    let forward = plan(&occurrence, &rules, &people());
    rules.reverse();
    assert_eq!(plan(&occurrence, &rules, &people()), forward);
    assert_eq!(
        shown(&forward),
        pairs(&[
            ("in_app", "1"),
            ("in_app", "2"),
            ("in_app", "3"),
            ("email", "3"),
            ("email", "5"),
            ("email", "7"),
            ("email", "12"),
            ("email", "desk@example.com"),
            ("slack", "channel"),
            ("teams", "channel"),
            ("webhook:a", "channel"),
            ("webhook:b", "channel"),
        ])
    );
}

#[test]
fn handles_are_the_local_part_and_the_group_name_in_words() {
    for (email, expected) in [
        ("sam.patel@example.com", "sam.patel"),
        ("Sam.Patel@Example.COM", "sam.patel"),
        (" ada+support@example.com ", "ada+support"),
        ("no-domain", "no-domain"),
    ] {
        assert_eq!(handle(email), expected, "{email}");
    }
    for (name, expected) in [
        ("L2 Specialists", "l2-specialists"),
        ("Billing & Accounts", "billing-accounts"),
        ("  Network / VPN (EMEA)  ", "network-vpn-emea"),
        ("Équipe Sécurité", "équipe-sécurité"),
        ("Service Desk", "service-desk"),
    ] {
        assert_eq!(group_handle(name), expected, "{name}");
    }
}

#[test]
fn mentions_find_people_and_group_members_by_handle() {
    #[rustfmt::skip]
    let cases: &[(&str, &str, &[i64])] = &[
        ("a person",                          "Thanks @sam.patel for looking",        &[12]),
        ("at the start",                      "@ada.agent please check",              &[1]),
        ("followed by a comma",               "@sam.patel, can you?",                 &[12]),
        ("at the end of a sentence",          "Over to @sam.patel.",                  &[12]),
        ("followed by several marks",         "Really, @sam.patel?!",                 &[12]),
        ("in parentheses",                    "(cc @ben.agent)",                      &[2]),
        ("ignoring case",                     "@Sam.Patel and @BEN.AGENT",            &[2, 12]),
        ("repeated",                          "@sam.patel @sam.patel @sam.patel",     &[12]),
        ("sorted",                            "@sam.patel @ada.agent",                &[1, 12]),
        ("a group's active members",          "@service-desk have a look",            &[1, 2]),
        ("a group, case and punctuation",     "Paging @L2-Specialists.",              &[12]),
        ("a group and a member",              "@front-line and @ada.agent",           &[1, 3, 11]),
        ("an e-mail address is not one",      "write to sam.patel@example.com",       &[]),
        ("an @ right after a letter or digit", "ben@sam.patel 2@ada.agent",           &[]),
        ("an address then a mention",         "mail ada.agent@example.com or @ben.agent", &[2]),
        ("an inactive person",                "@ina.inactive?",                       &[]),
        ("a customer is never mentioned",     "@cleo.customer @wes.watcher",          &[]),
        ("an unknown handle",                 "@nobody here",                         &[]),
        ("a longer handle is another person", "@sam.patel.jr",                        &[]),
        ("a bare @",                          "meet @ 10:00",                         &[]),
        ("no mention",                        "nothing to see",                       &[]),
        ("after other text marks",            "ping:@ada.agent/@ben.agent",           &[1, 2]),
    ];
    let (people, groups) = (people(), groups());
    for (description, body, expected) in cases {
        assert_eq!(mentions(body, &people, &groups), expected.to_vec(), "{description}: {body}");
    }
}

#[test]
fn a_handle_that_really_ends_in_punctuation_is_found_as_written() {
    let mut people = people();
    people[0].email = "ada_@example.com".to_string();
    people[1].email = "ada@example.com".to_string();
    assert_eq!(mentions("hi @ada_", &people, &[]), vec![1]);
    assert_eq!(mentions("hi @ada.", &people, &[]), vec![2]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn calendars() -> impl Strategy<Value = Option<Calendar>> {
        prop_oneof![Just(None), Just(Some(berlin_office_hours()))]
    }

    fn digests() -> impl Strategy<Value = Option<Duration>> {
        prop::option::of(prop::sample::select(vec![
            Duration::minutes(15),
            Duration::hours(1),
            Duration::minutes(7),
            Duration::hours(24),
        ]))
    }

    /// The test people, each possibly inactive, with or without calendar and digest.
    fn audience_people() -> impl Strategy<Value = Vec<Contact>> {
        let count = people().len();
        prop::collection::vec((any::<bool>(), calendars(), digests()), count).prop_map(|settings| {
            people()
                .into_iter()
                .zip(settings)
                .map(|(mut person, (active, calendar, digest_every))| {
                    person.active = active || person.id % 3 == 0;
                    person.calendar = calendar;
                    person.digest_every = digest_every;
                    person
                })
                .collect()
        })
    }

    fn some_ids() -> impl Strategy<Value = Vec<i64>> {
        prop::collection::vec(prop::sample::select(vec![1i64, 2, 3, 5, 6, 7, 8, 9, 11, 12, 404]), 0..4)
    }

    fn rules() -> impl Strategy<Value = Vec<NotificationRule>> {
        let words = vec![
            "assignee",
            "group",
            "tier",
            "lead",
            "managers",
            "watchers",
            "mentioned",
            "requester",
            "email:desk@example.com",
            "email:ada.agent@example.com",
        ];
        let channels = vec!["in_app", "email", "slack", "teams", "webhook:status-page"];
        let one = (
            prop::sample::subsequence(EventKind::ALL.to_vec(), 1..=3),
            prop::sample::subsequence(Priority::ALL.to_vec(), 0..=2),
            prop::sample::subsequence(words, 1..=4),
            prop::sample::subsequence(channels, 1..=3),
            any::<bool>(),
        )
            .prop_map(|(events, priorities, to, channels, urgent)| {
                let mut rule = rule(&events, &to, &channels);
                rule.priorities = priorities;
                rule.urgent = urgent;
                rule
            });
        prop::collection::vec(one, 0..5)
    }

    fn occurrences() -> impl Strategy<Value = Occurrence> {
        (
            (
                prop::sample::select(EventKind::ALL.to_vec()),
                prop::sample::select(Priority::ALL.to_vec()),
                0i64..4,
                prop::option::of(1i64..4),
                prop::option::of(prop::sample::select(vec![1i64, 2, 3])),
                prop::option::of(prop::sample::select(vec![10i64, 20, 30, 99])),
            ),
            (
                prop::option::of(prop::sample::select(vec![1i64, 2, 9, 12])),
                some_ids(),
                some_ids(),
                prop::option::of(prop::sample::select(BreachAction::ALL.to_vec())),
                prop::option::of(prop::sample::select(vec![1i64, 2, 3, 5, 7, 12])),
                // Any second of 2026, weekends and nights included.
                1_767_225_600i64..1_798_761_600,
            ),
        )
            .prop_map(
                |(
                    (kind, priority, level, acknowledged_level, tier_id, group_id),
                    (assignee_id, watcher_ids, mentioned_ids, also_tell, actor_id, seconds),
                )| {
                    let mut occurrence = occurrence(kind);
                    occurrence.ticket.priority = priority;
                    occurrence.ticket.level = level;
                    occurrence.ticket.acknowledged_level = acknowledged_level;
                    occurrence.ticket.tier_id = tier_id;
                    occurrence.ticket.group_id = group_id;
                    occurrence.ticket.assignee_id = assignee_id;
                    occurrence.ticket.watcher_ids = watcher_ids;
                    occurrence.mentioned_ids = mentioned_ids;
                    occurrence.also_tell = also_tell;
                    occurrence.actor_id = actor_id;
                    occurrence.at = DateTime::from_timestamp(seconds, 0).expect("an instant in 2026");
                    occurrence
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn deliveries_are_never_due_before_the_occurrence_and_urgent_ones_are_never_held(
            occurrence in occurrences(), rules in rules(), people in audience_people(),
        ) {
            for delivery in plan(&occurrence, &rules, &people) {
                prop_assert!(delivery.not_before >= occurrence.at, "{delivery:?}");
                let holdable = !delivery.urgent
                    && delivery.channel == NotificationChannel::Email
                    && matches!(delivery.destination, Destination::Person(_));
                if !holdable {
                    prop_assert_eq!(delivery.not_before, occurrence.at, "{:?}", delivery);
                    prop_assert!(!delivery.digest, "{delivery:?}");
                }
                if delivery.digest {
                    prop_assert!(delivery.not_before > occurrence.at, "{delivery:?}");
                }
            }
        }

        #[test]
        fn deliveries_are_unique_sorted_and_never_for_the_actor_or_inactive_people(
            occurrence in occurrences(), rules in rules(), people in audience_people(),
        ) {
            let deliveries = plan(&occurrence, &rules, &people);
            let keys: Vec<(ChannelKey, Destination)> = deliveries
                .iter()
                .map(|delivery| (channel_key(&delivery.channel), delivery.destination.clone()))
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(&keys, &sorted);
            for delivery in &deliveries {
                if let Destination::Person(id) = delivery.destination {
                    prop_assert_ne!(Some(id), occurrence.actor_id);
                    prop_assert!(people.iter().any(|person| person.id == id && person.active), "{id}");
                }
                let mut names = delivery.recipient_names.clone();
                names.sort();
                names.dedup();
                prop_assert_eq!(&names, &delivery.recipient_names);
            }
        }

        #[test]
        fn a_suppressed_occurrence_tells_nobody_and_an_urgent_ticket_is_told_urgently(
            occurrence in occurrences(), rules in rules(), people in audience_people(),
        ) {
            let deliveries = plan(&occurrence, &rules, &people);
            let ticket = &occurrence.ticket;
            if is_suppressed_by_acknowledgement(occurrence.kind, ticket.level, ticket.acknowledged_level) {
                prop_assert!(deliveries.is_empty());
            }
            // An acknowledgement never removes a first breach or missed checkpoint.
            if matches!(occurrence.kind, EventKind::Breach | EventKind::CheckpointMissed) {
                let mut unacknowledged = occurrence.clone();
                unacknowledged.ticket.acknowledged_level = None;
                prop_assert_eq!(&deliveries, &plan(&unacknowledged, &rules, &people));
            }
            if ticket.priority == Priority::Urgent {
                prop_assert!(deliveries.iter().all(|delivery| delivery.urgent));
            }
        }

        #[test]
        fn a_digest_window_ends_after_its_instant_within_one_interval(
            seconds in -1_000_000_000i64..4_000_000_000, millis in 0u32..1000, every_minutes in 1i64..10_000,
        ) {
            let instant = DateTime::from_timestamp(seconds, millis * 1_000_000).expect("an instant");
            let every = Duration::minutes(every_minutes);
            let end = digest_window_end(instant, every);
            prop_assert!(end > instant && end - instant <= every);
            prop_assert_eq!(end.timestamp_millis() % every.num_milliseconds(), 0);
        }
    }
}
