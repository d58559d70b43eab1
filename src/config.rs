//! Settings: built-in defaults < optional TOML file < `SPRACHPOOL_*` environment variables
//! (`__` separates nested keys). Every setting has a working default, so `sprachpool serve`
//! needs no file at all. Secrets (the database password) never appear in `Debug` output.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Deserializer};

use crate::domain::time::LocalTime;

/// The service's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://…` (embedded, default) or `postgres://…`.
    pub database_url: DatabaseUrl,
    /// Largest number of pooled database connections.
    pub database_max_connections: u32,
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Address `/metrics` (Prometheus text format) is served on, for operators only; none by
    /// default. Keep it off the users' network.
    pub metrics_bind: Option<SocketAddr>,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Default log filter when `RUST_LOG` is not set.
    pub log_level: String,
    /// How long a login (token or browser session) stays valid without use.
    pub session_idle_minutes: u32,
    /// Upper bound of a login's lifetime, however active.
    pub session_max_hours: u32,
    /// Mark cookies `Secure`; switch on whenever the service is reached over HTTPS.
    pub secure_cookies: bool,
    /// Failed logins of one username from one address before each further attempt from there
    /// waits, 1 s at first and twice as long each time after.
    pub login_max_failures: u32,
    /// The window over which failed logins count, in minutes, and the longest such wait.
    pub login_lockout_minutes: u32,
    /// Failed logins from one address within the window before it is refused for the rest of
    /// it, whatever the username.
    pub login_address_max_failures: u32,
    /// Failed logins of one username from all addresses within an hour before the account is
    /// locked for an hour; an admin can lift the lock.
    pub login_username_max_failures: u32,
    /// Password checks at once per instance; a few more logins wait up to 2 s, the rest are
    /// answered 503.
    pub login_max_verifications: u32,
    /// Seconds a client may take to send a request's headers (or to start the next request on
    /// a kept-alive connection), and may pause between the chunks of a request body.
    pub http_timeout_seconds: u32,
    /// Connections open at once; one beyond them is closed at once.
    pub max_connections: u32,
    /// Signs the pages' CSRF tokens; the same on every instance, at least 32 characters.
    /// Without it SQLite and demo runs keep one in the data directory; PostgreSQL needs it.
    /// Never printed.
    pub secret_key: Option<secrecy::SecretString>,
    /// Reverse proxies whose `X-Forwarded-For` names the client; without them the client is
    /// the connection's peer.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Local time (Europe/Berlin, `HH:MM`) of a daily planning run for every organisation;
    /// none by default.
    pub planning_daily_at: Option<LocalTime>,
    /// Days the daily run plans, today included (1–56).
    pub planning_horizon_days: u32,
    /// Seconds the optimiser may take in a daily run (1–60).
    pub planning_time_limit_seconds: u32,
    /// Days after which a referral that did not move comes up for follow-up (1–365).
    pub referral_follow_up_days: u32,
    /// The address users reach the service at, for links in calendar feeds and e-mails.
    pub public_url: String,
    /// SMTP relay for notifications; none: messages wait in the outbox.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `starttls` (default), `tls` (implicit, port 465) or `none` (a local relay only).
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    /// Never printed.
    pub smtp_password: Option<secrecy::SecretString>,
    /// Sender, e.g. `sprachpool <dolmetschpool@jobcenter.example>`.
    pub smtp_from: String,
    /// Attempts before a message is parked for the admins.
    pub outbox_max_attempts: u32,
    /// Months after which clients without activity are anonymised and the free text of
    /// appointments, absences and messages is deleted (1–120).
    pub retention_months: u32,
    /// Seconds a worker reserves a message it is sending (2–3600). A message whose worker died
    /// is sent again once its lease has run out; a send that takes half of it is given up.
    pub outbox_lease_seconds: u32,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    #[default]
    Starttls,
    Tls,
    None,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: DatabaseUrl("sqlite://data/sprachpool.db?mode=rwc".to_owned()),
            database_max_connections: 10,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_bind: None,
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            session_idle_minutes: 8 * 60,
            session_max_hours: 24,
            secure_cookies: false,
            login_max_failures: 5,
            login_lockout_minutes: 15,
            login_address_max_failures: 30,
            login_username_max_failures: 50,
            login_max_verifications: 4,
            trusted_proxies: Vec::new(),
            secret_key: None,
            http_timeout_seconds: 10,
            max_connections: 1024,
            planning_daily_at: None,
            planning_horizon_days: 14,
            planning_time_limit_seconds: 10,
            referral_follow_up_days: 28,
            public_url: "http://127.0.0.1:8080".to_owned(),
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            smtp_from: "sprachpool <noreply@sprachpool.invalid>".to_owned(),
            outbox_max_attempts: 8,
            retention_months: 24,
            outbox_lease_seconds: 120,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// A database URL whose password is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The full URL, password included: only for opening the connection.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }

    /// The URL with any password replaced by `***`, for logs and messages.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                // Setting a password only fails for URLs that cannot have one.
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            Ok(_) => self.0.clone(),
            Err(_) => "<unparseable database URL>".to_owned(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Settings could not be read, or a value is out of its range.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid settings: {0}")]
    Read(#[from] Box<figment::Error>),
    #[error("invalid settings: {0}")]
    Range(String),
    /// The settings reader failed on a value instead of refusing it.
    #[error("invalid settings: a value in the file or the environment cannot be read")]
    Unreadable,
}

/// The file read when no `--config` is given and it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "sprachpool.toml";

impl Settings {
    /// Loads the settings: defaults, then `file` (or `sprachpool.toml` if present), then the
    /// environment. `SPRACHPOOL_CONFIG` (the file) and `SPRACHPOOL_ADMIN_PASSWORD` (read by
    /// `add-organisation`) are not settings.
    ///
    /// # Errors
    /// A file that does not parse, an unknown key, or a value of the wrong type.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::from_figment(
            file,
            Env::prefixed("SPRACHPOOL_").split("__").ignore(&["config", "admin_password"]),
        )
    }

    fn from_figment(file: Option<&Path>, env: Env) -> Result<Self, SettingsError> {
        let path: Option<PathBuf> = match file {
            Some(path) => Some(path.to_owned()),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
        };
        let mut figment = Figment::new();
        if let Some(path) = path {
            // An explicitly named file must exist.
            figment = figment.merge(Toml::file_exact(path));
        }
        // figment 0.10 panics on some quoted values with escapes after a non-ASCII character
        // (`"¡\a"`); such a value is refused like any other that does not parse.
        let extracted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            figment.merge(env).extract::<Self>().map_err(Box::new)
        }))
        .map_err(|_| SettingsError::Unreadable)?;
        let settings = extracted.map_err(SettingsError::Read)?;
        settings.check_ranges()?;
        Ok(settings)
    }

    fn check_ranges(&self) -> Result<(), SettingsError> {
        let within = |name: &str, value: u32, range: std::ops::RangeInclusive<u32>| {
            if range.contains(&value) {
                Ok(())
            } else {
                Err(SettingsError::Range(format!(
                    "{name} is {value}; it must be between {} and {}",
                    range.start(),
                    range.end()
                )))
            }
        };
        within("planning_horizon_days", self.planning_horizon_days, 1..=56)?;
        within("planning_time_limit_seconds", self.planning_time_limit_seconds, 1..=60)?;
        within("referral_follow_up_days", self.referral_follow_up_days, 1..=365)?;
        within("retention_months", self.retention_months, 1..=120)?;
        within("outbox_lease_seconds", self.outbox_lease_seconds, 2..=3600)?;
        within("login_max_failures", self.login_max_failures, 1..=100)?;
        within("login_lockout_minutes", self.login_lockout_minutes, 1..=1440)?;
        within("login_address_max_failures", self.login_address_max_failures, 1..=100_000)?;
        within("login_username_max_failures", self.login_username_max_failures, 1..=100_000)?;
        within("login_max_verifications", self.login_max_verifications, 1..=64)?;
        within("http_timeout_seconds", self.http_timeout_seconds, 1..=300)?;
        within("max_connections", self.max_connections, 1..=100_000)
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's test jail returns its own large error type
mod fuzz;

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's test jail returns its own large error type
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_file() {
        figment::Jail::expect_with(|_jail| {
            let settings = Settings::load(None).expect("defaults");
            assert_eq!(settings.bind.to_string(), "127.0.0.1:8080");
            assert_eq!(settings.database_url.expose(), "sqlite://data/sprachpool.db?mode=rwc");
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("custom.toml", "bind = \"0.0.0.0:9000\"\nlog_format = \"json\"\n")?;
            jail.set_env("SPRACHPOOL_BIND", "127.0.0.1:9100");
            let settings = Settings::load(Some(Path::new("custom.toml"))).expect("settings");
            assert_eq!(settings.bind.to_string(), "127.0.0.1:9100");
            assert_eq!(settings.log_format, LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    fn a_daily_planning_time_comes_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            assert_eq!(Settings::load(None).expect("defaults").planning_daily_at, None);
            jail.set_env("SPRACHPOOL_PLANNING_DAILY_AT", "05:30");
            let at = Settings::load(None).expect("settings").planning_daily_at;
            assert_eq!(at.map(|t| t.to_string()).as_deref(), Some("05:30"));
            jail.set_env("SPRACHPOOL_PLANNING_DAILY_AT", "5 Uhr");
            assert!(Settings::load(None).is_err());
            jail.set_env("SPRACHPOOL_PLANNING_DAILY_AT", "05:30");
            jail.set_env("SPRACHPOOL_PLANNING_HORIZON_DAYS", "57");
            let refused = Settings::load(None).expect_err("out of range");
            assert!(refused.to_string().contains("planning_horizon_days is 57"), "{refused}");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("sprachpool.toml", "bnid = \"0.0.0.0:9000\"\n")?;
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn a_value_the_reader_chokes_on_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SPRACHPOOL_BIND", "\"¡\\a\"");
            assert!(matches!(Settings::load(None), Err(SettingsError::Unreadable)));
            Ok(())
        });
    }

    #[test]
    fn passwords_are_not_printed() {
        let url = DatabaseUrl::new("postgres://app:s3cret@db.example:5432/sprachpool");
        let shown = format!("{url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("app:***@db.example"), "{shown}");
    }
}
