//! The escalation engine's worker: finds the tickets that are due, lets the pure decision
//! (`app::domain::escalation::decide`) say what should happen, and persists a batch of
//! decisions in one transaction (`Store::apply_decisions`). One step is [`Engine::tick`], testable with
//! any `now`; [`Engine::run`] repeats it, sleeping until the earliest due instant or until a
//! change to a ticket wakes it.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::domain::directory::Directory;
use app::domain::escalation::{decide, EngineContext};
use app::domain::routing::AgentInfo;
use app::domain::ticket::Assignment;
use app::domain::EventData;
use app::ssr::store::escalation::Decided;
use app::ssr::store::policies::Rules;
use app::ssr::store::tickets::WriteError;
use app::ssr::Store;
use chrono::{DateTime, Utc};
use tokio::sync::Notify;

/// How many due tickets one query fetches.
const BATCH: i64 = 500;
/// How many tickets' decisions one transaction commits: one commit and a handful of statements
/// per batch instead of per ticket, while keeping each transaction short.
const COMMIT_BATCH: usize = 250;
/// The longest the worker sleeps without looking: other instances' changes do not wake it.
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Clone)]
pub struct Engine {
    store: Store,
}

/// What one tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    pub evaluated: usize,
    pub fired: usize,
    /// Decisions another instance or a newer change overtook; those tickets are due again.
    pub skipped: usize,
    /// No policy has been saved yet: nothing can be decided until one is.
    pub without_policy: bool,
}

/// What every decision of a tick reads besides the ticket: loaded once per tick.
pub struct TickInputs {
    rules: Rules,
    directory: Directory,
    /// Staff as routing sees them; their load grows as the tick assigns tickets.
    agents: BTreeMap<i64, AgentInfo>,
    plans: BTreeMap<i64, String>,
}

impl Engine {
    pub fn new(store: Store) -> Engine {
        Engine { store }
    }

    /// The policy in force and the directory, or `None` while no policy has been saved.
    pub async fn tick_inputs(&self) -> Result<Option<TickInputs>, WriteError> {
        let Some(rules) = self.store.rules().await? else {
            return Ok(None);
        };
        let plans = self
            .store
            .organisations()
            .await?
            .into_iter()
            .map(|organisation| (organisation.id, organisation.plan))
            .collect();
        Ok(Some(TickInputs {
            rules,
            directory: self.store.directory().await?,
            agents: self.store.routing_agents().await?,
            plans,
        }))
    }

    /// Reads the tickets `ids`, their logs and fired thresholds, and decides about each at `now`.
    /// Nothing is written.
    pub async fn decide(
        &self,
        inputs: &mut TickInputs,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<Decided>, WriteError> {
        let mut fired = self.store.fired_thresholds_of(ids).await?;
        let due = self.store.scheduled_due(ids).await?;
        let mut decided = Vec::with_capacity(ids.len());
        for (ticket, events) in self.store.tickets_with_logs(ids).await? {
            let fired = fired.remove(&ticket.id).unwrap_or_default();
            let context = EngineContext {
                policy: &inputs.rules.policy,
                calendars: &inputs.rules.calendars,
                directory: &inputs.directory,
                agents: &inputs.agents,
                plan: inputs.plans.get(&ticket.organisation_id).map(String::as_str).unwrap_or(""),
            };
            let decision = decide(&context, &ticket, &events, &fired, now);
            // Later tickets of this tick see the load the earlier ones added.
            for data in decision.batches.iter().flat_map(|(_, events)| events) {
                if let EventData::Escalated { to: Assignment { assignee_id: Some(agent), .. }, .. } = data {
                    if let Some(info) = inputs.agents.get_mut(agent) {
                        info.open_tickets += 1;
                    }
                }
            }
            decided.push(Decided {
                ticket_id: ticket.id,
                seen_sequence: events.last().map(|event| event.sequence).unwrap_or(0),
                seen_due_at: due.get(&ticket.id).copied(),
                decision,
            });
        }
        Ok(decided)
    }

    /// Handles every ticket due at `now`.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, WriteError> {
        let Some(mut inputs) = self.tick_inputs().await? else {
            return Ok(TickReport { without_policy: true, ..TickReport::default() });
        };
        self.tick_with(&mut inputs, now).await
    }

    /// Handles every ticket due at `now` with inputs read earlier: for a caller that steps through
    /// time while nothing but tickets changes (the demo's history), so each step does not read the
    /// policy and the organisation again.
    pub async fn tick_with(
        &self,
        inputs: &mut TickInputs,
        now: DateTime<Utc>,
    ) -> Result<TickReport, WriteError> {
        let mut report = TickReport::default();
        loop {
            let due = self.store.due_tickets(now, BATCH).await?;
            let full_batch = due.len() as i64 == BATCH;
            let decided = self.decide(inputs, &due, now).await?;
            for chunk in decided.chunks(COMMIT_BATCH) {
                let outcomes = self.store.apply_decisions(chunk, now).await?;
                for (item, applied) in chunk.iter().zip(outcomes) {
                    report.evaluated += 1;
                    if applied.applied {
                        for firing in item.decision.firings.iter().filter(|firing| !firing.overtaken) {
                            report.fired += 1;
                            let delay = (now - firing.due_at).num_milliseconds().max(0) as f64 / 1000.0;
                            metrics::histogram!("tierline_engine_firing_delay_seconds").record(delay);
                        }
                    } else {
                        report.skipped += 1;
                    }
                }
            }
            // A ticket skipped because it changed is due again at once; leave it to the next tick
            // rather than spinning here.
            if !full_batch || report.skipped > 0 {
                return Ok(report);
            }
        }
    }

    /// Runs until `shutdown` is notified: a tick, then sleep until the next due instant, a wake-up
    /// from a change, or at most [`MAX_SLEEP`].
    pub async fn run(self, wake: Arc<Notify>, shutdown: Arc<Notify>) {
        loop {
            let now = Utc::now();
            // How soon to look again regardless of the schedule: never in a tight loop.
            let mut floor = std::time::Duration::ZERO;
            let started = std::time::Instant::now();
            let outcome = self.tick(now).await;
            metrics::counter!("tierline_engine_ticks_total").increment(1);
            metrics::histogram!("tierline_engine_tick_seconds").record(started.elapsed().as_secs_f64());
            if let Ok(report) = &outcome {
                metrics::counter!("tierline_engine_tickets_evaluated_total")
                    .increment(report.evaluated as u64);
                metrics::counter!("tierline_engine_thresholds_fired_total").increment(report.fired as u64);
                metrics::counter!("tierline_engine_decisions_skipped_total").increment(report.skipped as u64);
            }
            match outcome {
                // Due tickets wait for a policy; saving one wakes the engine.
                Ok(report) if report.without_policy => floor = MAX_SLEEP,
                Ok(report) => {
                    if report.evaluated > 0 {
                        tracing::info!(
                            evaluated = report.evaluated,
                            fired = report.fired,
                            skipped = report.skipped,
                            "engine tick"
                        );
                    }
                    if report.skipped > 0 {
                        // Someone else holds those tickets; give them a moment.
                        floor = std::time::Duration::from_millis(20);
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "engine tick failed; retrying");
                    floor = std::time::Duration::from_secs(1);
                }
            }
            let sleep = crate::workers::pause(self.store.next_due_instant().await, floor, MAX_SLEEP);
            tokio::select! {
                () = tokio::time::sleep(sleep) => {}
                () = wake.notified() => {}
                () = shutdown.notified() => return,
            }
        }
    }
}
