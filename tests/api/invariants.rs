//! What the booking tables must say whatever ran at the same time, and whatever crashed: at
//! most one live assignment per appointment, an appointment's status agreeing with its
//! assignments, no volunteer in two overlapping appointments, and every assignment's version
//! counting its changes. The process tests (`tests/process`) share this file.

use std::collections::HashMap;

use entities::{appointment, assignment};
use sea_orm::{DatabaseConnection, EntityTrait};

/// The largest assignment id so far (0 if none): rows after it are the test's own.
pub async fn last_assignment(db: &DatabaseConnection) -> i64 {
    let all = assignment::Entity::find().all(db).await.expect("assignments read");
    all.iter().map(|a| a.id).max().unwrap_or(0)
}

/// Every rule broken, in words; empty when all hold. Versions are checked for assignments
/// after `since` (an id from [`last_assignment`]).
pub async fn broken(db: &DatabaseConnection, since: i64) -> Vec<String> {
    let appointments: HashMap<i64, appointment::Model> = appointment::Entity::find()
        .all(db)
        .await
        .expect("appointments read")
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let assignments = assignment::Entity::find().all(db).await.expect("assignments read");
    let mut out = Vec::new();
    let mut live: HashMap<i64, Vec<&assignment::Model>> = HashMap::new();
    let mut by_volunteer: HashMap<i64, Vec<&appointment::Model>> = HashMap::new();
    for a in &assignments {
        if a.status == "proposed" || a.status == "confirmed" {
            live.entry(a.appointment_id).or_default().push(a);
            if let Some(appt) = appointments.get(&a.appointment_id) {
                by_volunteer.entry(a.interpreter_id).or_default().push(appt);
            }
        }
        // Created as a proposal with version 0; every change of status adds one.
        let versions = match a.status.as_str() {
            "proposed" => 0..=0,
            "confirmed" | "declined" | "withdrawn" => 1..=1,
            // Cancelled as a proposal, or after a confirmation.
            _ => 1..=2,
        };
        if a.id > since && !versions.contains(&a.version) {
            out.push(format!("assignment {} is {} at version {}", a.id, a.status, a.version));
        }
    }
    for (id, appt) in &appointments {
        let own = live.get(id).map(Vec::as_slice).unwrap_or_default();
        let statuses: Vec<&str> = own.iter().map(|a| a.status.as_str()).collect();
        let agrees = match appt.status.as_str() {
            "proposed" => statuses == ["proposed"],
            "confirmed" | "held" | "client_no_show" => statuses == ["confirmed"],
            _ => statuses.is_empty(),
        };
        if !agrees {
            out.push(format!(
                "appointment {id} is {} (version {}) with live assignments {statuses:?}",
                appt.status, appt.version
            ));
        }
    }
    for (volunteer, mut booked) in by_volunteer {
        booked.sort_by_key(|a| (a.starts_at, a.id));
        for pair in booked.windows(2) {
            if pair[1].starts_at < pair[0].ends_at {
                out.push(format!(
                    "interpreter {volunteer} is in appointments {} and {}, which overlap",
                    pair[0].id, pair[1].id
                ));
            }
        }
    }
    out.sort();
    out
}
