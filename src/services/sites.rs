//! Sites of the organisation: everyone may read them (forms need them), admins change them.

use entities::site;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{audit, clean_text, now, set_or_clear};
use crate::auth::Caller;
use crate::domain::{FieldErrors, Role, text};
use crate::error::AppError;
use crate::repo;

/// A site (Standort).
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    pub id: i64,
    /// Short code used in requests and filters, e.g. `mitte`.
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub active: bool,
}

impl From<site::Model> for SiteView {
    fn from(s: site::Model) -> Self {
        Self { id: s.id, code: s.code, name: s.name, address: s.address, active: s.active }
    }
}

/// `POST /api/v1/sites`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    /// 1–32 characters: lowercase letters, digits and `-`.
    #[schema(pattern = "^[a-z0-9-]{1,32}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    #[schema(max_length = 200)]
    pub address: Option<String>,
}

/// `PATCH /api/v1/sites/{id}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteChanges {
    #[schema(min_length = 1, max_length = 120)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub address: Option<Option<String>>,
    pub active: Option<bool>,
}

fn check_name(name: &str, errors: &mut FieldErrors) {
    text::required(name, "name", 120, errors);
}

/// Every site of the caller's organisation.
///
/// # Errors
/// Database errors.
pub async fn list(db: &DatabaseConnection, caller: &Caller) -> Result<Vec<SiteView>, AppError> {
    Ok(repo::sites::list(db, caller.organisation_id)
        .await?
        .into_iter()
        .map(SiteView::from)
        .collect())
}

/// Adds a site.
///
/// # Errors
/// Forbidden unless admin; invalid fields (422); a code in use (409).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewSite,
) -> Result<SiteView, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = FieldErrors::new();
    let code = input.code.trim().to_lowercase();
    if code.is_empty()
        || code.len() > 32
        || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.add("code", "must be 1–32 characters: lowercase letters, digits and '-'");
    }
    check_name(&input.name, &mut errors);
    text::optional(input.address.as_deref(), "address", 200, &mut errors);
    errors.into_result(())?;
    let txn = crate::db::write(db).await?;
    if repo::sites::by_code(&txn, caller.organisation_id, &code).await?.is_some() {
        return Err(AppError::conflict_on("code", "is in use"));
    }
    let row = site::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        code: Set(code),
        name: Set(input.name.trim().to_owned()),
        address: Set(clean_text(input.address)),
        active: Set(true),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit(&txn, caller, "site.create", "site", row.id, serde_json::json!({ "code": row.code }))
        .await?;
    txn.commit().await?;
    Ok(row.into())
}

/// Renames, readdresses or (de)activates a site.
///
/// # Errors
/// Forbidden unless admin; not found; invalid fields (422).
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    changes: SiteChanges,
) -> Result<SiteView, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = FieldErrors::new();
    if let Some(name) = &changes.name {
        check_name(name, &mut errors);
    }
    if let Some(address) = &changes.address {
        text::optional(address.as_deref(), "address", 200, &mut errors);
    }
    errors.into_result(())?;
    let txn = crate::db::write(db).await?;
    let row =
        repo::sites::get(&txn, caller.organisation_id, id).await?.ok_or(AppError::NotFound)?;
    let mut fields = Vec::new();
    let mut active = row.into_active_model();
    if let Some(name) = changes.name {
        active.name = Set(name.trim().to_owned());
        fields.push("name");
    }
    if let Some(address) = changes.address {
        active.address = Set(clean_text(address));
        fields.push("address");
    }
    if let Some(flag) = changes.active {
        active.active = Set(flag);
        fields.push("active");
    }
    let row = active.update(&txn).await?;
    audit(&txn, caller, "site.update", "site", row.id, serde_json::json!({ "fields": fields }))
        .await?;
    txn.commit().await?;
    Ok(row.into())
}

/// Travel time between two sites, either way.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Travel {
    /// Site code.
    #[schema(pattern = "^[a-z0-9-]{1,32}$")]
    pub from: String,
    /// Site code.
    #[schema(pattern = "^[a-z0-9-]{1,32}$")]
    pub to: String,
    /// 0–480; pairs not listed count 60 minutes.
    #[schema(minimum = 0, maximum = 480)]
    pub minutes: i32,
}

/// The organisation's travel times (any role).
///
/// # Errors
/// Database errors.
pub async fn list_travel(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Result<Vec<Travel>, AppError> {
    let codes: std::collections::HashMap<i64, String> =
        repo::sites::list(db, caller.organisation_id)
            .await?
            .into_iter()
            .map(|s| (s.id, s.code))
            .collect();
    let mut out: Vec<Travel> = repo::sites::travel(db, caller.organisation_id)
        .await?
        .into_iter()
        .filter_map(|t| {
            Some(Travel {
                from: codes.get(&t.from_site_id)?.clone(),
                to: codes.get(&t.to_site_id)?.clone(),
                minutes: t.minutes,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    Ok(out)
}

/// Sets the travel time between two sites (admins).
///
/// # Errors
/// Forbidden unless admin; unknown or equal sites, minutes out of range (422).
pub async fn set_travel(
    db: &DatabaseConnection,
    caller: &Caller,
    input: Travel,
) -> Result<Travel, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = FieldErrors::new();
    if !(0..=480).contains(&input.minutes) {
        errors.add("minutes", "must be between 0 and 480");
    }
    if input.from == input.to {
        errors.add("to", "must be another site than from");
    }
    let txn = crate::db::write(db).await?;
    let mut ids = Vec::new();
    for (field, code) in [("from", &input.from), ("to", &input.to)] {
        match repo::sites::by_code(&txn, caller.organisation_id, code).await? {
            Some(site) => ids.push(site.id),
            None => errors.add(field, format!("\"{code}\" is not a site of the organisation")),
        }
    }
    errors.into_result(())?;
    let (low, high) = (ids[0].min(ids[1]), ids[0].max(ids[1]));
    entities::site_travel::Entity::insert(entities::site_travel::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        from_site_id: Set(low),
        to_site_id: Set(high),
        minutes: Set(input.minutes),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            entities::site_travel::Column::FromSiteId,
            entities::site_travel::Column::ToSiteId,
        ])
        .update_column(entities::site_travel::Column::Minutes)
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit(
        &txn,
        caller,
        "site_travel.set",
        "site",
        low,
        serde_json::json!({ "to_site_id": high, "minutes": input.minutes }),
    )
    .await?;
    txn.commit().await?;
    Ok(input)
}
