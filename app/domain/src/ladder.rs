//! Where a ticket sits on the escalation ladder, and what kind of move a change of holder is.
//!
//! **One rule for the level.** A ticket's ladder level is a function of who holds it, whichever
//! way it got there (routing by a criterion, the ladder, escalation by hand, de-escalation):
//! 1. the lowest level whose holder is the ticket's group;
//! 2. else the lowest level whose holder is the ticket's tier;
//! 3. else the lowest level whose holder is another group of the ticket's tier (a tier's groups
//!    sit at their tier's level);
//! 4. else the tier is **not on the ladder** (an expert tier, say): the ticket sits at the
//!    highest level held by a tier ranked at or below it, and no tier budget runs (no level's
//!    budget belongs to that tier, so the ladder never moves the ticket on by itself);
//! 5. a ticket no tier holds yet sits at level 1.
//!
//! **Moves.** Moving a ticket to a tier ranked higher than its own, or to another tier of the same
//! rank, is an escalation and needs a handoff note; to a tier ranked lower, a de-escalation with a
//! reason; inside its tier (another group or agent), a plain assignment.

use serde::{Deserialize, Serialize};

use super::directory::Directory;
use super::policy::{Level, Policy};
use super::ticket::Assignment;

/// Where a ladder holder (a tier or a group, by name) puts a ticket.
pub fn holder_assignment(directory: &Directory, holder: &str) -> Option<Assignment> {
    if let Some(tier) = directory.tiers.iter().find(|tier| tier.name == holder) {
        return Some(Assignment { tier_id: Some(tier.id), group_id: None, assignee_id: None });
    }
    directory.groups.iter().find(|group| group.name == holder).map(|group| Assignment {
        tier_id: Some(group.tier_id),
        group_id: Some(group.id),
        assignee_id: None,
    })
}

/// A ticket's place on the ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderPlace {
    /// The level, numbered from 1.
    pub level: i64,
    /// Whether a level of the ladder belongs to the holder (rules 1–3), so its budget runs.
    pub on_ladder: bool,
}

impl LadderPlace {
    /// The policy's level this place is on, when the holder is on the ladder.
    pub fn ladder_level(self, policy: &Policy) -> Option<&Level> {
        if !self.on_ladder {
            return None;
        }
        usize::try_from(self.level).ok().and_then(|number| policy.level(number))
    }
}

/// The ladder level of a ticket held by `holding` under `policy`; see the module documentation.
pub fn place_on_ladder(policy: &Policy, directory: &Directory, holding: Assignment) -> LadderPlace {
    let Some(tier_id) = holding.tier_id else {
        return LadderPlace { level: 1, on_ladder: false };
    };
    let holders: Vec<Option<Assignment>> =
        policy.ladder.iter().map(|level| holder_assignment(directory, level.holder.as_str())).collect();
    let lowest = |matches: &dyn Fn(&Assignment) -> bool| {
        holders.iter().position(|holder| holder.as_ref().is_some_and(matches)).map(|index| index as i64 + 1)
    };
    let on_ladder = holding
        .group_id
        .and_then(|group_id| lowest(&|holder| holder.group_id == Some(group_id)))
        .or_else(|| lowest(&|holder| holder.tier_id == Some(tier_id) && holder.group_id.is_none()))
        .or_else(|| lowest(&|holder| holder.tier_id == Some(tier_id)));
    if let Some(level) = on_ladder {
        return LadderPlace { level, on_ladder: true };
    }
    let rank_of =
        |tier_id: Option<i64>| directory.tiers.iter().find(|tier| Some(tier.id) == tier_id).map(|t| t.rank);
    let rank = rank_of(Some(tier_id));
    let level = holders
        .iter()
        .enumerate()
        .filter(|(_, holder)| {
            let holder_rank = holder.and_then(|holder| rank_of(holder.tier_id));
            matches!((holder_rank, rank), (Some(holder_rank), Some(rank)) if holder_rank <= rank)
        })
        .map(|(index, _)| index as i64 + 1)
        .max()
        .unwrap_or(1);
    LadderPlace { level, on_ladder: false }
}

/// The ladder in force and the organisation it names: what the ticket commands need to place a
/// ticket on the ladder. Without a published policy every ticket sits at level 1.
#[derive(Clone, Copy, Debug)]
pub struct LadderContext<'a> {
    pub policy: Option<&'a Policy>,
    pub directory: &'a Directory,
}

/// An organisation with no tiers, for [`LadderContext::without_organisation`].
static NO_ORGANISATION: Directory =
    Directory { tiers: Vec::new(), groups: Vec::new(), categories: Vec::new(), agents: Vec::new() };

impl LadderContext<'static> {
    /// No policy and no tiers: enough for commands that move no ticket between tiers (tests, and
    /// tools that only change statuses).
    pub fn without_organisation() -> LadderContext<'static> {
        LadderContext { policy: None, directory: &NO_ORGANISATION }
    }
}

impl LadderContext<'_> {
    /// The place of a ticket held by `holding`; see [`place_on_ladder`].
    pub fn place(&self, holding: Assignment) -> LadderPlace {
        match self.policy {
            Some(policy) => place_on_ladder(policy, self.directory, holding),
            None => LadderPlace { level: 1, on_ladder: false },
        }
    }

    /// See [`classify_move`].
    pub fn classify(&self, from: Assignment, to: Assignment) -> Move {
        classify_move(self.directory, from, to)
    }

    /// The tier's name for messages, "no tier" for none.
    pub fn tier_name(&self, tier_id: Option<i64>) -> String {
        match tier_id {
            Some(_) => self.directory.tier_name(tier_id).unwrap_or("that tier").to_string(),
            None => "no tier".to_string(),
        }
    }
}

/// What a change of holder is, by the ranks of the tiers involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Move {
    /// Nothing changes hands.
    None,
    /// Inside the tier holding the ticket, or the first placement of a ticket no tier holds.
    WithinTier,
    /// To a tier ranked higher, or to another tier of the same rank: needs a handoff note.
    Escalation,
    /// To a tier ranked lower: needs a reason.
    Deescalation,
}

/// The kind of move from `from` to `to`. Taking a ticket away from every tier counts as a
/// de-escalation: it leaves the tier that held it.
pub fn classify_move(directory: &Directory, from: Assignment, to: Assignment) -> Move {
    if from == to {
        return Move::None;
    }
    let Some(from_tier) = from.tier_id else {
        return Move::WithinTier;
    };
    let Some(to_tier) = to.tier_id else {
        return Move::Deescalation;
    };
    if from_tier == to_tier {
        return Move::WithinTier;
    }
    let rank = |id: i64| directory.tiers.iter().find(|tier| tier.id == id).map(|tier| tier.rank).unwrap_or(0);
    if rank(to_tier) < rank(from_tier) {
        Move::Deescalation
    } else {
        Move::Escalation
    }
}

/// What an administrator should know about how `policy`'s ladder meets the organisation: tiers
/// that are not on the ladder (and the level their tickets sit at), tiers on the ladder at more
/// than one level, and levels held by a tier ranked below the level before them (the ladder would
/// move tickets down). Empty when the ladder covers every tier once, in rank order.
pub fn ladder_warnings(policy: &Policy, directory: &Directory) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut tiers = directory.tiers.clone();
    tiers.sort_by_key(|tier| (tier.rank, tier.id));
    for tier in &tiers {
        let holding = Assignment { tier_id: Some(tier.id), group_id: None, assignee_id: None };
        let place = place_on_ladder(policy, directory, holding);
        let levels: Vec<usize> = policy
            .ladder
            .iter()
            .enumerate()
            .filter(|(_, level)| {
                holder_assignment(directory, level.holder.as_str()).and_then(|h| h.tier_id) == Some(tier.id)
            })
            .map(|(index, _)| index + 1)
            .collect();
        if !place.on_ladder {
            warnings.push(format!(
                "the tier \"{}\" is not on the ladder: tickets it holds sit at level {} and no tier budget runs for \
                 them, so the ladder never moves them on",
                tier.name, place.level
            ));
        } else if levels.len() > 1 {
            let numbers: Vec<String> = levels.iter().map(usize::to_string).collect();
            warnings.push(format!(
                "the tier \"{}\" holds levels {}: a ticket it holds sits at the lowest level that names its group or \
                 the tier itself",
                tier.name,
                numbers.join(" and ")
            ));
        }
    }
    let ranks: Vec<Option<i64>> = policy
        .ladder
        .iter()
        .map(|level| {
            let tier_id = holder_assignment(directory, level.holder.as_str()).and_then(|h| h.tier_id);
            directory.tiers.iter().find(|tier| Some(tier.id) == tier_id).map(|tier| tier.rank)
        })
        .collect();
    for (index, pair) in ranks.windows(2).enumerate() {
        if let [Some(before), Some(after)] = pair {
            if after < before {
                warnings.push(format!(
                    "ladder level {} is held by a tier ranked below level {}'s: \"next level\" would hand tickets down",
                    index + 2,
                    index + 1
                ));
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assignment, demo_directory, policy_from_toml, DemoIds};

    const LADDER: &str = r#"
        [[ladder]]
        holder = "L1 Service Desk"
        budget = "2h"
        on_breach = ["next_level"]

        [[ladder]]
        holder = "L2 Specialists"
        budget = "8h"
        on_breach = ["next_level"]

        [[ladder]]
        holder = "L3 Engineering"
    "#;

    #[test]
    fn the_level_follows_the_holder_whatever_the_way_it_got_there() {
        let directory = demo_directory();
        let policy = policy_from_toml(LADDER);
        let ids = DemoIds::default();
        let cases = [
            ("unrouted", Assignment::default(), 1, false),
            ("L1 tier", assignment(ids.l1, None, None), 1, true),
            ("L1's group", assignment(ids.l1, Some(ids.service_desk), Some(ids.sam)), 1, true),
            ("L2 tier", assignment(ids.l2, None, None), 2, true),
            ("a group of L2", assignment(ids.l2, Some(ids.network), None), 2, true),
            ("L3 tier", assignment(ids.l3, None, None), 3, true),
            ("a group of L3", assignment(ids.l3, Some(ids.security), None), 3, true),
            ("an expert tier ranked above L3, off the ladder", assignment(ids.experts, None, None), 3, false),
        ];
        for (name, holding, level, on_ladder) in cases {
            assert_eq!(
                place_on_ladder(&policy, &directory, holding),
                LadderPlace { level, on_ladder },
                "{name}"
            );
        }
    }

    #[test]
    fn a_group_on_the_ladder_has_its_own_level_and_its_tier_the_tiers() {
        let directory = demo_directory();
        let ids = DemoIds::default();
        let policy = policy_from_toml(
            r#"
            [[ladder]]
            holder = "L1 Service Desk"
            [[ladder]]
            holder = "Network"
            [[ladder]]
            holder = "L2 Specialists"
            "#,
        );
        let place = |holding| place_on_ladder(&policy, &directory, holding).level;
        assert_eq!(place(assignment(ids.l2, Some(ids.network), None)), 2);
        assert_eq!(
            place(assignment(ids.l2, Some(ids.billing), None)),
            3,
            "another group sits at the tier's level"
        );
        assert_eq!(place(assignment(ids.l2, None, None)), 3);
        assert!(ladder_warnings(&policy, &directory)
            .iter()
            .any(|warning| warning.contains("holds levels 2 and 3")));
    }

    #[test]
    fn moves_are_classified_by_the_ranks_of_the_tiers() {
        let directory = demo_directory();
        let ids = DemoIds::default();
        let l1 = assignment(ids.l1, Some(ids.service_desk), None);
        let cases = [
            (l1, l1, Move::None),
            (Assignment::default(), assignment(ids.l3, None, None), Move::WithinTier),
            (l1, assignment(ids.l1, Some(ids.service_desk), Some(ids.sam)), Move::WithinTier),
            (l1, assignment(ids.l2, None, None), Move::Escalation),
            (l1, assignment(ids.l3, Some(ids.security), None), Move::Escalation),
            (assignment(ids.l3, None, None), assignment(ids.l2, Some(ids.network), None), Move::Deescalation),
            (assignment(ids.l2, None, None), Assignment::default(), Move::Deescalation),
        ];
        for (from, to, expected) in cases {
            assert_eq!(classify_move(&directory, from, to), expected, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn policy_check_warns_of_tiers_off_the_ladder_and_of_a_ladder_going_down() {
        let directory = demo_directory();
        let warnings = ladder_warnings(&policy_from_toml(LADDER), &directory);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("\"Experts\" is not on the ladder: tickets it holds sit at level 3"));

        let downhill = policy_from_toml(
            r#"
            [[ladder]]
            holder = "L2 Specialists"
            [[ladder]]
            holder = "L1 Service Desk"
            "#,
        );
        let warnings = ladder_warnings(&downhill, &directory);
        assert!(warnings
            .iter()
            .any(|warning| warning.contains("ladder level 2 is held by a tier ranked below")));
    }
}
