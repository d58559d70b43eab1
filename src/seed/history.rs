//! Twelve past weeks of requests for the demo's Jobcenter, so that the team lead's dashboard
//! has something to show from the start: requests in the volunteers' own windows and first
//! languages, with the states such weeks leave (held, client did not come, cancelled), and a
//! few in languages the pool lacks, unfilled with a fallback.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use entities::{
    appointment, assignment, availability_rule, client, interpreter, interpreter_language, language,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::SeedError;
use crate::domain::booking::Timing;
use crate::domain::holidays::is_nrw_holiday;
use crate::domain::time::BERLIN;
use crate::repo::First;

const WEEKS: i64 = 12;

/// Loads the history; the number of requests written.
///
/// # Errors
/// Database errors.
pub async fn load_history(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    caseworker_id: i64,
    today: NaiveDate,
) -> Result<usize, SeedError> {
    let mut rng = StdRng::seed_from_u64(2026);
    let at = Utc::now();
    let volunteers = interpreter::Entity::find()
        .filter(interpreter::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(interpreter::Column::Id)
        .all(db)
        .await?;
    let lacking: Vec<i64> = language::Entity::find()
        .filter(language::Column::OrganisationId.eq(organisation_id))
        .filter(language::Column::Tag.is_in(["az", "ha", "wo"]))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let mut clients = Vec::new();
    for n in 1..=40 {
        let row = client::ActiveModel {
            organisation_id: Set(organisation_id),
            reference: Set(format!("DEMO-{n:04}")),
            gender_preference: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await?;
        clients.push(row.id);
    }
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let mut written = 0;
    let book = |rng: &mut StdRng| clients[rng.random_range(0..clients.len())];
    for volunteer in &volunteers {
        let first = interpreter_language::Entity::find()
            .filter(interpreter_language::Column::InterpreterId.eq(volunteer.id))
            .order_by_asc(interpreter_language::Column::Id)
            .first(db)
            .await?;
        let Some(first) = first else { continue };
        let windows = availability_rule::Entity::find()
            .filter(availability_rule::Column::InterpreterId.eq(volunteer.id))
            .all(db)
            .await?;
        for week in 1..=WEEKS {
            for window in &windows {
                let day =
                    monday - Duration::weeks(week) + Duration::days(i64::from(window.weekday) - 1);
                if is_nrw_holiday(day) || !rng.random_bool(0.5) {
                    continue;
                }
                let length = (window.end_minute - window.start_minute).min(60);
                let status = match rng.random_range(0..100) {
                    0..=79 => "held",
                    80..=89 => "client_no_show",
                    _ => "cancelled",
                };
                let in_person =
                    window.site_id.is_some() || !window.remote_only && rng.random_bool(0.5);
                let site = window.site_id.or(Some(volunteer.site_id)).filter(|_| in_person);
                let id = request(
                    db,
                    organisation_id,
                    caseworker_id,
                    book(&mut rng),
                    first.language_id,
                    day,
                    window.start_minute,
                    length,
                    site,
                    status,
                    None,
                    &mut rng,
                )
                .await?;
                if status != "cancelled" {
                    assignment::ActiveModel {
                        organisation_id: Set(organisation_id),
                        appointment_id: Set(id),
                        interpreter_id: Set(volunteer.id),
                        planning_run_id: Set(None),
                        status: Set("confirmed".into()),
                        decline_reason: Set(None),
                        version: Set(0),
                        created_at: Set(at),
                        updated_at: Set(at),
                        ..Default::default()
                    }
                    .insert(db)
                    .await?;
                }
                written += 1;
            }
        }
    }
    // Each week a few requests nobody in the pool could take.
    for week in 1..=WEEKS {
        for (k, &language_id) in lacking.iter().enumerate() {
            let day = monday - Duration::weeks(week) + Duration::days(k as i64 + 1);
            if is_nrw_holiday(day) {
                continue;
            }
            let fallback = ["phone_video_service", "paid_interpreter", "bridge_language"]
                [rng.random_range(0..3)];
            request(
                db,
                organisation_id,
                caseworker_id,
                book(&mut rng),
                language_id,
                day,
                10 * 60,
                60,
                None,
                "fallback",
                Some(fallback),
                &mut rng,
            )
            .await?;
            written += 1;
        }
    }
    Ok(written)
}

#[allow(clippy::too_many_arguments)]
async fn request(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    caseworker_id: i64,
    client_id: i64,
    language_id: i64,
    day: NaiveDate,
    start_minute: i32,
    length: i32,
    site_id: Option<i64>,
    status: &str,
    fallback: Option<&str>,
    rng: &mut StdRng,
) -> Result<i64, SeedError> {
    let midnight = BERLIN
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let start = midnight + Duration::minutes(i64::from(start_minute));
    let end = start + Duration::minutes(i64::from(length));
    let booked = start - Duration::hours(rng.random_range(4..=24 * 14));
    let timing = Timing::of(start, end, booked);
    let row = appointment::ActiveModel {
        organisation_id: Set(organisation_id),
        caseworker_id: Set(caseworker_id),
        client_id: Set(client_id),
        series_id: Set(None),
        course_referral_id: Set(None),
        recognition_referral_id: Set(None),
        language_id: Set(language_id),
        min_level: Set("B1".into()),
        starts_at: Set(start),
        ends_at: Set(end),
        mode: Set(if site_id.is_some() { "in_person" } else { "phone" }.into()),
        site_id: Set(site_id),
        kind: Set(["counselling", "first_interview", "benefits", "placement"]
            [rng.random_range(0..4)]
        .into()),
        priority: Set(rng.random_range(1..=5)),
        sensitive: Set(false),
        gender_preference: Set(None),
        status: Set(status.into()),
        unfilled_reason: Set(fallback.map(|_| "no_speaker".to_owned())),
        fallback_kind: Set(fallback.map(str::to_owned)),
        fallback_note: Set(None),
        unfilled_detail: Set(None),
        version: Set(1),
        created_at: Set(booked),
        updated_at: Set(booked),
        local_date: Set(timing.local_date),
        local_week: Set(timing.local_week),
        duration_minutes: Set(timing.duration_minutes),
        lead_minutes: Set(timing.lead_minutes),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}
