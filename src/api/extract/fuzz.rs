//! Fuzzing of the JSON body extractor over request types of the API: arbitrary bytes are a
//! 400 exactly when they are not JSON, and a valid body with one member changed, dropped or
//! renamed is taken or refused with a 422 that names that member.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Value, json};

use super::parse_json;
use crate::error::AppError;
use crate::services::booking::BookingRequest;
use crate::services::courses::CourseInput;
use crate::services::planning::runs::RunRequest;
use crate::services::profile::{AvailabilityInput, LanguagesInput};

/// A valid body of each request type.
fn bodies() -> Vec<(&'static str, Value)> {
    vec![
        (
            "booking",
            json!({
                "client_ref": "K-4711", "language": "ar", "min_level": "B2",
                "start": "2026-03-24T09:00:00+01:00", "end": "2026-03-24T10:00:00+01:00",
                "mode": "in_person", "site": "mitte", "kind": "counselling", "priority": 3,
                "sensitive": false, "gender_preference": null,
                "series": { "every_weeks": 2, "until": "2026-06-30" }
            }),
        ),
        (
            "course",
            json!({
                "provider_id": 1, "programme": "integration_general", "target_level": "B1",
                "teaching_units": 700, "starts_on": "2026-09-01", "ends_on": null,
                "registration_deadline": null, "rolling_entry": true, "schedule": "part_time",
                "time_of_day": "morning", "site": null, "address": null, "seats": 20,
                "free_seats": 4, "childcare": false, "kursnet_ref": "K-100"
            }),
        ),
        ("run", json!({ "from": "2026-03-23", "to": "2026-04-05", "time_limit_seconds": 10 })),
        (
            "availability",
            json!({ "weekday": "mon", "start": "08:00", "end": "12:30", "valid_from": null,
                    "valid_until": null, "site": null, "remote_only": false }),
        ),
        (
            "languages",
            json!({ "languages": [{ "tag": "ar", "level": "native", "written": true }] }),
        ),
    ]
}

/// Parses `bytes` as the request type named `kind`, keeping only the refusal.
fn refusal(kind: &str, bytes: &[u8]) -> Option<AppError> {
    fn as_type<T: DeserializeOwned>(bytes: &[u8]) -> Option<AppError> {
        parse_json::<T>(bytes).err()
    }
    match kind {
        "booking" => as_type::<BookingRequest>(bytes),
        "course" => as_type::<CourseInput>(bytes),
        "run" => as_type::<RunRequest>(bytes),
        "availability" => as_type::<AvailabilityInput>(bytes),
        _ => as_type::<LanguagesInput>(bytes),
    }
}

/// 400 exactly for what is not JSON; a 422 names one field.
fn classified(kind: &str, bytes: &[u8]) -> Result<Option<String>, TestCaseError> {
    let is_json = serde_json::from_slice::<IgnoredAny>(bytes).is_ok();
    match refusal(kind, bytes) {
        None => Ok(None),
        Some(AppError::BadRequest { .. }) => {
            prop_assert!(
                !is_json,
                "{kind}: JSON refused as malformed: {:?}",
                String::from_utf8_lossy(bytes)
            );
            Ok(None)
        }
        Some(AppError::Validation(errors)) => {
            prop_assert!(is_json, "{kind}: malformed JSON refused as a shape error");
            let fields: Vec<&str> = errors.fields().collect();
            prop_assert_eq!(fields.len(), 1, "{:?}", fields);
            Ok(Some(fields[0].to_owned()))
        }
        Some(other) => Err(TestCaseError::fail(format!("{kind}: {other:?}"))),
    }
}

/// The members of a body as field paths (`series.until`, `languages[0].level`).
fn members(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
                out.push(path.clone());
                members(child, &path, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                members(child, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The object holding the member at `path`, and the member's name.
fn parent_of<'a>(
    body: &'a mut Value,
    path: &str,
) -> Option<(&'a mut serde_json::Map<String, Value>, String)> {
    let (parent, name) = path.rsplit_once('.').unwrap_or(("", path));
    let mut at = body;
    for step in parent.split('.').filter(|s| !s.is_empty()) {
        let (key, index) = step.split_once('[').unwrap_or((step, ""));
        at = at.get_mut(key)?;
        if let Some(i) = index.strip_suffix(']') {
            at = at.get_mut(i.parse::<usize>().ok()?)?;
        }
    }
    Some((at.as_object_mut()?, name.to_owned()))
}

fn odd_value() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!({}),
        json!([]),
        json!(null),
        json!(5),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(true),
        json!(""),
        json!("B9"),
        json!("24:00"),
        json!("2026-02-30"),
        json!("+262142-12-31"),
        json!("2026-03-29T02:30:00"),
        json!(["ar"]),
    ])
}

#[derive(Debug, Clone)]
enum Change {
    Replace(Value),
    Drop,
    Rename,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_are_a_bad_request_or_a_named_field(
        kind in prop::sample::select(vec!["booking", "course", "run", "availability", "languages"]),
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            "[{}\\[\\]\":, 0-9a-z_.+-]{0,120}".prop_map(String::into_bytes),
        ],
    ) {
        classified(kind, &bytes)?;
    }

    #[test]
    fn a_changed_member_is_taken_or_named(
        body in any::<prop::sample::Index>(),
        member in any::<prop::sample::Index>(),
        change in prop_oneof![odd_value().prop_map(Change::Replace), Just(Change::Drop), Just(Change::Rename)],
    ) {
        let (kind, mut value) = body.get(&bodies()).clone();
        prop_assert_eq!(classified(kind, value.to_string().as_bytes())?, None, "{} is valid", kind);
        let mut all = Vec::new();
        members(&value, "", &mut all);
        let path = member.get(&all).clone();
        let Some((object, name)) = parent_of(&mut value, &path) else {
            return Err(TestCaseError::fail(format!("no member {path}")));
        };
        let (named, expected) = match change {
            Change::Replace(odd) => {
                object.insert(name, odd);
                (classified(kind, value.to_string().as_bytes())?, path)
            }
            Change::Drop => {
                object.remove(&name);
                (classified(kind, value.to_string().as_bytes())?, path)
            }
            Change::Rename => {
                let moved = object.remove(&name).unwrap_or_default();
                object.insert(format!("{name}_"), moved);
                let named = classified(kind, value.to_string().as_bytes())?;
                prop_assert!(named.is_some(), "{}: unknown member {}_ taken", kind, path);
                (named, format!("{path}_"))
            }
        };
        if let Some(field) = named {
            prop_assert!(
                field == expected
                    || field.starts_with(&format!("{expected}."))
                    || field.starts_with(&format!("{expected}[")),
                "{}: {} changed, {} named", kind, expected, field
            );
        }
    }
}
