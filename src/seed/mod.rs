//! Loading the files under `seed/`: the reference language list (BCP 47 tags with German and
//! English names and macrolanguage fallbacks), given to every new organisation, and the demo
//! data (`--demo` only), whose accounts all have the password `demo`.

use std::collections::HashMap;

use entities::{language, organisation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use serde::Deserialize;

use crate::domain::LanguageTag;
use crate::repo;
use crate::services::now;

const LANGUAGES_CSV: &str = include_str!("../../seed/languages.csv");

/// Seeding failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("seed data is invalid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn invalid(message: impl Into<String>) -> SeedError {
    SeedError::Invalid(message.into())
}

#[derive(Debug, Deserialize)]
struct LanguageRow {
    tag: String,
    name_de: String,
    name_en: String,
    fallback: Option<String>,
}

fn reference_languages() -> Result<Vec<LanguageRow>, SeedError> {
    let mut reader = csv::Reader::from_reader(LANGUAGES_CSV.as_bytes());
    reader
        .deserialize()
        .map(|row| row.map_err(|e| invalid(format!("languages.csv: {e}"))))
        .collect()
}

/// Gives an organisation the reference language list.
///
/// # Errors
/// A malformed list, or database errors.
pub async fn insert_languages(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<(), SeedError> {
    let rows = reference_languages()?;
    for row in &rows {
        let tag = LanguageTag::parse(&row.tag)
            .map_err(|_| invalid(format!("languages.csv: bad tag {}", row.tag)))?;
        if tag.as_str() != row.tag {
            return Err(invalid(format!("languages.csv: {} is not in canonical case", row.tag)));
        }
    }
    language::Entity::insert_many(rows.iter().map(|row| language::ActiveModel {
        organisation_id: Set(organisation_id),
        tag: Set(row.tag.clone()),
        name_de: Set(row.name_de.clone()),
        name_en: Set(row.name_en.clone()),
        fallback_id: Set(None),
        active: Set(true),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await?;
    let ids: HashMap<String, i64> = repo::languages::list(db, organisation_id)
        .await?
        .into_iter()
        .map(|l| (l.tag, l.id))
        .collect();
    for row in &rows {
        let Some(fallback) = row.fallback.as_deref().filter(|f| !f.is_empty()) else {
            continue;
        };
        let target = *ids
            .get(fallback)
            .ok_or_else(|| invalid(format!("languages.csv: unknown fallback {fallback}")))?;
        language::Entity::update_many()
            .col_expr(language::Column::FallbackId, sea_orm::sea_query::Expr::value(target))
            .filter(language::Column::OrganisationId.eq(organisation_id))
            .filter(language::Column::Tag.eq(row.tag.as_str()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Creates an organisation with the reference language list, and records that in the audit
/// log; `origin` says how (`demo`, `cli`).
///
/// # Errors
/// A slug in use (database error), or as [`insert_languages`].
pub async fn create_organisation(
    db: &impl ConnectionTrait,
    slug: &str,
    name: &str,
    timezone: &str,
    origin: &str,
) -> Result<organisation::Model, SeedError> {
    let org = organisation::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        timezone: Set(timezone.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    insert_languages(db, org.id).await?;
    repo::audit::record(
        db,
        repo::audit::AuditEntry {
            organisation_id: Some(org.id),
            actor_user_id: None,
            action: "organisation.create",
            entity: "organisation",
            entity_id: Some(org.id.to_string()),
            details: serde_json::json!({ "slug": slug, "origin": origin }),
        },
        now(),
    )
    .await?;
    Ok(org)
}

mod demo;
mod history;
pub mod large;

pub use demo::{DemoOutcome, load_demo};
