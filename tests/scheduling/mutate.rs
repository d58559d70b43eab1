//! Changes to a valid problem file for the fuzz tests: its members dropped, renamed,
//! duplicated, swapped or given odd values, its text cut or with a character flipped; and
//! values of the right type at the edges of their range.

use std::sync::LazyLock;

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::{Value, json};
use sprachpool::scheduling::generate::{Spec, generate};
use sprachpool::scheduling::validate;

/// A small valid problem across the switch to summer time, as text and as a JSON value.
pub(crate) static BASE: LazyLock<(String, Value)> = LazyLock::new(|| {
    let spec = Spec {
        name: "fuzz".into(),
        interpreters: 4,
        appointments: 8,
        sites: 2,
        first_day: NaiveDate::from_ymd_opt(2026, 3, 23).unwrap(),
        weeks: 2,
        dense: true,
    };
    let problem = generate(&spec, 11);
    assert!(validate::validate(&problem).is_empty());
    // Through a JSON value, whose members are in alphabetical order, as in every mutation.
    let value = serde_json::to_value(&problem).unwrap();
    (serde_json::to_string_pretty(&value).unwrap(), value)
});

/// A place in the problem, spelled as serde_path_to_error and `validate` spell it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

pub(crate) fn spelled(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) if out.is_empty() => out.push_str(key),
            Step::Key(key) => out.push_str(&format!(".{key}")),
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Every place below the root, parents before children.
pub(crate) fn places(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        let children: Vec<(Step, &Value)> = match value {
            Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
            Value::Array(items) => {
                items.iter().enumerate().map(|(i, v)| (Step::Index(i), v)).collect()
            }
            _ => Vec::new(),
        };
        for (step, child) in children {
            at.push(step);
            out.push(at.clone());
            walk(child, at, out);
            at.pop();
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

pub(crate) fn at<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(key) => v.get(key.as_str()),
        Step::Index(i) => v.get(*i),
    })
}

/// The places whose value is not an object: strings, numbers, booleans, nulls and arrays.
pub(crate) fn leaves(value: &Value) -> Vec<Vec<Step>> {
    places(value).into_iter().filter(|p| at(value, p).is_some_and(|v| !v.is_object())).collect()
}

pub(crate) fn at_mut<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(key) => v.get_mut(key.as_str()),
        Step::Index(i) => v.get_mut(*i),
    })
}

/// Stands for a token JSON values cannot hold (`NaN`, `1e400`): put in after serialising.
pub(crate) const RAW: &str = "\u{1}raw";

/// Values that a field of some type does not expect, or expects only at its edge.
pub(crate) fn odd_value() -> impl Strategy<Value = (Value, Option<&'static str>)> {
    let json = prop::sample::select(vec![
        json!(u64::MAX),
        json!(4_294_967_296u64),
        json!(u32::MAX),
        json!(0),
        json!(-1),
        json!(i64::MIN),
        json!(1.5),
        json!(1e300),
        json!(""),
        json!("x".repeat(5000)),
        Value::Null,
        json!(true),
        json!([]),
        json!({}),
        json!([null]),
        json!("24:00"),
        json!("00:00"),
        json!("23:59"),
        json!("2026-02-30"),
        json!("+262142-12-31"),
        json!("+262142-12-31T23:30:00+00:00"),
        json!("-262143-01-01T00:00:00+00:00"),
        json!("2026-03-29T02:30:00+01:00"),
        json!("9999-12-31T23:59:59-23:59"),
        json!("0000-01-01T00:00:00+23:59"),
        json!("Pacific/Apia"),
        json!("native"),
        json!("in_person"),
        json!("sun"),
        json!("i000"),
        json!("site01"),
    ])
    .prop_map(|v| (v, None));
    let raw = prop::sample::select(vec![
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        "-1e400",
        "01",
        "+1",
        "0x10",
        "18446744073709551616",
        "-0",
        "\"\\ud800\"",
        "\"\\u0000\"",
        "\"24:00",
    ])
    .prop_map(|raw| (json!(RAW), Some(raw)));
    prop_oneof![3 => json, 1 => raw]
}

/// One change to the valid problem.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    /// Removes the member or element at a place.
    Drop(usize),
    /// Gives a member a name the format does not know.
    Rename(usize),
    /// Copies an array element, or an object member under its own name.
    Duplicate(usize),
    /// Exchanges the values at two places.
    Swap(usize, usize),
    /// Puts an odd value at a place.
    Replace(usize, Value, Option<&'static str>),
    /// Cuts the text after this many characters.
    Truncate(usize),
    /// Replaces one character of the text.
    Flip(usize, char),
}

pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    let flipped = prop_oneof![
        prop::sample::select(vec![
            '{', '}', '[', ']', '"', ':', ',', '\\', '0', '9', '-', 'e', ' '
        ]),
        any::<char>(),
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        any::<usize>().prop_map(Mutation::Rename),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<usize>(), odd_value()).prop_map(|(at, (v, raw))| Mutation::Replace(at, v, raw)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), flipped).prop_map(|(at, c)| Mutation::Flip(at, c)),
    ]
}

/// The text of the base problem after the mutations, in order.
pub(crate) fn mutated(mutations: &[Mutation]) -> String {
    let mut value = BASE.1.clone();
    let mut raw = None;
    let mut duplicate = None;
    let mut text_edits = Vec::new();
    for m in mutations {
        let all = places(&value);
        let pick = |n: usize| all[n % all.len()].clone();
        match m {
            Mutation::Drop(n) => {
                let path = pick(*n);
                let (last, parent) = path.split_last().unwrap();
                match (at_mut(&mut value, parent).unwrap(), last) {
                    (Value::Object(map), Step::Key(key)) => {
                        map.remove(key);
                    }
                    (Value::Array(items), Step::Index(i)) => {
                        items.remove(*i);
                    }
                    _ => unreachable!("a place is a member or an element"),
                }
            }
            Mutation::Rename(n) | Mutation::Duplicate(n) => {
                let path = pick(*n);
                let (last, parent) = path.split_last().unwrap();
                match (at_mut(&mut value, parent).unwrap(), last) {
                    (Value::Object(map), Step::Key(key)) if matches!(m, Mutation::Rename(_)) => {
                        let v = map.remove(key).unwrap();
                        map.insert(format!("{key}_"), v);
                    }
                    (Value::Object(_), Step::Key(key)) => duplicate = Some(key.clone()),
                    (Value::Array(items), Step::Index(i)) => {
                        let copy = items[*i].clone();
                        items.push(copy);
                    }
                    _ => unreachable!("a place is a member or an element"),
                }
            }
            Mutation::Swap(a, b) => {
                let (a, b) = (pick(*a), pick(*b));
                // One place inside the other: the swap would lose one of them.
                if a.starts_with(&b) || b.starts_with(&a) {
                    continue;
                }
                let va = at(&value, &a).unwrap().clone();
                let vb = std::mem::replace(at_mut(&mut value, &b).unwrap(), va);
                *at_mut(&mut value, &a).unwrap() = vb;
            }
            Mutation::Replace(n, odd, token) => {
                *at_mut(&mut value, &pick(*n)).unwrap() = odd.clone();
                raw = raw.or(*token);
            }
            Mutation::Truncate(_) | Mutation::Flip(..) => text_edits.push(m.clone()),
        }
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap();
    if let Some(token) = raw {
        text = text.replace(&serde_json::to_string(RAW).unwrap(), token);
    }
    if let Some(key) = duplicate {
        // A JSON value cannot hold a member twice; its text can.
        let quoted = format!("\"{key}\": ");
        if let Some(at) = text.find(&quoted) {
            text.insert_str(at, &format!("{quoted}null, "));
        }
    }
    for edit in text_edits {
        let chars = text.chars().count();
        match edit {
            Mutation::Truncate(n) => text = text.chars().take(n % chars.max(1)).collect(),
            Mutation::Flip(n, c) => {
                let k = n % chars.max(1);
                text = text.chars().enumerate().map(|(i, o)| if i == k { c } else { o }).collect();
            }
            _ => {}
        }
    }
    text
}

/// A value of the type the place already holds, at an edge of its range or of the calendar:
/// zero and the largest caps, instants on a change of summer time, at the ends of the
/// calendar or far from UTC, other time zones, references that are right or dangling.
pub(crate) fn edge_for(path: &[Step], current: &Value, pick: usize) -> Value {
    fn one<T: Clone>(items: &[T], pick: usize) -> T {
        items[pick % items.len()].clone()
    }
    let key = path.iter().rev().find_map(|s| match s {
        Step::Key(key) => Some(key.as_str()),
        Step::Index(_) => None,
    });
    let text = current.as_str().unwrap_or_default();
    match (current, key.unwrap_or_default()) {
        (Value::Number(_), _) => {
            json!(one(&[0u64, 1, 59, 60, 1440, 10_080, u64::from(u32::MAX)], pick))
        }
        (Value::Bool(b), _) => json!(pick.is_multiple_of(2) || !b),
        (Value::Array(items), _) => match (pick % 3, items.first()) {
            (0, Some(first)) => json!([first, first]),
            (1, _) => json!([]),
            _ => current.clone(),
        },
        (_, "timezone") => {
            json!(one(
                &["Europe/Berlin", "UTC", "Pacific/Apia", "Asia/Kathmandu", "America/St_Johns"],
                pick
            ))
        }
        (_, "start" | "end") if text.len() > 5 || current.is_null() => json!(one(
            &[
                "2026-03-29T01:30:00+01:00",
                "2026-03-29T03:00:00+02:00",
                "2026-03-25T00:00:00+00:00",
                "2026-03-27T23:59:59+14:00",
                "2026-03-24T09:00:00-12:00",
                "0001-01-01T00:00:00+00:00",
                "9999-12-31T23:59:59+00:00",
                "+262142-12-31T23:30:00+00:00",
                "-262143-01-01T00:00:00+14:00",
            ],
            pick,
        )),
        (_, "start" | "end") => json!(format!("{:02}:{:02}", pick % 24, pick / 24 % 60)),
        (_, "holidays") => {
            json!(one(
                &["2026-03-23", "2026-03-29", "0001-01-01", "9999-12-31", "+262142-12-31"],
                pick
            ))
        }
        (_, "level" | "min_level") => json!(one(&["A1", "B2", "C2", "native"], pick)),
        (_, "mode" | "modes") => json!(one(&["in_person", "phone", "video"], pick)),
        (_, "weekday") => json!(one(&["mon", "sat", "sun"], pick)),
        (_, "gender" | "gender_preference") => {
            one(&[json!("f"), json!("m"), json!("d"), Value::Null], pick)
        }
        (_, "site" | "from" | "to") => {
            one(&[json!("site01"), json!("site02"), json!("site03"), Value::Null], pick)
        }
        (_, "tag" | "language" | "fallback") => {
            one(&[json!("ar"), json!("apc"), json!("tr"), Value::Null], pick)
        }
        _ => one(
            &[
                json!("i000"),
                json!("i003"),
                json!("i009"),
                json!("u001"),
                json!("a00000"),
                json!("f000"),
                Value::Null,
            ],
            pick,
        ),
    }
}
