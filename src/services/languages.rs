//! The organisation's language list: BCP 47 tags with German and English names, and for a
//! variety the macrolanguage whose speakers can cover it (one step: `apc` → `ar`).

use entities::language;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{audit, set_or_clear};
use crate::auth::Caller;
use crate::domain::{FieldErrors, LanguageTag, Role, text};
use crate::error::AppError;
use crate::repo;

/// A language of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct LanguageView {
    pub tag: String,
    pub name_de: String,
    pub name_en: String,
    /// The macrolanguage whose speakers can cover this variety.
    pub fallback: Option<String>,
    pub active: bool,
}

/// `POST /api/v1/languages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLanguage {
    #[schema(value_type = LanguageTag)]
    pub tag: String,
    #[schema(min_length = 1, max_length = 80)]
    pub name_de: String,
    #[schema(min_length = 1, max_length = 80)]
    pub name_en: String,
    /// The macrolanguage a variety falls back to, from the language list.
    #[schema(value_type = Option<LanguageTag>)]
    pub fallback: Option<String>,
}

/// `PATCH /api/v1/languages/{tag}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageChanges {
    #[schema(min_length = 1, max_length = 80)]
    pub name_de: Option<String>,
    #[schema(min_length = 1, max_length = 80)]
    pub name_en: Option<String>,
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<LanguageTag>)]
    pub fallback: Option<Option<String>>,
    pub active: Option<bool>,
}

fn check_names(name_de: Option<&str>, name_en: Option<&str>, errors: &mut FieldErrors) {
    for (field, name) in [("name_de", name_de), ("name_en", name_en)] {
        if let Some(name) = name {
            text::required(name, field, 80, errors);
        }
    }
}

/// Resolves a fallback tag: it must be on the list, not the language itself, and not a
/// variety with a fallback of its own.
async fn fallback_id(
    db: &impl ConnectionTrait,
    caller: &Caller,
    own_tag: &str,
    fallback: Option<&str>,
    errors: &mut FieldErrors,
) -> Result<Option<i64>, AppError> {
    let Some(text) = fallback else { return Ok(None) };
    let tag = match LanguageTag::parse(text) {
        Ok(tag) => tag,
        Err(e) => {
            errors.add("fallback", e.to_string());
            return Ok(None);
        }
    };
    if tag.as_str() == own_tag {
        errors.add("fallback", "a language cannot be its own fallback");
        return Ok(None);
    }
    match repo::languages::by_tag(db, caller.organisation_id, tag.as_str()).await? {
        None => {
            errors.add("fallback", format!("\"{tag}\" is not on the organisation's language list"))
        }
        Some(target) if target.fallback_id.is_some() => errors.add(
            "fallback",
            format!("\"{tag}\" has a fallback itself; fallbacks go one step only"),
        ),
        Some(target) => return Ok(Some(target.id)),
    }
    Ok(None)
}

fn views(rows: Vec<language::Model>) -> Vec<LanguageView> {
    let tags: std::collections::HashMap<i64, String> =
        rows.iter().map(|l| (l.id, l.tag.clone())).collect();
    rows.into_iter()
        .map(|l| LanguageView {
            fallback: l.fallback_id.and_then(|id| tags.get(&id).cloned()),
            tag: l.tag,
            name_de: l.name_de,
            name_en: l.name_en,
            active: l.active,
        })
        .collect()
}

async fn view_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    tag: &str,
) -> Result<LanguageView, AppError> {
    views(repo::languages::list(db, caller.organisation_id).await?)
        .into_iter()
        .find(|l| l.tag == tag)
        .ok_or(AppError::NotFound)
}

/// The whole list of the caller's organisation.
///
/// # Errors
/// Database errors.
pub async fn list(db: &DatabaseConnection, caller: &Caller) -> Result<Vec<LanguageView>, AppError> {
    Ok(views(repo::languages::list(db, caller.organisation_id).await?))
}

/// Adds a language.
///
/// # Errors
/// Forbidden unless admin; a malformed tag or bad fallback (422); a tag on the list (409).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewLanguage,
) -> Result<LanguageView, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = FieldErrors::new();
    let tag = LanguageTag::parse(&input.tag).map_err(|e| errors.add("tag", e.to_string())).ok();
    check_names(Some(&input.name_de), Some(&input.name_en), &mut errors);
    let txn = crate::db::write(db).await?;
    let own = tag.as_ref().map_or("", LanguageTag::as_str);
    let fallback_id =
        fallback_id(&txn, caller, own, input.fallback.as_deref(), &mut errors).await?;
    let tag = errors.into_result(tag)?.ok_or_else(|| AppError::validation("tag", "missing"))?;
    if repo::languages::by_tag(&txn, caller.organisation_id, tag.as_str()).await?.is_some() {
        return Err(AppError::conflict_on("tag", "is on the list already"));
    }
    let row = language::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        tag: Set(tag.to_string()),
        name_de: Set(input.name_de.trim().to_owned()),
        name_en: Set(input.name_en.trim().to_owned()),
        fallback_id: Set(fallback_id),
        active: Set(true),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit(
        &txn,
        caller,
        "language.create",
        "language",
        row.id,
        serde_json::json!({ "tag": row.tag }),
    )
    .await?;
    let out = view_of(&txn, caller, &row.tag).await?;
    txn.commit().await?;
    Ok(out)
}

/// Renames a language, sets or clears its fallback, or (de)activates it.
///
/// # Errors
/// Forbidden unless admin; not found; a bad fallback (422), also a fallback for a language
/// that others fall back to.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    tag: &str,
    changes: LanguageChanges,
) -> Result<LanguageView, AppError> {
    caller.require(Role::Admin)?;
    let tag = LanguageTag::parse(tag).map_err(|_| AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    check_names(changes.name_de.as_deref(), changes.name_en.as_deref(), &mut errors);
    let txn = crate::db::write(db).await?;
    let row = repo::languages::by_tag(&txn, caller.organisation_id, tag.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let new_fallback = match &changes.fallback {
        Some(fallback) => {
            let id = fallback_id(&txn, caller, row.tag.as_str(), fallback.as_deref(), &mut errors)
                .await?;
            if fallback.is_some() {
                let dependants = language::Entity::find()
                    .filter(language::Column::FallbackId.eq(row.id))
                    .count(&txn)
                    .await?;
                if dependants > 0 {
                    errors.add(
                        "fallback",
                        "other languages fall back to this one; fallbacks go one step only",
                    );
                }
            }
            Some(id)
        }
        None => None,
    };
    errors.into_result(())?;
    let mut fields = Vec::new();
    let mut active = row.into_active_model();
    if let Some(name) = changes.name_de {
        active.name_de = Set(name.trim().to_owned());
        fields.push("name_de");
    }
    if let Some(name) = changes.name_en {
        active.name_en = Set(name.trim().to_owned());
        fields.push("name_en");
    }
    if let Some(id) = new_fallback {
        active.fallback_id = Set(id);
        fields.push("fallback");
    }
    if let Some(flag) = changes.active {
        active.active = Set(flag);
        fields.push("active");
    }
    let row = active.update(&txn).await?;
    audit(
        &txn,
        caller,
        "language.update",
        "language",
        row.id,
        serde_json::json!({ "fields": fields }),
    )
    .await?;
    let out = view_of(&txn, caller, &row.tag).await?;
    txn.commit().await?;
    Ok(out)
}
