//! Referrals of clients to language courses (`course`) and to recognition advice for foreign
//! qualifications (`recognition`): each follows its life cycle (`domain::referrals`), every
//! step is kept with its date, and a referral that has not moved for a while comes up on the
//! caseworker's follow-up list.

pub mod course;
pub mod recognition;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::referral_step;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::domain::FieldErrors;
use crate::domain::booking::AppointmentKind;
use crate::domain::time::BERLIN;
use crate::repo::First;

/// A step of a referral: the state it reached and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    pub status: String,
    pub at: DateTime<Utc>,
}

/// What the caller means to do with a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Act,
}

/// Which referral a step belongs to.
pub(crate) enum Of {
    Course(i64),
    Recognition(i64),
}

/// Records that a referral reached `status`.
pub(crate) async fn record_step(
    db: &impl ConnectionTrait,
    caller: &Caller,
    of: Of,
    status: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (course, recognition) = match of {
        Of::Course(id) => (Some(id), None),
        Of::Recognition(id) => (None, Some(id)),
    };
    referral_step::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        course_referral_id: Set(course),
        recognition_referral_id: Set(recognition),
        status: Set(status.to_owned()),
        at: Set(at),
        actor_user_id: Set(Some(caller.user_id)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The referral a booking is for: its client, and the kind of advice it sets.
pub(crate) struct ForBooking {
    pub client: entities::client::Model,
    pub kind: AppointmentKind,
}

/// Finds the referral a booking names (at most one of the two kinds), one of the caller's own,
/// checking that the client reference and kind, if given, agree with it; problems go into
/// `errors`. Another caseworker's referral is refused as if it did not exist.
///
/// # Errors
/// Database errors.
pub(crate) async fn for_booking(
    db: &impl ConnectionTrait,
    caller: &Caller,
    course: Option<i64>,
    recognition: Option<i64>,
    reference: Option<&str>,
    kind: Option<AppointmentKind>,
    errors: &mut FieldErrors,
) -> Result<Option<ForBooking>, DbErr> {
    use entities::{client, course_referral, recognition_referral};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (field, client_id, advice) = match (course, recognition) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            errors.add("recognition_referral_id", "a booking is for one referral only");
            return Ok(None);
        }
        (Some(id), None) => (
            "course_referral_id",
            course_referral::Entity::find_by_id(id)
                .filter(course_referral::Column::OrganisationId.eq(caller.organisation_id))
                .filter(course_referral::Column::CaseworkerId.eq(caller.user_id))
                .first(db)
                .await?
                .map(|r| r.client_id),
            AppointmentKind::LanguageCourseAdvice,
        ),
        (None, Some(id)) => (
            "recognition_referral_id",
            recognition_referral::Entity::find_by_id(id)
                .filter(recognition_referral::Column::OrganisationId.eq(caller.organisation_id))
                .filter(recognition_referral::Column::CaseworkerId.eq(caller.user_id))
                .first(db)
                .await?
                .map(|r| r.client_id),
            AppointmentKind::RecognitionAdvice,
        ),
    };
    let Some(client) = (match client_id {
        Some(id) => client::Entity::find_by_id(id).first(db).await?,
        None => None,
    }) else {
        errors.add(field, "is not one of your referrals");
        return Ok(None);
    };
    if reference.is_some_and(|r| r != client.reference) {
        errors.add("client_ref", "is not the referral's client");
    }
    if kind.is_some_and(|k| k != advice) {
        errors.add("kind", format!("a booking for this referral is {advice}"));
    }
    Ok(Some(ForBooking { client, kind: advice }))
}

/// The answer to a step the life cycle does not allow: 409, naming the states that may follow.
pub(crate) fn refusal<S: std::fmt::Display>(from: S, next: &[S]) -> crate::error::AppError {
    let message = if next.is_empty() {
        format!("a referral that is {from} does not move on")
    } else {
        let allowed: Vec<String> = next.iter().map(ToString::to_string).collect();
        format!("from {from} it may move to: {}", allowed.join(", "))
    };
    crate::error::AppError::conflict_on("to", message)
}

/// The client references the caller may see, by client: only a caseworker's, and only of the
/// referrals they made themselves. `rows` are (caseworker, client) of the referrals shown.
pub(crate) async fn visible_references(
    db: &impl ConnectionTrait,
    caller: &Caller,
    rows: &[(i64, i64)],
) -> Result<std::collections::HashMap<i64, String>, DbErr> {
    if !caller.has(crate::domain::Role::Caseworker) {
        return Ok(std::collections::HashMap::new());
    }
    let own: Vec<i64> =
        rows.iter().filter(|(cw, _)| *cw == caller.user_id).map(|(_, c)| *c).collect();
    crate::repo::booking::client_references(db, &own).await
}

/// The day a referral that moved at `at` is to be looked at again, unless it moves before.
pub(crate) fn follow_up(at: DateTime<Utc>, days: u32) -> NaiveDate {
    at.with_timezone(&BERLIN).date_naive() + Duration::days(i64::from(days))
}
