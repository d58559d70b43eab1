//! The annual report to the state ministry ("Vielfalt verbindet"): per organisation and year
//! the interpreter pool, the requests and how they were met, the intercultural trainings, the
//! language-course and recognition referrals with their outcomes, and the measures in the
//! organisation's own words. Aggregates only: counts and hours, never a client or a volunteer.
//! Rendered as a printable HTML page (`html`) or an XLSX workbook (`xlsx`).

pub mod html;
pub mod xlsx;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entities::{course_referral, organisation, recognition_referral, report_measures};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Locale;
use crate::domain::time::{BERLIN, start_of_local_day};
use crate::repo;
use crate::repo::First;
use crate::repo::coverage::{Key, Period};
use crate::services::coverage::pool;

/// A count under a name (a language, a status, a department).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// The interpreting year.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Interpreting {
    /// Requests not cancelled.
    pub requests: i64,
    pub held: i64,
    pub no_shows: i64,
    pub cancelled: i64,
    /// Hours of appointments held (the client came).
    pub hours_held: f64,
    pub fill_rate: Option<f64>,
    pub unfilled: BTreeMap<String, i64>,
    pub fallbacks: BTreeMap<String, i64>,
}

/// Trainings held in the year.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Trainings {
    pub trainings: i64,
    pub hours: f64,
    pub participants: i64,
    pub by_title: Vec<Count>,
    pub by_department: Vec<Count>,
}

/// One organisation's year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnualReport {
    pub organisation: String,
    pub year: i32,
    /// Active volunteers with a signed declaration.
    pub volunteers: i64,
    /// Volunteers per language they speak.
    pub languages: Vec<Count>,
    pub interpreting: Interpreting,
    pub trainings: Trainings,
    /// Language-course referrals begun in the year, by where they stand now, and exam results.
    pub course_referrals: Vec<Count>,
    pub exam_results: Vec<Count>,
    /// Recognition referrals begun in the year, by where they stand now, and outcomes.
    pub recognition_referrals: Vec<Count>,
    pub recognition_outcomes: Vec<Count>,
    pub measures: String,
}

/// Gathers the report of `organisation_id` for `year`, names in `locale`.
///
/// # Errors
/// Database errors; an unknown organisation reads as not found.
pub async fn gather(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    year: i32,
    locale: Locale,
) -> Result<Option<AnnualReport>, DbErr> {
    let Some(org) = organisation::Entity::find_by_id(organisation_id).first(db).await? else {
        return Ok(None);
    };
    let (first, last) = (year_day(year, 1, 1), year_day(year, 12, 31));
    let period = Period { organisation_id, from: first, to: last, site_id: None };
    let (from, until) =
        (start_of_local_day(first, BERLIN), start_of_local_day(year_day(year + 1, 1, 1), BERLIN));

    let mut interpreting = Interpreting::default();
    // Proposed and confirmed ones of the year not yet held.
    let mut filled = 0;
    for t in repo::coverage::tallies(db, period, Key::Kind).await? {
        match t.status.as_str() {
            "cancelled" => interpreting.cancelled += t.appointments,
            status => {
                interpreting.requests += t.appointments;
                match status {
                    "held" => {
                        interpreting.held += t.appointments;
                        interpreting.hours_held += t.minutes as f64 / 60.0;
                    }
                    "client_no_show" => interpreting.no_shows += t.appointments,
                    "proposed" | "confirmed" => filled += t.appointments,
                    "unfilled" | "fallback" => {
                        let reason = if t.reason.is_empty() {
                            "capacity".to_owned()
                        } else {
                            t.reason.clone()
                        };
                        *interpreting.unfilled.entry(reason).or_default() += t.appointments;
                        if !t.fallback.is_empty() {
                            *interpreting.fallbacks.entry(t.fallback.clone()).or_default() +=
                                t.appointments;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let filled = filled + interpreting.held + interpreting.no_shows;
    interpreting.fill_rate =
        (interpreting.requests > 0).then(|| filled as f64 / interpreting.requests as f64);

    // The pool at the year's end: active, with a signed declaration.
    let mut volunteers = pool::read(db, organisation_id, last, last).await?;
    volunteers.retain(|v| v.declaration_signed_on.is_some_and(|d| d <= last));
    let names: BTreeMap<i64, (String, String)> = repo::languages::list(db, organisation_id)
        .await?
        .into_iter()
        .map(|l| (l.id, (l.tag, if locale == Locale::De { l.name_de } else { l.name_en })))
        .collect();
    let spoken = repo::interpreters::skills_of(
        db,
        &volunteers.iter().map(|v| v.interpreter_id).collect::<Vec<_>>(),
    )
    .await?;
    let mut by_language: BTreeMap<i64, i64> = BTreeMap::new();
    for s in &spoken {
        *by_language.entry(s.language_id).or_default() += 1;
    }
    let mut languages: Vec<Count> = by_language
        .into_iter()
        .filter_map(|(id, count)| {
            let (tag, name) = names.get(&id)?.clone();
            Some(Count { key: tag, label: name, count })
        })
        .collect();
    languages.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));

    let trainings = trainings(db, organisation_id, year).await?;
    let grouped = |rows: Vec<(String, i64)>| -> Vec<Count> {
        rows.into_iter().map(|(key, count)| Count { label: key.clone(), key, count }).collect()
    };
    let course_referrals = grouped(
        course_referral::Entity::find()
            .select_only()
            .column(course_referral::Column::Status)
            .column_as(course_referral::Column::Id.count(), "n")
            .filter(course_referral::Column::OrganisationId.eq(organisation_id))
            .filter(course_referral::Column::CreatedAt.gte(from))
            .filter(course_referral::Column::CreatedAt.lt(until))
            .group_by(course_referral::Column::Status)
            .into_tuple()
            .all(db)
            .await?,
    );
    let exam_results = grouped(
        course_referral::Entity::find()
            .select_only()
            .column(course_referral::Column::ExamResult)
            .column_as(course_referral::Column::Id.count(), "n")
            .filter(course_referral::Column::OrganisationId.eq(organisation_id))
            .filter(course_referral::Column::CreatedAt.gte(from))
            .filter(course_referral::Column::CreatedAt.lt(until))
            .filter(course_referral::Column::ExamResult.is_not_null())
            .group_by(course_referral::Column::ExamResult)
            .into_tuple()
            .all(db)
            .await?,
    );
    let recognition_referrals = grouped(
        recognition_referral::Entity::find()
            .select_only()
            .column(recognition_referral::Column::Status)
            .column_as(recognition_referral::Column::Id.count(), "n")
            .filter(recognition_referral::Column::OrganisationId.eq(organisation_id))
            .filter(recognition_referral::Column::CreatedAt.gte(from))
            .filter(recognition_referral::Column::CreatedAt.lt(until))
            .group_by(recognition_referral::Column::Status)
            .into_tuple()
            .all(db)
            .await?,
    );
    let recognition_outcomes = grouped(
        recognition_referral::Entity::find()
            .select_only()
            .column(recognition_referral::Column::Outcome)
            .column_as(recognition_referral::Column::Id.count(), "n")
            .filter(recognition_referral::Column::OrganisationId.eq(organisation_id))
            .filter(recognition_referral::Column::CreatedAt.gte(from))
            .filter(recognition_referral::Column::CreatedAt.lt(until))
            .filter(recognition_referral::Column::Outcome.is_not_null())
            .group_by(recognition_referral::Column::Outcome)
            .into_tuple()
            .all(db)
            .await?,
    );
    let measures = report_measures::Entity::find()
        .filter(report_measures::Column::OrganisationId.eq(organisation_id))
        .filter(report_measures::Column::Year.eq(year))
        .first(db)
        .await?
        .map(|m| m.text)
        .unwrap_or_default();
    Ok(Some(AnnualReport {
        organisation: org.name,
        year,
        volunteers: volunteers.len() as i64,
        languages,
        interpreting,
        trainings,
        course_referrals,
        exam_results,
        recognition_referrals,
        recognition_outcomes,
        measures,
    }))
}

fn year_day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

async fn trainings(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    year: i32,
) -> Result<Trainings, DbErr> {
    use entities::{training, training_participation};
    let held: Vec<training::Model> = training::Entity::find()
        .filter(training::Column::OrganisationId.eq(organisation_id))
        .filter(training::Column::StartsOn.gte(year_day(year, 1, 1)))
        .filter(training::Column::StartsOn.lte(year_day(year, 12, 31)))
        .all(db)
        .await?;
    let ids: Vec<i64> = held.iter().map(|t| t.id).collect();
    let parts = training_participation::Entity::find()
        .filter(training_participation::Column::TrainingId.is_in(ids))
        .all(db)
        .await?;
    let mut by_title: BTreeMap<String, i64> = BTreeMap::new();
    for t in &held {
        *by_title.entry(t.title.clone()).or_default() += 1;
    }
    let mut by_department: BTreeMap<String, i64> = BTreeMap::new();
    for p in &parts {
        *by_department.entry(p.department.clone()).or_default() += i64::from(p.participants);
    }
    let counts = |m: BTreeMap<String, i64>| {
        m.into_iter().map(|(k, count)| Count { label: k.clone(), key: k, count }).collect()
    };
    Ok(Trainings {
        trainings: held.len() as i64,
        hours: held.iter().map(|t| f64::from(t.duration_minutes) / 60.0).sum(),
        participants: parts.iter().map(|p| i64::from(p.participants)).sum(),
        by_title: counts(by_title),
        by_department: counts(by_department),
    })
}
