//! The retention job: what is older than `retention_months` is forgotten, organisation by
//! organisation, each in one transaction. Clients with no appointment, referral or change for
//! the whole period are erased; older appointments lose their notes and preferences, older
//! declines their reasons, older absences theirs; sent and parked messages and ended logins
//! are deleted. Aggregates (how many appointments, in which language, held or not; referrals
//! and their outcomes) stay. Running it twice changes nothing the second time, so several
//! instances may run it on the same day.

use chrono::{DateTime, Months, Utc};
use entities::{
    absence, appointment, assignment, client, course_referral, interpreter, organisation, outbox,
    recognition_referral, session,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde::Serialize;

use crate::repo::audit::{AuditEntry, record};

/// What one organisation's run forgot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    pub organisation_id: i64,
    pub clients_erased: u64,
    pub appointments_cleared: u64,
    pub declines_cleared: u64,
    pub absences_cleared: u64,
    pub messages_deleted: u64,
    pub logins_deleted: u64,
}

/// The instant before which data are forgotten.
pub fn cutoff(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Runs the retention rules for every organisation. With `apply` false every transaction is
/// rolled back, which shows what a run would forget.
///
/// # Errors
/// Database errors; the organisation being processed keeps all its data.
pub async fn run(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    months: u32,
    apply: bool,
) -> Result<Vec<Forgotten>, DbErr> {
    let before = cutoff(now, months);
    let organisations: Vec<i64> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(organisations.len());
    for organisation_id in organisations {
        let txn = crate::db::write(db).await?;
        let forgotten = forget(&txn, organisation_id, before, now).await?;
        if apply {
            txn.commit().await?;
        } else {
            txn.rollback().await?;
        }
        out.push(forgotten);
    }
    // Failed-login counters hold digests of usernames and belong to no organisation; they go
    // once their window has passed, as every login attempt also makes them.
    let txn = crate::db::write(db).await?;
    crate::repo::throttle::expire(&txn, now, crate::repo::throttle::WINDOW).await?;
    if apply {
        txn.commit().await?;
        crate::db::purge_erased(db).await;
    } else {
        txn.rollback().await?;
    }
    Ok(out)
}

async fn forget(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Forgotten, DbErr> {
    let stale = stale_clients(db, organisation_id, before).await?;
    let clients_erased = super::erase_clients(db, &stale, now).await?;

    let old_appointments = Query::select()
        .column(appointment::Column::Id)
        .from(appointment::Entity)
        .and_where(appointment::Column::OrganisationId.eq(organisation_id))
        .and_where(appointment::Column::EndsAt.lt(before))
        .to_owned();
    let appointments_cleared = appointment::Entity::update_many()
        .col_expr(appointment::Column::FallbackNote, Expr::value(Option::<String>::None))
        .col_expr(appointment::Column::GenderPreference, Expr::value(Option::<String>::None))
        .filter(appointment::Column::OrganisationId.eq(organisation_id))
        .filter(appointment::Column::EndsAt.lt(before))
        .filter(
            Condition::any()
                .add(appointment::Column::FallbackNote.is_not_null())
                .add(appointment::Column::GenderPreference.is_not_null()),
        )
        .exec(db)
        .await?
        .rows_affected;
    let declines_cleared = assignment::Entity::update_many()
        .col_expr(assignment::Column::DeclineReason, Expr::value(Option::<String>::None))
        .filter(assignment::Column::AppointmentId.in_subquery(old_appointments))
        .filter(assignment::Column::DeclineReason.is_not_null())
        .exec(db)
        .await?
        .rows_affected;
    let absences_cleared = absence::Entity::update_many()
        // The reason is a category, and "sick" is health data: it becomes "other".
        .col_expr(absence::Column::Reason, Expr::value("other"))
        .filter(
            absence::Column::InterpreterId.in_subquery(
                Query::select()
                    .column(interpreter::Column::Id)
                    .from(interpreter::Entity)
                    .and_where(interpreter::Column::OrganisationId.eq(organisation_id))
                    .to_owned(),
            ),
        )
        .filter(absence::Column::EndsAt.lt(before))
        .filter(absence::Column::Reason.ne("other"))
        .exec(db)
        .await?
        .rows_affected;
    let messages_deleted = outbox::Entity::delete_many()
        .filter(outbox::Column::OrganisationId.eq(organisation_id))
        .filter(outbox::Column::CreatedAt.lt(before))
        .filter(outbox::Column::Status.is_in(["sent", "parked"]))
        .exec(db)
        .await?
        .rows_affected;
    let logins_deleted = session::Entity::delete_many()
        .filter(
            session::Column::UserId.in_subquery(
                Query::select()
                    .column(entities::app_user::Column::Id)
                    .from(entities::app_user::Entity)
                    .and_where(entities::app_user::Column::OrganisationId.eq(organisation_id))
                    .to_owned(),
            ),
        )
        .filter(
            Condition::any()
                .add(session::Column::ExpiresAt.lt(before))
                .add(session::Column::RevokedAt.lt(before)),
        )
        .exec(db)
        .await?
        .rows_affected;
    let forgotten = Forgotten {
        organisation_id,
        clients_erased,
        appointments_cleared,
        declines_cleared,
        absences_cleared,
        messages_deleted,
        logins_deleted,
    };
    record(
        db,
        AuditEntry {
            organisation_id: Some(organisation_id),
            actor_user_id: None,
            action: "retention.run",
            entity: "organisation",
            entity_id: Some(organisation_id.to_string()),
            details: serde_json::to_value(&forgotten).unwrap_or_default(),
        },
        now,
    )
    .await?;
    Ok(forgotten)
}

/// Clients not yet erased with nothing newer than `before`: no change to the record, no
/// appointment ending later, no referral changed later.
async fn stale_clients(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    before: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    let recent_appointment = Query::select()
        .column(appointment::Column::ClientId)
        .from(appointment::Entity)
        .and_where(appointment::Column::OrganisationId.eq(organisation_id))
        .and_where(appointment::Column::EndsAt.gte(before))
        .to_owned();
    let recent_course = Query::select()
        .column(course_referral::Column::ClientId)
        .from(course_referral::Entity)
        .and_where(course_referral::Column::OrganisationId.eq(organisation_id))
        .and_where(course_referral::Column::UpdatedAt.gte(before))
        .to_owned();
    let recent_recognition = Query::select()
        .column(recognition_referral::Column::ClientId)
        .from(recognition_referral::Entity)
        .and_where(recognition_referral::Column::OrganisationId.eq(organisation_id))
        .and_where(recognition_referral::Column::UpdatedAt.gte(before))
        .to_owned();
    client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .filter(client::Column::OrganisationId.eq(organisation_id))
        .filter(client::Column::AnonymisedAt.is_null())
        .filter(client::Column::UpdatedAt.lt(before))
        .filter(client::Column::Id.not_in_subquery(recent_appointment))
        .filter(client::Column::Id.not_in_subquery(recent_course))
        .filter(client::Column::Id.not_in_subquery(recent_recognition))
        .into_tuple()
        .all(db)
        .await
}

/// The daily job inside `serve`: at 02:30 local time, when little else runs.
pub async fn run_forever(db: DatabaseConnection, months: u32) {
    let at = crate::domain::time::LocalTime::clamped(2 * 60 + 30);
    loop {
        let now = Utc::now();
        let due = crate::services::planning::schedule::next_moment(at, now);
        tokio::time::sleep((due - now).to_std().unwrap_or_default()).await;
        match run(&db, Utc::now(), months, true).await {
            Ok(runs) => {
                let clients: u64 = runs.iter().map(|r| r.clients_erased).sum();
                tracing::info!(organisations = runs.len(), clients, "retention applied");
            }
            Err(e) => tracing::warn!(error = %e, "retention could not be applied"),
        }
    }
}
