//! The delivery worker: claims due deliveries, sends each through its channel and records what
//! happened. Digest deliveries of one person that are due together go out as one e-mail.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::domain::delivery::next_attempt;
use app::ssr::store::notifications::ClaimedDelivery;
use app::ssr::store::StoreResult;
use app::ssr::survey_links::SurveyLinks;
use app::ssr::Store;
use chrono::{DateTime, Duration, Utc};
use futures_util::stream::{self, StreamExt};

use super::channels::{Channels, SendError};
use super::render::{self, Email, Notice};

/// How many deliveries one step claims.
const CLAIM: i64 = 64;
/// How many sends run at once.
const PARALLEL: usize = 8;
/// The longest the worker sleeps without looking (another instance may have planned work).
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Clone)]
pub struct Sender {
    store: Store,
    channels: Channels,
    /// Signs the survey links of customers' e-mails as they are sent.
    survey_links: Arc<SurveyLinks>,
    lease: Duration,
    /// The channels whose missing configuration has been logged: once each is enough, the rest
    /// of their failures are visible in `/admin/deliveries`.
    unconfigured_logged: Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>,
}

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// One message to send: a delivery, or the digest of several for one person.
struct Outgoing {
    deliveries: Vec<ClaimedDelivery>,
}

impl Sender {
    pub fn new(store: Store, channels: Channels, survey_links: Arc<SurveyLinks>, lease: Duration) -> Sender {
        Sender { store, channels, survey_links, lease, unconfigured_logged: Arc::default() }
    }

    /// Sends everything due at `now`.
    pub async fn tick(&self, now: DateTime<Utc>) -> StoreResult<SendReport> {
        let mut report = SendReport::default();
        loop {
            let claimed = self.store.claim_deliveries(now, self.lease, CLAIM).await?;
            if claimed.is_empty() {
                return Ok(report);
            }
            let outgoing = gather_digests(claimed);
            // Each outcome is recorded as soon as it is known: a crash then repeats only the
            // sends that were in flight.
            let recorded: Vec<StoreResult<SendReport>> = stream::iter(outgoing)
                .map(|message| async move {
                    let outcome = self.send(&message).await;
                    self.record(&message, outcome, now).await
                })
                .buffer_unordered(PARALLEL)
                .collect()
                .await;
            for step in recorded {
                let step = step?;
                report.sent += step.sent;
                report.retried += step.retried;
                report.failed += step.failed;
            }
        }
    }

    /// Stores what became of one message's deliveries.
    async fn record(
        &self,
        message: &Outgoing,
        outcome: Result<(), SendError>,
        now: DateTime<Utc>,
    ) -> StoreResult<SendReport> {
        let mut report = SendReport::default();
        for delivery in &message.deliveries {
            match &outcome {
                Ok(()) => {
                    self.store.mark_delivery_sent(delivery.id, now).await?;
                    metrics::counter!("tierline_deliveries_sent_total", "channel" => delivery.channel.clone())
                        .increment(1);
                    report.sent += 1;
                }
                Err(error) => {
                    let retry_at = match error {
                        SendError::Transient(_) => next_attempt(delivery.attempts, now),
                        SendError::Permanent(_) | SendError::Unconfigured(_) => None,
                    };
                    if matches!(error, SendError::Unconfigured(_))
                        && !self.first_of_unconfigured(&delivery.channel)
                    {
                        tracing::debug!(delivery = delivery.id, %error, "delivery failed");
                    } else {
                        tracing::warn!(delivery = delivery.id, %error, retry = ?retry_at, "delivery failed");
                    }
                    self.store
                        .mark_delivery_attempt_failed(delivery.id, &error.to_string(), retry_at)
                        .await?;
                    let outcome = if retry_at.is_some() { "retry" } else { "failed" };
                    metrics::counter!(
                        "tierline_delivery_failures_total",
                        "channel" => delivery.channel.clone(),
                        "outcome" => outcome
                    )
                    .increment(1);
                    if retry_at.is_some() {
                        report.retried += 1;
                    } else {
                        report.failed += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    /// Whether this is the first failure of `channel` for want of configuration in this process.
    fn first_of_unconfigured(&self, channel: &str) -> bool {
        let mut logged = self.unconfigured_logged.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        logged.insert(channel.to_string())
    }

    async fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        let first = &message.deliveries[0];
        let notices: Vec<Notice> = message
            .deliveries
            .iter()
            .map(|delivery| {
                let mut notice: Notice = serde_json::from_str(&delivery.notice)
                    .map_err(|error| SendError::Permanent(format!("unreadable notice: {error}")))?;
                notice.idempotency_key = delivery.idempotency_key.clone();
                if let Some(survey) = &mut notice.survey {
                    survey.url = Some(self.survey_links.url(survey.survey_id, &survey.nonce));
                }
                Ok(notice)
            })
            .collect::<Result<_, SendError>>()?;
        match first.channel.as_str() {
            "email" => {
                let (address, name) = self.email_address(first).await?;
                let email =
                    if notices.len() == 1 { render::email(&notices[0]) } else { digest_email(&notices) };
                self.channels.send_email(&address, name.as_deref(), &email, &first.idempotency_key).await
            }
            "slack" => self.channels.send_slack(&notices[0]).await,
            "teams" => self.channels.send_teams(&notices[0]).await,
            channel => match channel.strip_prefix("webhook:") {
                Some(name) => self.channels.send_webhook(name, &notices[0]).await,
                None => Err(SendError::Permanent(format!("{channel:?} is not a channel that sends"))),
            },
        }
    }

    /// The address (and name) an e-mail delivery goes to.
    async fn email_address(&self, delivery: &ClaimedDelivery) -> Result<(String, Option<String>), SendError> {
        if let Some(address) = delivery.destination.strip_prefix("email:") {
            return Ok((address.to_string(), None));
        }
        let user = match delivery.user_id {
            Some(id) => self.store.user(id).await.map_err(|error| SendError::Transient(error.to_string()))?,
            None => None,
        };
        match user {
            Some(user) if user.active => Ok((user.summary.email, Some(user.summary.display_name))),
            Some(_) => Err(SendError::Permanent("the person's account is deactivated".into())),
            None => Err(SendError::Permanent(format!("no person for {}", delivery.destination))),
        }
    }

    /// Runs until `shutdown` is notified: a step, then sleep until the next delivery is due, a
    /// wake-up from the notifier, or at most [`MAX_SLEEP`].
    pub async fn run(self, shutdown: Arc<tokio::sync::Notify>) {
        let wake = self.store.delivery_wake();
        loop {
            let mut floor = std::time::Duration::ZERO;
            if let Err(error) = self.tick(Utc::now()).await {
                tracing::error!(%error, "delivery step failed; retrying");
                floor = std::time::Duration::from_secs(1);
            }
            let sleep = crate::workers::pause(self.store.next_delivery_instant().await, floor, MAX_SLEEP);
            tokio::select! {
                () = tokio::time::sleep(sleep) => {}
                () = wake.notified() => {}
                () = shutdown.notified() => return,
            }
        }
    }
}

/// Puts each person's digest e-mails into one message; everything else goes alone.
fn gather_digests(claimed: Vec<ClaimedDelivery>) -> Vec<Outgoing> {
    let mut alone = Vec::new();
    let mut digests: BTreeMap<i64, Vec<ClaimedDelivery>> = BTreeMap::new();
    for delivery in claimed {
        match delivery.user_id {
            Some(user) if delivery.digest && delivery.channel == "email" => {
                digests.entry(user).or_default().push(delivery)
            }
            _ => alone.push(Outgoing { deliveries: vec![delivery] }),
        }
    }
    alone.extend(digests.into_values().map(|deliveries| Outgoing { deliveries }));
    alone
}

/// One e-mail for several notices: each one's subject, summary and link.
fn digest_email(notices: &[Notice]) -> Email {
    let subject = format!("[Tierline] {} updates on your tickets", notices.len());
    let mut text = String::from("Here is what happened since the last digest:\n\n");
    let mut html = String::from(
        "<div style=\"font-family:sans-serif;font-size:14px\"><p>Here is what happened since the last digest:</p><ul>",
    );
    for notice in notices {
        let email = render::email(notice);
        text.push_str(&format!("- {}\n  {}\n\n", email.subject, notice.ticket_url));
        html.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>",
            render::escape_html(&notice.ticket_url),
            render::escape_html(&email.subject)
        ));
    }
    text.push_str("You get these together because you chose a digest in your notification settings.\n");
    html.push_str(
        "</ul><p style=\"color:#666\">You get these together because you chose a digest in your notification settings.</p></div>",
    );
    Email { subject, text, html }
}
