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

/// The daily job inside `serve`: at 16:00 local time, tomorrow's reminders.
pub async fn run_forever(db: DatabaseConnection) {
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
    }
}
