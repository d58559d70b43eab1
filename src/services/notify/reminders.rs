//! Reminders the day before: every confirmed assignment of tomorrow queues one reminder, once,
//! however often the job runs (several instances, restarts).

use chrono::{Duration, NaiveDate};
use entities::{appointment, assignment, outbox};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use super::{NoticeKind, assignment_changed};

/// Queues the reminders for the appointments on the local date after `today`; how many.
///
/// # Errors
/// Database errors.
pub async fn queue(db: &DatabaseConnection, today: NaiveDate) -> Result<usize, DbErr> {
    let tomorrow = today + Duration::days(1);
    let appointments = appointment::Entity::find()
        .filter(appointment::Column::LocalDate.eq(tomorrow))
        .filter(appointment::Column::Status.eq("confirmed"))
        .all(db)
        .await?;
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::AppointmentId.is_in(appointments.iter().map(|a| a.id)))
        .filter(assignment::Column::Status.eq("confirmed"))
        .all(db)
        .await?;
    let mut queued = 0;
    for a in assignments {
        let txn = crate::db::write(db).await?;
        let marker = format!("%\"uid\":\"assignment-{}@sprachpool\"%", a.id);
        let already = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq(NoticeKind::Reminder.as_str()))
            .filter(outbox::Column::Payload.like(marker))
            .count(&txn)
            .await?;
        if already == 0 {
            assignment_changed(&txn, a.id, NoticeKind::Reminder).await?;
            queued += 1;
        }
        txn.commit().await?;
    }
    Ok(queued)
}

/// Queues for each caseworker whose referrals are due for follow-up one message with their
/// number, once a day; how many messages.
///
/// # Errors
/// Database errors.
pub async fn queue_referrals_due(
    db: &DatabaseConnection,
    today: NaiveDate,
    follow_up_days: u32,
) -> Result<usize, DbErr> {
    use std::collections::BTreeMap;

    use entities::{course_referral, recognition_referral};
    let mut due: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for r in course_referral::Entity::find()
        .filter(course_referral::Column::FollowUpOn.lte(today))
        .all(db)
        .await?
    {
        *due.entry((r.organisation_id, r.caseworker_id)).or_default() += 1;
    }
    let final_recognition = ["decided"];
    for r in recognition_referral::Entity::find()
        .filter(recognition_referral::Column::Status.is_not_in(final_recognition))
        .all(db)
        .await?
    {
        if super::super::referrals::follow_up(r.status_changed_at, follow_up_days) <= today {
            *due.entry((r.organisation_id, r.caseworker_id)).or_default() += 1;
        }
    }
    let since = crate::domain::time::start_of_local_day(today, crate::domain::time::BERLIN);
    let mut queued = 0;
    for ((organisation_id, caseworker), count) in due {
        let txn = crate::db::write(db).await?;
        let already = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq(NoticeKind::ReferralsDue.as_str()))
            .filter(outbox::Column::RecipientUserId.eq(caseworker))
            .filter(outbox::Column::CreatedAt.gte(since))
            .count(&txn)
            .await?;
        let wanted = crate::repo::users::by_id(&txn, caseworker).await?.is_some_and(|u| {
            u.email.is_some() && !super::muted(&u.notifications_off, NoticeKind::ReferralsDue)
        });
        if already == 0 && wanted {
            let notice =
                super::Notice { kind: NoticeKind::ReferralsDue, event: None, due: Some(count) };
            super::enqueue(&txn, organisation_id, caseworker, &notice).await?;
            queued += 1;
        }
        txn.commit().await?;
    }
    Ok(queued)
}

/// The daily job inside `serve`: at 16:00 local time, tomorrow's reminders and the
/// follow-ups due.
pub async fn run_forever(db: DatabaseConnection, follow_up_days: u32) {
    let at = crate::domain::time::LocalTime::from_minutes(16 * 60)
        .unwrap_or_else(|| crate::domain::time::LocalTime::clamped(16 * 60));
    loop {
        let now = chrono::Utc::now();
        let due = crate::services::planning::schedule::next_moment(at, now);
        tokio::time::sleep((due - now).to_std().unwrap_or_default()).await;
        let today = due.with_timezone(&crate::domain::time::BERLIN).date_naive();
        match queue(&db, today).await {
            Ok(n) => tracing::info!(queued = n, "reminders for tomorrow queued"),
            Err(e) => tracing::warn!(error = %e, "reminders could not be queued"),
        }
        match queue_referrals_due(&db, today, follow_up_days).await {
            Ok(n) => tracing::info!(queued = n, "follow-up reminders queued"),
            Err(e) => tracing::warn!(error = %e, "follow-up reminders could not be queued"),
        }
    }
}
