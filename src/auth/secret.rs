//! The deployment's secret key: it signs what the service hands out and must recognise again
//! (the CSRF tokens of the pages). All instances of a deployment share it (`secret_key`).
//! Without the setting, a single instance on SQLite, or `serve --demo`, keeps a random key
//! in the file `secret_key` of its data directory, made on the first start; on PostgreSQL,
//! where several instances may serve together, plain `serve` refuses to start without it.

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::config::Settings;

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// The key; never printed.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl SecretKey {
    /// The setting's key, or a random one for this process alone (tests, benchmarks).
    #[must_use]
    pub fn from_settings(settings: &Settings) -> Self {
        settings.secret_key.as_ref().map_or_else(
            || Self(random().into_bytes()),
            |s| Self(s.expose_secret().as_bytes().to_vec()),
        )
    }

    /// HMAC-SHA256 of `data` under this key for `purpose`, as hex: the same purpose and data
    /// give the same text, and no one without the key can make it.
    #[must_use]
    pub fn sign(&self, purpose: &str, data: &[u8]) -> String {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }
}

fn random() -> String {
    super::token::generate()
}

/// Where a key without the setting is kept: beside the SQLite file, else in `./data`.
#[must_use]
pub fn data_directory(settings: &Settings) -> PathBuf {
    let url = settings.database_url.expose();
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    match Path::new(path).parent() {
        Some(dir) if settings.database_url.is_sqlite() && !path.starts_with("file:") => {
            if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.to_owned() }
        }
        _ => PathBuf::from("data"),
    }
}

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "secret_key is not set: on PostgreSQL every instance needs the same key; set \
         SPRACHPOOL_SECRET_KEY (at least {MIN_KEY_BYTES} characters, e.g. from `openssl rand -hex 32`)"
    )]
    Missing,
    #[error("secret_key must be at least {MIN_KEY_BYTES} characters")]
    TooShort,
    #[error("cannot keep the secret key in {0}: {1}")]
    File(PathBuf, std::io::Error),
}

/// Makes sure `settings` has a key: the setting's, or for SQLite and demo runs the one kept in
/// the data directory (made there on the first start, readable by the owner only).
///
/// # Errors
/// No key on PostgreSQL outside a demo, a key too short, or the file cannot be read or made.
pub fn ensure(settings: &mut Settings, demo: bool) -> Result<(), KeyError> {
    if let Some(key) = &settings.secret_key {
        return if key.expose_secret().len() >= MIN_KEY_BYTES {
            Ok(())
        } else {
            Err(KeyError::TooShort)
        };
    }
    if !settings.database_url.is_sqlite() && !demo {
        return Err(KeyError::Missing);
    }
    let dir = data_directory(settings);
    let file = dir.join("secret_key");
    let key = match std::fs::read_to_string(&file) {
        Ok(text) => text.trim().to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&dir).map_err(|e| KeyError::File(file.clone(), e))?;
            let key = random();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut out = options.open(&file).map_err(|e| KeyError::File(file.clone(), e))?;
            out.write_all(key.as_bytes()).map_err(|e| KeyError::File(file.clone(), e))?;
            tracing::info!(file = %file.display(), "made a secret key for this deployment");
            key
        }
        Err(e) => return Err(KeyError::File(file, e)),
    };
    if key.len() < MIN_KEY_BYTES {
        return Err(KeyError::TooShort);
    }
    settings.secret_key = Some(SecretString::from(key));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;

    fn on(url: &str) -> Settings {
        Settings { database_url: DatabaseUrl::new(url), ..Settings::default() }
    }

    #[test]
    fn a_key_is_kept_beside_the_sqlite_file_and_found_again() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite://{}/sp.db?mode=rwc", dir.path().display());
        let mut first = on(&url);
        ensure(&mut first, false).unwrap_or_else(|e| panic!("{e}"));
        let mut second = on(&url);
        ensure(&mut second, false).unwrap_or_else(|e| panic!("{e}"));
        let key = |s: &Settings| s.secret_key.as_ref().map(|k| k.expose_secret().to_owned());
        assert_eq!(key(&first), key(&second));
        assert!(dir.path().join("secret_key").exists());
        let a = SecretKey::from_settings(&first);
        assert_eq!(a.sign("csrf", b"1"), SecretKey::from_settings(&second).sign("csrf", b"1"));
        assert_ne!(a.sign("csrf", b"1"), a.sign("csrf", b"2"));
        assert_ne!(a.sign("csrf", b"1"), SecretKey::from_settings(&on(&url)).sign("csrf", b"1"));
    }

    #[test]
    fn postgres_needs_the_setting_unless_it_is_a_demo() {
        let mut plain = on("postgres://app@db.example/sprachpool");
        assert!(matches!(ensure(&mut plain, false), Err(KeyError::Missing)));
        let mut short = on("postgres://app@db.example/sprachpool");
        short.secret_key = Some(SecretString::from("short"));
        assert!(matches!(ensure(&mut short, false), Err(KeyError::TooShort)));
        let mut set = on("postgres://app@db.example/sprachpool");
        set.secret_key = Some(SecretString::from("k".repeat(40)));
        assert!(ensure(&mut set, false).is_ok());
    }
}
