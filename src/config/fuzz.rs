//! Fuzzing of the settings as read from a TOML file and from `SPRACHPOOL_*` variables: any
//! text is loaded or refused, never a panic, and settings that load keep every range.

use std::cell::RefCell;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use super::*;

/// What a loaded configuration promises beyond its types.
fn within_ranges(settings: &Settings) -> Result<(), TestCaseError> {
    prop_assert!((1..=56).contains(&settings.planning_horizon_days));
    prop_assert!((1..=60).contains(&settings.planning_time_limit_seconds));
    prop_assert!((1..=365).contains(&settings.referral_follow_up_days));
    Ok(())
}

const KEYS: [&str; 9] = [
    "bind",
    "database_url",
    "log_format",
    "planning_daily_at",
    "planning_horizon_days",
    "referral_follow_up_days",
    "smtp_port",
    "smtp_tls",
    "smtp_password",
];

/// A value each of [`KEYS`] takes from the environment.
const GOOD: [&str; 9] =
    ["127.0.0.1:8080", "sqlite::memory:", "text", "05:30", "14", "28", "587", "starttls", "geheim"];

fn odd_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        "\"[^\"\\\\]{0,20}\"",
        "\"[0-9:+ -]{0,6}\"",
        prop::sample::select(vec![
            "true",
            "[1, 2]",
            "{ a = 1 }",
            "1e400",
            "nan",
            "inf",
            "-1",
            "0",
            "57",
            "4294967296",
            "\"0.0.0.0:99999\"",
            "\"24:00\"",
            "\"+5:30\"",
            "\"json\"",
            "\"TLS\"",
            "'''x'''",
        ])
        .prop_map(str::to_owned),
    ]
}

fn toml_text() -> impl Strategy<Value = String> {
    let line = (prop::sample::select(KEYS.to_vec()), odd_value(), any::<bool>());
    prop_oneof![
        any::<String>(),
        prop::collection::vec(line, 0..6).prop_map(|lines| {
            lines
                .iter()
                .map(|(key, value, table)| {
                    if *table {
                        format!("[{key}]\nx = {value}\n")
                    } else {
                        format!("{key} = {value}\n")
                    }
                })
                .collect()
        }),
    ]
}

/// Runs `cases` of `strategy` inside one jail, which restores the environment afterwards.
fn in_jail<S: Strategy>(
    cases: u32,
    strategy: S,
    test: impl Fn(&RefCell<&mut figment::Jail>, S::Value) -> Result<(), TestCaseError>,
) {
    figment::Jail::expect_with(|jail| {
        let jail = RefCell::new(jail);
        // Failures are reported with their input; there is no source file to persist them to.
        let config = Config { cases, failure_persistence: None, ..Config::default() };
        TestRunner::new(config)
            .run(&strategy, |value| test(&jail, value))
            .map_err(|e| e.to_string())?;
        Ok(())
    });
}

#[test]
fn any_file_is_loaded_within_range_or_refused() {
    in_jail(500, toml_text(), |jail, text| {
        jail.borrow()
            .create_file("fuzz.toml", &text)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Ok(settings) = Settings::load(Some(Path::new("fuzz.toml"))) {
            within_ranges(&settings)?;
        }
        Ok(())
    });
}

#[test]
fn any_environment_value_is_loaded_within_range_or_refused() {
    // The operating system keeps NUL out of the environment.
    let value = prop_oneof![odd_value(), "[^\\x00]{0,30}"].prop_map(|v| v.replace('\0', ""));
    in_jail(500, (prop::sample::select(KEYS.to_vec()), value), |jail, (key, value)| {
        let mut jail = jail.borrow_mut();
        // The other variables hold good values, so that the one at hand decides.
        for (other, good) in KEYS.iter().zip(GOOD) {
            jail.set_env(format!("SPRACHPOOL_{}", other.to_uppercase()), good);
        }
        jail.set_env(format!("SPRACHPOOL_{}", key.to_uppercase()), value);
        if let Ok(settings) = Settings::load(None) {
            within_ranges(&settings)?;
        }
        Ok(())
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Whatever a database URL holds, its password never reaches a log line.
    #[test]
    fn a_database_password_is_never_shown(
        user in "[a-z]{1,8}",
        password in "[A-Z0-9!$&'()*+=~_.-]{8,20}",
        host in "[a-z]{1,10}(\\.[a-z]{2,5})?",
        rest in "(:[0-9]{1,5})?(/[a-z]{0,8})?(\\?[a-z=&]{0,10})?",
        scheme in prop::sample::select(vec!["postgres", "postgresql", "sqlite", "mysql", "x"]),
    ) {
        let url = DatabaseUrl::new(format!("{scheme}://{user}:{password}@{host}{rest}"));
        let shown = format!("{url:?}");
        prop_assert!(!shown.contains(&password), "{}", shown);
        prop_assert!(!url.redacted().contains(&password));
    }

    #[test]
    fn any_database_url_is_shown_without_panic(text in any::<String>()) {
        let shown = format!("{:?}", DatabaseUrl::new(text));
        prop_assert!(shown.starts_with("DatabaseUrl("));
    }
}

#[test]
fn the_good_environment_loads() {
    figment::Jail::expect_with(|jail| {
        for (key, good) in KEYS.iter().zip(GOOD) {
            jail.set_env(format!("SPRACHPOOL_{}", key.to_uppercase()), good);
        }
        let settings = Settings::load(None).map_err(|e| e.to_string())?;
        assert_eq!(settings.planning_daily_at.map(|t| t.to_string()).as_deref(), Some("05:30"));
        Ok(())
    });
}
