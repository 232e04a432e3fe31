//! Ticket lists: the queue, the portal, and the dashboard's figures. A figure and the list it
//! drills down to are the same filter ([`TicketFilter`]) turned into the same `WHERE` clause here,
//! so the number on a tile is the number of rows its link lists.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::dialect::{self, Backend};
use super::tickets::ticket_from_row;
use super::{get_optional_instant, to_millis, Store, StoreError, StoreResult};
use crate::domain::period::Span;
use crate::domain::queue::{
    Happening, RiskCounts, RiskGroup, TicketFilter, TicketListItem, TicketListPage, TicketSort,
};
use crate::domain::ticket::ClockKind;
use crate::domain::tracking::{nearest_rank, ClockAlerts, DurationSummary};
use crate::domain::{TicketEvent, TicketStatus};

/// A value bound to a dynamically built query.
#[derive(Clone, Debug)]
enum Bind {
    Int(i64),
    Text(String),
}

/// The conditions of a filter and the values bound to them, numbered in order.
#[derive(Default)]
struct Where {
    conditions: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    /// Binds `value` and returns its placeholder.
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// Adds `condition`, each `?` in it bound to the next of `values`.
    fn add(&mut self, condition: &str, values: impl IntoIterator<Item = Bind>) {
        let mut text = String::new();
        let mut values = values.into_iter();
        for (index, part) in condition.split('?').enumerate() {
            if index > 0 {
                let value = values.next().expect("a value for each placeholder");
                text.push_str(&self.bind(value));
            }
            text.push_str(part);
        }
        self.conditions.push(text);
    }

    /// The search subquery (ticket ids and rank) of `filter`'s text, its query bound; `None`
    /// when the text has no words.
    fn search(&mut self, backend: Backend, filter: &TicketFilter) -> Option<String> {
        let text = filter.text.as_deref()?.trim();
        if text.starts_with('#') && text[1..].parse::<i64>().is_ok() {
            return None;
        }
        let terms = super::search::terms(text);
        if terms.is_empty() {
            return None;
        }
        let query = self.bind(Bind::Text(backend.search_query(&terms, filter.search_notes)));
        Some(backend.search_matches(&query, filter.search_notes))
    }

    fn of(filter: &TicketFilter, backend: Backend) -> Where {
        let mut clause = Where::default();
        if let Some(id) = filter.organisation_id {
            clause.add("t.organisation_id = ?", [Bind::Int(id)]);
        }
        if !filter.statuses.is_empty() {
            let names: Vec<String> = filter
                .statuses
                .iter()
                .map(|status| clause.bind(Bind::Text(status.as_str().to_string())))
                .collect();
            clause.conditions.push(format!("t.status IN ({})", names.join(", ")));
        }
        if let Some(before) = filter.held_before {
            // Held by the tier asked for then, wherever it is now.
            let tier = filter.tier_id.map(Bind::Int);
            let of_tier = if tier.is_some() { " AND h.tier_id = ?" } else { "" };
            let before = to_millis(before);
            clause.add(
                &format!(
                    "t.id IN (SELECT h.ticket_id FROM ticket_holds h \
                     WHERE h.from_at < ? AND (h.until_at IS NULL OR h.until_at >= ?){of_tier})"
                ),
                [Bind::Int(before), Bind::Int(before)].into_iter().chain(tier),
            );
        } else if let Some(id) = filter.tier_id {
            clause.add("t.tier_id = ?", [Bind::Int(id)]);
        }
        if let Some(id) = filter.group_id {
            clause.add("t.group_id = ?", [Bind::Int(id)]);
        }
        if let Some(id) = filter.assignee_id {
            clause.add("t.assignee_id = ?", [Bind::Int(id)]);
        }
        if filter.unassigned {
            clause.add("t.assignee_id IS NULL", []);
        }
        if let Some(priority) = filter.priority {
            clause.add("t.priority = ?", [Bind::Text(priority.as_str().into())]);
        }
        if let Some(id) = filter.category_id {
            clause.add("t.category_id = ?", [Bind::Int(id)]);
        }
        if let Some(tag) = &filter.tag {
            clause.add(
                "(' ' || t.tags || ' ') LIKE ? ESCAPE '\\'",
                [Bind::Text(format!("% {} %", dialect::escape_like(tag)))],
            );
        }
        if let Some(text) = filter.text.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            let number = ticket_number(text);
            let mut either = Vec::new();
            if let Some(number) = number {
                either.push(format!("t.id = {}", clause.bind(Bind::Int(number))));
            }
            if let Some(matches) = clause.search(backend, filter) {
                either.push(format!("t.id IN (SELECT found.ticket_id FROM ({matches}) found)"));
            }
            // Text of no words (punctuation only) matches nothing.
            clause.conditions.push(if either.is_empty() {
                "1 = 0".into()
            } else {
                format!("({})", either.join(" OR "))
            });
        }
        if let Some(level) = filter.level {
            clause.add("t.escalation_level = ?", [Bind::Int(level)]);
        }
        if let Some(plan) = &filter.plan {
            clause.add(
                "t.organisation_id IN (SELECT o.id FROM organisations o WHERE o.plan = ?)",
                [Bind::Text(plan.clone())],
            );
        }
        if filter.escalated {
            clause.add("(t.escalation_level > 1 OR t.escalated_by_hand = 1)", []);
        }
        if filter.unacknowledged {
            clause.add(
                "t.escalation_level > 1 AND (t.acknowledged_level IS NULL OR t.acknowledged_level <> t.escalation_level)",
                [],
            );
        }
        let as_of = to_millis(filter.as_of.unwrap_or_else(Utc::now));
        if filter.stalled {
            // The engine clears the instant when the ticket stops being worked; the status is asked
            // too for the moment between a change and the engine's next step. The stalled ones
            // are a list of ids, so the few are found through their index, not among every open
            // ticket.
            clause.add(
                "t.status IN ('new', 'open') AND t.id IN (SELECT s.id FROM tickets s WHERE s.stalled_from <= ?)",
                [Bind::Int(as_of)],
            );
        }
        if let Some(risk) = filter.risk {
            // Bits this code computed, written into the statement. The few tickets with any
            // alert are asked as ids from their index (else SQLite reads every open ticket).
            clause.add(
                &format!(
                    "{ALERTED_TICKET} AND t.id IN (SELECT a.id FROM tickets a
                     WHERE a.clock_alerts <> 0 AND (a.clock_alerts & {}) <> 0)",
                    risk.mask(filter.clock)
                ),
                [],
            );
        }
        if let Some((happening, span)) = filter.happened {
            let span = [Bind::Int(to_millis(span.from)), Bind::Int(to_millis(span.until))];
            if let Some(column) = instant_of(happening) {
                clause.add(&format!("{column} >= ? AND {column} < ?"), span)
            } else if let Some(events) = events_of(happening) {
                clause.add(
                    &format!("t.id IN (SELECT e.ticket_id FROM ticket_events e WHERE {events} AND e.at >= ? AND e.at < ?)"),
                    span,
                )
            } else {
                // Breached: a breach threshold fired in the span.
                let clock = filter.clock.map(|kind| Bind::Text(kind.as_str().into()));
                let of_kind = if clock.is_some() { " AND f.clock = ?" } else { "" };
                clause.add(
                    &format!(
                        "t.id IN (SELECT f.ticket_id FROM fired_thresholds f \
                             WHERE f.threshold = 'breach' AND f.due_at >= ? AND f.due_at < ?{of_kind})"
                    ),
                    span.into_iter().chain(clock),
                )
            }
        }
        clause
    }

    /// The conditions of `filter` on the open tickets' tally (`open_ticket_tally c`, see its
    /// migration), when the tally can answer it: tickets of open statuses only, narrowed by
    /// nothing the tally does not count them by. Each condition is the one [`Where::of`] writes
    /// on the ticket, on its key.
    fn of_tally(filter: &TicketFilter) -> Option<Where> {
        // Every field named, so that a new one is decided on here too.
        let TicketFilter {
            organisation_id,
            statuses,
            tier_id,
            group_id,
            assignee_id,
            unassigned,
            priority,
            category_id,
            tag,
            text,
            search_notes: _,
            level,
            plan,
            risk,
            clock,
            unacknowledged,
            stalled,
            escalated,
            happened,
            held_before,
            as_of: _,
            sort: _,
            page: _,
            per_page: _,
        } = filter;
        let answerable = organisation_id.is_none()
            && !statuses.is_empty()
            && statuses.iter().all(|status| !status.is_done())
            && tag.is_none()
            && text.is_none()
            && !stalled
            && happened.is_none()
            && held_before.is_none();
        if !answerable {
            return None;
        }
        let mut clause = Where::default();
        let names: Vec<String> =
            statuses.iter().map(|status| clause.bind(Bind::Text(status.as_str().to_string()))).collect();
        clause.conditions.push(format!("c.status IN ({})", names.join(", ")));
        for (column, id) in [("c.tier_id", tier_id), ("c.group_id", group_id), ("c.assignee_id", assignee_id)]
        {
            if let Some(id) = id {
                clause.add(&format!("{column} = ?"), [Bind::Int(*id)]);
            }
        }
        if *unassigned {
            clause.add("c.assignee_id = 0", []);
        }
        if let Some(priority) = priority {
            clause.add("c.priority = ?", [Bind::Text(priority.as_str().into())]);
        }
        if let Some(id) = category_id {
            clause.add("c.category_id = ?", [Bind::Int(*id)]);
        }
        if let Some(level) = level {
            clause.add("c.escalation_level = ?", [Bind::Int(*level)]);
        }
        if let Some(plan) = plan {
            clause.add("c.plan = ?", [Bind::Text(plan.clone())]);
        }
        if *escalated {
            clause.add("(c.escalation_level > 1 OR c.escalated_by_hand = 1)", []);
        }
        if *unacknowledged {
            clause.add("c.escalation_level > 1 AND c.acknowledged = 0", []);
        }
        if let Some(risk) = risk {
            clause.add(&format!("(c.clock_alerts & {}) <> 0", risk.mask(*clock)), []);
        }
        Some(clause)
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    async fn fetch_all(&self, store: &Store, sql: &str) -> StoreResult<Vec<AnyRow>> {
        let mut query = sqlx::query(sql);
        for bind in &self.binds {
            query = match bind {
                Bind::Int(value) => query.bind(*value),
                Bind::Text(value) => query.bind(value.clone()),
            };
        }
        Ok(query.fetch_all(store.pool()).await?)
    }
}

/// Where the tickets a filter matches are counted: the open tickets' tally when it can answer
/// ([`Where::of_tally`]), else the tickets themselves.
struct Counted {
    clause: Where,
    /// The table, with its alias.
    table: &'static str,
    /// What counts the matching rows.
    count: &'static str,
    from_tally: bool,
}

impl Counted {
    fn of(filter: &TicketFilter, backend: Backend) -> Counted {
        match Where::of_tally(filter) {
            Some(clause) => {
                Counted { clause, table: "open_ticket_tally c", count: "SUM(c.tickets)", from_tally: true }
            }
            None => Counted {
                clause: Where::of(filter, backend),
                table: "tickets t",
                count: "COUNT(*)",
                from_tally: false,
            },
        }
    }
}

/// An `escalated` event that moved a ticket from a tier. Routing writes a ticket's first placement
/// as an escalation from no tier (`domain::escalation`), which is no escalation; its stored JSON
/// begins with the tag and then the `from` holder, so it is told apart by that prefix. The
/// partial indexes of escalations (migration `dashboard_indexes`) repeat these conditions word
/// for word: change them together.
const FROM_A_TIER: &str = " AND e.data NOT LIKE '{\"kind\":\"escalated\",\"from\":{\"tier_id\":null%'";

/// The engine clears a ticket's clock alerts once it is done, at its next step after the change,
/// so a ticket `t` listed or counted by its alerts is asked its status too.
const ALERTED_TICKET: &str = "t.status NOT IN ('resolved', 'closed')";

/// The condition on an event `e` that records `happening`, where events do.
fn events_of(happening: Happening) -> Option<String> {
    match happening {
        Happening::Escalated => Some(format!("e.kind = 'escalated'{FROM_A_TIER}")),
        Happening::EscalatedByHand => Some("e.kind = 'escalated' AND e.actor_id IS NOT NULL".into()),
        Happening::EscalatedAutomatically => {
            Some(format!("e.kind = 'escalated' AND e.actor_id IS NULL{FROM_A_TIER}"))
        }
        Happening::MissedCheckpoint => Some("e.kind = 'checkpoint_missed'".into()),
        Happening::Opened | Happening::Answered | Happening::Resolved | Happening::Breached => None,
    }
}

/// The ticket's column that records when `happening` happened, where one does.
fn instant_of(happening: Happening) -> Option<&'static str> {
    match happening {
        Happening::Opened => Some("t.created_at"),
        Happening::Answered => Some("t.first_replied_at"),
        Happening::Resolved => Some("t.resolved_at"),
        _ => None,
    }
}

/// A column a count can be split by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountBy {
    Tier,
    Level,
    Assignee,
}

impl CountBy {
    fn column(self) -> &'static str {
        match self {
            CountBy::Tier => "t.tier_id",
            CountBy::Level => "t.escalation_level",
            CountBy::Assignee => "t.assignee_id",
        }
    }

    /// The same in the open tickets' tally, where an absent id is 0.
    fn tally_column(self) -> &'static str {
        match self {
            CountBy::Tier => "NULLIF(c.tier_id, 0)",
            CountBy::Level => "c.escalation_level",
            CountBy::Assignee => "NULLIF(c.assignee_id, 0)",
        }
    }
}

/// The SQL ordering of a sort choice.
fn order_by(sort: TicketSort) -> &'static str {
    match sort {
        // NULLs (no running clock) last, written so both dialects agree.
        TicketSort::BreachesFirst => {
            "CASE WHEN t.next_breach_at IS NULL THEN 1 ELSE 0 END, t.next_breach_at ASC, t.updated_at DESC, t.id DESC"
        }
        TicketSort::RecentlyUpdated => "t.updated_at DESC, t.id DESC",
        TicketSort::Oldest => "t.created_at ASC, t.id ASC",
        TicketSort::Newest => "t.created_at DESC, t.id DESC",
        // With a search the rank comes first (`list_tickets`); without one, as the default.
        TicketSort::Relevance => order_by(TicketSort::BreachesFirst),
        TicketSort::Priority => {
            "CASE t.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 ELSE 1 END DESC, \
             t.created_at ASC, t.id ASC"
        }
    }
}

impl Store {
    /// One page of the tickets `filter` matches, and how many match in all.
    pub async fn list_tickets(&self, filter: &TicketFilter) -> StoreResult<TicketListPage> {
        // Words alone (no ticket number) sorted by relevance: the search joined to the tickets is
        // then their condition too, so the engine runs once for the page, not twice.
        let words_only = filter.sort == TicketSort::Relevance
            && filter.text.as_deref().is_some_and(|text| {
                let text = text.trim();
                ticket_number(text).is_none() && !super::search::terms(text).is_empty()
            });
        let mut clause = if words_only {
            Where::of(&TicketFilter { text: None, ..filter.clone() }, self.backend())
        } else {
            Where::of(filter, self.backend())
        };
        let total = self.count_matching(filter).await?;
        let per_page = filter.per_page.clamp(1, 200);
        let offset = (filter.page.max(1) - 1) * per_page;
        // Sorted by relevance, the search's rank comes first: a ticket found by its number
        // (without a rank) first of all.
        let (ranked, rank) = match clause.search(self.backend(), filter) {
            Some(matches) if filter.sort == TicketSort::Relevance => {
                let join = if words_only { "JOIN" } else { "LEFT JOIN" };
                (format!("{join} ({matches}) found ON found.ticket_id = t.id"), ", found.rank AS rank")
            }
            _ => (String::new(), ""),
        };
        let order = |rank: &str| match ranked.is_empty() {
            true => order_by(filter.sort).to_string(),
            false => format!("CASE WHEN {rank} IS NULL THEN 0 ELSE 1 END, {rank}, {}", order_by(filter.sort)),
        };
        // The page's tickets are chosen from the tickets alone (and the search), then joined to
        // the names they show: with the names joined first, PostgreSQL's planner joined every
        // ticket before filtering.
        let clause = &clause;
        let page_rows = |page: String, page_order: String| {
            let sql = format!(
                "SELECT {columns}, r.display_name AS requester_name, o.name AS organisation_name,
                     c.name AS category_name, tr.name AS tier_name, g.name AS group_name,
                     a.display_name AS assignee_name, t.next_breach_at, t.stalled_from, t.clock_alerts
                 FROM ({page}) page
                 JOIN tickets t ON t.id = page.page_id
                 JOIN users r ON r.id = t.requester_id
                 JOIN organisations o ON o.id = t.organisation_id
                 LEFT JOIN categories c ON c.id = t.category_id
                 LEFT JOIN tiers tr ON tr.id = t.tier_id
                 LEFT JOIN agent_groups g ON g.id = t.group_id
                 LEFT JOIN users a ON a.id = t.assignee_id
                 ORDER BY {page_order}",
                columns = super::tickets::TICKET_COLUMNS,
            );
            async move { clause.fetch_all(self, &sql).await }
        };
        let in_breach_order = ranked.is_empty()
            && filter.text.is_none()
            && matches!(filter.sort, TicketSort::BreachesFirst | TicketSort::Relevance);
        let mut rows = Vec::new();
        if in_breach_order && self.many_open_match(filter, total).await? {
            // Every ticket with a running clock comes before those without, so a page of them in
            // the order of their next breach is the page. Read by walking that index, which stops
            // at the page's end instead of sorting every match (SQLite would not choose it).
            let ordered = "t.next_breach_at ASC, t.updated_at DESC, t.id DESC";
            let and = if clause.conditions.is_empty() { "WHERE" } else { "AND" };
            let page = format!(
                "SELECT t.id AS page_id FROM tickets t{walk} {where_clause} {and} t.next_breach_at IS NOT NULL
                 ORDER BY {ordered} LIMIT {per_page} OFFSET {offset}",
                walk = self.backend().walking_index("tickets_by_next_breach"),
                where_clause = clause.sql(),
            );
            rows = page_rows(page, ordered.to_string()).await?;
        }
        if rows.len() < per_page as usize {
            let page = format!(
                "SELECT t.id AS page_id{rank} FROM tickets t {ranked} {where_clause}
                 ORDER BY {inner_order} LIMIT {per_page} OFFSET {offset}",
                where_clause = clause.sql(),
                inner_order = order("found.rank"),
            );
            rows = page_rows(page, order("page.rank")).await?;
        }
        let items = rows
            .iter()
            .map(|row| {
                Ok(TicketListItem {
                    ticket: ticket_from_row(row)?,
                    requester_name: row.try_get("requester_name")?,
                    organisation_name: row.try_get("organisation_name")?,
                    category_name: row.try_get("category_name")?,
                    tier_name: row.try_get("tier_name")?,
                    group_name: row.try_get("group_name")?,
                    assignee_name: row.try_get("assignee_name")?,
                    next_breach_at: get_optional_instant(row, "next_breach_at")?,
                    stalled_from: get_optional_instant(row, "stalled_from")?,
                    clock_alerts: ClockAlerts::from_bits(row.try_get("clock_alerts")?),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(TicketListPage { items, total })
    }

    /// Whether `matching` tickets that `filter` matches are many of the open ones (one in a
    /// hundred or more), so that walking the tickets in the order of their next breach finds a
    /// page of them soon. Answered from the open tickets' tally; a filter it cannot answer (a
    /// period, a risk, a stall) may match few, so it is not walked.
    async fn many_open_match(&self, filter: &TicketFilter, matching: i64) -> StoreResult<bool> {
        if Where::of_tally(filter).is_none() {
            return Ok(false);
        }
        let open = TicketFilter { statuses: open_statuses(), ..TicketFilter::default() };
        Ok(matching * 100 >= self.count_matching(&open).await?)
    }

    /// The ids of every ticket `filter` matches (its page and sort aside), oldest first: for
    /// reports over a period, which the period bounds.
    pub async fn ticket_ids_matching(&self, filter: &TicketFilter) -> StoreResult<Vec<i64>> {
        let clause = Where::of(filter, self.backend());
        let rows = clause
            .fetch_all(self, &format!("SELECT t.id FROM tickets t {} ORDER BY t.id", clause.sql()))
            .await?;
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }

    /// The events of `kinds` (their words) of every ticket in `span`, in the order they happened.
    pub async fn events_of_kinds(&self, kinds: &[&str], span: Span) -> StoreResult<Vec<TicketEvent>> {
        let mut clause = Where::default();
        let words: Vec<String> = kinds.iter().map(|kind| clause.bind(Bind::Text(kind.to_string()))).collect();
        clause.add(
            "e.at >= ? AND e.at < ?",
            [Bind::Int(to_millis(span.from)), Bind::Int(to_millis(span.until))],
        );
        let rows = clause
            .fetch_all(
                self,
                &format!(
                    "SELECT e.id, e.ticket_id, e.sequence, e.actor_id, e.data, e.at FROM ticket_events e
                     WHERE e.kind IN ({}) AND {} ORDER BY e.at, e.id",
                    words.join(", "),
                    clause.conditions.join(" AND ")
                ),
            )
            .await?;
        rows.iter().map(super::tickets::event_from_row).collect()
    }

    /// How many tickets `filter` matches (its page and sort aside).
    pub async fn count_matching(&self, filter: &TicketFilter) -> StoreResult<i64> {
        let counted = Counted::of(filter, self.backend());
        let sql = format!(
            "SELECT CAST(COALESCE({count}, 0) AS BIGINT) AS n FROM {table} {where_clause}",
            count = counted.count,
            table = counted.table,
            where_clause = counted.clause.sql(),
        );
        let rows = counted.clause.fetch_all(self, &sql).await?;
        Ok(rows.first().map(|row| row.try_get("n")).transpose()?.unwrap_or(0))
    }

    /// The open tickets `filter` matches (its risk and clock aside) with clocks at risk or overdue,
    /// grouped by the agent who holds them and how their clocks stand: every risk figure of the
    /// dashboard from one count, of the open tickets' tally when it can answer (its key holds the
    /// clock alerts the engine stores), else of the few tickets with an alert.
    pub async fn risk_counts(&self, filter: &TicketFilter) -> StoreResult<RiskCounts> {
        let filter = TicketFilter { risk: None, clock: None, ..filter.clone() };
        let mut counted = Counted::of(&filter, self.backend());
        let (assignee, alerts) = if counted.from_tally {
            (CountBy::Assignee.tally_column(), "c.clock_alerts")
        } else {
            counted.clause.conditions.push(ALERTED_TICKET.into());
            (CountBy::Assignee.column(), "t.clock_alerts")
        };
        counted.clause.conditions.push(format!("{alerts} <> 0"));
        let rows = counted
            .clause
            .fetch_all(
                self,
                &format!(
                    "SELECT {assignee} AS k, {alerts} AS alerts, CAST({count} AS BIGINT) AS n
                     FROM {table} {where_clause}
                     GROUP BY {assignee}, {alerts} HAVING {count} > 0",
                    count = counted.count,
                    table = counted.table,
                    where_clause = counted.clause.sql(),
                ),
            )
            .await?;
        let groups = rows
            .iter()
            .map(|row| {
                Ok(RiskGroup {
                    assignee_id: row.try_get("k")?,
                    alerts: ClockAlerts::from_bits(row.try_get("alerts")?),
                    tickets: row.try_get("n")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(RiskCounts { groups })
    }

    /// Sums up the open tickets' tally, which grows by a row or two with each change of a ticket
    /// (see its migration); the counts stay what they were. The server does it every minute.
    pub async fn compact_open_ticket_tally(&self) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        let summing = sqlx::query(self.backend().compact_open_ticket_tally());
        match self.backend() {
            Backend::Postgres => {
                summing.execute(&mut *write.tx).await?;
            }
            Backend::Sqlite => {
                let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM open_ticket_tally")
                    .fetch_one(&mut *write.tx)
                    .await?;
                summing.bind(last).execute(&mut *write.tx).await?;
                sqlx::query("DELETE FROM open_ticket_tally WHERE rowid <= $1")
                    .bind(last)
                    .execute(&mut *write.tx)
                    .await?;
            }
        }
        write.commit().await
    }

    /// How many tickets `filter` matches for each value of `by` (`None`: the column is empty),
    /// in one query: the count for a value is what `filter` narrowed to that value matches.
    pub async fn count_matching_by(
        &self,
        filter: &TicketFilter,
        by: CountBy,
    ) -> StoreResult<BTreeMap<Option<i64>, i64>> {
        let counted = Counted::of(filter, self.backend());
        let column = if counted.from_tally { by.tally_column() } else { by.column() };
        let sql = format!(
            "SELECT {column} AS k, CAST({count} AS BIGINT) AS n FROM {table} {where_clause}
             GROUP BY {column} HAVING {count} > 0",
            count = counted.count,
            table = counted.table,
            where_clause = counted.clause.sql(),
        );
        let rows = counted.clause.fetch_all(self, &sql).await?;
        rows.iter().map(|row| Ok((row.try_get("k")?, row.try_get("n")?))).collect()
    }

    /// How many tickets `filter` matches that `happening` happened to in each of `spans` (they
    /// may overlap), in one query: the count for a span is what `filter` with that happening and
    /// span matches. Breaches are counted per kind of clock by [`Store::breaches_per_span`].
    pub async fn count_matching_per_span(
        &self,
        filter: &TicketFilter,
        happening: Happening,
        spans: &[Span],
    ) -> StoreResult<Vec<i64>> {
        if spans.is_empty() {
            return Ok(Vec::new());
        }
        let filter = TicketFilter { happened: None, ..filter.clone() };
        let clause = Where::of(&filter, self.backend());
        let values = span_values(spans);
        let where_clause = clause.sql();
        let sql = if let Some(column) = instant_of(happening) {
            format!(
                "SELECT CAST(d.column1 AS BIGINT) AS k, COUNT(*) AS n FROM ({values}) AS d
                 JOIN tickets t ON {column} >= d.column2 AND {column} < d.column3
                 {where_clause} GROUP BY d.column1"
            )
        } else if let Some(events) = events_of(happening) {
            // A ticket counts once in a span however many such events it had then. The tickets
            // are joined only when the filter asks about them: the events' index answers alone.
            let tickets =
                if clause.conditions.is_empty() { "" } else { "JOIN tickets t ON t.id = e.ticket_id" };
            format!(
                "SELECT CAST(d.column1 AS BIGINT) AS k, COUNT(DISTINCT e.ticket_id) AS n FROM ({values}) AS d
                 JOIN ticket_events e ON {events} AND e.at >= d.column2 AND e.at < d.column3
                 {tickets} {where_clause} GROUP BY d.column1"
            )
        } else {
            return Err(StoreError::Corrupt(format!("{} is not counted per span", happening.as_str())));
        };
        per_span(spans, &clause.fetch_all(self, &sql).await?)
    }

    /// How many tickets `filter` matches had a target of each kind of clock breached in each of
    /// `spans`, in one query: what `filter` with `event=breached`, the clock and the span matches.
    pub async fn breaches_per_span(
        &self,
        filter: &TicketFilter,
        spans: &[Span],
    ) -> StoreResult<BTreeMap<ClockKind, Vec<i64>>> {
        if spans.is_empty() {
            return Ok(BTreeMap::new());
        }
        let filter = TicketFilter { happened: None, clock: None, ..filter.clone() };
        let clause = Where::of(&filter, self.backend());
        // The tickets are joined only when the filter asks about them.
        let tickets = if clause.conditions.is_empty() { "" } else { "JOIN tickets t ON t.id = f.ticket_id" };
        let rows = clause
            .fetch_all(
                self,
                &format!(
                    "SELECT CAST(d.column1 AS BIGINT) AS k, f.clock, COUNT(DISTINCT f.ticket_id) AS n FROM ({values}) AS d
                     JOIN fired_thresholds f ON f.threshold = 'breach' AND f.due_at >= d.column2 AND f.due_at < d.column3
                     {tickets} {where_clause} GROUP BY d.column1, f.clock",
                    values = span_values(spans),
                    where_clause = clause.sql(),
                ),
            )
            .await?;
        let mut counts: BTreeMap<ClockKind, Vec<i64>> = BTreeMap::new();
        for row in &rows {
            let Some(kind) = ClockKind::parse(&row.try_get::<String, _>("clock")?) else { continue };
            let index = usize::try_from(row.try_get::<i64, _>("k")?).unwrap_or(usize::MAX);
            let days = counts.entry(kind).or_insert_with(|| vec![0; spans.len()]);
            if let Some(count) = days.get_mut(index) {
                *count = row.try_get("n")?;
            }
        }
        Ok(counts)
    }

    /// How many tickets `filter` matches were worked just before each of `instants` (ascending),
    /// per tier that held them then: for each instant, what `filter` with `held_before` set to it
    /// and the tier matches (its statuses aside: a ticket resolved since was worked then).
    ///
    /// Counted from the holds open now and those that started or ended since each instant, so it
    /// reads the holds of the period and the open ones, not every hold of the past: held before
    /// X = open now − started at or after X + ended at or after X.
    pub async fn held_per_tier_before(
        &self,
        filter: &TicketFilter,
        instants: &[DateTime<Utc>],
    ) -> StoreResult<BTreeMap<Option<i64>, Vec<i64>>> {
        if instants.is_empty() {
            return Ok(BTreeMap::new());
        }
        let tier = filter.tier_id;
        let filter =
            TicketFilter { statuses: Vec::new(), tier_id: None, held_before: None, ..filter.clone() };
        let clause = Where::of(&filter, self.backend());
        let mut conditions = clause.conditions.clone();
        if let Some(tier) = tier {
            // A number the caller parsed, written into the statement.
            conditions.push(format!("h.tier_id = {tier}"));
        }
        let and_filter = conditions.iter().map(|condition| format!(" AND {condition}")).collect::<String>();
        // The tickets are joined only when a filter asks about them.
        let tickets = if conditions.is_empty() { "" } else { " JOIN tickets t ON t.id = h.ticket_id" };
        // The holds open now are the open tickets' (a hold ends when its ticket is resolved or
        // closed), so the tally counts them when it can answer the filter.
        let open = TicketFilter { statuses: open_statuses(), tier_id: tier, ..filter.clone() };
        let open_now = if Where::of_tally(&open).is_some() {
            self.count_matching_by(&open, CountBy::Tier).await?
        } else {
            let rows = clause
                .fetch_all(
                    self,
                    &format!(
                        "SELECT h.tier_id AS k, COUNT(*) AS n FROM ticket_holds h{tickets}
                         WHERE h.until_at IS NULL{and_filter} GROUP BY h.tier_id"
                    ),
                )
                .await?;
            rows.iter().map(|row| Ok((row.try_get("k")?, row.try_get("n")?))).collect::<StoreResult<_>>()?
        };
        let mut counts: BTreeMap<Option<i64>, Vec<i64>> =
            open_now.into_iter().map(|(tier, count)| (tier, vec![count; instants.len()])).collect();
        // Each hold that started after an instant was not held before it nor before any earlier
        // one; each that ended after it was. One indexed range from the first instant, each row
        // put in the bucket of the last instant at or before it (the instants are numbers this
        // code computed, written into the statement).
        for (column, sign) in [("h.from_at", -1), ("h.until_at", 1)] {
            let bucket: String = instants
                .iter()
                .enumerate()
                .rev()
                .map(|(index, at)| format!(" WHEN {column} >= {} THEN {index}", to_millis(*at)))
                .collect();
            let rows = clause
                .fetch_all(
                    self,
                    &format!(
                        "SELECT b, k, COUNT(*) AS n FROM (
                             SELECT CAST(CASE{bucket} END AS BIGINT) AS b, h.tier_id AS k FROM ticket_holds h{tickets}
                             WHERE {column} >= {first}{and_filter}) AS moved
                         GROUP BY b, k",
                        first = to_millis(instants[0]),
                    ),
                )
                .await?;
            for row in &rows {
                let bucket = usize::try_from(row.try_get::<i64, _>("b")?).unwrap_or(0);
                let count: i64 = row.try_get("n")?;
                let held = counts.entry(row.try_get("k")?).or_insert_with(|| vec![0; instants.len()]);
                for value in held.iter_mut().take(bucket + 1) {
                    *value += sign * count;
                }
            }
        }
        Ok(counts)
    }

    /// Count, median, 90th percentile and total of the times from opening to `happening`
    /// (answered or resolved) of the tickets `filter` matches. The database counts, sums and
    /// picks the two percentiles by their rank ([`nearest_rank`]), so no time is read but those
    /// two: at a million tickets a week's times are tens of thousands.
    pub async fn times_to(
        &self,
        filter: &TicketFilter,
        happening: Happening,
    ) -> StoreResult<DurationSummary> {
        let Some(column) = instant_of(happening).filter(|_| happening != Happening::Opened) else {
            return Err(StoreError::Corrupt(format!("no time to {}", happening.as_str())));
        };
        let clause = Where::of(filter, self.backend());
        let where_clause = if clause.conditions.is_empty() {
            format!("WHERE {column} IS NOT NULL")
        } else {
            format!("{} AND {column} IS NOT NULL", clause.sql())
        };
        let time = format!("{column} - t.created_at");
        let rows = clause
            .fetch_all(
                self,
                &format!(
                    "SELECT COUNT(*) AS n, CAST(COALESCE(SUM({time}), 0) AS BIGINT) AS total
                     FROM tickets t {where_clause}"
                ),
            )
            .await?;
        let (count, total): (i64, i64) = match rows.first() {
            Some(row) => (row.try_get("n")?, row.try_get("total")?),
            None => (0, 0),
        };
        let count = usize::try_from(count).unwrap_or(0);
        let mut at = [None, None];
        for (value, percent) in at.iter_mut().zip([50, 90]) {
            let Some(rank) = nearest_rank(count, percent) else { continue };
            // Read from the nearer end, so the database keeps fewer times in order to reach it
            // (the 90th percentile is the 10th from the top). A rank this code computed, written
            // into the statement.
            let (order, offset) =
                if rank - 1 <= count - rank { ("ASC", rank - 1) } else { ("DESC", count - rank) };
            let rows = clause
                .fetch_all(
                    self,
                    &format!(
                        "SELECT {time} AS ms FROM tickets t {where_clause} ORDER BY 1 {order} LIMIT 1 OFFSET {offset}"
                    ),
                )
                .await?;
            if let Some(row) = rows.first() {
                *value = Some(Duration::milliseconds(row.try_get("ms")?));
            }
        }
        let [median, p90] = at;
        Ok(DurationSummary { count, median, p90, total: Duration::milliseconds(total) })
    }
}

/// The ticket a search names by its number (`123` or `#123`), if it does.
fn ticket_number(text: &str) -> Option<i64> {
    text.trim_start_matches('#').parse().ok()
}

/// The statuses of open tickets (neither resolved nor closed).
fn open_statuses() -> Vec<TicketStatus> {
    TicketStatus::ALL.iter().copied().filter(|status| !status.is_done()).collect()
}

/// `VALUES (0, from, until), (1, …)` of the spans, their instants in milliseconds: numbers this
/// code computed, so written into the statement rather than bound.
fn span_values(spans: &[Span]) -> String {
    let rows: Vec<String> = spans
        .iter()
        .enumerate()
        .map(|(index, span)| format!("({index}, {}, {})", to_millis(span.from), to_millis(span.until)))
        .collect();
    format!("VALUES {}", rows.join(", "))
}

/// The counts of rows `(k, n)` in the order of `spans`, zero where no row came.
fn per_span(spans: &[Span], rows: &[AnyRow]) -> StoreResult<Vec<i64>> {
    let mut counts = vec![0; spans.len()];
    for row in rows {
        let index = usize::try_from(row.try_get::<i64, _>("k")?).unwrap_or(usize::MAX);
        if let Some(count) = counts.get_mut(index) {
            *count = row.try_get("n")?;
        }
    }
    Ok(counts)
}
