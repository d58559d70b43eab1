//! A volunteer's proposals and assignments: what they see (time, place, language, kind — never
//! the client), confirming, and declining with a reason, after which the appointment goes to
//! the next best volunteer at once and the declined pair is never proposed again.

use chrono::{DateTime, Duration, FixedOffset};
use entities::{appointment, assignment};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::notify::{self, NoticeKind};
use super::planning;
use super::views::in_berlin;
use super::{audit, clean_text, now};
use crate::auth::Caller;
use crate::domain::booking::{AppointmentKind, AssignmentStatus};
use crate::domain::{Mode, Role};
use crate::error::AppError;
use crate::repo;
use crate::repo::First;

/// An assignment as the volunteer sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    /// `proposed`: waiting for the volunteer's answer; `confirmed`: booked.
    pub status: AssignmentStatus,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub language: String,
    pub language_name_de: String,
    pub language_name_en: String,
    pub kind: AppointmentKind,
    pub mode: Mode,
    /// Site name; `null` for phone and video.
    pub place: Option<String>,
    /// The colleague who booked, to ask about the appointment.
    pub booked_by: String,
    pub decline_reason: Option<String>,
}

/// The caller's interpreter profile id.
async fn own_profile(db: &impl ConnectionTrait, caller: &Caller) -> Result<i64, AppError> {
    caller.require(Role::Volunteer)?;
    Ok(repo::interpreters::by_user(db, caller.organisation_id, caller.user_id)
        .await?
        .ok_or(AppError::NotFound)?
        .id)
}

async fn views(
    db: &impl ConnectionTrait,
    caller: &Caller,
    rows: Vec<assignment::Model>,
) -> Result<Vec<AssignmentView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|a| a.appointment_id).collect();
    let appointments: std::collections::HashMap<i64, appointment::Model> =
        appointment::Entity::find()
            .filter(appointment::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
    let languages: std::collections::HashMap<i64, entities::language::Model> =
        repo::languages::list(db, caller.organisation_id)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
    let sites: std::collections::HashMap<i64, String> =
        repo::sites::list(db, caller.organisation_id)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
    let caseworkers: Vec<i64> = appointments.values().map(|a| a.caseworker_id).collect();
    let names = repo::users::display_names(db, &caseworkers).await?;
    let mut out: Vec<AssignmentView> = rows
        .into_iter()
        .filter_map(|a| {
            let appt = appointments.get(&a.appointment_id)?;
            let language = languages.get(&appt.language_id)?;
            Some(AssignmentView {
                id: a.id,
                status: a.status.parse().ok()?,
                start: in_berlin(appt.starts_at),
                end: in_berlin(appt.ends_at),
                language: language.tag.clone(),
                language_name_de: language.name_de.clone(),
                language_name_en: language.name_en.clone(),
                kind: appt.kind.parse().ok()?,
                mode: appt.mode.parse().ok()?,
                place: appt.site_id.and_then(|s| sites.get(&s).cloned()),
                booked_by: names.get(&appt.caseworker_id).cloned().unwrap_or_default(),
                decline_reason: a.decline_reason,
            })
        })
        .collect();
    out.sort_by_key(|v| v.start);
    Ok(out)
}

/// The caller's proposals and assignments from a week ago on.
///
/// # Errors
/// Forbidden without the volunteer role.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Result<Vec<AssignmentView>, AppError> {
    let interpreter_id = own_profile(db, caller).await?;
    let since = now() - Duration::days(7);
    let upcoming: Vec<i64> = appointment::Entity::find()
        .filter(appointment::Column::OrganisationId.eq(caller.organisation_id))
        .filter(appointment::Column::EndsAt.gt(since))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let rows = assignment::Entity::find()
        .filter(assignment::Column::InterpreterId.eq(interpreter_id))
        .filter(assignment::Column::AppointmentId.is_in(upcoming))
        .filter(assignment::Column::Status.is_in(["proposed", "confirmed", "declined"]))
        .order_by_asc(assignment::Column::Id)
        .all(db)
        .await?;
    views(db, caller, rows).await
}

async fn own_assignment(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: i64,
) -> Result<assignment::Model, AppError> {
    let interpreter_id = own_profile(db, caller).await?;
    assignment::Entity::find_by_id(id)
        .filter(assignment::Column::InterpreterId.eq(interpreter_id))
        .filter(assignment::Column::OrganisationId.eq(caller.organisation_id))
        .first(db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn view_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: i64,
) -> Result<AssignmentView, AppError> {
    let row = assignment::Entity::find_by_id(id).first(db).await?.ok_or(AppError::NotFound)?;
    views(db, caller, vec![row]).await?.pop().ok_or(AppError::NotFound)
}

/// Accepts a proposal: the appointment is booked.
///
/// # Errors
/// Not found for someone else's assignment; 409 if it is no longer a proposal (confirmed
/// already, declined, withdrawn, or the appointment was cancelled meanwhile).
pub async fn confirm(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<AssignmentView, AppError> {
    let txn = crate::db::write(db).await?;
    planning::lock_organisation(&txn, caller.organisation_id).await?;
    let row = own_assignment(&txn, caller, id).await?;
    let at = now();
    // Both changes are conditional: whoever comes second — a second confirmation, a cancel,
    // a planning run — finds nothing to change and gets a conflict.
    let taken = assignment::Entity::update_many()
        .col_expr(assignment::Column::Status, Expr::value("confirmed"))
        .col_expr(assignment::Column::Version, Expr::col(assignment::Column::Version).add(1))
        .col_expr(assignment::Column::UpdatedAt, Expr::value(at))
        .filter(assignment::Column::Id.eq(row.id))
        .filter(assignment::Column::Status.eq("proposed"))
        .exec(&txn)
        .await?
        .rows_affected;
    let booked = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value("confirmed"))
        .col_expr(appointment::Column::Version, Expr::col(appointment::Column::Version).add(1))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(at))
        .filter(appointment::Column::Id.eq(row.appointment_id))
        .filter(appointment::Column::Status.eq("proposed"))
        .exec(&txn)
        .await?
        .rows_affected;
    if taken == 0 || booked == 0 {
        return Err(AppError::conflict(format!(
            "the assignment is {} now and cannot be confirmed",
            row.status
        )));
    }
    notify::assignment_changed(&txn, row.id, NoticeKind::Confirmed).await?;
    audit(
        &txn,
        caller,
        "assignment.confirm",
        "assignment",
        row.id,
        serde_json::json!({ "appointment_id": row.appointment_id }),
    )
    .await?;
    let view = view_of(&txn, caller, row.id).await?;
    txn.commit().await?;
    Ok(view)
}

/// `POST /api/v1/me/assignments/{id}/decline`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    /// Why, in a few words (at most 200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub reason: String,
}

/// Declines a proposal; the appointment is planned again at once without the caller.
///
/// # Errors
/// Not found; a missing or long reason (422); 409 if it is no longer a proposal.
pub async fn decline(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    request: DeclineRequest,
) -> Result<AssignmentView, AppError> {
    let reason = clean_text(Some(request.reason))
        .ok_or_else(|| AppError::validation("reason", "say briefly why"))?;
    if reason.chars().count() > 200 {
        return Err(AppError::validation("reason", "must be at most 200 characters"));
    }
    let txn = crate::db::write(db).await?;
    planning::lock_organisation(&txn, caller.organisation_id).await?;
    let row = own_assignment(&txn, caller, id).await?;
    let at = now();
    let declined = assignment::Entity::update_many()
        .col_expr(assignment::Column::Status, Expr::value("declined"))
        .col_expr(assignment::Column::DeclineReason, Expr::value(reason))
        .col_expr(assignment::Column::Version, Expr::col(assignment::Column::Version).add(1))
        .col_expr(assignment::Column::UpdatedAt, Expr::value(at))
        .filter(assignment::Column::Id.eq(row.id))
        .filter(assignment::Column::Status.eq("proposed"))
        .exec(&txn)
        .await?
        .rows_affected;
    if declined == 0 {
        return Err(AppError::conflict(format!(
            "the assignment is {} now and cannot be declined",
            row.status
        )));
    }
    audit(
        &txn,
        caller,
        "assignment.decline",
        "assignment",
        row.id,
        serde_json::json!({ "appointment_id": row.appointment_id }),
    )
    .await?;
    let appointment = repo::booking::appointment(&txn, caller.organisation_id, row.appointment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if appointment.starts_at > at && appointment.status == "proposed" {
        planning::plan_now(&txn, caller.organisation_id, &[appointment], at).await?;
    }
    let view = view_of(&txn, caller, row.id).await?;
    txn.commit().await?;
    Ok(view)
}
