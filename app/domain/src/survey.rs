//! The satisfaction survey a customer is to be offered after resolution, decided purely: who is
//! asked, how long a link works, when it is reminded, what a link allows at a given instant, and
//! what an answer must hold. The settings are the policy's `[survey]` section.
//!
//! The store offers a survey when the write path resolves a ticket and withdraws it when the
//! ticket is reopened ([`survey_step`]); the link's signed token lives in the server
//! (`app::ssr::survey_links`), since signing needs the server's key.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ticket::EventData;
use crate::validation::FieldErrors;

named_enum! {
    /// Which resolved tickets offer a survey.
    SurveyAudience {
        /// Every resolved ticket: the analysis compares escalated with not-escalated tickets,
        /// which needs both.
        EveryResolved => "every_resolved", "Every resolved ticket",
        /// Only tickets that were escalated.
        EscalatedOnly => "escalated_only", "Only escalated tickets",
        /// Nobody: the help desk sends no surveys.
        Nobody => "nobody", "Nobody",
    }
}

/// The survey settings of a policy (`[survey]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveySettings {
    pub audience: SurveyAudience,
    /// The plans whose customers are asked (lowercase); empty for every plan.
    pub plans: Vec<String>,
    /// How long a link works after it is offered (calendar time).
    pub valid_for: Duration,
    /// One reminder this long after the offer if unanswered; `None` for no reminder.
    pub remind_after: Option<Duration>,
    /// A customer is offered at most one survey per this period (survey fatigue). Surveys of the
    /// same ticket do not count: a reopened ticket resolved again is asked again.
    pub at_most_one_per: Duration,
    /// A score at or below this is low: it alerts the leads and opens a review.
    pub low_score: u8,
}

impl Default for SurveySettings {
    fn default() -> SurveySettings {
        SurveySettings {
            audience: SurveyAudience::EveryResolved,
            plans: Vec::new(),
            valid_for: Duration::days(14),
            remind_after: Some(Duration::days(3)),
            at_most_one_per: Duration::days(7),
            low_score: 2,
        }
    }
}

/// What deciding whether to offer a survey looks at, gathered by the caller at resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferFacts {
    /// Whether the ticket was escalated while it was open (it reached a level above the first,
    /// or was escalated by hand).
    pub escalated: bool,
    /// The lowercase plan of the requester's organisation.
    pub plan: String,
    /// When the requester was last offered a survey for another ticket, if ever.
    pub last_offer_for_another_ticket: Option<DateTime<Utc>>,
}

/// Whether a resolution offers a survey, and why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfferDecision {
    Offer {
        expires_at: DateTime<Utc>,
        /// When to remind, if the survey is still unanswered then.
        remind_at: Option<DateTime<Utc>>,
    },
    /// The policy asks nobody.
    NobodyAsked,
    /// The policy asks only about escalated tickets, and this one was not escalated.
    NotEscalated,
    /// The policy asks only customers of some plans.
    PlanNotAsked,
    /// The requester was offered another survey less than the fatigue period ago.
    AskedRecently { last_offer: DateTime<Utc> },
}

/// Decides, at the instant a ticket is resolved, whether its requester is offered a survey.
pub fn decide_offer(
    settings: &SurveySettings,
    facts: &OfferFacts,
    resolved_at: DateTime<Utc>,
) -> OfferDecision {
    if settings.audience == SurveyAudience::Nobody {
        return OfferDecision::NobodyAsked;
    }
    if settings.audience == SurveyAudience::EscalatedOnly && !facts.escalated {
        return OfferDecision::NotEscalated;
    }
    if !settings.plans.is_empty() && !settings.plans.iter().any(|plan| plan.eq_ignore_ascii_case(&facts.plan))
    {
        return OfferDecision::PlanNotAsked;
    }
    if let Some(last_offer) = facts.last_offer_for_another_ticket {
        if resolved_at < last_offer + settings.at_most_one_per {
            return OfferDecision::AskedRecently { last_offer };
        }
    }
    let expires_at = resolved_at + settings.valid_for;
    let remind_at = settings.remind_after.map(|after| resolved_at + after).filter(|at| *at < expires_at);
    OfferDecision::Offer { expires_at, remind_at }
}

/// What the events one command appended mean for the ticket's surveys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurveyStep {
    /// The ticket was resolved (or closed while open): its requester may be offered a survey.
    Resolved,
    /// A resolved or closed ticket was reopened: a survey not yet answered stops working.
    Reopened,
}

/// The survey step of a batch of events, if any; the last change of status decides.
pub fn survey_step(events: &[EventData]) -> Option<SurveyStep> {
    events.iter().rev().find_map(|event| match event {
        EventData::StatusChanged { from, to } if to.is_done() && !from.is_done() => {
            Some(SurveyStep::Resolved)
        }
        EventData::StatusChanged { from, to } if from.is_done() && !to.is_done() => {
            Some(SurveyStep::Reopened)
        }
        _ => None,
    })
}

/// A survey offered to a customer, as far as what its link allows depends on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyLink {
    pub ticket_id: i64,
    pub offered_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// When the ticket was reopened before an answer came: the link stops working.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// Why a known link cannot be answered. (An unknown or tampered link is not a state of a survey:
/// whoever checks tokens answers it alike, "not found", so a third party learns nothing.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkRefusal {
    AlreadyAnswered,
    /// The ticket was reopened; its next resolution offers a new survey.
    Withdrawn,
    Expired,
}

impl LinkRefusal {
    /// What the survey page says.
    pub fn message(self) -> &'static str {
        match self {
            LinkRefusal::AlreadyAnswered => "This survey was already answered. Thank you!",
            LinkRefusal::Withdrawn => {
                "This survey was withdrawn because the ticket was reopened. You will get a new one when it is resolved."
            }
            LinkRefusal::Expired => "This link has expired.",
        }
    }
}

/// Whether a link may be answered at `now`. An answered link says so even after it expired, so
/// a customer who answered is never told the link expired.
pub fn check_link(link: &SurveyLink, now: DateTime<Utc>) -> Result<(), LinkRefusal> {
    if link.answered_at.is_some() {
        return Err(LinkRefusal::AlreadyAnswered);
    }
    if link.withdrawn_at.is_some() {
        return Err(LinkRefusal::Withdrawn);
    }
    if now >= link.expires_at {
        return Err(LinkRefusal::Expired);
    }
    Ok(())
}

/// The longest comment kept, in characters.
pub const COMMENT_MAX: usize = 5_000;

/// An answer as the form sends it, before validation. A radio group left alone sends nothing,
/// so every field may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveyAnswerInput {
    /// "How satisfied are you with how your request was handled?" 1–5, required.
    pub csat: String,
    /// "How easy was it to get your issue resolved?" 1–7, optional.
    pub effort: String,
    pub comment: String,
}

/// A valid answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub csat: u8,
    pub effort: Option<u8>,
    pub comment: Option<String>,
}

impl SurveyAnswerInput {
    /// Checks every field, naming each that is wrong.
    pub fn validate(&self) -> Result<SurveyAnswer, FieldErrors> {
        let mut errors = FieldErrors::default();
        let csat = match score(&self.csat, 5) {
            Ok(Some(csat)) => csat,
            Ok(None) => {
                errors.push("csat", "Please choose how satisfied you are, from 1 to 5.");
                0
            }
            Err(()) => {
                errors.push("csat", "Choose a score from 1 to 5.");
                0
            }
        };
        let effort = score(&self.effort, 7).unwrap_or_else(|()| {
            errors.push("effort", "Choose a score from 1 to 7, or leave it empty.");
            None
        });
        let comment = self.comment.trim();
        if comment.chars().count() > COMMENT_MAX {
            errors.push("comment", format!("Keep the comment under {COMMENT_MAX} characters."));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SurveyAnswer { csat, effort, comment: (!comment.is_empty()).then(|| comment.to_string()) })
    }
}

/// A score from 1 to `max`; `Ok(None)` when left empty.
fn score(text: &str, max: u8) -> Result<Option<u8>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u8>() {
        Ok(value) if (1..=max).contains(&value) => Ok(Some(value)),
        _ => Err(()),
    }
}

impl SurveyAnswer {
    /// Whether the answer is a low score under the policy: it alerts the leads and opens a review.
    pub fn is_low(&self, settings: &SurveySettings) -> bool {
        self.csat <= settings.low_score
    }

    /// Whether the customer is satisfied (4 or 5), the share CSAT reports.
    pub fn is_satisfied(&self) -> bool {
        self.csat >= 4
    }
}

named_enum! {
    /// Where the review of a low score stands.
    ReviewStatus {
        Open => "open", "Open",
        Discussed => "discussed", "Discussed",
        ActionAgreed => "action_agreed", "Action agreed",
        Closed => "closed", "Closed",
    }
}

/// The review of a low score, as the reviews page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub survey_id: i64,
    pub ticket_id: i64,
    pub ticket_subject: String,
    /// The customer's organisation.
    pub organisation: String,
    pub answer: SurveyAnswer,
    pub answered_at: DateTime<Utc>,
    pub status: ReviewStatus,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub notes: String,
    pub action: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who saved it last; `None` until someone has.
    pub updated_by_name: Option<String>,
    /// The ticket's escalation path up to the resolution ("L1 Service Desk → L2 Specialists
    /// (by hand)").
    pub path: String,
    /// The targets the ticket missed before it was resolved ("Resolution", "Tier budget").
    pub missed_targets: Vec<String>,
}

/// The longest notes and agreed action of a review, in characters.
pub const REVIEW_TEXT_MAX: usize = 10_000;

/// A change to a review as its form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewChangeInput {
    pub status: String,
    /// The owner's id, or empty for nobody.
    pub owner_id: String,
    pub notes: String,
    pub action: String,
}

/// A valid change to a review. Whether the owner may own reviews is the caller's to check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewChange {
    pub status: ReviewStatus,
    pub owner_id: Option<i64>,
    pub notes: String,
    pub action: String,
}

impl ReviewChangeInput {
    /// Checks every field. An agreed action must say what it is, and so must a closed review
    /// (closing says the matter is settled: by what?).
    pub fn validate(&self) -> Result<ReviewChange, FieldErrors> {
        let mut errors = FieldErrors::default();
        let status = ReviewStatus::parse(self.status.trim()).unwrap_or_else(|| {
            errors.push("status", "Choose one of open, discussed, action agreed or closed.");
            ReviewStatus::Open
        });
        let owner_id = match self.owner_id.trim() {
            "" => None,
            text => text.parse::<i64>().ok().filter(|id| *id > 0).or_else(|| {
                errors.push("owner_id", "Choose an owner from the list, or nobody.");
                None
            }),
        };
        let notes = self.notes.trim().to_string();
        let action = self.action.trim().to_string();
        if notes.chars().count() > REVIEW_TEXT_MAX {
            errors.push("notes", format!("Keep the notes under {REVIEW_TEXT_MAX} characters."));
        }
        if action.chars().count() > REVIEW_TEXT_MAX {
            errors.push("action", format!("Keep the action under {REVIEW_TEXT_MAX} characters."));
        } else if action.is_empty() && matches!(status, ReviewStatus::ActionAgreed | ReviewStatus::Closed) {
            errors.push("action", "Say which action was agreed before the review moves on to this status.");
        }
        errors.into_result(ReviewChange { status, owner_id, notes, action })
    }
}

#[cfg(test)]
mod tests;
