//! Language-course referrals: a caseworker advises a client on a course or a programme, and
//! follows the referral through voucher, registration, placement or the waiting list, the
//! course, the exam and its result. A transition the life cycle does not allow answers 409
//! with the states that may follow; a full course puts the client on its waiting list.

use chrono::NaiveDate;
use entities::{course, course_referral, referral_step};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Of, StepView, follow_up, record_step};
use crate::auth::Caller;
use crate::domain::courses::Programme;
use crate::domain::referrals::{CourseStatus, ExamResult, LegalBasis};
use crate::domain::time::BERLIN;
use crate::domain::{FieldErrors, Level, Role};
use crate::error::AppError;
use crate::repo::First;
use crate::services::{audit, clients, now};

/// `POST /course-referrals`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourseReferral {
    #[schema(pattern = "^[A-Za-z0-9_/.-]{3,40}$")]
    pub client_ref: String,
    /// A course of the catalogue; or only a programme, the course to be found later.
    pub course_id: Option<i64>,
    pub programme: Option<Programme>,
    pub current_level: Option<Level>,
    pub target_level: Level,
    pub legal_basis: LegalBasis,
}

/// `POST /course-referrals/{id}/status`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseTransition {
    pub to: CourseStatus,
    /// The course registered for or placed in, if not chosen before.
    pub course_id: Option<i64>,
    /// Only when moving from `exam` to `completed`, and then required.
    pub exam_result: Option<ExamResult>,
}

/// `GET /course-referrals`.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CourseReferralQuery {
    pub status: Option<CourseStatus>,
    /// Only those whose follow-up date has come: they did not move for a while.
    pub due: Option<bool>,
}

/// A language-course referral.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseReferralView {
    pub id: i64,
    /// The client's reference; shown to caseworkers only.
    pub client_ref: Option<String>,
    pub course_id: Option<i64>,
    pub programme: Programme,
    pub current_level: Option<Level>,
    pub target_level: Level,
    pub legal_basis: LegalBasis,
    pub status: CourseStatus,
    /// The states it may move to next.
    pub next: Vec<CourseStatus>,
    /// Place on the course's waiting list.
    pub waiting_position: Option<i32>,
    pub exam_result: Option<ExamResult>,
    pub follow_up_on: Option<NaiveDate>,
    pub steps: Vec<StepView>,
}

const STAFF: [Role; 2] = [Role::Caseworker, Role::TeamLead];

/// Refers a client to a course or programme (caseworkers).
///
/// # Errors
/// Forbidden unless caseworker; a bad reference, an unknown course, a programme that does not
/// match the course, a target level below the current one (422).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewCourseReferral,
    follow_up_days: u32,
) -> Result<CourseReferralView, AppError> {
    caller.require(Role::Caseworker)?;
    let mut errors = FieldErrors::new();
    let reference = input.client_ref.trim().to_owned();
    clients::check_reference(&reference, "client_ref", &mut errors);
    if input.current_level.is_some_and(|current| input.target_level <= current) {
        errors.add("target_level", "must be above the current level");
    }
    let txn = crate::db::write(db).await?;
    let course = match input.course_id {
        Some(id) => {
            let found = own_course(&txn, caller, id).await?;
            if found.is_none() {
                errors.add("course_id", "is not a course of the catalogue");
            }
            found
        }
        None => None,
    };
    let programme = match (&course, input.programme) {
        (Some(c), given) => {
            let of_course: Option<Programme> = c.programme.parse().ok();
            if given.is_some() && given != of_course {
                errors.add("programme", "does not match the course's programme");
            }
            of_course
        }
        (None, Some(p)) => Some(p),
        (None, None) => {
            errors.add("programme", "is needed when no course is chosen");
            None
        }
    };
    errors.into_result(())?;
    let programme = programme.ok_or_else(|| AppError::validation("programme", "missing"))?;
    let client = clients::find_or_create(&txn, caller, &reference).await?;
    let at = now();
    let row = course_referral::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        client_id: Set(client.id),
        caseworker_id: Set(caller.user_id),
        course_id: Set(course.map(|c| c.id)),
        programme: Set(programme.as_str().to_owned()),
        current_level: Set(input.current_level.map(|l| l.as_str().to_owned())),
        target_level: Set(input.target_level.as_str().to_owned()),
        legal_basis: Set(input.legal_basis.as_str().to_owned()),
        status: Set(CourseStatus::Advised.as_str().to_owned()),
        waiting_position: Set(None),
        exam_result: Set(None),
        status_changed_at: Set(at),
        follow_up_on: Set(Some(follow_up(at, follow_up_days))),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_step(&txn, caller, Of::Course(row.id), CourseStatus::Advised.as_str(), at).await?;
    audit(
        &txn,
        caller,
        "course_referral.create",
        "course_referral",
        row.id,
        serde_json::Value::Null,
    )
    .await?;
    txn.commit().await?;
    get(db, caller, row.id).await
}

async fn own_course(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: i64,
) -> Result<Option<course::Model>, sea_orm::DbErr> {
    course::Entity::find_by_id(id)
        .filter(course::Column::OrganisationId.eq(caller.organisation_id))
        .first(db)
        .await
}

/// The referral, if the caller may see it: a caseworker only their own (those they made
/// or were handed), a team lead any of the organisation to read (without the client's
/// reference). Acting on it (moving it on) is for its own caseworker alone.
async fn own(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: i64,
    access: super::Access,
) -> Result<course_referral::Model, AppError> {
    let mut select = course_referral::Entity::find_by_id(id)
        .filter(course_referral::Column::OrganisationId.eq(caller.organisation_id));
    if access == super::Access::Act || !caller.has(Role::TeamLead) {
        select = select.filter(course_referral::Column::CaseworkerId.eq(caller.user_id));
    }
    select.first(db).await?.ok_or(AppError::NotFound)
}

/// Moves a referral on (caseworkers). Placing in a full course puts the client on its
/// waiting list instead, with their position; a place taken counts down the course's free
/// seats in the same transaction.
///
/// # Errors
/// Forbidden unless caseworker; not found; 409 with the allowed next states if the life
/// cycle does not allow the step; 422 for an exam result out of place, a missing one, or a
/// placement without a course.
pub async fn transition(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    step: CourseTransition,
    follow_up_days: u32,
) -> Result<CourseReferralView, AppError> {
    caller.require(Role::Caseworker)?;
    let txn = crate::db::write(db).await?;
    let row = own(&txn, caller, id, super::Access::Act).await?;
    let from: CourseStatus =
        row.status.parse().map_err(|_| AppError::Internal(format!("status {}", row.status)))?;
    if !from.can_move_to(step.to) {
        return Err(super::refusal(from, from.next()));
    }
    let finishing = from == CourseStatus::Exam && step.to == CourseStatus::Completed;
    match (step.exam_result, finishing) {
        (Some(_), false) => {
            return Err(AppError::validation(
                "exam_result",
                "is recorded only when a referral at exam is completed",
            ));
        }
        (None, true) => {
            return Err(AppError::validation(
                "exam_result",
                "is needed to complete a referral after the exam",
            ));
        }
        _ => {}
    }
    let mut course_id = row.course_id;
    if let Some(chosen) = step.course_id {
        let Some(course) = own_course(&txn, caller, chosen).await? else {
            return Err(AppError::validation("course_id", "is not a course of the catalogue"));
        };
        if course.programme != row.programme {
            return Err(AppError::validation("course_id", "is a course of another programme"));
        }
        course_id = Some(course.id);
    }
    let mut to = step.to;
    let mut waiting_position = None;
    if matches!(to, CourseStatus::Placed | CourseStatus::Waiting) {
        let Some(course) = course_id else {
            return Err(AppError::validation("course_id", "a placement needs a course"));
        };
        // A seat is taken only if one is free, also against a concurrent placement.
        let taken = to == CourseStatus::Placed
            && course::Entity::update_many()
                .col_expr(course::Column::FreeSeats, Expr::col(course::Column::FreeSeats).sub(1))
                .filter(course::Column::Id.eq(course))
                .filter(course::Column::FreeSeats.gt(0))
                .exec(&txn)
                .await?
                .rows_affected
                == 1;
        if !taken {
            to = CourseStatus::Waiting;
            let ahead = course_referral::Entity::find()
                .filter(course_referral::Column::CourseId.eq(course))
                .filter(course_referral::Column::Status.eq(CourseStatus::Waiting.as_str()))
                .filter(course_referral::Column::Id.ne(row.id))
                .count(&txn)
                .await?;
            waiting_position = Some(i32::try_from(ahead + 1).unwrap_or(i32::MAX));
        }
        if from == CourseStatus::Waiting && to == CourseStatus::Waiting {
            return Err(AppError::conflict_on(
                "to",
                "the course is still full: the client stays on its waiting list",
            ));
        }
    }
    // A client who leaves a course before its end gives their seat back.
    let held_seat =
        matches!(from, CourseStatus::Placed | CourseStatus::Running | CourseStatus::Interrupted);
    if held_seat
        && to == CourseStatus::Dropped
        && let Some(course) = course_id
    {
        course::Entity::update_many()
            .col_expr(course::Column::FreeSeats, Expr::col(course::Column::FreeSeats).add(1))
            .filter(course::Column::Id.eq(course))
            .filter(Expr::col(course::Column::FreeSeats).lt(Expr::col(course::Column::Seats)))
            .exec(&txn)
            .await?;
    }
    let at = now();
    let mut active: course_referral::ActiveModel = row.into();
    active.status = Set(to.as_str().to_owned());
    active.course_id = Set(course_id);
    active.waiting_position = Set(waiting_position);
    if let Some(result) = step.exam_result {
        active.exam_result = Set(Some(result.as_str().to_owned()));
    }
    active.status_changed_at = Set(at);
    active.follow_up_on = Set((!to.is_final()).then(|| follow_up(at, follow_up_days)));
    active.updated_at = Set(at);
    active.update(&txn).await?;
    record_step(&txn, caller, Of::Course(id), to.as_str(), at).await?;
    audit(
        &txn,
        caller,
        "course_referral.status",
        "course_referral",
        id,
        serde_json::json!({ "from": from.as_str(), "to": to.as_str() }),
    )
    .await?;
    txn.commit().await?;
    get(db, caller, id).await
}

/// One referral with its steps.
///
/// # Errors
/// Forbidden unless caseworker or team lead; not found.
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<CourseReferralView, AppError> {
    caller.require_any(&STAFF)?;
    let row = own(db, caller, id, super::Access::Read).await?;
    views(db, caller, vec![row]).await?.pop().ok_or(AppError::NotFound)
}

/// Referrals: a caseworker's own, a team lead's whole organisation's (without client
/// references); with `due`, those whose follow-up date has come.
///
/// # Errors
/// Forbidden unless caseworker or team lead.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    query: CourseReferralQuery,
) -> Result<Vec<CourseReferralView>, AppError> {
    caller.require_any(&STAFF)?;
    let mut select = course_referral::Entity::find()
        .filter(course_referral::Column::OrganisationId.eq(caller.organisation_id));
    if !caller.has(Role::TeamLead) {
        select = select.filter(course_referral::Column::CaseworkerId.eq(caller.user_id));
    }
    if let Some(status) = query.status {
        select = select.filter(course_referral::Column::Status.eq(status.as_str()));
    }
    if query.due == Some(true) {
        let today = now().with_timezone(&BERLIN).date_naive();
        select = select.filter(course_referral::Column::FollowUpOn.lte(today));
    }
    let rows = select
        .order_by_asc(course_referral::Column::FollowUpOn)
        .order_by_asc(course_referral::Column::Id)
        .all(db)
        .await?;
    Ok(views(db, caller, rows).await?)
}

async fn views(
    db: &impl ConnectionTrait,
    caller: &Caller,
    rows: Vec<course_referral::Model>,
) -> Result<Vec<CourseReferralView>, sea_orm::DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let steps = referral_step::Entity::find()
        .filter(referral_step::Column::CourseReferralId.is_in(ids))
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
        let status: CourseStatus = r.status.parse().unwrap_or(CourseStatus::Advised);
        out.push(CourseReferralView {
            id: r.id,
            client_ref,
            course_id: r.course_id,
            programme: r.programme.parse().unwrap_or(Programme::IntegrationGeneral),
            current_level: r.current_level.as_deref().and_then(|l| l.parse().ok()),
            target_level: r.target_level.parse().unwrap_or(Level::B1),
            legal_basis: r.legal_basis.parse().unwrap_or(LegalBasis::Entitlement),
            status,
            next: status.next().to_vec(),
            waiting_position: r.waiting_position,
            exam_result: r.exam_result.as_deref().and_then(|e| e.parse().ok()),
            follow_up_on: r.follow_up_on,
            steps: steps
                .iter()
                .filter(|s| s.course_referral_id == Some(r.id))
                .map(|s| StepView { status: s.status.clone(), at: s.at })
                .collect(),
        });
    }
    Ok(out)
}
