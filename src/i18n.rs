//! The texts of the pages and of the annual report, in German (the default) and English, from
//! `web/locales/*.toml`. Keys are dotted (`login.title`); a test checks that every key a template
//! or renderer uses exists in both.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::Locale;
use crate::domain::time::Weekday;

/// A catalogue flattened to `section.key → text`.
type Catalogue = HashMap<String, String>;

fn load(source: &str) -> Catalogue {
    fn flatten(prefix: &str, value: &toml::Value, out: &mut Catalogue) {
        match value {
            toml::Value::Table(table) => {
                for (key, inner) in table {
                    let path =
                        if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    flatten(&path, inner, out);
                }
            }
            toml::Value::String(text) => {
                out.insert(prefix.to_owned(), text.clone());
            }
            other => {
                out.insert(prefix.to_owned(), other.to_string());
            }
        }
    }
    let mut out = Catalogue::new();
    match source.parse::<toml::Table>() {
        Ok(table) => flatten("", &toml::Value::Table(table), &mut out),
        Err(e) => tracing::error!(error = %e, "a locale file does not parse"),
    }
    out
}

static GERMAN: LazyLock<Catalogue> = LazyLock::new(|| load(include_str!("web/locales/de.toml")));
static ENGLISH: LazyLock<Catalogue> = LazyLock::new(|| load(include_str!("web/locales/en.toml")));

/// Looks texts up in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Locale);

impl Tr {
    fn catalogue(self) -> &'static Catalogue {
        match self.0 {
            Locale::De => &GERMAN,
            Locale::En => &ENGLISH,
        }
    }

    /// The text of `key`; the key itself (and a log line) if it is missing.
    pub fn get<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        match self.catalogue().get(key) {
            Some(text) => text.as_str(),
            None => {
                tracing::warn!(key, "missing text");
                key
            }
        }
    }

    /// A text with `{name}` placeholders filled in.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_owned();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    pub fn weekday(&self, day: Weekday) -> &'static str {
        self.catalogue()
            .get(&format!("weekday.{}", day.as_str()))
            .map_or(day.as_str(), String::as_str)
    }

    /// A date as people write it in this language.
    pub fn date(&self, date: chrono::NaiveDate) -> String {
        match self.0 {
            Locale::De => date.format("%d.%m.%Y").to_string(),
            Locale::En => date.format("%-d %b %Y").to_string(),
        }
    }

    /// The code of the language (`de`, `en`), for `lang` attributes.
    pub fn code(&self) -> &'static str {
        self.0.as_str()
    }
}

/// Every key of a catalogue, for the consistency test.
pub fn keys(locale: Locale) -> Vec<String> {
    let mut keys: Vec<String> = Tr(locale).catalogue().keys().cloned().collect();
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        assert!(!keys(Locale::De).is_empty());
        assert_eq!(keys(Locale::De), keys(Locale::En));
    }

    #[test]
    fn every_key_used_by_a_template_or_page_exists() {
        let known = keys(Locale::De);
        let mut sources = Vec::new();
        for dir in [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/web"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/report"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/services/notify"),
        ] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "html" || e == "rs") {
                    sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let mut missing = Vec::new();
        for (path, text) in &sources {
            for call in ["t.get(\"", "t.fill(\"", "tr(\""] {
                for piece in text.split(call).skip(1) {
                    let key = piece.split('"').next().unwrap();
                    if !known.iter().any(|k| k == key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing texts: {missing:#?}");
    }

    #[test]
    fn every_value_shown_on_a_page_has_a_text() {
        use crate::domain::booking::{
            AppointmentKind, AppointmentStatus, AssignmentStatus, FallbackKind,
        };
        use crate::domain::{Gender, Mode};
        let known = keys(Locale::De);
        let mut wanted: Vec<String> = Vec::new();
        wanted.extend(AppointmentStatus::ALL.iter().map(|s| format!("status.{s}")));
        wanted.extend(AssignmentStatus::ALL.iter().map(|s| format!("assignment_status.{s}")));
        wanted.extend(AppointmentKind::ALL.iter().map(|k| format!("kind.{k}")));
        wanted.extend(FallbackKind::ALL.iter().map(|f| format!("fallback.{f}")));
        wanted.extend(Mode::ALL.iter().map(|m| format!("mode.{m}")));
        wanted.extend(Gender::ALL.iter().map(|g| format!("gender.{g}")));
        wanted.extend(Weekday::ALL.iter().map(|d| format!("weekday.{d}")));
        wanted.extend(
            ["sensitive_topic", "no_speaker", "no_eligible_interpreter", "capacity"]
                .map(|r| format!("reason.{r}")),
        );
        wanted.extend(
            ["running", "applied", "discarded", "failed"].map(|s| format!("planning.status.{s}")),
        );
        wanted
            .extend(["optimal", "time_limit", "heuristic"].map(|s| format!("planning.solver.{s}")));
        wanted.extend((1..=5).map(|p| format!("priority.p{p}")));
        let missing: Vec<&String> = wanted.iter().filter(|k| !known.contains(k)).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn dates_follow_the_language() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(Tr(Locale::De).date(date), "05.12.2026");
        assert_eq!(Tr(Locale::En).date(date), "5 Dec 2026");
        assert_eq!(Tr(Locale::De).weekday(Weekday::Mon), "Montag");
    }
}
