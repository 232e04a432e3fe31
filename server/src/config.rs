//! Settings, layered: built-in defaults, then the TOML file (`tierline.toml` in the working
//! folder, or the one named by `--config` / `TIERLINE_CONFIG`), then environment variables
//! (`TIERLINE_*`, and `DATABASE_URL` for the database). Leptos reads its own
//! `LEPTOS_SITE_ADDR` and `LEPTOS_SITE_ROOT`.

use std::collections::BTreeMap;
use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    /// `sqlite:PATH` (the default, a file under data/) or `postgres://…`.
    pub database_url: String,
    /// Set when users reach Tierline over HTTPS, so cookies are marked `Secure`.
    pub secure_cookies: bool,
    /// Sign-in attempts allowed per minute for each client address, and for each account from
    /// each address.
    pub login_attempts_per_minute: u32,
    /// The reverse proxies (addresses or networks such as `10.0.0.0/8`) whose
    /// `X-Forwarded-For` names the client; from anyone else the header is ignored. Empty: the
    /// connection's address is the client's.
    pub trusted_proxies: Vec<String>,
    /// `text` for people, `json` for log collectors.
    pub log_format: String,
    /// Load the demo organisation, people and tickets when the database is empty at start-up.
    /// Off unless asked for (`make run` asks): the demo's people share one published password,
    /// which must never reach a production database by default.
    pub demo_on_first_start: bool,
    /// The address people reach Tierline at: links in e-mail and chat messages start with it.
    pub public_url: String,
    /// The mail server e-mail notifications go through; without it they fail visibly.
    pub smtp: Option<SmtpSettings>,
    /// The Slack incoming webhook the policy's `slack` channel posts to.
    pub slack: Option<ChatSettings>,
    /// The Microsoft Teams Workflows webhook the policy's `teams` channel posts to.
    pub teams: Option<ChatSettings>,
    /// Webhooks by name, for the policy's `webhook:NAME` channels: generic signed JSON, or Slack
    /// and Teams channels of their own.
    pub webhooks: BTreeMap<String, WebhookSettings>,
    /// How long a delivery worker holds a delivery it is sending; if it dies meanwhile, another
    /// (or the restarted one) sends it again after this long, with the same idempotency key.
    pub delivery_lease_seconds: u64,
    /// The bearer token Prometheus brings to `/metrics`; without one, `/metrics` answers only
    /// requests from this host that no proxy forwarded.
    pub metrics_token: Option<String>,
    /// The key that signs the links of satisfaction surveys: at least 32 characters (`openssl
    /// rand -hex 32`). Unset with SQLite, Tierline keeps one in the file `link-key` beside the
    /// database, made on first start; PostgreSQL needs it set, the same on every instance.
    pub link_key: Option<String>,
}

/// How e-mail leaves Tierline.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `none` (plain, for a relay on the same host), `starttls` or `tls` (implicit TLS).
    #[serde(default = "default_tls")]
    pub tls: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `Tierline <support@example.com>`.
    pub from: String,
}

fn default_tls() -> String {
    "starttls".to_string()
}

/// A chat channel's incoming webhook. Its URL is a credential: `Debug` leaves it out.
#[derive(Clone, Serialize, Deserialize)]
pub struct ChatSettings {
    pub url: String,
}

impl std::fmt::Debug for ChatSettings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ChatSettings").field("url", &"(redacted)").finish()
    }
}

/// A named webhook. Its URL and secret are credentials: `Debug` leaves them out.
#[derive(Clone, Serialize, Deserialize)]
pub struct WebhookSettings {
    pub url: String,
    /// What the body looks like: the generic signed JSON, or a Slack or Teams message, so each
    /// team's chat channel can be a webhook of its own.
    #[serde(default)]
    pub format: WebhookFormat,
    /// The shared secret of the `Tierline-Signature` header (HMAC-SHA256), required for the
    /// generic format; see docs/webhooks.md.
    #[serde(default)]
    pub secret: String,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("WebhookSettings")
            .field("url", &"(redacted)")
            .field("format", &self.format)
            .field("secret", &"(redacted)")
            .finish()
    }
}

/// The body a named webhook posts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The generic JSON body, signed.
    #[default]
    Json,
    /// A Slack incoming-webhook message.
    Slack,
    /// A Microsoft Teams Workflows card.
    Teams,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite:data/tierline.db".to_string(),
            secure_cookies: false,
            login_attempts_per_minute: 10,
            trusted_proxies: Vec::new(),
            log_format: "text".to_string(),
            demo_on_first_start: false,
            public_url: "http://127.0.0.1:3000".to_string(),
            smtp: None,
            slack: None,
            teams: None,
            webhooks: BTreeMap::new(),
            delivery_lease_seconds: 120,
            metrics_token: None,
            link_key: None,
        }
    }
}

impl Settings {
    pub fn load(file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let file = file.map(Path::to_path_buf).unwrap_or_else(|| "tierline.toml".into());
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            // `TIERLINE_SMTP__HOST` sets `smtp.host`.
            .merge(Env::prefixed("TIERLINE_").split("__"))
            .merge(Env::raw().only(&["DATABASE_URL"]).map(|_| "database_url".into()))
            .extract()
            .map_err(Box::new)
    }

    /// The database URL with any password replaced, for logs.
    pub fn redacted_database_url(&self) -> String {
        match (self.database_url.find("://"), self.database_url.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let credentials = &self.database_url[scheme_end + 3..at];
                match credentials.split_once(':') {
                    Some((user, _)) => format!(
                        "{}{user}:***{}",
                        &self.database_url[..scheme_end + 3],
                        &self.database_url[at..]
                    ),
                    None => self.database_url.clone(),
                }
            }
            _ => self.database_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_the_database_url() {
        let settings =
            Settings { database_url: "postgres://tl:secret@db:5432/tierline".into(), ..Settings::default() };
        assert_eq!(settings.redacted_database_url(), "postgres://tl:***@db:5432/tierline");
        let plain = Settings::default();
        assert_eq!(plain.redacted_database_url(), "sqlite:data/tierline.db");
    }

    // Jail's closures return figment's own (large) error type; the size does not matter here.
    #[allow(clippy::result_large_err)]
    #[test]
    fn trusted_proxies_come_from_the_file_or_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("tierline.toml", "trusted_proxies = [\"10.0.0.0/8\"]\n")?;
            assert_eq!(Settings::load(None).expect("settings").trusted_proxies, ["10.0.0.0/8"]);
            jail.set_env("TIERLINE_TRUSTED_PROXIES", "[\"192.0.2.1\", \"10.0.0.0/8\"]");
            assert_eq!(Settings::load(None).expect("settings").trusted_proxies, ["192.0.2.1", "10.0.0.0/8"]);
            Ok(())
        });
    }

    #[test]
    fn named_webhooks_read_their_format_and_default_to_signed_json() {
        let folder = std::env::temp_dir().join(format!("tierline-config-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("folder");
        let file = folder.join("tierline.toml");
        std::fs::write(
            &file,
            "[webhooks.l2-chat]\nurl = \"https://hooks.slack.com/services/T/B/X\"\nformat = \"slack\"\n\n\
             [webhooks.status-page]\nurl = \"https://status.example.com/hook\"\nsecret = \"s3cret\"\n",
        )
        .expect("settings file");
        let settings = Settings::load(Some(&file)).expect("settings");
        assert_eq!(settings.webhooks["l2-chat"].format, WebhookFormat::Slack);
        assert_eq!(settings.webhooks["status-page"].format, WebhookFormat::Json);
        assert_eq!(settings.webhooks["status-page"].secret, "s3cret");
        std::fs::write(&file, "[webhooks.pager]\nurl = \"https://example.com\"\nformat = \"sms\"\n")
            .expect("settings file");
        let error = Settings::load(Some(&file)).expect_err("an unknown format");
        assert!(error.to_string().contains("sms"), "{error}");
        std::fs::remove_dir_all(&folder).expect("clean up");
    }
}
