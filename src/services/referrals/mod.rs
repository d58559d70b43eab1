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
use crate::domain::time::BERLIN;

/// A step of a referral: the state it reached and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    pub status: String,
    pub at: DateTime<Utc>,
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

/// The day a referral that moved at `at` is to be looked at again, unless it moves before.
pub(crate) fn follow_up(at: DateTime<Utc>, days: u32) -> NaiveDate {
    at.with_timezone(&BERLIN).date_naive() + Duration::days(i64::from(days))
}
