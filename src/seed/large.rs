//! A year of a large Jobcenter, generated for benchmarks: 250 volunteers at ten sites with
//! the demo's language mix, weekly windows, absences and caps, and 60,000 appointments over
//! the working days of a year with the states a year leaves behind (held, no-shows,
//! cancellations, unfilled with reasons and fallbacks). The same seed gives the same data.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use entities::{
    app_user, appointment, assignment, availability_rule, client, interpreter,
    interpreter_language, site, user_role,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{SeedError, create_organisation, invalid};
use crate::domain::booking::Timing;
use crate::domain::holidays::is_nrw_holiday;
use crate::domain::time::BERLIN;
use crate::repo;

/// How large.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub volunteers: usize,
    pub appointments: usize,
    pub sites: usize,
    pub year: i32,
}

impl Size {
    /// The benchmark's Jobcenter: 250 volunteers, 60,000 appointments, ten sites.
    pub fn large(year: i32) -> Self {
        Self { volunteers: 250, appointments: 60_000, sites: 10, year }
    }
}

/// Languages asked for, with weights (as in the optimiser's generator).
const DEMAND: &[(&str, u32)] = &[
    ("ar", 18),
    ("apc", 4),
    ("tr", 12),
    ("ru", 8),
    ("uk", 8),
    ("bg", 6),
    ("ro", 6),
    ("fa", 5),
    ("prs", 3),
    ("kmr", 4),
    ("ckb", 2),
    ("ps", 2),
    ("pl", 3),
    ("sq", 2),
    ("sr", 2),
    ("ti", 2),
    ("so", 2),
    ("en", 4),
    ("fr", 3),
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut n = rng.random_range(0..total);
    for (item, weight) in items {
        if n < *weight {
            return item;
        }
        n -= weight;
    }
    &items[0].0
}

const CHUNK: usize = 1000;

/// Loads the generated organisation `slug`; its id.
///
/// # Errors
/// Database errors; the reference language list lacks a generated language.
pub async fn load_large(
    db: &impl ConnectionTrait,
    slug: &str,
    size: Size,
    seed: u64,
) -> Result<i64, SeedError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let at = Utc::now();
    let org =
        create_organisation(db, slug, "Jobcenter (Benchmark)", "Europe/Berlin", "bench").await?;
    let languages: std::collections::HashMap<String, i64> =
        repo::languages::list(db, org.id).await?.into_iter().map(|l| (l.tag, l.id)).collect();
    let language = |tag: &str| {
        languages.get(tag).copied().ok_or_else(|| invalid(format!("no language {tag}")))
    };

    let mut site_ids = Vec::with_capacity(size.sites);
    for n in 0..size.sites {
        let row = site::ActiveModel {
            organisation_id: Set(org.id),
            code: Set(format!("s{n:02}")),
            name: Set(format!("Standort {n:02}")),
            address: Set(None),
            active: Set(true),
            created_at: Set(at),
            ..Default::default()
        };
        site_ids.push(site::Entity::insert(row).exec(db).await?.last_insert_id);
    }
    let caseworker = app_user::Entity::insert(account(org.id, &format!("{slug}.fachkraft"), at))
        .exec(db)
        .await?
        .last_insert_id;

    let mut volunteers: Vec<(i64, Vec<i64>)> = Vec::with_capacity(size.volunteers);
    for n in 0..size.volunteers {
        let user = app_user::Entity::insert(account(org.id, &format!("{slug}.v{n:03}"), at))
            .exec(db)
            .await?
            .last_insert_id;
        user_role::Entity::insert(user_role::ActiveModel {
            user_id: Set(user),
            role: Set("volunteer".into()),
        })
        .exec_without_returning(db)
        .await?;
        let daily = rng.random_range(2..=6) * 30;
        let profile = interpreter::ActiveModel {
            organisation_id: Set(org.id),
            user_id: Set(user),
            site_id: Set(site_ids[rng.random_range(0..site_ids.len())]),
            gender: Set(Some(if rng.random_bool(0.5) { "f" } else { "m" }.into())),
            home_team: Set(Some(format!("Team {}", rng.random_range(1..=12)))),
            offers_in_person: Set(true),
            offers_phone: Set(rng.random_bool(0.6)),
            offers_video: Set(rng.random_bool(0.3)),
            weekly_cap_minutes: Set(daily + rng.random_range(2..=6) * 30),
            daily_cap_minutes: Set(daily),
            works_on_holidays: Set(false),
            declaration_signed_on: Set(NaiveDate::from_ymd_opt(size.year - 1, 12, 1)),
            active: Set(true),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        };
        let id = interpreter::Entity::insert(profile).exec(db).await?.last_insert_id;
        let mut spoken = vec![language(pick::<&str>(&mut rng, DEMAND))?];
        for _ in 0..rng.random_range(0..=2) {
            let other = language(pick::<&str>(&mut rng, DEMAND))?;
            if !spoken.contains(&other) {
                spoken.push(other);
            }
        }
        for (k, &language_id) in spoken.iter().enumerate() {
            interpreter_language::Entity::insert(interpreter_language::ActiveModel {
                interpreter_id: Set(id),
                language_id: Set(language_id),
                level: Set(if k == 0 { "native" } else { "B2" }.into()),
                written: Set(false),
                ..Default::default()
            })
            .exec_without_returning(db)
            .await?;
        }
        let mut days: Vec<i16> = (1..=5).collect();
        for _ in 0..rng.random_range(2..=4) {
            let weekday = days.remove(rng.random_range(0..days.len()));
            let start = rng.random_range(16..=28) * 30;
            availability_rule::Entity::insert(availability_rule::ActiveModel {
                interpreter_id: Set(id),
                weekday: Set(weekday),
                start_minute: Set(start),
                end_minute: Set((start + rng.random_range(4..=8) * 30).min(17 * 60)),
                valid_from: Set(None),
                valid_until: Set(None),
                site_id: Set(None),
                remote_only: Set(false),
                timezone: Set(BERLIN.name().into()),
                created_at: Set(at),
                ..Default::default()
            })
            .exec_without_returning(db)
            .await?;
        }
        volunteers.push((id, spoken));
    }

    let first = NaiveDate::from_ymd_opt(size.year, 1, 1).ok_or_else(|| invalid("year"))?;
    let working_days: Vec<NaiveDate> = (0..366)
        .map(|d| first + Duration::days(d))
        .filter(|d| {
            d.year() == size.year && d.weekday().num_days_from_monday() < 5 && !is_nrw_holiday(*d)
        })
        .collect();
    let clients = size.appointments / 3;
    for chunk in (0..clients).collect::<Vec<_>>().chunks(CHUNK) {
        let rows = chunk.iter().map(|n| client::ActiveModel {
            organisation_id: Set(org.id),
            reference: Set(format!("B{n:07}")),
            gender_preference: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        });
        client::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    let client_ids: Vec<i64> = client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .filter(client::Column::OrganisationId.eq(org.id))
        .order_by_asc(client::Column::Id)
        .into_tuple()
        .all(db)
        .await?;

    let statuses: &[(&str, u32)] = &[
        ("held", 55),
        ("client_no_show", 5),
        ("cancelled", 8),
        ("unfilled", 10),
        ("fallback", 7),
        ("confirmed", 8),
        ("proposed", 4),
        ("open", 3),
    ];
    let reasons: &[(&str, u32)] =
        &[("capacity", 5), ("no_eligible_interpreter", 3), ("no_speaker", 2)];
    let fallbacks: &[(&str, u32)] =
        &[("phone_video_service", 5), ("paid_interpreter", 3), ("bridge_language", 2)];
    let kinds: &[(&str, u32)] = &[
        ("first_interview", 3),
        ("counselling", 6),
        ("benefits", 3),
        ("placement", 2),
        ("language_course_advice", 1),
        ("recognition_advice", 1),
    ];
    let mut planned: Vec<(usize, i64)> = Vec::new();
    let mut batch = Vec::with_capacity(CHUNK);
    for n in 0..size.appointments {
        let day = working_days[rng.random_range(0..working_days.len())];
        let minute = rng.random_range(32..=62) * 15;
        let length = [30, 45, 60, 60, 90][rng.random_range(0..5)];
        let local = |m: i64| {
            BERLIN
                .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
                .earliest()
                .map(|midnight| midnight.with_timezone(&Utc) + Duration::minutes(m))
        };
        let (Some(start), Some(end)) = (local(minute), local(minute + length)) else { continue };
        let booked = start - Duration::hours(rng.random_range(2..=24 * 21));
        let status = *pick(&mut rng, statuses);
        let in_person = rng.random_bool(0.7);
        let timing = Timing::of(start, end, booked);
        let language_id = language(pick::<&str>(&mut rng, DEMAND))?;
        if matches!(status, "held" | "client_no_show" | "confirmed" | "proposed") {
            let speakers: Vec<i64> = volunteers
                .iter()
                .filter(|(_, s)| s.contains(&language_id))
                .map(|(id, _)| *id)
                .collect();
            let pool = if speakers.is_empty() {
                &volunteers.iter().map(|(id, _)| *id).collect::<Vec<_>>()
            } else {
                &speakers
            };
            planned.push((n, pool[rng.random_range(0..pool.len())]));
        }
        let unfilled = matches!(status, "unfilled" | "fallback");
        batch.push(appointment::ActiveModel {
            organisation_id: Set(org.id),
            caseworker_id: Set(caseworker),
            client_id: Set(client_ids[rng.random_range(0..client_ids.len())]),
            series_id: Set(None),
            course_referral_id: Set(None),
            recognition_referral_id: Set(None),
            language_id: Set(language_id),
            min_level: Set("B1".into()),
            starts_at: Set(start),
            ends_at: Set(end),
            mode: Set(if in_person { "in_person" } else { "phone" }.into()),
            site_id: Set(in_person.then(|| site_ids[rng.random_range(0..site_ids.len())])),
            kind: Set((*pick(&mut rng, kinds)).into()),
            priority: Set(rng.random_range(1..=5)),
            sensitive: Set(false),
            gender_preference: Set(None),
            status: Set(status.into()),
            unfilled_reason: Set(unfilled.then(|| (*pick(&mut rng, reasons)).into())),
            fallback_kind: Set((status == "fallback").then(|| (*pick(&mut rng, fallbacks)).into())),
            fallback_note: Set(None),
            unfilled_detail: Set(None),
            version: Set(0),
            created_at: Set(booked),
            updated_at: Set(booked),
            local_date: Set(timing.local_date),
            local_week: Set(timing.local_week),
            duration_minutes: Set(timing.duration_minutes),
            lead_minutes: Set(timing.lead_minutes),
            ..Default::default()
        });
        if batch.len() == CHUNK {
            appointment::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(db)
                .await?;
        }
    }
    if !batch.is_empty() {
        appointment::Entity::insert_many(batch).exec_without_returning(db).await?;
    }
    let appointment_ids: Vec<(i64, String)> = appointment::Entity::find()
        .select_only()
        .column(appointment::Column::Id)
        .column(appointment::Column::Status)
        .filter(appointment::Column::OrganisationId.eq(org.id))
        .order_by_asc(appointment::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut rows = Vec::with_capacity(CHUNK);
    for (n, volunteer) in planned {
        let Some((appointment_id, status)) = appointment_ids.get(n) else { continue };
        rows.push(assignment::ActiveModel {
            organisation_id: Set(org.id),
            appointment_id: Set(*appointment_id),
            interpreter_id: Set(volunteer),
            planning_run_id: Set(None),
            status: Set(if status == "proposed" { "proposed" } else { "confirmed" }.into()),
            decline_reason: Set(None),
            version: Set(0),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        });
        if rows.len() == CHUNK {
            assignment::Entity::insert_many(std::mem::take(&mut rows))
                .exec_without_returning(db)
                .await?;
        }
    }
    if !rows.is_empty() {
        assignment::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(org.id)
}

/// An account of the generated organisation, without a password (it logs in by a session
/// made for it).
pub fn account(
    organisation_id: i64,
    username: &str,
    at: chrono::DateTime<Utc>,
) -> app_user::ActiveModel {
    app_user::ActiveModel {
        organisation_id: Set(organisation_id),
        username: Set(username.to_owned()),
        display_name: Set(username.to_owned()),
        email: Set(None),
        site_id: Set(None),
        password_hash: Set(None),
        locale: Set("de".into()),
        active: Set(true),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
}
