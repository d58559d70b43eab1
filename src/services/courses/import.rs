//! Importing the course catalogue from CSV, as providers and KURSNET exports deliver it. All
//! rows or none: one transaction, and every bad row is reported with its line number.
//!
//! The header (semicolon-separated, UTF-8, a byte-order mark is allowed):
//!
//! ```text
//! provider;programme;target_level;teaching_units;starts_on;ends_on;registration_deadline;rolling_entry;schedule;time_of_day;site;address;seats;free_seats;childcare;kursnet_ref
//! ```
//!
//! - `provider`: the Kursträger's name; a provider not yet in the catalogue is added.
//! - `programme`, `schedule`, `time_of_day`: the API's values (`integration_general`,
//!   `part_time`, `morning`, …); `target_level` A1–C2.
//! - Dates as `2026-09-01` or `01.09.2026`; empty optional fields stay empty.
//! - `rolling_entry`, `childcare`: `ja`/`nein`, `yes`/`no`, `true`/`false` or `1`/`0`.
//! - `site`: a site code of the organisation, or empty.
//! - `kursnet_ref`: a course already in the catalogue with the same reference is updated.

use std::collections::HashMap;

use chrono::NaiveDate;
use entities::{course, course_provider};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use utoipa::ToSchema;

use super::{CourseInput, check, write_course};
use crate::auth::Caller;
use crate::domain::{FieldErrors, Role, dates, text};
use crate::error::AppError;
use crate::repo;
use crate::repo::First;
use crate::services::{audit, now};

/// The header the import expects, in this order.
pub const HEADER: [&str; 16] = [
    "provider",
    "programme",
    "target_level",
    "teaching_units",
    "starts_on",
    "ends_on",
    "registration_deadline",
    "rolling_entry",
    "schedule",
    "time_of_day",
    "site",
    "address",
    "seats",
    "free_seats",
    "childcare",
    "kursnet_ref",
];

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Imported {
    pub created: usize,
    pub updated: usize,
    pub providers_added: usize,
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
        .ok()
        .filter(|date| dates::date_in_range(*date))
}

fn flag(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "ja" | "yes" | "true" | "1" | "x" => Some(true),
        "nein" | "no" | "false" | "0" | "" => Some(false),
        _ => None,
    }
}

/// One course of the file, its provider still by name.
#[derive(Debug, Clone)]
pub struct CatalogueRow {
    /// The line the record starts on, as an editor counts it.
    pub line: usize,
    pub provider: String,
    pub input: CourseInput,
}

/// A catalogue file read on its own: the rows that are right, and what is wrong with the
/// others. Whether a row's site belongs to the organisation is checked by [`import`].
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub rows: Vec<CatalogueRow>,
    pub errors: FieldErrors,
}

/// The 1-based line, as an editor counts it, of the record that starts at the reader's `byte`
/// offset. The reader's own count is no help: it skips blank lines and counts only `\n`.
fn line_at(text: &str, byte: usize) -> usize {
    let bytes = text.as_bytes();
    let mut start = byte.min(bytes.len());
    // The offset lies before the line breaks the reader skipped to reach the record.
    while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    let head = bytes.get(..start).unwrap_or_default();
    let breaks = head
        .iter()
        .enumerate()
        .filter(|&(k, &b)| b == b'\n' || (b == b'\r' && head.get(k + 1) != Some(&b'\n')))
        .count();
    breaks + 1
}

fn read_row(
    record: &csv::StringRecord,
    line: usize,
    errors: &mut FieldErrors,
) -> Option<CatalogueRow> {
    let field = |name: &str| {
        let k = HEADER.iter().position(|h| *h == name).unwrap_or(0);
        record.get(k).unwrap_or_default().trim()
    };
    let mut ok = true;
    let mut wrong = |name: &str, message: String| {
        errors.add(format!("line {line}.{name}"), message);
        ok = false;
    };
    let required_date = |name: &str, wrong: &mut dyn FnMut(&str, String)| {
        date(field(name)).or_else(|| {
            wrong(name, format!("\"{}\" is not a date (2026-09-01 or 01.09.2026)", field(name)));
            None
        })
    };
    let optional_date = |name: &str, wrong: &mut dyn FnMut(&str, String)| {
        let text = field(name);
        if text.is_empty() {
            return None;
        }
        date(text).or_else(|| {
            wrong(name, format!("\"{text}\" is not a date (2026-09-01 or 01.09.2026)"));
            None
        })
    };
    let parsed = |name: &str, wrong: &mut dyn FnMut(&str, String)| -> Option<i32> {
        field(name)
            .parse()
            .map_err(|_| wrong(name, format!("\"{}\" is not a whole number", field(name))))
            .ok()
    };
    let boolean = |name: &str, wrong: &mut dyn FnMut(&str, String)| {
        flag(field(name)).unwrap_or_else(|| {
            wrong(name, format!("\"{}\" is not ja or nein", field(name)));
            false
        })
    };
    let closed = |name: &str, wrong: &mut dyn FnMut(&str, String)| -> Option<String> {
        Some(field(name).to_owned()).filter(|v| !v.is_empty()).or_else(|| {
            wrong(name, "is missing".into());
            None
        })
    };
    let provider = field("provider").to_owned();
    if provider.is_empty() {
        wrong("provider", "is missing".into());
    }
    let mut provider_errors = FieldErrors::new();
    text::optional(Some(&provider), "provider", 200, &mut provider_errors);
    for message in provider_errors.messages("provider") {
        wrong("provider", message.clone());
    }
    let programme = closed("programme", &mut wrong)
        .and_then(|v| v.parse().map_err(|e| wrong("programme", format!("\"{v}\": {e}"))).ok());
    let target_level = closed("target_level", &mut wrong)
        .and_then(|v| v.parse().map_err(|e| wrong("target_level", format!("\"{v}\": {e}"))).ok());
    let schedule = closed("schedule", &mut wrong)
        .and_then(|v| v.parse().map_err(|e| wrong("schedule", format!("\"{v}\": {e}"))).ok());
    let time_of_day = closed("time_of_day", &mut wrong)
        .and_then(|v| v.parse().map_err(|e| wrong("time_of_day", format!("\"{v}\": {e}"))).ok());
    let teaching_units = parsed("teaching_units", &mut wrong);
    let seats = parsed("seats", &mut wrong);
    let free_seats = parsed("free_seats", &mut wrong);
    let starts_on = required_date("starts_on", &mut wrong);
    let ends_on = optional_date("ends_on", &mut wrong);
    let registration_deadline = optional_date("registration_deadline", &mut wrong);
    let rolling_entry = boolean("rolling_entry", &mut wrong);
    let childcare = boolean("childcare", &mut wrong);
    let text = |name: &str| Some(field(name).to_owned()).filter(|v| !v.is_empty());
    let input = CourseInput {
        provider_id: 0,
        programme: programme?,
        target_level: target_level?,
        teaching_units: teaching_units?,
        starts_on: starts_on?,
        ends_on,
        registration_deadline,
        rolling_entry,
        schedule: schedule?,
        time_of_day: time_of_day?,
        site: text("site"),
        address: text("address"),
        seats: seats?,
        free_seats: free_seats?,
        childcare,
        kursnet_ref: text("kursnet_ref"),
    };
    let own = check(&input);
    for name in own.fields() {
        for message in own.messages(name) {
            wrong(name, message.clone());
        }
    }
    ok.then_some(CatalogueRow { line, provider, input })
}

/// Reads the CSV text without touching the database: each record becomes a row or the
/// faults of its fields, under `line N.field`.
///
/// # Errors
/// A header that cannot be read or is not [`HEADER`] (422 on `line 1`).
pub fn read(text: &str) -> Result<Catalogue, AppError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader =
        csv::ReaderBuilder::new().delimiter(b';').flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::validation("line 1", format!("the header cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    if header != HEADER {
        return Err(AppError::validation(
            "line 1",
            format!("the header must be: {}", HEADER.join(";")),
        ));
    }
    let mut errors = FieldErrors::new();
    let mut rows = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let position = match &record {
            Ok(record) => record.position(),
            Err(e) => e.position(),
        };
        let line = position
            .and_then(|p| usize::try_from(p.byte()).ok())
            .map_or(k + 2, |byte| line_at(text, byte));
        match record {
            Ok(record) if record.len() != HEADER.len() => {
                errors.add(
                    format!("line {line}"),
                    format!("has {} fields, the header {}", record.len(), HEADER.len()),
                );
            }
            Ok(record) => rows.extend(read_row(&record, line, &mut errors)),
            Err(e) => errors.add(format!("line {line}"), e.to_string()),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.add("line 2", "the file holds no course");
    }
    Ok(Catalogue { rows, errors })
}

/// Imports the CSV text (admins): every row, or none.
///
/// # Errors
/// Forbidden unless admin; a wrong header or any bad row (422, each row's faults under
/// `line N.field`); database errors.
pub async fn import(
    db: &DatabaseConnection,
    caller: &Caller,
    text: &str,
) -> Result<Imported, AppError> {
    caller.require(Role::Admin)?;
    let Catalogue { rows, mut errors } = read(text)?;
    let txn = crate::db::write(db).await?;
    let sites: HashMap<String, i64> = repo::sites::list(&txn, caller.organisation_id)
        .await?
        .into_iter()
        .map(|s| (s.code, s.id))
        .collect();
    let mut providers: HashMap<String, i64> = super::provider_rows(&txn, caller.organisation_id)
        .await?
        .into_iter()
        .map(|p| (p.name.to_lowercase(), p.id))
        .collect();
    for row in &rows {
        if let Some(code) = &row.input.site
            && !sites.contains_key(code)
        {
            errors.add(
                format!("line {}.site", row.line),
                format!("\"{code}\" is not a site of the organisation"),
            );
        }
    }
    // Nothing is written unless every row is right.
    errors.into_result(())?;
    let mut imported = Imported { created: 0, updated: 0, providers_added: 0 };
    for mut row in rows {
        let provider_id = match providers.get(&row.provider.to_lowercase()) {
            Some(&id) => id,
            None => {
                let added = course_provider::ActiveModel {
                    organisation_id: Set(caller.organisation_id),
                    name: Set(row.provider.clone()),
                    address: Set(None),
                    contact: Set(None),
                    created_at: Set(now()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                providers.insert(row.provider.to_lowercase(), added.id);
                imported.providers_added += 1;
                added.id
            }
        };
        row.input.provider_id = provider_id;
        let existing = match &row.input.kursnet_ref {
            Some(reference) => {
                course::Entity::find()
                    .filter(course::Column::OrganisationId.eq(caller.organisation_id))
                    .filter(course::Column::KursnetRef.eq(reference.as_str()))
                    .first(&txn)
                    .await?
            }
            None => None,
        };
        if existing.is_some() {
            imported.updated += 1;
        } else {
            imported.created += 1;
        }
        let site_id = row.input.site.as_ref().and_then(|code| sites.get(code).copied());
        write_course(&txn, caller.organisation_id, &row.input, site_id, existing).await?;
    }
    let details = serde_json::json!({ "created": imported.created, "updated": imported.updated, "providers_added": imported.providers_added });
    audit(&txn, caller, "course.import", "course", 0, details).await?;
    txn.commit().await?;
    Ok(imported)
}

#[cfg(test)]
mod fuzz;
