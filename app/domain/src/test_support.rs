//! What the domain's tests share: instants written plainly, the office calendar, a small support
//! organisation shaped like the demo's, policies from TOML snippets, and a builder of event logs
//! that keeps the ticket's projection in step with its log.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::calendar::Calendar;
use super::clock::{ClockTargets, KindTarget, TargetRule, TierBudgetTargets};
use super::directory::{Directory, Group, Tier};
use super::policy::Policy;
use super::ticket::{Assignment, Channel, EventData, Handoff, Priority, Ticket, TicketEvent, TicketStatus};

/// An instant written `2026-03-02 09:00` (or with seconds, `…09:00:00.001`), in UTC. 2026-03-02
/// is a Monday.
pub fn utc(text: &str) -> DateTime<Utc> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
        .expect("a well formed test instant")
        .and_utc()
}

pub fn minutes(count: i64) -> Duration {
    Duration::minutes(count)
}

pub fn hours(count: i64) -> Duration {
    Duration::hours(count)
}

/// Monday to Friday, 09:00 to 17:00, in UTC so that expected instants read plainly.
pub const OFFICE_HOURS: &str = r#"
timezone = "UTC"
[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

pub fn office_hours() -> Calendar {
    Calendar::from_toml(OFFICE_HOURS).expect("the office calendar is valid")
}

/// The calendars policies made by [`policy_from_toml`] may name: "Office hours" and "Around the
/// clock".
pub fn calendars() -> BTreeMap<String, Calendar> {
    BTreeMap::from([
        ("Office hours".to_string(), office_hours()),
        ("Around the clock".to_string(), Calendar::always_open(chrono_tz::UTC)),
    ])
}

/// The ids of [`demo_directory`].
#[derive(Clone, Copy, Debug)]
pub struct DemoIds {
    pub l1: i64,
    pub l2: i64,
    pub l3: i64,
    /// A tier ranked above L3 that no policy's ladder names.
    pub experts: i64,
    pub service_desk: i64,
    pub network: i64,
    pub billing: i64,
    pub security: i64,
    /// An agent of the Service Desk.
    pub sam: i64,
    /// An agent of Network.
    pub nina: i64,
    /// An engineer of Security.
    pub eve: i64,
    /// The lead of L2.
    pub omar: i64,
}

impl Default for DemoIds {
    fn default() -> Self {
        DemoIds {
            l1: 1,
            l2: 2,
            l3: 3,
            experts: 4,
            service_desk: 11,
            network: 21,
            billing: 22,
            security: 31,
            sam: 101,
            nina: 102,
            eve: 103,
            omar: 104,
        }
    }
}

/// Tiers L1 Service Desk, L2 Specialists, L3 Engineering and Experts (ranked 1 to 4), with the
/// groups Service Desk (L1), Network and Billing & Accounts (L2) and Security (L3).
pub fn demo_directory() -> Directory {
    let ids = DemoIds::default();
    let tier = |id: i64, name: &str, rank: i64, lead_id: Option<i64>| Tier {
        id,
        name: name.into(),
        rank,
        lead_id,
        handbook: String::new(),
    };
    let group = |id: i64, tier_id: i64, name: &str, skills: &[&str], members: &[i64]| Group {
        id,
        tier_id,
        name: name.into(),
        lead_id: None,
        skills: skills.iter().map(|skill| skill.to_string()).collect(),
        member_ids: members.to_vec(),
    };
    Directory {
        tiers: vec![
            tier(ids.l1, "L1 Service Desk", 1, None),
            tier(ids.l2, "L2 Specialists", 2, Some(ids.omar)),
            tier(ids.l3, "L3 Engineering", 3, None),
            tier(ids.experts, "Experts", 4, None),
        ],
        groups: vec![
            group(ids.service_desk, ids.l1, "Service Desk", &["triage"], &[ids.sam]),
            group(ids.network, ids.l2, "Network", &["vpn"], &[ids.nina]),
            group(ids.billing, ids.l2, "Billing & Accounts", &["invoice"], &[]),
            group(ids.security, ids.l3, "Security", &["security"], &[ids.eve]),
        ],
        categories: Vec::new(),
        agents: vec![
            (ids.sam, "Sam".into()),
            (ids.nina, "Nina".into()),
            (ids.eve, "Eve".into()),
            (ids.omar, "Omar".into()),
        ],
    }
}

pub fn assignment(tier_id: i64, group_id: Option<i64>, assignee_id: Option<i64>) -> Assignment {
    Assignment { tier_id: Some(tier_id), group_id, assignee_id }
}

/// A policy from a snippet of its tables (`[[ladder]]`, `[[targets]]`, …), under a name and the
/// default calendar "Office hours", with a resolution target of 40 hours when the snippet has no
/// targets. Panics with the reader's messages if the snippet is invalid.
pub fn policy_from_toml(tables: &str) -> Policy {
    let targets = if tables.contains("[[targets]]") { "" } else { "[[targets]]\nresolution = \"40h\"\n" };
    let source = format!("name = \"Test policy\"\ncalendar = \"Office hours\"\n{targets}{tables}");
    match Policy::from_toml(&source) {
        Ok(policy) => policy,
        Err(errors) => panic!("the test policy is valid, but:\n{errors}"),
    }
}

/// A ticket's event log written one event at a time, with the ticket's projection kept in step.
#[derive(Clone, Debug)]
pub struct EventLog {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
}

impl EventLog {
    /// A ticket of `priority` created at `at`, by portal.
    pub fn created(priority: Priority, at: DateTime<Utc>) -> EventLog {
        let created = EventData::Created {
            subject: "VPN drops every hour".into(),
            description: "Since Monday".into(),
            priority,
            channel: Channel::Portal,
            category_id: None,
        };
        let ticket = Ticket::from_created(1, 500, 600, at, &created).expect("a created event");
        let event = TicketEvent { id: 1, ticket_id: 1, sequence: 1, actor_id: Some(500), at, data: created };
        EventLog { ticket, events: vec![event] }
    }

    /// Appends `data` at `at`, as the write path does.
    pub fn then(mut self, at: DateTime<Utc>, data: EventData) -> EventLog {
        self.ticket.apply_all(std::slice::from_ref(&data), at);
        let sequence = self.events.len() as i64 + 1;
        self.events.push(TicketEvent { id: sequence, ticket_id: 1, sequence, actor_id: None, at, data });
        self
    }

    /// Appends `data` at `at` written by the person `actor`.
    pub fn then_by(self, at: DateTime<Utc>, actor: i64, data: EventData) -> EventLog {
        let mut log = self.then(at, data);
        if let Some(event) = log.events.last_mut() {
            event.actor_id = Some(actor);
        }
        log
    }

    /// Appends a batch of events written together at `at`.
    pub fn then_all(mut self, at: DateTime<Utc>, batch: Vec<EventData>) -> EventLog {
        for data in batch {
            self = self.then(at, data);
        }
        self
    }

    /// Routed to `to` at `at` at ladder level `level`, as the engine does.
    pub fn routed(self, at: DateTime<Utc>, to: Assignment, level: i64) -> EventLog {
        let from = self.ticket.assignment;
        self.then(
            at,
            EventData::Escalated { from, to, level: Some(level), handoff: None, reason: "Routed".into() },
        )
    }

    /// Escalated by the person `actor` at `at` from `from` to `to` at `level`, with a handoff.
    pub fn escalated_by(
        self,
        at: DateTime<Utc>,
        actor: i64,
        from: Assignment,
        to: Assignment,
        level: i64,
    ) -> EventLog {
        let data = EventData::Escalated {
            from,
            to,
            level: Some(level),
            handoff: Some(handoff()),
            reason: "By hand".into(),
        };
        self.then_by(at, actor, data)
    }

    pub fn public_reply(self, at: DateTime<Utc>) -> EventLog {
        self.then(at, EventData::PublicReply { body: "We are looking into it.".into() })
    }

    pub fn status(self, at: DateTime<Utc>, to: TicketStatus) -> EventLog {
        let from = self.ticket.status;
        self.then(at, EventData::StatusChanged { from, to })
    }
}

/// A complete handoff note.
pub fn handoff() -> Handoff {
    Handoff {
        summary: "The VPN drops every hour for the whole office.".into(),
        tried: "Restarted the client and renewed the certificate.".into(),
        impact: "Forty people cannot work.".into(),
        ask: "Look at the concentrator's logs.".into(),
    }
}

/// Targets in minutes (`None` for no target); every tier gets `budget` unless set otherwise.
pub fn clock_targets(
    calendar: &Calendar,
    first: Option<i64>,
    next: Option<i64>,
    resolution: Option<i64>,
    budget: Option<i64>,
) -> ClockTargets<'_> {
    let rule = |name: &str, target: Option<i64>| match target {
        Some(target) => TargetRule::new(minutes(target), format!("{name} rule")),
        None => TargetRule::none(format!("no {name} rule")),
    };
    ClockTargets {
        first_response: KindTarget { calendar, target: rule("first response", first) },
        next_response: KindTarget { calendar, target: rule("next response", next) },
        resolution: KindTarget { calendar, target: rule("resolution", resolution) },
        tier_budget: TierBudgetTargets {
            calendar,
            by_tier: BTreeMap::new(),
            other_tiers: rule("tier budget", budget),
        },
    }
}
