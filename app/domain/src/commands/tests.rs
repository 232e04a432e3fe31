use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::policy::Policy;
use crate::test_support::{assignment, demo_directory, handoff, policy_from_toml, DemoIds, EventLog};

fn ladder_policy() -> Policy {
    policy_from_toml(
        "[[ladder]]\nholder = \"L1 Service Desk\"\n[[ladder]]\nholder = \"L2 Specialists\"\n\
         [[ladder]]\nholder = \"L3 Engineering\"\n",
    )
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, minute, 0).single().expect("valid test instant")
}

fn new_ticket() -> Ticket {
    let input = NewTicketInput {
        subject: "VPN drops every hour".into(),
        description: "Since Monday".into(),
        category_id: Some(3),
        priority: "high".into(),
    };
    let created = open(&input.validate().expect("valid input"), Channel::Portal);
    Ticket::from_created(1, 10, 20, at(0), &created).expect("created event")
}

#[test]
fn a_new_ticket_starts_new_at_version_one() {
    let ticket = new_ticket();
    assert_eq!(ticket.status, TicketStatus::New);
    assert_eq!(ticket.priority, Priority::High);
    assert_eq!(ticket.version, 1);
}

#[test]
fn invalid_new_ticket_names_every_wrong_field() {
    let input = NewTicketInput {
        subject: "a".into(),
        description: " ".into(),
        category_id: None,
        priority: "asap".into(),
    };
    let errors = input.validate().expect_err("invalid input");
    assert!(errors.for_field("subject").is_some());
    assert!(errors.for_field("description").is_some());
    assert!(errors.for_field("priority").unwrap_or_default().contains("asap"));
}

#[test]
fn the_first_public_reply_opens_a_new_ticket_but_a_note_does_not() {
    let ticket = new_ticket();
    let note = write_message(&ticket, Role::Agent, Visibility::Internal, "checking logs").expect("note");
    assert_eq!(note, vec![EventData::InternalNote { body: "checking logs".into() }]);
    let reply = write_message(&ticket, Role::Agent, Visibility::Public, "On it").expect("reply");
    assert_eq!(reply[1], EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::Open });
}

#[test]
fn a_customer_message_is_never_internal_and_reopens_a_resolved_ticket() {
    let mut ticket = new_ticket();
    ticket.apply_all(
        &[EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::Resolved }],
        at(5),
    );
    let events =
        write_message(&ticket, Role::Customer, Visibility::Internal, "still broken").expect("message");
    assert_eq!(events[0], EventData::CustomerMessage { body: "still broken".into() });
    ticket.apply_all(&events, at(6));
    assert_eq!(ticket.status, TicketStatus::Open);
    assert_eq!(ticket.reopen_count, 1);
}

#[test]
fn a_customer_reply_on_hold_keeps_the_ticket_on_hold() {
    let mut ticket = new_ticket();
    ticket
        .apply_all(&[EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::OnHold }], at(5));
    let events = write_message(&ticket, Role::Customer, Visibility::Public, "any news?").expect("message");
    assert_eq!(events.len(), 1);
}

#[test]
fn nothing_can_be_written_on_a_closed_ticket() {
    let mut ticket = new_ticket();
    ticket.status = TicketStatus::Closed;
    assert_eq!(
        write_message(&ticket, Role::Customer, Visibility::Public, "hello"),
        Err(CommandError::Closed)
    );
}

#[test]
fn an_unchanged_form_appends_nothing_and_keeps_the_version() {
    let mut ticket = new_ticket();
    let changes = TicketChanges {
        status: Some(TicketStatus::New),
        priority: Some(Priority::High),
        ..Default::default()
    };
    let events =
        change(&ticket, Role::Agent, &LadderContext::without_organisation(), &changes).expect("no-op edit");
    assert!(events.is_empty());
    ticket.apply_all(&events, at(1));
    assert_eq!(ticket.version, 1);
}

#[test]
fn one_edit_bumps_the_version_once_whatever_it_changes() {
    let mut ticket = new_ticket();
    let changes = TicketChanges {
        status: Some(TicketStatus::Open),
        priority: Some(Priority::Urgent),
        tags: Some(vec!["vpn".into()]),
        ..Default::default()
    };
    let events =
        change(&ticket, Role::Agent, &LadderContext::without_organisation(), &changes).expect("edit");
    assert_eq!(events.len(), 3);
    ticket.apply_all(&events, at(1));
    assert_eq!(ticket.version, 2);
    assert_eq!(ticket.priority, Priority::Urgent);
    assert_eq!(ticket.tags, vec!["vpn".to_string()]);
}

#[test]
fn customers_cannot_edit_fields_and_closing_needs_resolving_first() {
    let ticket = new_ticket();
    let close = TicketChanges { status: Some(TicketStatus::Closed), ..Default::default() };
    assert_eq!(
        change(&ticket, Role::Customer, &LadderContext::without_organisation(), &close),
        Err(CommandError::StaffOnly)
    );
    let Err(CommandError::Invalid(errors)) =
        change(&ticket, Role::Agent, &LadderContext::without_organisation(), &close)
    else {
        panic!("closing an unresolved ticket must be refused");
    };
    assert_eq!(errors.for_field("status"), Some("Resolve the ticket before closing it."));
}

#[test]
fn an_agent_needs_a_group_and_a_group_needs_a_tier() {
    let ticket = new_ticket();
    let changes = TicketChanges {
        assignment: Some(Assignment { tier_id: None, group_id: Some(2), assignee_id: Some(3) }),
        ..Default::default()
    };
    let Err(CommandError::Invalid(errors)) =
        change(&ticket, Role::Agent, &LadderContext::without_organisation(), &changes)
    else {
        panic!("an inconsistent assignment must be refused");
    };
    assert!(errors.for_field("group").is_some());
}

#[test]
fn a_manual_escalation_needs_every_part_of_the_handoff_and_takes_the_level_of_where_it_goes() {
    let (directory, policy, ids) = (demo_directory(), ladder_policy(), DemoIds::default());
    let ladder = LadderContext { policy: Some(&policy), directory: &directory };
    let ticket = EventLog::created(Priority::High, at(0))
        .routed(at(1), assignment(ids.l1, Some(ids.service_desk), Some(ids.sam)), 1)
        .ticket;
    let to = assignment(ids.l3, Some(ids.security), None);
    let thin = Handoff { summary: "VPN".into(), ..Handoff::default() };
    let Err(CommandError::Invalid(errors)) = escalate(&ticket, Role::Agent, &ladder, to, &thin) else {
        panic!("a thin handoff must be refused");
    };
    for field in ["summary", "tried", "impact", "ask"] {
        assert!(errors.for_field(field).is_some(), "{field} should be required");
    }
    let events = escalate(&ticket, Role::Agent, &ladder, to, &handoff()).expect("escalation");
    let mut moved = ticket.clone();
    moved.apply_all(&events, at(9));
    assert_eq!(moved.assignment, to);
    assert_eq!(moved.escalation_level, 3, "L1 to L3 by hand is level 3, as the ladder would have it");
    assert_eq!(moved.version, ticket.version + 1);
    assert_eq!(events[0].visibility(), Visibility::Internal);
    assert_eq!(escalate(&moved, Role::Customer, &ladder, to, &handoff()), Err(CommandError::StaffOnly));
}

#[test]
fn escalating_by_hand_goes_up_and_handing_back_needs_a_reason() {
    let (directory, policy, ids) = (demo_directory(), ladder_policy(), DemoIds::default());
    let ladder = LadderContext { policy: Some(&policy), directory: &directory };
    let at_l2 =
        EventLog::created(Priority::High, at(0)).routed(at(1), assignment(ids.l2, None, None), 2).ticket;
    let refused_field = |result: Result<Vec<EventData>, CommandError>, field: &str| match result {
        Err(CommandError::Invalid(errors)) => errors.for_field(field).map(str::to_string),
        other => panic!("expected a refusal of {field}, got {other:?}"),
    };
    // Escalating sideways inside the tier, or down, is not an escalation.
    let inside = assignment(ids.l2, Some(ids.network), None);
    assert!(refused_field(escalate(&at_l2, Role::Agent, &ladder, inside, &handoff()), "tier")
        .is_some_and(|message| message.contains("already in this tier")));
    let down = assignment(ids.l1, None, None);
    assert!(refused_field(escalate(&at_l2, Role::Agent, &ladder, down, &handoff()), "tier")
        .is_some_and(|message| message.contains("ranked below")));

    // The edit form: inside the tier a plain assignment, up refused, down only with a reason.
    let edit = |to: Assignment, reason: Option<&str>| TicketChanges {
        assignment: Some(to),
        deescalation_reason: reason.map(str::to_string),
        ..Default::default()
    };
    assert_eq!(
        change(&at_l2, Role::Agent, &ladder, &edit(inside, None)),
        Ok(vec![EventData::AssignmentChanged { from: at_l2.assignment, to: inside, level: Some(2) }])
    );
    let up = assignment(ids.l3, None, None);
    assert!(refused_field(change(&at_l2, Role::Agent, &ladder, &edit(up, None)), "tier")
        .is_some_and(|message| message.contains("is an escalation")));
    assert!(refused_field(change(&at_l2, Role::Agent, &ladder, &edit(down, None)), "deescalation_reason")
        .is_some_and(|message| message.contains("L1 Service Desk")));
    let events =
        change(&at_l2, Role::Agent, &ladder, &edit(down, Some("Workaround in place; L1 follows up.")))
            .expect("a de-escalation with its reason");
    let mut back = at_l2.clone();
    back.apply_all(&events, at(5));
    assert_eq!(back.escalation_level, 1);
    assert_eq!(back.assignment, down);
    assert!(matches!(&events[..], [EventData::Deescalated { level: 1, .. }]));
}

#[test]
fn only_an_escalated_ticket_is_acknowledged_by_its_holders_once_per_level() {
    let (directory, policy, ids) = (demo_directory(), ladder_policy(), DemoIds::default());
    let ladder = LadderContext { policy: Some(&policy), directory: &directory };
    let at_l1 = EventLog::created(Priority::High, at(0))
        .routed(at(1), assignment(ids.l1, Some(ids.service_desk), None), 1)
        .ticket;
    assert!(acknowledge(&at_l1, ids.sam, Role::Agent, &directory).is_err(), "level 1 is not an escalation");

    let to_network = assignment(ids.l2, Some(ids.network), None);
    let escalated = escalate(&at_l1, Role::Agent, &ladder, to_network, &handoff()).expect("escalation");
    let mut ticket = at_l1.clone();
    ticket.apply_all(&escalated, at(2));
    assert_eq!(acknowledge(&ticket, ids.nina, Role::Customer, &directory), Err(CommandError::StaffOnly));
    assert!(acknowledge(&ticket, ids.sam, Role::Agent, &directory).is_err(), "L1's agent does not hold it");
    assert!(acknowledge(&ticket, ids.eve, Role::Agent, &directory).is_err(), "nor does L3's");
    assert!(acknowledge(&ticket, ids.omar, Role::Lead, &directory).is_ok(), "L2's lead may");
    assert!(acknowledge(&ticket, 999, Role::Manager, &directory).is_ok(), "a manager may");
    let events = acknowledge(&ticket, ids.nina, Role::Agent, &directory).expect("the holding group's agent");
    assert_eq!(events, vec![EventData::EscalationAcknowledged { level: 2 }]);
    let mut acknowledged = ticket.clone();
    acknowledged.apply_all(&events, at(9));
    assert_eq!(acknowledged.acknowledged_level, Some(2));
    assert_eq!(acknowledged.version, ticket.version, "an acknowledgement never conflicts with edits");
    assert!(acknowledge(&acknowledged, ids.omar, Role::Lead, &directory).is_err(), "the same level twice");

    let to_l3 = assignment(ids.l3, Some(ids.security), None);
    let events = escalate(&acknowledged, Role::Agent, &ladder, to_l3, &handoff()).expect("escalation");
    acknowledged.apply_all(&events, at(10));
    assert_eq!(acknowledged.acknowledged_level, None, "a new level has a new escalation to acknowledge");
    assert!(acknowledge(&acknowledged, ids.eve, Role::Agent, &directory).is_ok());
}

#[test]
fn tags_are_normalised_and_deduplicated() {
    assert_eq!(parse_tags("tags", "VPN, billing vpn").expect("tags"), vec!["billing", "vpn"]);
    assert!(parse_tags("tags", "bad/tag").is_err());
}

#[test]
fn replaying_the_log_gives_the_projection() {
    let mut ticket = new_ticket();
    let created = open(
        &NewTicket {
            subject: ticket.subject.clone(),
            description: ticket.description.clone(),
            category_id: Some(3),
            priority: Priority::High,
        },
        Channel::Portal,
    );
    let mut log: Vec<Vec<EventData>> = vec![vec![created]];
    for changes in [
        TicketChanges { status: Some(TicketStatus::Pending), ..Default::default() },
        TicketChanges { priority: Some(Priority::Low), tags: Some(vec!["a".into()]), ..Default::default() },
    ] {
        let events =
            change(&ticket, Role::Lead, &LadderContext::without_organisation(), &changes).expect("edit");
        ticket.apply_all(&events, at(2));
        log.push(events);
    }
    let mut replayed = Ticket::from_created(1, 10, 20, at(0), &log[0][0]).expect("created");
    for batch in &log[1..] {
        replayed.apply_all(batch, at(2));
    }
    assert_eq!(replayed, ticket);
}

#[test]
fn the_receiving_tier_rates_the_escalation_that_brought_the_ticket_once() {
    let ids = DemoIds::default();
    let names = demo_directory();
    let in_l1 = assignment(ids.l1, Some(ids.service_desk), None);
    let in_network = assignment(ids.l2, Some(ids.network), None);
    let routed = EventData::Escalated {
        from: Assignment::default(),
        to: in_l1,
        level: Some(1),
        handoff: None,
        reason: "Routed".into(),
    };
    let escalated = EventData::Escalated {
        from: in_l1,
        to: in_network,
        level: Some(2),
        handoff: Some(handoff()),
        reason: "By hand".into(),
    };
    let log = EventLog::created(Priority::Normal, at(0)).then(at(1), routed).then(at(2), escalated);
    let rating = |warranted: &str, handoff: &str| EscalationRatingInput {
        warranted: warranted.into(),
        handoff: handoff.into(),
        comment: " The logs were attached. ".into(),
    };
    let rated = rate_escalation(&log.ticket, &log.events, ids.nina, Role::Agent, &names, &rating("yes", "4"))
        .expect("rated");
    assert_eq!(
        rated,
        vec![EventData::EscalationRated {
            escalation: 3,
            warranted: Warranted::Yes,
            handoff: 4,
            comment: Some("The logs were attached.".into())
        }]
    );
    let fields = |result: Result<Vec<EventData>, CommandError>| -> Vec<String> {
        match result {
            Err(CommandError::Invalid(errors)) => errors.0.into_iter().map(|error| error.field).collect(),
            other => panic!("refused expected, got {other:?}"),
        }
    };
    // Every wrong field is named; someone of another tier may not rate it; a customer never.
    assert_eq!(
        fields(rate_escalation(
            &log.ticket,
            &log.events,
            ids.nina,
            Role::Agent,
            &names,
            &rating("maybe", "6")
        )),
        ["warranted", "handoff"]
    );
    assert_eq!(
        fields(rate_escalation(&log.ticket, &log.events, ids.sam, Role::Agent, &names, &rating("yes", "4"))),
        ["escalation"]
    );
    assert!(matches!(
        rate_escalation(&log.ticket, &log.events, 500, Role::Customer, &names, &rating("yes", "4")),
        Err(CommandError::StaffOnly)
    ));
    // Once.
    let rated_log = log.clone().then(at(3), rated[0].clone());
    assert_eq!(
        fields(rate_escalation(
            &rated_log.ticket,
            &rated_log.events,
            ids.nina,
            Role::Agent,
            &names,
            &rating("no", "1")
        )),
        ["escalation"]
    );
    // A ticket only routed to its tier has no escalation to rate.
    let only_routed = EventLog::created(Priority::Normal, at(0)).then(
        at(1),
        EventData::Escalated {
            from: Assignment::default(),
            to: in_l1,
            level: Some(1),
            handoff: None,
            reason: "Routed".into(),
        },
    );
    assert_eq!(received_escalation(&only_routed.ticket, &only_routed.events), None);
    assert_eq!(
        fields(rate_escalation(
            &only_routed.ticket,
            &only_routed.events,
            ids.sam,
            Role::Agent,
            &names,
            &rating("yes", "4")
        )),
        ["escalation"]
    );
}
