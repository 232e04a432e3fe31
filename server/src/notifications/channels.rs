//! The ways out: SMTP through lettre, and HTTP webhooks (Slack, Microsoft Teams, generic JSON
//! signed with HMAC-SHA256). Each send either succeeds (the receiver accepted the message),
//! fails for now (tried again later) or fails for good.

use std::collections::BTreeMap;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::render::{self, Email};
use crate::config::{ChatSettings, Settings, SmtpSettings, WebhookFormat, WebhookSettings};

/// How long one send may take. Well below the delivery lease, so a slow receiver never sees a
/// second copy while the first is still being sent.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a send did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again: the receiver was down, busy or slow.
    #[error("{0}")]
    Transient(String),
    /// Trying again will not help: the receiver refused the message.
    #[error("{0}")]
    Permanent(String),
    /// Nothing is configured for the channel, so every delivery through it fails the same way
    /// until an admin configures it (and retries them).
    #[error("{0}")]
    Unconfigured(String),
}

/// The configured channels.
#[derive(Clone)]
pub struct Channels {
    mailer: Option<Mailer>,
    http: reqwest::Client,
    slack: Option<ChatSettings>,
    teams: Option<ChatSettings>,
    webhooks: BTreeMap<String, WebhookSettings>,
}

#[derive(Clone)]
struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of Message-IDs.
    domain: String,
}

impl Channels {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Channels> {
        for (name, webhook) in &settings.webhooks {
            if webhook.format == WebhookFormat::Json && webhook.secret.trim().is_empty() {
                anyhow::bail!(
                    "webhooks.{name}.secret: a webhook in the generic JSON format needs a secret to sign with"
                );
            }
        }
        let mailer = settings.smtp.as_ref().map(Mailer::new).transpose()?;
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .user_agent(concat!("Tierline/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Channels {
            mailer,
            http,
            slack: settings.slack.clone(),
            teams: settings.teams.clone(),
            webhooks: settings.webhooks.clone(),
        })
    }

    /// Sends an e-mail whose Message-ID is made from `key`, so a repeat is recognisable.
    pub async fn send_email(
        &self,
        to: &str,
        to_name: Option<&str>,
        email: &Email,
        key: &str,
    ) -> Result<(), SendError> {
        let Some(mailer) = &self.mailer else {
            return Err(SendError::Unconfigured(
                "no SMTP server is configured (set [smtp] in tierline.toml)".into(),
            ));
        };
        let address =
            to.parse().map_err(|error| SendError::Permanent(format!("bad address {to:?}: {error}")))?;
        let message = Message::builder()
            .from(mailer.from.clone())
            .to(Mailbox::new(to_name.map(str::to_string), address))
            .subject(&email.subject)
            .message_id(Some(format!("<{key}@{}>", mailer.domain)))
            .raw_header(lettre::message::header::HeaderValue::new(
                lettre::message::header::HeaderName::new_from_ascii_str("X-Tierline-Delivery"),
                key.to_string(),
            ))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.clone()),
                    ),
            )
            .map_err(|error| SendError::Permanent(format!("cannot build the message: {error}")))?;
        match mailer.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(SendError::Permanent(format!("SMTP refused: {error}"))),
            Err(error) => Err(SendError::Transient(format!("SMTP: {error}"))),
        }
    }

    pub async fn send_slack(&self, notice: &render::Notice) -> Result<(), SendError> {
        let Some(slack) = &self.slack else {
            return Err(SendError::Unconfigured("Slack is not configured (set [slack] url)".into()));
        };
        let body = render::slack_payload(notice).to_string();
        self.post("Slack", &slack.url, body, &notice.idempotency_key, None).await
    }

    pub async fn send_teams(&self, notice: &render::Notice) -> Result<(), SendError> {
        let Some(teams) = &self.teams else {
            return Err(SendError::Unconfigured(
                "Microsoft Teams is not configured (set [teams] url)".into(),
            ));
        };
        let body = render::teams_payload(notice).to_string();
        self.post("Microsoft Teams", &teams.url, body, &notice.idempotency_key, None).await
    }

    /// Posts to the webhook `name` in its format: the generic JSON body signed with its secret,
    /// or a Slack or Teams message.
    pub async fn send_webhook(&self, name: &str, notice: &render::Notice) -> Result<(), SendError> {
        let Some(webhook) = self.webhooks.get(name) else {
            return Err(SendError::Unconfigured(format!("no webhook called {name:?} is configured")));
        };
        let (body, signature) = match webhook.format {
            WebhookFormat::Json => {
                let body = render::generic_payload(notice).to_string();
                let signature =
                    render::sign(webhook.secret.as_bytes(), chrono::Utc::now().timestamp(), body.as_bytes());
                (body, Some(signature))
            }
            WebhookFormat::Slack => (render::slack_payload(notice).to_string(), None),
            WebhookFormat::Teams => (render::teams_payload(notice).to_string(), None),
        };
        self.post(&format!("the webhook {name:?}"), &webhook.url, body, &notice.idempotency_key, signature)
            .await
    }

    /// Posts `body` to `url`. The URL is a credential (whoever knows a Slack, Teams or webhook URL
    /// can post to it), so errors name the `destination` instead: they go to logs and to the
    /// delivery's `last_error`, which admins read in the browser.
    async fn post(
        &self,
        destination: &str,
        url: &str,
        body: String,
        key: &str,
        signature: Option<String>,
    ) -> Result<(), SendError> {
        let mut request = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(render::ID_HEADER, key)
            .body(body);
        if let Some(signature) = signature {
            request = request.header(render::SIGNATURE_HEADER, signature);
        }
        let response = request
            .send()
            .await
            .map_err(|error| SendError::Transient(format!("{destination}: {}", error.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text: String = response.text().await.unwrap_or_default().chars().take(200).collect();
        let reason = format!("{destination} answered {status}: {text}");
        // Timeouts, rate limits and server errors pass; other refusals will not change.
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(SendError::Transient(reason))
        } else {
            Err(SendError::Permanent(reason))
        }
    }
}

impl Mailer {
    fn new(settings: &SmtpSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|error| anyhow::anyhow!("smtp.from: {:?} is not an address: {error}", settings.from))?;
        let tls = match settings.tls.as_str() {
            "none" => Tls::None,
            "starttls" => Tls::Required(TlsParameters::new(settings.host.clone())?),
            "tls" => Tls::Wrapper(TlsParameters::new(settings.host.clone())?),
            other => anyhow::bail!("smtp.tls: {other:?} is not a TLS mode; use none, starttls or tls"),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(SEND_TIMEOUT));
        if let (Some(username), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
        }
        let domain = from.email.domain().to_string();
        Ok(Mailer { transport: builder.build(), from, domain })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_post_names_its_destination_never_its_url() {
        // A port nobody listens on: the connection is refused.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address");
        let url = format!("http://{closed}/services/T0001/B0001/secret-part");
        let channels = Channels::from_settings(&Settings::default()).expect("channels");
        let error = channels.post("Slack", &url, "{}".into(), "key", None).await.expect_err("refused");
        let text = error.to_string();
        assert!(text.starts_with("Slack: "), "{text}");
        assert!(!text.contains("secret-part") && !text.contains(&closed.to_string()), "{text}");
    }

    #[test]
    fn settings_never_print_webhook_urls_or_secrets() {
        let webhook = WebhookSettings {
            url: "https://example.com/hook/abc".into(),
            format: WebhookFormat::Json,
            secret: "s3".into(),
        };
        let chat = ChatSettings { url: "https://hooks.slack.com/services/T/B/X".into() };
        let printed = format!("{webhook:?} {chat:?}");
        assert!(
            !printed.contains("abc") && !printed.contains("s3") && !printed.contains("services"),
            "{printed}"
        );
    }

    #[test]
    fn a_generic_webhook_without_a_secret_is_refused_by_name() {
        let webhook = |format, secret: &str| WebhookSettings {
            url: "https://example.com/hook".into(),
            format,
            secret: secret.into(),
        };
        let settings = |webhook| Settings {
            webhooks: BTreeMap::from([("status-page".to_string(), webhook)]),
            ..Settings::default()
        };
        let error =
            Channels::from_settings(&settings(webhook(WebhookFormat::Json, " "))).err().expect("refused");
        assert!(error.to_string().starts_with("webhooks.status-page.secret:"), "{error}");
        assert!(Channels::from_settings(&settings(webhook(WebhookFormat::Json, "s3cret"))).is_ok());
        assert!(
            Channels::from_settings(&settings(webhook(WebhookFormat::Slack, ""))).is_ok(),
            "chat needs no secret"
        );
    }
}
