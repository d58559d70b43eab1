//! Data for the process tests: many open requests, so that a planning run takes a while and
//! writes a lot when it applies; and a digest of everything a run writes, to compare before
//! and after a crash.

use chrono::{Duration, TimeZone, Utc};
use entities::{appointment, assignment, availability_rule, client, interpreter_language};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};
use sprachpool::domain::booking::Timing;
use sprachpool::domain::holidays::is_nrw_holiday;
use sprachpool::domain::time::{BERLIN, Weekday};
use sprachpool::repo::First;

use crate::harness::number;

/// Inserts `n` open requests of the first demo organisation, as caseworkers would have booked
/// them without a proposal yet: each in a weekly window of a demo volunteer, in their first
/// language, by phone, one to four weeks ahead, several in each window, so that the volunteers
/// compete for them and the optimiser has work to do.
pub async fn open_requests(db: &DatabaseConnection, n: usize) {
    let caseworker = sprachpool::repo::users::by_username(db, "fachkraft")
        .await
        .unwrap()
        .expect("the demo caseworker");
    let organisation = caseworker.organisation_id;
    let volunteers = sprachpool::repo::interpreters::active(db, organisation).await.unwrap();
    let mut offers = Vec::new();
    for volunteer in &volunteers {
        let first = interpreter_language::Entity::find()
            .filter(interpreter_language::Column::InterpreterId.eq(volunteer.id))
            .order_by_asc(interpreter_language::Column::Id)
            .first(db)
            .await
            .unwrap();
        let windows = availability_rule::Entity::find()
            .filter(availability_rule::Column::InterpreterId.eq(volunteer.id))
            .all(db)
            .await
            .unwrap();
        for window in windows.into_iter().filter(|w| w.end_minute - w.start_minute >= 60) {
            if let Some(language) = &first {
                offers.push((language.language_id, window));
            }
        }
    }
    assert!(!offers.is_empty(), "the demo pool has windows");
    let now = Utc::now();
    let mut clients = Vec::new();
    for k in 0..40 {
        let row = client::ActiveModel {
            organisation_id: Set(organisation),
            reference: Set(format!("P{k:09}")),
            gender_preference: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        clients.push(client::Entity::insert(row).exec(db).await.unwrap().last_insert_id);
    }
    let today = now.with_timezone(&BERLIN).date_naive();
    let mut rows = Vec::with_capacity(n);
    for k in 0..n {
        let (language_id, window) = &offers[k % offers.len()];
        let weekday = Weekday::from_iso_number(window.weekday).expect("a weekday");
        let mut day = today + Duration::weeks(1 + (k / offers.len()) as i64 % 4);
        while Weekday::of(day) != weekday || is_nrw_holiday(day) {
            day += Duration::days(1);
        }
        let length = [30, 45, 60][k % 3];
        let latest = window.end_minute - length;
        let minute = (window.start_minute + 15 * (k as i32 % 5)).min(latest);
        let at = |m: i32| {
            let local = day.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(i64::from(m));
            BERLIN.from_local_datetime(&local).earliest().unwrap().with_timezone(&Utc)
        };
        let (start, end) = (at(minute), at(minute + length));
        let timing = Timing::of(start, end, now);
        rows.push(appointment::ActiveModel {
            organisation_id: Set(organisation),
            caseworker_id: Set(caseworker.id),
            client_id: Set(clients[k % clients.len()]),
            series_id: Set(None),
            course_referral_id: Set(None),
            recognition_referral_id: Set(None),
            language_id: Set(*language_id),
            min_level: Set("B1".into()),
            starts_at: Set(start),
            ends_at: Set(end),
            mode: Set("phone".into()),
            site_id: Set(None),
            kind: Set("counselling".into()),
            priority: Set(1 + (k % 5) as i32),
            sensitive: Set(false),
            gender_preference: Set(None),
            status: Set("open".into()),
            unfilled_reason: Set(None),
            fallback_kind: Set(None),
            fallback_note: Set(None),
            unfilled_detail: Set(None),
            version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            local_date: Set(timing.local_date),
            local_week: Set(timing.local_week),
            duration_minutes: Set(timing.duration_minutes),
            lead_minutes: Set(timing.lead_minutes),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(200) {
        appointment::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await.unwrap();
    }
}

/// Everything a planning run writes, in a form to compare.
#[derive(Debug, PartialEq, Eq)]
pub struct Digest {
    /// Id, status and version of every appointment.
    pub appointments: Vec<(i64, String, i32)>,
    /// Id, status and version of every assignment.
    pub assignments: Vec<(i64, String, i32)>,
    pub messages: i64,
    pub unfilled_reasons: i64,
    pub audit_events: i64,
}

pub async fn digest(db: &DatabaseConnection) -> Digest {
    let appointments = appointment::Entity::find()
        .order_by_asc(appointment::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.status, a.version))
        .collect();
    let assignments = assignment::Entity::find()
        .order_by_asc(assignment::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.status, a.version))
        .collect();
    Digest {
        appointments,
        assignments,
        messages: number(db, "SELECT COUNT(*) AS n FROM outbox").await,
        unfilled_reasons: number(db, "SELECT COUNT(*) AS n FROM planning_run_unfilled").await,
        audit_events: number(db, "SELECT COUNT(*) AS n FROM audit_event WHERE action <> 'planning_run.start' AND action NOT LIKE 'auth.%'").await,
    }
}

/// A Thursday at least two weeks ahead that is no public holiday, `hour:00`–`hour+1:00` Berlin
/// time, as RFC 3339: the demo pool has several English speakers on the phone then.
pub fn thursday_at(hour: u32) -> (String, String) {
    use chrono::Datelike;
    let mut day = Utc::now().with_timezone(&BERLIN).date_naive() + Duration::days(14);
    while day.weekday() != chrono::Weekday::Thu || is_nrw_holiday(day) {
        day += Duration::days(1);
    }
    let at = |h: u32| {
        BERLIN.from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap()).unwrap().to_rfc3339()
    };
    (at(hour), at(hour + 1))
}
