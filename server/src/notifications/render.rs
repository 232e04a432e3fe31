//! The message formats of Tierline's notification channels: the email (subject, plain text and
//! HTML), the Slack and Microsoft Teams webhook bodies, the generic JSON webhook body, and the HMAC
//! signature that lets a generic webhook's receiver check a delivery came from Tierline.
//!
//! Everything here is pure: no IO and no clock reads. The time of the event is part of the
//! [`Notice`], and [`verify`] takes `now` as a parameter.
//!
//! What it promises:
//! - A notice for the [`Reader::Customer`] renders as an email that contains neither the internal
//!   `summary`, nor the name of the tier or group holding the ticket, nor the ladder level, nor
//!   the priority. Those are the help desk's business, not the requester's.
//! - Text that people typed (subjects, names, summaries) is escaped for the format it lands in:
//!   HTML in the email's HTML body, `&`, `<` and `>` in Slack mrkdwn.
//! - Chat and webhook bodies ([`slack_payload`], [`teams_payload`], [`generic_payload`]) go to
//!   systems the help desk's admins configured, so they always carry the staff view.
//! - The generic body's shape is documented in `webhooks.md`; fields are only ever added to it.

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::fmt;

use app::domain::policy::EventKind;
use serde::{Deserialize, Serialize};

/// Who a notice is written for: the help desk's own people, or the requester of the ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reader {
    Staff,
    Customer,
}

/// One notification, ready to be rendered for a channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: EventKind,
    pub reader: Reader,
    pub ticket_id: i64,
    pub ticket_subject: String,
    /// "Urgent", "High", ...
    pub priority: String,
    /// The ladder level, for staff eyes only.
    pub level: Option<i64>,
    /// The tier or group now holding the ticket, e.g. "L2 Specialists"; for staff eyes only.
    pub holder: Option<String>,
    /// One internal sentence: "L1 budget of 2h used up; moved to L2 Specialists."
    pub summary: String,
    /// Absolute link to the ticket page.
    pub ticket_url: String,
    pub recipient_name: Option<String>,
    /// For chat channels: the people the message is for.
    pub recipient_names: Vec<String>,
    pub at: DateTime<Utc>,
    /// Stable per delivery: a retry of the same delivery carries the same key.
    pub idempotency_key: String,
    /// The satisfaction survey this message offers its customer reader, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<SurveyInvite>,
}

/// A survey offered in a customer's e-mail: with the resolution, or as its one reminder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyInvite {
    pub survey_id: i64,
    /// With the server's key it makes the link; useless without it.
    pub nonce: String,
    pub expires_at: DateTime<Utc>,
    /// This is the reminder, not the first offer.
    pub reminder: bool,
    /// The survey's link, signed by the delivery worker when it sends: never stored.
    #[serde(skip)]
    pub url: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------

/// A rendered email: the subject line and two bodies with the same content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The content of an email before it is laid out as text or HTML. All strings are unescaped.
struct EmailContent {
    subject: String,
    heading: String,
    greeting: String,
    paragraphs: Vec<String>,
    /// Label and value pairs shown as a small table; empty for customers.
    facts: Vec<(&'static str, String)>,
    button_label: &'static str,
    /// A second link under the button, with its label.
    secondary_link: Option<(&'static str, String)>,
    footer: String,
}

/// Renders the email for a notice, choosing the template by kind and reader. A customer's notice
/// with a signed survey link asks for the survey, its button leading there.
pub fn email(notice: &Notice) -> Email {
    let survey = notice.survey.as_ref().filter(|_| notice.reader == Reader::Customer);
    let (content, url) = match (notice.reader, survey.and_then(|survey| Some((survey, survey.url.clone()?))))
    {
        (Reader::Customer, Some((survey, url))) => (survey_email(notice, survey), url),
        (Reader::Customer, None) => (customer_email(notice), notice.ticket_url.clone()),
        (Reader::Staff, _) => (staff_email(notice), notice.ticket_url.clone()),
    };
    Email {
        subject: content.subject.clone(),
        text: email_text(&content, &url),
        html: email_html(&content, &url),
    }
}

/// The customer's e-mail asking for the survey: with the resolution, or as its reminder.
fn survey_email(notice: &Notice, survey: &SurveyInvite) -> EmailContent {
    let id = notice.ticket_id;
    let until =
        app::domain::describe::format_instant(survey.expires_at, app::domain::describe::Precision::Day);
    let ask = format!(
        "How did we do? Two questions and an optional comment take a minute, and tell us what to keep and what to \
         improve. The link works once, until {until}."
    );
    let (heading, paragraphs) = if survey.reminder {
        (
            "How did we do?",
            vec![
                format!(
                    "A few days ago we resolved your request #{id}, and we would like to hear how it went."
                ),
                ask,
            ],
        )
    } else {
        (
            "Your request has been resolved",
            vec![
                format!(
                    "Your request #{id} has been marked as resolved. If the problem is not fixed, open the request and \
                     tell us, and we will pick it up again."
                ),
                ask,
            ],
        )
    };
    EmailContent {
        subject: format!("Re: your request #{id}: {}", notice.ticket_subject),
        heading: heading.to_owned(),
        greeting: greeting(notice),
        paragraphs,
        facts: Vec::new(),
        button_label: "Rate our support",
        secondary_link: Some(("View your request", notice.ticket_url.clone())),
        footer: format!("You receive this email because you opened request #{id} with our help desk."),
    }
}

/// The e-mail with a "forgot password" link, laid out like the notifications.
pub fn password_reset_email(display_name: &str, link: &str, valid_minutes: i64) -> Email {
    let name = display_name.trim();
    let content = EmailContent {
        subject: "Set a new Tierline password".to_owned(),
        heading: "Set a new password".to_owned(),
        greeting: if name.is_empty() { "Hello,".to_owned() } else { format!("Hello {name},") },
        paragraphs: vec![
            format!(
                "Someone (we hope you) asked to set a new password for your Tierline account. The link \
                 below works once, for {valid_minutes} minutes."
            ),
            "If you did not ask for it, ignore this e-mail: your password stays as it is.".to_owned(),
        ],
        facts: Vec::new(),
        button_label: "Set a new password",
        secondary_link: None,
        footer: "You receive this e-mail because a new password was asked for with your address.".to_owned(),
    };
    Email {
        subject: content.subject.clone(),
        text: email_text(&content, link),
        html: email_html(&content, link),
    }
}

fn greeting(notice: &Notice) -> String {
    match notice.recipient_name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("Hello {name},"),
        _ => "Hello,".to_owned(),
    }
}

/// The staff subject's headline, e.g. "Escalated to L2 Specialists"; also the chat title.
fn staff_headline(notice: &Notice) -> String {
    let holder = notice.holder.as_deref();
    match (notice.kind, holder) {
        (EventKind::Created, _) => "New ticket".to_owned(),
        (EventKind::Assigned, Some(holder)) => format!("Assigned to {holder}"),
        (EventKind::Assigned, None) => "Assigned".to_owned(),
        (EventKind::Escalated, Some(holder)) => format!("Escalated to {holder}"),
        (EventKind::Escalated, None) => "Escalated".to_owned(),
        (EventKind::Reminder, _) => "Reminder before breach".to_owned(),
        (EventKind::Breach, _) => "Breached".to_owned(),
        (EventKind::Mention, _) => "You were mentioned".to_owned(),
        (EventKind::CheckpointMissed, _) => "Checkpoint missed".to_owned(),
        (EventKind::Stalled, Some(holder)) => format!("Stalled in {holder}"),
        (EventKind::Stalled, None) => "Stalled".to_owned(),
        (EventKind::CustomerReplied, _) => "Customer replied".to_owned(),
        (EventKind::Reopened, _) => "Reopened".to_owned(),
        (EventKind::Resolved, _) => "Resolved".to_owned(),
        (EventKind::LowScore, _) => "Low satisfaction score".to_owned(),
    }
}

/// The staff email's first sentence: what happened, in words that do not repeat the summary.
fn staff_opening(notice: &Notice) -> String {
    let id = notice.ticket_id;
    let holder = notice.holder.as_deref();
    match (notice.kind, holder) {
        (EventKind::Created, _) => format!("A new ticket #{id} has been opened."),
        (EventKind::Assigned, Some(holder)) => {
            format!("Ticket #{id} has been assigned to you or your group, {holder}.")
        }
        (EventKind::Assigned, None) => format!("Ticket #{id} has been assigned to you."),
        (EventKind::Escalated, Some(holder)) => {
            format!("Ticket #{id} has been escalated to you or your group, {holder}.")
        }
        (EventKind::Escalated, None) => format!("Ticket #{id} has been escalated to you."),
        (EventKind::Reminder, _) => {
            format!("Ticket #{id} is close to breaching its target; please act on it before it does.")
        }
        (EventKind::Breach, _) => format!("Ticket #{id} has breached its target."),
        (EventKind::Mention, _) => format!("You were mentioned on ticket #{id}."),
        (EventKind::CheckpointMissed, _) => format!("Ticket #{id} missed a checkpoint."),
        (EventKind::Stalled, _) => format!(
            "Nobody has replied to, noted on or changed the status of ticket #{id} for longer than its tier allows."
        ),
        (EventKind::CustomerReplied, _) => format!("The customer replied on ticket #{id}."),
        (EventKind::Reopened, _) => format!("Ticket #{id} has been reopened."),
        (EventKind::Resolved, _) => format!("Ticket #{id} has been resolved."),
        (EventKind::LowScore, _) => format!(
            "The customer of ticket #{id} gave a low satisfaction score. A review is open for the leads of the \
             tiers that held it."
        ),
    }
}

fn staff_facts(notice: &Notice) -> Vec<(&'static str, String)> {
    let mut facts = vec![("Priority", notice.priority.clone())];
    if let Some(level) = notice.level {
        facts.push(("Level", level.to_string()));
    }
    if let Some(holder) = &notice.holder {
        facts.push(("Held by", holder.clone()));
    }
    facts.push(("When", app::domain::describe::instant(notice.at)));
    facts
}

fn staff_email(notice: &Notice) -> EmailContent {
    let headline = staff_headline(notice);
    let mut paragraphs = vec![staff_opening(notice)];
    if !notice.summary.trim().is_empty() {
        paragraphs.push(notice.summary.clone());
    }
    EmailContent {
        subject: format!("[Tierline #{}] {}: {}", notice.ticket_id, headline, notice.ticket_subject),
        heading: format!("{headline}: {}", notice.ticket_subject),
        greeting: greeting(notice),
        paragraphs,
        facts: staff_facts(notice),
        button_label: "Open ticket",
        secondary_link: None,
        footer: format!(
            "You receive this email because a Tierline notification rule for when {} includes you \
             or a group you belong to.",
            notice.kind.phrase()
        ),
    }
}

/// The customer's email. Built only from the id, the subject, the link and the recipient's own
/// name: nothing internal is in scope to leak.
fn customer_email(notice: &Notice) -> EmailContent {
    let id = notice.ticket_id;
    let (heading, body): (&str, String) = match notice.kind {
        EventKind::Created => (
            "We have received your request",
            format!(
                "We have received your request #{id} and a member of our support team will get back to \
                 you soon. You can follow its progress at the link below."
            ),
        ),
        EventKind::Assigned => (
            "Your request is being handled",
            format!("Your request #{id} has been assigned to a member of our support team."),
        ),
        EventKind::Escalated => (
            "Your request went to a specialist team",
            format!(
                "Your request #{id} has been passed to a specialist team, who will follow it up from \
                 here. You do not need to do anything."
            ),
        ),
        EventKind::LowScore => (
            "Thank you for your feedback",
            format!(
                "Thank you for telling us how we handled your request #{id}. We are sorry it fell short; our team \
                 leads will look at what went wrong."
            ),
        ),
        EventKind::Reminder | EventKind::CheckpointMissed | EventKind::Stalled => (
            "We are still working on your request",
            format!("We are still working on your request #{id}. Thank you for your patience."),
        ),
        EventKind::Breach => (
            "Your request is taking longer than we aimed for",
            format!(
                "Your request #{id} is taking longer than we aimed for. We are sorry for the wait; \
                 it is still being worked on."
            ),
        ),
        EventKind::Mention => (
            "There is an update on your request",
            format!("There is a new message for you on your request #{id}."),
        ),
        EventKind::CustomerReplied => (
            "We have received your reply",
            format!("We have received your reply and added it to your request #{id}."),
        ),
        EventKind::Reopened => (
            "Your request has been reopened",
            format!("Your request #{id} has been reopened, and our support team will look at it again."),
        ),
        EventKind::Resolved => (
            "Your request has been resolved",
            format!(
                "Your request #{id} has been marked as resolved. If the problem is not fixed, open the \
                 request and tell us, and we will pick it up again."
            ),
        ),
    };
    let subject = match notice.kind {
        // The first message of the thread is no reply; later ones thread under it in mail clients,
        // which ignore a leading "Re:" when grouping.
        EventKind::Created => format!("Your request #{id}: {}", notice.ticket_subject),
        _ => format!("Re: your request #{id}: {}", notice.ticket_subject),
    };
    EmailContent {
        subject,
        heading: heading.to_owned(),
        greeting: greeting(notice),
        paragraphs: vec![body],
        facts: Vec::new(),
        button_label: "View your request",
        secondary_link: None,
        footer: format!("You receive this email because you opened request #{id} with our help desk."),
    }
}

fn email_text(content: &EmailContent, url: &str) -> String {
    let mut text = String::new();
    text.push_str(&content.greeting);
    text.push_str("\n\n");
    for paragraph in &content.paragraphs {
        text.push_str(paragraph);
        text.push_str("\n\n");
    }
    if !content.facts.is_empty() {
        for (label, value) in &content.facts {
            text.push_str(&format!("{label}: {value}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!("{}: {url}\n\n", content.button_label));
    if let Some((label, link)) = &content.secondary_link {
        text.push_str(&format!("{label}: {link}\n\n"));
    }
    text.push_str("-- \n");
    text.push_str(&content.footer);
    text.push('\n');
    text
}

/// A single-column, table-based layout with inline styles only: what mail clients render alike.
fn email_html(content: &EmailContent, url: &str) -> String {
    const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!("<title>{}</title>\n</head>\n", escape_html(&content.subject)));
    html.push_str("<body style=\"margin:0;padding:0;background-color:#f4f5f7;\">\n");
    html.push_str(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"background-color:#f4f5f7;\"><tr><td align=\"center\" style=\"padding:24px 12px;\">\n",
    );
    html.push_str(
        "<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"max-width:600px;width:100%;background-color:#ffffff;border:1px solid #dfe1e6;\">\n",
    );
    html.push_str(&format!(
        "<tr><td style=\"padding:24px 24px 8px 24px;{FONT}font-size:20px;line-height:28px;\
         color:#172b4d;font-weight:bold;\">{}</td></tr>\n",
        escape_html(&content.heading)
    ));
    let paragraph_style = format!("margin:0 0 12px 0;{FONT}font-size:15px;line-height:22px;color:#172b4d;");
    html.push_str("<tr><td style=\"padding:8px 24px;\">\n");
    html.push_str(&format!("<p style=\"{paragraph_style}\">{}</p>\n", escape_html(&content.greeting)));
    for paragraph in &content.paragraphs {
        html.push_str(&format!("<p style=\"{paragraph_style}\">{}</p>\n", escape_html(paragraph)));
    }
    html.push_str("</td></tr>\n");
    if !content.facts.is_empty() {
        html.push_str(
            "<tr><td style=\"padding:0 24px 8px 24px;\">\n<table role=\"presentation\" cellpadding=\"0\" \
             cellspacing=\"0\" border=\"0\">\n",
        );
        for (label, value) in &content.facts {
            html.push_str(&format!(
                "<tr><td style=\"padding:2px 16px 2px 0;{FONT}font-size:14px;color:#5e6c84;\">{}</td>\
                 <td style=\"padding:2px 0;{FONT}font-size:14px;color:#172b4d;\">{}</td></tr>\n",
                escape_html(label),
                escape_html(value)
            ));
        }
        html.push_str("</table>\n</td></tr>\n");
    }
    let url = escape_html(url);
    html.push_str(&format!(
        "<tr><td style=\"padding:16px 24px 24px 24px;\">\
         <a href=\"{url}\" style=\"display:inline-block;padding:10px 20px;background-color:#0052cc;\
         color:#ffffff;{FONT}font-size:15px;font-weight:bold;text-decoration:none;border-radius:3px;\">{}</a>\
         <p style=\"margin:12px 0 0 0;{FONT}font-size:12px;line-height:18px;color:#5e6c84;\">\
         Or copy this link: <a href=\"{url}\" style=\"color:#0052cc;\">{url}</a></p>{}</td></tr>\n",
        escape_html(content.button_label),
        content.secondary_link.as_ref().map_or(String::new(), |(label, link)| format!(
            "<p style=\"margin:12px 0 0 0;{FONT}font-size:14px;line-height:20px;\">\
             <a href=\"{link}\" style=\"color:#0052cc;\">{label}</a></p>",
            link = escape_html(link),
            label = escape_html(label)
        ))
    ));
    html.push_str(&format!(
        "<tr><td style=\"padding:16px 24px;border-top:1px solid #dfe1e6;{FONT}font-size:12px;\
         line-height:18px;color:#5e6c84;\">{}</td></tr>\n",
        escape_html(&content.footer)
    ));
    html.push_str("</table>\n</td></tr></table>\n</body>\n</html>\n");
    html
}

/// Escapes text for HTML element content and for double- or single-quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

// ---------------------------------------------------------------------------------------------
// Chat: Slack and Microsoft Teams
// ---------------------------------------------------------------------------------------------

/// Slack's limit on a header block's text.
const SLACK_HEADER_MAX_CHARS: usize = 150;
/// Slack's limit on a section's text; summaries are one sentence, but nothing enforces that.
const SLACK_SECTION_MAX_CHARS: usize = 3000;

/// Escapes the three characters Slack's mrkdwn treats as control characters. Slack asks for
/// exactly these and no other HTML entities.
pub fn escape_slack(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Cuts `text` to at most `max_chars` characters, ending with "…" when it was cut.
fn truncate_chars(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// "#42 Printer on fire": how chat messages name the ticket.
fn ticket_title(notice: &Notice) -> String {
    format!("#{} {}", notice.ticket_id, notice.ticket_subject)
}

/// The staff facts shown in chat: priority, then level and holder when known.
fn chat_facts(notice: &Notice) -> Vec<(&'static str, String)> {
    let mut facts = vec![("Priority", notice.priority.clone())];
    if let Some(level) = notice.level {
        facts.push(("Level", level.to_string()));
    }
    if let Some(holder) = &notice.holder {
        facts.push(("Held by", holder.clone()));
    }
    facts
}

/// A Slack incoming-webhook body: a `text` fallback for notifications and `blocks` for the message.
pub fn slack_payload(notice: &Notice) -> Value {
    let headline = staff_headline(notice);
    let title = ticket_title(notice);
    let url = escape_slack(&notice.ticket_url);

    let mut section_text = format!("*<{url}|{}>*", escape_slack(&title));
    if !notice.summary.trim().is_empty() {
        section_text.push('\n');
        section_text.push_str(&escape_slack(&notice.summary));
    }
    let fields: Vec<Value> = chat_facts(notice)
        .into_iter()
        .map(|(label, value)| json!({"type": "mrkdwn", "text": format!("*{label}*\n{}", escape_slack(&value))}))
        .collect();

    let mut blocks = vec![
        // A header is plain text: Slack parses no markup in it, so it is not escaped.
        json!({
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": truncate_chars(&format!("{headline}: {title}"), SLACK_HEADER_MAX_CHARS),
                "emoji": true
            }
        }),
        json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate_slack_mrkdwn(&section_text, notice)},
            "fields": fields
        }),
    ];
    if !notice.recipient_names.is_empty() {
        let names: Vec<String> = notice.recipient_names.iter().map(|name| escape_slack(name)).collect();
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("For: {}", names.join(", "))}]
        }));
    }
    blocks.push(json!({
        "type": "actions",
        "elements": [{
            "type": "button",
            "text": {"type": "plain_text", "text": "Open ticket"},
            "url": notice.ticket_url
        }]
    }));

    json!({
        "text": format!("{}: {} <{url}|Open ticket>", escape_slack(&headline), escape_slack(&title)),
        "blocks": blocks
    })
}

/// Keeps a section within Slack's limit. Cutting escaped text could split an entity or the link,
/// so an over-long section is rebuilt from a cut summary instead.
fn truncate_slack_mrkdwn(section_text: &str, notice: &Notice) -> String {
    if section_text.chars().count() <= SLACK_SECTION_MAX_CHARS {
        return section_text.to_owned();
    }
    let link = format!(
        "*<{}|{}>*",
        escape_slack(&notice.ticket_url),
        escape_slack(&truncate_chars(&ticket_title(notice), 200))
    );
    // Escaping at most quintuples a character ("&" becomes "&amp;"), so this many raw characters
    // always fit in what the link leaves.
    let room = SLACK_SECTION_MAX_CHARS.saturating_sub(link.chars().count() + 1) / 5;
    format!("{link}\n{}", escape_slack(&truncate_chars(&notice.summary, room)))
}

/// Escapes the characters of the Markdown that Adaptive Card text renders (emphasis, code,
/// links), so that text a customer wrote (a subject, a message quoted in the summary) shows as
/// written: `[click here](https://evil.example)` must not become a link in a staff channel.
pub fn escape_teams(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '\\' | '*' | '_' | '`' | '~' | '[' | ']' | '(' | ')' | '<' | '>' | '!') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// A Microsoft Teams Workflows ("Post to a channel when a webhook request is received") body
/// carrying an Adaptive Card 1.4. Every text is escaped with [`escape_teams`]; only the button
/// links to the ticket.
pub fn teams_payload(notice: &Notice) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": escape_teams(&format!("{}: {}", staff_headline(notice), ticket_title(notice))),
        "size": "Medium",
        "weight": "Bolder",
        "wrap": true
    })];
    if !notice.summary.trim().is_empty() {
        body.push(json!({"type": "TextBlock", "text": escape_teams(&notice.summary), "wrap": true}));
    }
    let mut facts: Vec<Value> = chat_facts(notice)
        .into_iter()
        .map(|(label, value)| json!({"title": label, "value": escape_teams(&value)}))
        .collect();
    facts.push(json!({"title": "When", "value": app::domain::describe::instant(notice.at)}));
    body.push(json!({"type": "FactSet", "facts": facts}));
    if !notice.recipient_names.is_empty() {
        body.push(json!({
            "type": "TextBlock",
            "text": escape_teams(&format!("For: {}", notice.recipient_names.join(", "))),
            "isSubtle": true,
            "size": "Small",
            "wrap": true
        }));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": [{"type": "Action.OpenUrl", "title": "Open ticket", "url": notice.ticket_url}]
            }
        }]
    })
}

// ---------------------------------------------------------------------------------------------
// Generic JSON webhook and its signature
// ---------------------------------------------------------------------------------------------

/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "Tierline-Signature";
/// The header carrying the delivery's idempotency key; a retry repeats it.
pub const ID_HEADER: &str = "Tierline-Delivery";

/// The generic webhook body, documented in `webhooks.md`. `occurred_at` is RFC 3339 in UTC, to the
/// second; `level` and `holder` are `null` when unknown.
pub fn generic_payload(notice: &Notice) -> Value {
    json!({
        "id": notice.idempotency_key,
        "kind": notice.kind.as_str(),
        "occurred_at": notice.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "ticket": {
            "id": notice.ticket_id,
            "subject": notice.ticket_subject,
            "priority": notice.priority,
            "level": notice.level,
            "holder": notice.holder,
            "url": notice.ticket_url
        },
        "summary": notice.summary,
        "recipients": notice.recipient_names
    })
}

type HmacSha256 = Hmac<Sha256>;

fn mac_over(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Tierline-Signature` value for a body sent at `timestamp` (unix seconds):
/// `t=<timestamp>,v1=<lowercase hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let signature = mac_over(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(signature))
}

/// Why a signature was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The header is not `t=<integer>,v1=<hex>` (with perhaps more `v1` or unknown parts).
    MalformedHeader,
    /// The signed timestamp is further from `now` than the tolerance: a replay or a bad clock.
    TimestampOutsideTolerance,
    /// No `v1` signature matches the body and the secret.
    Mismatch,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            SignatureError::MalformedHeader => "the signature header is malformed",
            SignatureError::TimestampOutsideTolerance => "the signature's timestamp is outside the tolerance",
            SignatureError::Mismatch => "the signature does not match the body",
        })
    }
}

impl std::error::Error for SignatureError {}

/// Checks a `Tierline-Signature` header against the raw body.
///
/// Several `v1=` parts are accepted (any one may match), so a sender can sign with an old and a new
/// secret while they are rotated; unknown parts are ignored, so a later scheme can be added beside
/// `v1`. The signature is compared in constant time, before the timestamp, so that
/// [`SignatureError::TimestampOutsideTolerance`] only ever reports an authentic but old (or
/// early) delivery.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_seconds: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=').ok_or(SignatureError::MalformedHeader)?;
        match key {
            "t" if timestamp.is_none() => {
                timestamp = Some(value.parse::<i64>().map_err(|_| SignatureError::MalformedHeader)?);
            }
            "t" => return Err(SignatureError::MalformedHeader),
            "v1" => signatures.push(hex::decode(value).map_err(|_| SignatureError::MalformedHeader)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::MalformedHeader)?;
    if signatures.is_empty() {
        return Err(SignatureError::MalformedHeader);
    }
    let mac = mac_over(secret, timestamp, body);
    if !signatures.iter().any(|signature| mac.clone().verify_slice(signature).is_ok()) {
        return Err(SignatureError::Mismatch);
    }
    if now.abs_diff(timestamp) > tolerance_seconds.max(0).unsigned_abs() {
        return Err(SignatureError::TimestampOutsideTolerance);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
