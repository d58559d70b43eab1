//! Recognition referrals: a client is referred to the local recognition-advice office so that
//! a foreign professional qualification can be used; the caseworker follows the procedure
//! step by step (with the date of each) to its decision and outcome.

use chrono::NaiveDate;
use entities::{recognition_referral, referral_step};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Of, StepView, follow_up, record_step};
use crate::auth::Caller;
use crate::domain::referrals::{QualificationType, RecognitionOutcome, RecognitionStatus};
use crate::domain::time::BERLIN;
use crate::domain::{FieldErrors, Role, text};
use crate::error::AppError;
use crate::repo::First;
use crate::services::{audit, clean_text, clients, now};

/// `POST /recognition-referrals`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecognitionReferral {
    #[schema(pattern = "^[A-Za-z0-9_/.-]{3,40}$")]
    pub client_ref: String,
    /// The German reference occupation (Referenzberuf), e.g. "Pflegefachfrau".
    #[schema(min_length = 1, max_length = 200)]
    pub reference_occupation: String,
    /// Country of training, as an ISO 3166-1 code (`SY`, `UA`, `TR`).
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    pub qualification_type: QualificationType,
    /// A regulated profession needs recognition to be practised.
    pub regulated: bool,
    /// The competent body (zuständige Stelle), once known.
    #[schema(max_length = 200)]
    pub competent_body: Option<String>,
}

/// `POST /recognition-referrals/{id}/status`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecognitionTransition {
    pub to: RecognitionStatus,
    /// Only when moving to `decided`, and then required.
    pub outcome: Option<RecognitionOutcome>,
}

/// `GET /recognition-referrals`.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecognitionQuery {
    pub status: Option<RecognitionStatus>,
    /// Only those whose follow-up date has come.
    pub due: Option<bool>,
}

/// A recognition referral.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecognitionReferralView {
    pub id: i64,
    /// The client's reference; shown to the referring caseworker only.
    pub client_ref: Option<String>,
    pub reference_occupation: String,
    pub country: String,
    pub qualification_type: QualificationType,
    pub regulated: bool,
    pub competent_body: Option<String>,
    pub status: RecognitionStatus,
    pub next: Vec<RecognitionStatus>,
    pub outcome: Option<RecognitionOutcome>,
    pub follow_up_on: Option<NaiveDate>,
    pub steps: Vec<StepView>,
}

const STAFF: [Role; 2] = [Role::Caseworker, Role::TeamLead];

/// Refers a client to recognition advice (caseworkers).
///
/// # Errors
/// Forbidden unless caseworker; a bad reference, an empty occupation, a country that is not an
/// ISO code (422).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewRecognitionReferral,
    follow_up_days: u32,
) -> Result<RecognitionReferralView, AppError> {
    caller.require(Role::Caseworker)?;
    let mut errors = FieldErrors::new();
    let reference = input.client_ref.trim().to_owned();
    clients::check_reference(&reference, "client_ref", &mut errors);
    text::required(&input.reference_occupation, "reference_occupation", 200, &mut errors);
    text::optional(input.competent_body.as_deref(), "competent_body", 200, &mut errors);
    let country = input.country.trim().to_uppercase();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        errors.add("country", "must be a two-letter ISO 3166-1 code, e.g. SY");
    }
    errors.into_result(())?;
    let txn = crate::db::write(db).await?;
    let client = clients::find_or_create(&txn, caller, &reference).await?;
    let at = now();
    let row = recognition_referral::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        client_id: Set(client.id),
        caseworker_id: Set(caller.user_id),
        reference_occupation: Set(input.reference_occupation.trim().to_owned()),
        country: Set(country),
        qualification_type: Set(input.qualification_type.as_str().to_owned()),
        regulated: Set(input.regulated),
        competent_body: Set(clean_text(input.competent_body)),
        status: Set(RecognitionStatus::Referred.as_str().to_owned()),
        outcome: Set(None),
        status_changed_at: Set(at),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_step(&txn, caller, Of::Recognition(row.id), RecognitionStatus::Referred.as_str(), at)
        .await?;
    audit(
        &txn,
        caller,
        "recognition_referral.create",
        "recognition_referral",
        row.id,
        serde_json::Value::Null,
    )
    .await?;
    txn.commit().await?;
    get(db, caller, row.id, follow_up_days).await
}

/// The referral, if the caller may see it: a caseworker only their own (those they made
/// or were handed), a team lead any of the organisation to read (without the client's
/// reference). Acting on it (moving it on) is for its own caseworker alone.
async fn own(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: i64,
    access: super::Access,
) -> Result<recognition_referral::Model, AppError> {
    let mut select = recognition_referral::Entity::find_by_id(id)
        .filter(recognition_referral::Column::OrganisationId.eq(caller.organisation_id));
    if access == super::Access::Act || !caller.has(Role::TeamLead) {
        select = select.filter(recognition_referral::Column::CaseworkerId.eq(caller.user_id));
    }
    select.first(db).await?.ok_or(AppError::NotFound)
}

/// Moves a referral on (caseworkers).
///
/// # Errors
/// Forbidden unless caseworker; not found; 409 with the allowed next states; 422 for an
/// outcome out of place or a decision without one.
pub async fn transition(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    step: RecognitionTransition,
    follow_up_days: u32,
) -> Result<RecognitionReferralView, AppError> {
    caller.require(Role::Caseworker)?;
    let txn = crate::db::write(db).await?;
    let row = own(&txn, caller, id, super::Access::Act).await?;
    let from: RecognitionStatus =
        row.status.parse().map_err(|_| AppError::Internal(format!("status {}", row.status)))?;
    if !from.can_move_to(step.to) {
        return Err(super::refusal(from, from.next()));
    }
    let deciding = step.to == RecognitionStatus::Decided;
    match (step.outcome, deciding) {
        (Some(_), false) => {
            return Err(AppError::validation("outcome", "is recorded only with the decision"));
        }
        (None, true) => return Err(AppError::validation("outcome", "is needed with the decision")),
        _ => {}
    }
    let at = now();
    let mut active: recognition_referral::ActiveModel = row.into();
    active.status = Set(step.to.as_str().to_owned());
    if let Some(outcome) = step.outcome {
        active.outcome = Set(Some(outcome.as_str().to_owned()));
    }
    active.status_changed_at = Set(at);
    active.updated_at = Set(at);
    active.update(&txn).await?;
    record_step(&txn, caller, Of::Recognition(id), step.to.as_str(), at).await?;
    audit(
        &txn,
        caller,
        "recognition_referral.status",
        "recognition_referral",
        id,
        serde_json::json!({ "from": from.as_str(), "to": step.to.as_str() }),
    )
    .await?;
    txn.commit().await?;
    get(db, caller, id, follow_up_days).await
}

/// One referral with the dates of its steps.
///
/// # Errors
/// Forbidden unless caseworker or team lead; not found.
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    follow_up_days: u32,
) -> Result<RecognitionReferralView, AppError> {
    caller.require_any(&STAFF)?;
    let row = own(db, caller, id, super::Access::Read).await?;
    views(db, caller, vec![row], follow_up_days).await?.pop().ok_or(AppError::NotFound)
}

/// Referrals: a caseworker's own, a team lead's whole organisation's (without client
/// references); with `due`, those that did not move for `follow_up_days`.
///
/// # Errors
/// Forbidden unless caseworker or team lead.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    query: RecognitionQuery,
    follow_up_days: u32,
) -> Result<Vec<RecognitionReferralView>, AppError> {
    caller.require_any(&STAFF)?;
    let mut select = recognition_referral::Entity::find()
        .filter(recognition_referral::Column::OrganisationId.eq(caller.organisation_id));
    if !caller.has(Role::TeamLead) {
        select = select.filter(recognition_referral::Column::CaseworkerId.eq(caller.user_id));
    }
    if let Some(status) = query.status {
        select = select.filter(recognition_referral::Column::Status.eq(status.as_str()));
    }
    let rows = select.order_by_asc(recognition_referral::Column::StatusChangedAt).all(db).await?;
    let mut out = views(db, caller, rows, follow_up_days).await?;
    if query.due == Some(true) {
        let today = now().with_timezone(&BERLIN).date_naive();
        out.retain(|r| r.follow_up_on.is_some_and(|d| d <= today));
    }
    Ok(out)
}

async fn views(
    db: &impl ConnectionTrait,
    caller: &Caller,
    rows: Vec<recognition_referral::Model>,
    follow_up_days: u32,
) -> Result<Vec<RecognitionReferralView>, sea_orm::DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let steps = referral_step::Entity::find()
        .filter(referral_step::Column::RecognitionReferralId.is_in(ids))
        .order_by_asc(referral_step::Column::At)
        .order_by_asc(referral_step::Column::Id)
        .all(db)
        .await?;
    let pairs: Vec<(i64, i64)> = rows.iter().map(|r| (r.caseworker_id, r.client_id)).collect();
    let references = super::visible_references(db, caller, &pairs).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let client_ref = if r.caseworker_id == caller.user_id {
            references.get(&r.client_id).cloned()
        } else {
            None
        };
        let status: RecognitionStatus = r.status.parse().unwrap_or(RecognitionStatus::Referred);
        out.push(RecognitionReferralView {
            id: r.id,
            client_ref,
            reference_occupation: r.reference_occupation,
            country: r.country,
            qualification_type: r.qualification_type.parse().unwrap_or(QualificationType::Other),
            regulated: r.regulated,
            competent_body: r.competent_body,
            status,
            next: status.next().to_vec(),
            outcome: r.outcome.as_deref().and_then(|o| o.parse().ok()),
            // The table keeps no follow-up date: it follows from the last step.
            follow_up_on: (!status.next().is_empty())
                .then(|| follow_up(r.status_changed_at, follow_up_days)),
            steps: steps
                .iter()
                .filter(|s| s.recognition_referral_id == Some(r.id))
                .map(|s| StepView { status: s.status.clone(), at: s.at })
                .collect(),
        });
    }
    Ok(out)
}
