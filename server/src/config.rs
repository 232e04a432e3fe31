//! Settings, layered: built-in defaults, then the TOML file (`tierline.toml` in the working
//! folder, or the one named by `--config` / `TIERLINE_CONFIG`), then environment variables
//! (`TIERLINE_*`, and `DATABASE_URL` for the database). Leptos reads its own
//! `LEPTOS_SITE_ADDR` and `LEPTOS_SITE_ROOT`.

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
    /// Sign-in attempts allowed per minute for each client address and each account.
    pub login_attempts_per_minute: u32,
    /// `text` for people, `json` for log collectors.
    pub log_format: String,
    /// Load the demo organisation, people and tickets when the database is empty at start-up.
    pub demo_on_first_start: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite:data/tierline.db".to_string(),
            secure_cookies: false,
            login_attempts_per_minute: 10,
            log_format: "text".to_string(),
            demo_on_first_start: true,
        }
    }
}

impl Settings {
    pub fn load(file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let file = file.map(Path::to_path_buf).unwrap_or_else(|| "tierline.toml".into());
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("TIERLINE_"))
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
}
