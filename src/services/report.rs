//! The annual report's use cases for team leads: the figures of a year, and the free-text
//! measures of the organisation kept with them.

use entities::report_measures;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{audit, now};
use crate::auth::Caller;
use crate::domain::{FieldErrors, Role, text};
use crate::error::AppError;
use crate::repo::First;
use crate::report::{self, AnnualReport};

/// Years a report may be asked for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// Longest measures text.
pub const MEASURES_CHARS: usize = 20_000;

/// `PUT /reports/{year}/measures`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Measures {
    /// Plain text in lines and paragraphs; no personal data.
    #[schema(
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    pub text: String,
}

fn check_year(year: i32) -> Result<(), AppError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::validation("year", "must be between 2000 and 2100"))
    }
}

/// The caller's organisation's report of `year`.
///
/// # Errors
/// Forbidden unless team lead; a year out of range (422).
pub async fn annual(
    db: &DatabaseConnection,
    caller: &Caller,
    year: i32,
) -> Result<AnnualReport, AppError> {
    caller.require(Role::TeamLead)?;
    check_year(year)?;
    report::gather(db, caller.organisation_id, year, caller.locale).await?.ok_or(AppError::NotFound)
}

/// Keeps the measures text of `year`.
///
/// # Errors
/// Forbidden unless team lead; a year out of range or a text too long (422).
pub async fn set_measures(
    db: &DatabaseConnection,
    caller: &Caller,
    year: i32,
    measures: Measures,
) -> Result<(), AppError> {
    caller.require(Role::TeamLead)?;
    check_year(year)?;
    let text = measures.text.trim().to_owned();
    let mut errors = FieldErrors::new();
    text::lines(&text, "text", MEASURES_CHARS, &mut errors);
    errors.into_result(())?;
    let txn = crate::db::write(db).await?;
    let existing = report_measures::Entity::find()
        .filter(report_measures::Column::OrganisationId.eq(caller.organisation_id))
        .filter(report_measures::Column::Year.eq(year))
        .first(&txn)
        .await?;
    let row = match existing {
        Some(row) => {
            let mut active: report_measures::ActiveModel = row.into();
            active.text = Set(text);
            active.updated_by = Set(Some(caller.user_id));
            active.updated_at = Set(now());
            active.update(&txn).await?
        }
        None => {
            report_measures::ActiveModel {
                organisation_id: Set(caller.organisation_id),
                year: Set(year),
                text: Set(text),
                updated_by: Set(Some(caller.user_id)),
                updated_at: Set(now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    audit(
        &txn,
        caller,
        "report.measures",
        "report_measures",
        row.id,
        serde_json::json!({ "year": year }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
