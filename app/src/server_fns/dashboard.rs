//! The managers' dashboard: where escalations stand now and what happened in a period, each figure
//! a link to the queue listing exactly the tickets it counts.
//!
//! Every figure is a queue request ([`TicketQuery`]) read by the queue's own reader
//! (`tickets::server::filter_for`) and counted by the store with the queue's own `WHERE` clause, so
//! a figure and its list cannot disagree.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::directory::Directory;
use crate::domain::period::Period;
use crate::domain::queue::TicketListItem;
use crate::domain::ticket::ClockKind;
use crate::domain::tracking::DurationSummary;
use crate::error::AppError;
use crate::server_fns::tickets::TicketQuery;

/// The dashboard's filters as they come from its URL, as text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardQuery {
    /// `today`, `7d` (default), `30d`, or `custom` with `from` and `to`.
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// A tier's id, or `all`; empty: a lead's own tier, everything for managers. The dashboard
    /// answers with the tier that applied.
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub priority: String,
}

/// How many tickets something counts, the same over the previous period where it has one, and
/// the queue request that lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub label: String,
    pub value: i64,
    pub previous: Option<i64>,
    pub drill: TicketQuery,
}

/// A time from opening (to the first reply, to resolution) over the period and the one before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeFigure {
    pub label: String,
    pub current: DurationSummary,
    pub previous: DurationSummary,
    /// The tickets measured in the period.
    pub drill: TicketQuery,
}

/// One agent's open tickets and how many of them are at risk or overdue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLoad {
    pub name: String,
    pub open: Figure,
    pub at_risk: Figure,
    pub breached: Figure,
}

/// Opened and resolved tickets on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFlow {
    pub day: NaiveDate,
    pub opened: Figure,
    pub resolved: Figure,
}

/// The tickets worked at the end of one day, per tier that held them then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOpen {
    pub day: NaiveDate,
    /// One figure per tier shown, labelled with the tier's name.
    pub per_tier: Vec<Figure>,
}

/// Tickets with a target breached on one day, per kind of clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayBreaches {
    pub day: NaiveDate,
    pub breaches: Vec<(ClockKind, Figure)>,
}

/// What the filter form offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardChoices {
    pub directory: Directory,
    pub plans: Vec<String>,
}

/// The dashboard for one period and scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub query: DashboardQuery,
    pub period: Period,
    pub previous: Period,
    /// When "now" was: what at risk and overdue are judged at.
    pub as_of: DateTime<Utc>,
    /// What it covers, in words ("L1 Service Desk", "Every tier").
    pub scope: String,
    pub choices: DashboardChoices,
    /// Open tickets per tier, then per ladder level.
    pub open_by_tier: Vec<Figure>,
    pub open_by_level: Vec<Figure>,
    /// Opened, resolved and escalated in the period, with the previous period's counts.
    pub flow: Vec<Figure>,
    /// Open tickets with a clock at risk, then overdue, per kind of clock.
    pub at_risk: Vec<Figure>,
    pub breached: Vec<Figure>,
    /// Stalled tickets, escalations nobody acknowledged, and checkpoints missed in the period.
    pub attention: Vec<Figure>,
    pub times: Vec<TimeFigure>,
    pub load: Vec<AgentLoad>,
    pub per_day: Vec<DayFlow>,
    pub breaches_per_day: Vec<DayBreaches>,
    pub open_per_day: Vec<DayOpen>,
    /// The open tickets whose running clocks breach next (overdue ones are in the overdue tiles).
    pub riskiest: Vec<TicketListItem>,
}

/// How many of the riskiest tickets the dashboard lists.
pub const RISKIEST: i64 = 10;

/// The dashboard, for leads, managers and admins.
#[server(endpoint = "dashboard")]
pub async fn load_dashboard(query: DashboardQuery) -> Result<Dashboard, AppError> {
    let user = crate::ssr::auth::require_staff_hidden_from_customers().await?;
    if !user.role.may_track_progress() {
        return Err(AppError::Forbidden);
    }
    let state = crate::ssr::app_state()?;
    // Every lead, manager and admin asking the same is shown the same figures, except that a lead
    // who names no tier sees their own.
    let viewer = if query.tier.trim().is_empty() && !user.role.oversees_every_tier() {
        format!("lead {}", user.id)
    } else {
        "anyone".to_string()
    };
    let key = format!("{viewer} {}", serde_json::to_string(&query).map_err(AppError::internal)?);
    let generation = state.store.live().generation();
    let computing = server::dashboard(&state.store, &user, query, crate::ssr::now());
    state.shared_answers.get_or_compute(key, generation, computing).await
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use std::collections::BTreeMap;

    use crate::domain::period::{day_of, Span, Tz};
    use crate::domain::queue::{Happening, RiskCounts, RiskFilter, TicketFilter, TicketSort};
    use crate::domain::validation::optional_id;
    use crate::domain::{FieldErrors, UserSummary};
    use crate::server_fns::tickets::server::filter_for;
    use crate::ssr::store::lists::CountBy;
    use crate::ssr::Store;

    /// Days a period covers by default.
    const DEFAULT_DAYS: i64 = 7;

    /// The longest period the dashboard draws, a bar per day.
    const MAX_DAYS: i64 = 366;

    /// The period a dashboard query asks for, as of `today`.
    fn period(errors: &mut FieldErrors, query: &DashboardQuery, today: NaiveDate) -> Period {
        let days = match query.period.trim() {
            "" | "7d" => DEFAULT_DAYS,
            "today" => 1,
            "30d" => 30,
            "custom" => {
                let period = Period::read(errors, &query.from, &query.to, DEFAULT_DAYS, today);
                if period.days() > MAX_DAYS {
                    errors.push("from", format!("The dashboard shows at most {MAX_DAYS} days."));
                }
                return period;
            }
            _ => {
                errors.push("period", "Choose today, 7d, 30d or custom.");
                DEFAULT_DAYS
            }
        };
        Period::ending(today, days)
    }

    /// The dashboard of `user` for `query` at `now`.
    pub async fn dashboard(
        store: &Store,
        user: &UserSummary,
        query: DashboardQuery,
        now: DateTime<Utc>,
    ) -> Result<Dashboard, AppError> {
        let zone = store.time_zone().await?;
        let directory = store.directory().await?;
        let mut errors = FieldErrors::default();
        let period = period(&mut errors, &query, day_of(now, zone));
        // A lead sees their own tier unless they ask for another or for all.
        let tier = match query.tier.trim() {
            "all" => String::new(),
            "" if !user.role.oversees_every_tier() => {
                directory.home_tier_of(user.id).map(|tier| tier.to_string()).unwrap_or_default()
            }
            text => {
                optional_id(&mut errors, "tier", text);
                text.to_string()
            }
        };
        optional_id(&mut errors, "group", &query.group);
        errors.into_result(())?;
        let base = TicketQuery {
            status: "active".into(),
            tier: tier.clone(),
            group: query.group.trim().into(),
            plan: query.plan.trim().into(),
            category: query.category.trim().into(),
            priority: query.priority.trim().into(),
            ..TicketQuery::default()
        };
        let scope = match directory.tier_name(tier.parse().ok()) {
            Some(name) => name.to_string(),
            None => "Every tier".to_string(),
        };
        let counter = Counter { store, user, zone, now };
        let dates = |period: &Period| (period.from.to_string(), period.to.to_string());
        let (from, to) = dates(&period);
        let previous = period.previous();
        let (previous_from, previous_to) = dates(&previous);
        let happened = |event: Happening| TicketQuery {
            status: "all".into(),
            event: event.as_str().into(),
            from: from.clone(),
            to: to.clone(),
            ..base.clone()
        };
        let before = |query: &TicketQuery| TicketQuery {
            from: previous_from.clone(),
            to: previous_to.clone(),
            ..query.clone()
        };

        // The figures of now: each an indexed count of the open tickets in scope. (Run all at
        // once on the pool, they took longer: BENCHMARKS.md.)
        let open_filter = counter.filter(&base)?;
        // Every figure of clocks at risk and overdue, per kind and per agent, from one count: the
        // one that reads the most rows, so it runs beside all the others, which run one by one.
        let risk_count = tokio::spawn({
            let (store, filter) = (store.clone(), open_filter.clone());
            async move { store.risk_counts(&filter).await }
        });
        let by_tier = store.count_matching_by(&open_filter, CountBy::Tier).await?;
        let mut open_by_tier = Vec::new();
        for tier in &directory.tiers {
            let drill = TicketQuery { tier: tier.id.to_string(), ..base.clone() };
            let value = by_tier.get(&Some(tier.id)).copied().unwrap_or(0);
            if value > 0 || base.tier.is_empty() || base.tier == tier.id.to_string() {
                open_by_tier.push(Figure { label: tier.name.clone(), value, previous: None, drill });
            }
        }
        let by_level = store.count_matching_by(&open_filter, CountBy::Level).await?;
        let open_by_level = by_level
            .iter()
            .filter_map(|(level, count)| Some((((*level)?), *count)))
            .map(|(level, value)| Figure {
                label: format!("Level {level}"),
                value,
                previous: None,
                drill: TicketQuery { level: level.to_string(), ..base.clone() },
            })
            .collect();
        let mut attention = vec![
            counter
                .figure("Open escalations", TicketQuery { escalated: "yes".into(), ..base.clone() })
                .await?,
            counter
                .figure("Stalled in their tier", TicketQuery { stalled: "yes".into(), ..base.clone() })
                .await?,
            counter
                .figure(
                    "Escalations not acknowledged",
                    TicketQuery { unacknowledged: "yes".into(), ..base.clone() },
                )
                .await?,
        ];

        // The figures of the period, each happening counted per day, over the whole period and
        // over the previous one in one query.
        let days: Vec<NaiveDate> = period.each_day().collect();
        let day_spans: Vec<Span> =
            days.iter().map(|day| Period { from: *day, to: *day }.span(zone)).collect();
        // The chart of open tickets per tier reads the period's holds: it too runs beside the rest.
        let held_count = tokio::spawn({
            let (store, filter) = (store.clone(), open_filter.clone());
            let ends: Vec<DateTime<Utc>> = day_spans.iter().map(|span| span.until).collect();
            async move { store.held_per_tier_before(&filter, &ends).await }
        });
        // The spans counted: the period, the previous one, then each day.
        const PERIOD: usize = 0;
        const PREVIOUS: usize = 1;
        const FIRST_DAY: usize = 2;
        let mut spans = vec![period.span(zone), previous.span(zone)];
        spans.extend(day_spans.iter().copied());
        // They count tickets of every status, narrowed to their happening.
        let every_status = counter.filter(&TicketQuery { status: "all".into(), ..base.clone() })?;
        let (spans, every_status) = (&spans, &every_status);
        let per_span = |happening: Happening| async move {
            match happening {
                // Drawn per day. A ticket opens, and was last resolved, at one instant, so the
                // period's count is the sum of its days' and is not counted apart.
                Happening::Opened | Happening::Resolved => {
                    let counts =
                        store.count_matching_per_span(every_status, happening, &spans[PREVIOUS..]).await?;
                    let period = counts[FIRST_DAY - PREVIOUS..].iter().sum();
                    Ok::<_, AppError>([vec![period], counts].concat())
                }
                _ => Ok(store.count_matching_per_span(every_status, happening, &spans[..FIRST_DAY]).await?),
            }
        };
        let opened = per_span(Happening::Opened).await?;
        let resolved = per_span(Happening::Resolved).await?;
        let escalated = per_span(Happening::Escalated).await?;
        let by_hand = per_span(Happening::EscalatedByHand).await?;
        let automatically = per_span(Happening::EscalatedAutomatically).await?;
        let missed = per_span(Happening::MissedCheckpoint).await?;

        let with_trend = |happening: Happening, counts: &[i64]| Figure {
            label: happening.label().into(),
            value: counts[PERIOD],
            previous: Some(counts[PREVIOUS]),
            drill: happened(happening),
        };
        let flow = vec![
            with_trend(Happening::Opened, &opened),
            with_trend(Happening::Resolved, &resolved),
            with_trend(Happening::Escalated, &escalated),
            with_trend(Happening::EscalatedByHand, &by_hand),
            with_trend(Happening::EscalatedAutomatically, &automatically),
        ];

        attention.push(Figure {
            label: "Checkpoints missed".into(),
            ..with_trend(Happening::MissedCheckpoint, &missed)
        });

        let mut times = Vec::new();
        for (label, event) in [("First response", Happening::Answered), ("Resolution", Happening::Resolved)] {
            let drill = happened(event);
            let current = store.times_to(&counter.filter(&drill)?, event).await?;
            let earlier = store.times_to(&counter.filter(&before(&drill))?, event).await?;
            times.push(TimeFigure { label: label.into(), current, previous: earlier, drill });
        }

        let on_day = |query: TicketQuery, day: &NaiveDate| TicketQuery {
            from: day.to_string(),
            to: day.to_string(),
            ..query
        };
        let per_day = days
            .iter()
            .enumerate()
            .map(|(index, day)| DayFlow {
                day: *day,
                opened: Figure {
                    label: Happening::Opened.label().into(),
                    value: opened[FIRST_DAY + index],
                    previous: None,
                    drill: on_day(happened(Happening::Opened), day),
                },
                resolved: Figure {
                    label: Happening::Resolved.label().into(),
                    value: resolved[FIRST_DAY + index],
                    previous: None,
                    drill: on_day(happened(Happening::Resolved), day),
                },
            })
            .collect();
        let breaches = store.breaches_per_span(every_status, &day_spans).await?;
        let breaches_per_day = days
            .iter()
            .enumerate()
            .map(|(index, day)| DayBreaches {
                day: *day,
                breaches: ClockKind::ALL
                    .iter()
                    .map(|kind| {
                        let value = breaches.get(kind).map_or(0, |days| days[index]);
                        let drill = TicketQuery {
                            clock: kind.as_str().into(),
                            ..on_day(happened(Happening::Breached), day)
                        };
                        (*kind, Figure { label: kind.label().into(), value, previous: None, drill })
                    })
                    .collect(),
            })
            .collect();

        let held = held_count.await.map_err(AppError::internal)??;
        let open_per_day = open_per_day(&directory, &base, &days, &held);

        let riskiest = store
            .list_tickets(&TicketFilter {
                sort: TicketSort::BreachesFirst,
                page: 1,
                per_page: RISKIEST,
                ..open_filter
            })
            .await?
            .items
            .into_iter()
            .filter(|item| item.next_breach_at.is_some())
            .collect();

        let risks = risk_count.await.map_err(AppError::internal)??;
        let standing_figures = |risk: RiskFilter| -> Vec<Figure> {
            ClockKind::ALL
                .iter()
                .map(|kind| Figure {
                    label: kind.label().into(),
                    value: risks.tickets(risk, Some(*kind)),
                    previous: None,
                    drill: TicketQuery {
                        risk: risk.as_str().into(),
                        clock: kind.as_str().into(),
                        ..base.clone()
                    },
                })
                .collect()
        };
        let at_risk = standing_figures(RiskFilter::AtRisk);
        let breached = standing_figures(RiskFilter::Breached);
        let load = agent_load(&counter, &directory, &base, &risks).await?;

        let mut plans: Vec<String> = store.organisations().await?.into_iter().map(|o| o.plan).collect();
        plans.sort();
        plans.dedup();
        // The form shows the scope that applies, also when it was the default.
        let shown_tier = if tier.is_empty() { "all".to_string() } else { tier };
        Ok(Dashboard {
            query: DashboardQuery { tier: shown_tier, ..query },
            period,
            previous,
            as_of: now,
            scope,
            choices: DashboardChoices { directory, plans },
            open_by_tier,
            open_by_level,
            flow,
            at_risk,
            breached,
            attention,
            times,
            load,
            per_day,
            breaches_per_day,
            open_per_day,
            riskiest,
        })
    }

    /// The tickets worked at the end of each of `days`, per tier that held them then (`counts`,
    /// from `Store::held_per_tier_before`): the tiers `base` covers, each figure a drill-down to
    /// the tickets it counts.
    fn open_per_day(
        directory: &Directory,
        base: &TicketQuery,
        days: &[NaiveDate],
        counts: &BTreeMap<Option<i64>, Vec<i64>>,
    ) -> Vec<DayOpen> {
        let tiers: Vec<_> = directory
            .tiers
            .iter()
            .filter(|tier| base.tier.is_empty() || base.tier == tier.id.to_string())
            .collect();
        days.iter()
            .enumerate()
            .map(|(index, day)| DayOpen {
                day: *day,
                per_tier: tiers
                    .iter()
                    .map(|tier| Figure {
                        label: tier.name.clone(),
                        value: counts.get(&Some(tier.id)).map_or(0, |values| values[index]),
                        previous: None,
                        drill: TicketQuery {
                            status: "all".into(),
                            tier: tier.id.to_string(),
                            open_on: day.to_string(),
                            ..base.clone()
                        },
                    })
                    .collect(),
            })
            .collect()
    }

    /// Open tickets per agent who holds any, with how many are at risk and overdue.
    async fn agent_load(
        counter: &Counter<'_>,
        directory: &Directory,
        base: &TicketQuery,
        risks: &RiskCounts,
    ) -> Result<Vec<AgentLoad>, AppError> {
        let open = counter.store.count_matching_by(&counter.filter(base)?, CountBy::Assignee).await?;
        let standing = |risk: RiskFilter| TicketQuery { risk: risk.as_str().into(), ..base.clone() };
        let at_risk = risks.tickets_per_assignee(RiskFilter::AtRisk);
        let breached = risks.tickets_per_assignee(RiskFilter::Breached);
        let mut load: Vec<AgentLoad> = directory
            .agents
            .iter()
            .filter_map(|(id, name)| {
                let value = |counts: &std::collections::BTreeMap<Option<i64>, i64>| {
                    counts.get(&Some(*id)).copied().unwrap_or(0)
                };
                let open_count = value(&open);
                (open_count > 0).then(|| {
                    let mine = |query: TicketQuery| TicketQuery { assignee: id.to_string(), ..query };
                    AgentLoad {
                        name: name.clone(),
                        open: Figure {
                            label: "Open".into(),
                            value: open_count,
                            previous: None,
                            drill: mine(base.clone()),
                        },
                        at_risk: Figure {
                            label: "At risk".into(),
                            value: value(&at_risk),
                            previous: None,
                            drill: mine(standing(RiskFilter::AtRisk)),
                        },
                        breached: Figure {
                            label: "Overdue".into(),
                            value: value(&breached),
                            previous: None,
                            drill: mine(standing(RiskFilter::Breached)),
                        },
                    }
                })
            })
            .collect();
        load.sort_by(|a, b| b.open.value.cmp(&a.open.value).then_with(|| a.name.cmp(&b.name)));
        Ok(load)
    }

    /// Reads queue requests as the queue does and counts what they match.
    struct Counter<'a> {
        store: &'a Store,
        user: &'a UserSummary,
        zone: Tz,
        now: DateTime<Utc>,
    }

    impl Counter<'_> {
        fn filter(&self, query: &TicketQuery) -> Result<TicketFilter, AppError> {
            filter_for(self.user, query, self.zone, self.now)
        }

        async fn figure(&self, label: &str, drill: TicketQuery) -> Result<Figure, AppError> {
            let value = self.store.count_matching(&self.filter(&drill)?).await?;
            Ok(Figure { label: label.into(), value, previous: None, drill })
        }
    }
}
