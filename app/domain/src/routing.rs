//! Routing inside a tier or group: which group and which agent take a ticket the ladder or a
//! criterion sends there. By skill first (the ticket's tags against group and agent skills), then
//! the least-loaded agent among those available in their working calendar; ties go to the agent
//! with the lowest id, so the choice is deterministic and replays give the same answer.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::calendar::Calendar;
use super::directory::{Directory, Group};
use super::ticket::Assignment;

/// What routing knows about one member of staff.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentInfo {
    pub skills: Vec<String>,
    /// The name of their working calendar; none means always available.
    pub calendar: Option<String>,
    /// Open tickets assigned to them.
    pub open_tickets: i64,
}

/// The group and agent for a ticket sent to `to` (a tier, or a group of it). A group already
/// chosen is kept; otherwise the group of the tier whose skills cover most of the ticket's tags.
/// The agent is the least-loaded available member, preferring members with one of the tags as a
/// skill. With nobody available the ticket waits with the group (or the tier) unassigned.
pub fn place(
    directory: &Directory,
    agents: &BTreeMap<i64, AgentInfo>,
    calendars: &BTreeMap<String, Calendar>,
    to: Assignment,
    tags: &[String],
    at: DateTime<Utc>,
) -> Assignment {
    let Some(tier_id) = to.tier_id else {
        return to;
    };
    if to.assignee_id.is_some() {
        return to;
    }
    let groups: Vec<&Group> = match to.group_id {
        Some(group_id) => directory.groups.iter().filter(|g| g.id == group_id).collect(),
        None => {
            let in_tier: Vec<&Group> = directory.groups.iter().filter(|g| g.tier_id == tier_id).collect();
            let best = in_tier.iter().map(|g| overlap(&g.skills, tags)).max().unwrap_or(0);
            if best > 0 {
                in_tier.into_iter().filter(|g| overlap(&g.skills, tags) == best).collect()
            } else {
                in_tier
            }
        }
    };
    let available = |id: &i64| match agents.get(id).and_then(|agent| agent.calendar.as_ref()) {
        Some(name) => calendars.get(name).is_none_or(|calendar| calendar.is_open_at(at)),
        None => true,
    };
    let chosen = groups
        .iter()
        .flat_map(|group| group.member_ids.iter().map(move |member| (*member, group.id)))
        .filter(|(member, _)| agents.contains_key(member) && available(member))
        .min_by_key(|(member, _)| {
            let agent = &agents[member];
            (overlap(&agent.skills, tags) == 0, agent.open_tickets, *member)
        });
    match chosen {
        Some((agent, group)) => {
            Assignment { tier_id: Some(tier_id), group_id: Some(group), assignee_id: Some(agent) }
        }
        // Nobody available: a group of its own stays chosen, a tier-wide search chooses none.
        None => Assignment {
            tier_id: Some(tier_id),
            group_id: to.group_id.or_else(|| single(&groups)),
            assignee_id: None,
        },
    }
}

fn overlap(skills: &[String], tags: &[String]) -> usize {
    skills.iter().filter(|skill| tags.contains(skill)).count()
}

fn single(groups: &[&Group]) -> Option<i64> {
    match groups {
        [only] => Some(only.id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Tier;
    use chrono::TimeZone;

    fn directory() -> Directory {
        let group = |id: i64, name: &str, skills: &[&str], members: &[i64]| Group {
            id,
            tier_id: 2,
            name: name.into(),
            lead_id: None,
            skills: skills.iter().map(|s| s.to_string()).collect(),
            member_ids: members.to_vec(),
        };
        Directory {
            tiers: vec![Tier { id: 2, name: "L2".into(), rank: 2, lead_id: None, handbook: String::new() }],
            groups: vec![
                group(10, "Network", &["vpn", "networking"], &[1, 2]),
                group(11, "Billing", &["billing"], &[3]),
            ],
            categories: Vec::new(),
            agents: Vec::new(),
        }
    }

    fn agent(skills: &[&str], open_tickets: i64, calendar: Option<&str>) -> AgentInfo {
        AgentInfo {
            skills: skills.iter().map(|s| s.to_string()).collect(),
            calendar: calendar.map(str::to_string),
            open_tickets,
        }
    }

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).single().expect("instant")
    }

    fn tier_two() -> Assignment {
        Assignment { tier_id: Some(2), group_id: None, assignee_id: None }
    }

    #[test]
    fn the_group_whose_skills_match_the_tags_takes_the_ticket_and_its_least_loaded_member_gets_it() {
        let agents = BTreeMap::from([
            (1, agent(&["vpn"], 5, None)),
            (2, agent(&["vpn"], 2, None)),
            (3, agent(&["billing"], 0, None)),
        ]);
        let placed = place(&directory(), &agents, &BTreeMap::new(), tier_two(), &["vpn".into()], at(9));
        assert_eq!(placed, Assignment { tier_id: Some(2), group_id: Some(10), assignee_id: Some(2) });
    }

    #[test]
    fn without_matching_skills_the_least_loaded_agent_of_the_tier_gets_it() {
        let agents =
            BTreeMap::from([(1, agent(&[], 5, None)), (2, agent(&[], 4, None)), (3, agent(&[], 1, None))]);
        let placed = place(&directory(), &agents, &BTreeMap::new(), tier_two(), &[], at(9));
        assert_eq!(placed, Assignment { tier_id: Some(2), group_id: Some(11), assignee_id: Some(3) });
    }

    #[test]
    fn agents_outside_their_working_hours_are_passed_over_and_nobody_available_leaves_it_unassigned() {
        let office =
            Calendar::from_toml("timezone = \"UTC\"\n[hours]\nmon = [\"09:00-17:00\"]\n").expect("calendar");
        let calendars = BTreeMap::from([("Office".to_string(), office)]);
        let agents = BTreeMap::from([(1, agent(&["vpn"], 0, Some("Office"))), (2, agent(&["vpn"], 9, None))]);
        let to = Assignment { tier_id: Some(2), group_id: Some(10), assignee_id: None };
        assert_eq!(place(&directory(), &agents, &calendars, to, &[], at(10)).assignee_id, Some(1));
        assert_eq!(place(&directory(), &agents, &calendars, to, &[], at(20)).assignee_id, Some(2));
        let only_office = BTreeMap::from([(1, agent(&["vpn"], 0, Some("Office")))]);
        let waiting = place(&directory(), &only_office, &calendars, to, &[], at(20));
        assert_eq!(waiting, Assignment { tier_id: Some(2), group_id: Some(10), assignee_id: None });
    }
}
