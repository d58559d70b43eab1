//! Planning: building the optimiser's problem from the database, solving it off the async
//! workers, and writing the plan back — proposals kept, moved or withdrawn, unfilled
//! appointments with their reason. Used by booking (one appointment or a series, at once), by a
//! volunteer's decline (the next best volunteer at once) and by planning runs.

pub mod pool;
pub mod runs;
pub mod schedule;
pub mod snapshot;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entities::{appointment, assignment};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, Set,
};

use crate::error::AppError;
use crate::repo;
use crate::scheduling::format::Plan;
use crate::scheduling::{self, SolveOptions};
use crate::services::notify::{self, NoticeKind};
pub use snapshot::Planned;
use snapshot::Snapshot;

/// Time the optimiser may take when a booking or a decline waits for its answer.
pub const AT_ONCE: Duration = Duration::from_secs(2);

/// Solves a snapshot on a blocking thread.
///
/// # Errors
/// An inconsistent problem (a bug: the snapshot is built from checked data), or a failed task.
pub async fn solve(snapshot: &Snapshot, limit: Duration) -> Result<scheduling::Solved, AppError> {
    let problem = snapshot.problem.clone();
    tokio::task::spawn_blocking(move || {
        scheduling::solve(&problem, SolveOptions { time_limit: limit, exact: true })
    })
    .await
    .map_err(|e| AppError::Internal(format!("the optimiser's task failed: {e}")))?
    .map_err(|found| AppError::Internal(format!("inconsistent planning problem: {found:?}")))
}

/// What applying a plan changed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Applied {
    pub assigned: usize,
    pub unfilled: usize,
}

/// Writes a plan: for every planned appointment, keeps its proposal if the plan agrees,
/// withdraws it otherwise, proposes the planned interpreter, or marks it unfilled with the
/// reason. Confirmed assignments are never touched: they were fixed in the problem. Every
/// appointment and proposal is changed only if it still has the version the snapshot read.
///
/// # Errors
/// [`DbErr::RecordNotUpdated`] if an appointment or a proposal changed since the snapshot;
/// other database errors, among them a unique violation if a concurrent change slipped in.
pub async fn apply(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    snapshot: &Snapshot,
    plan: &Plan,
    run_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Applied, DbErr> {
    let appointment_of: HashMap<String, i64> = snapshot
        .problem
        .appointments
        .iter()
        .zip(&snapshot.appointment_ids)
        .map(|(a, id)| (a.id.clone(), *id))
        .collect();
    let interpreter_of: HashMap<String, i64> = snapshot
        .problem
        .interpreters
        .iter()
        .zip(&snapshot.interpreter_ids)
        .map(|(i, id)| (i.id.clone(), *id))
        .collect();
    let target: HashMap<i64, i64> = plan
        .assignments
        .iter()
        .filter_map(|a| {
            Some((*appointment_of.get(&a.appointment)?, *interpreter_of.get(&a.interpreter)?))
        })
        .collect();
    let current: HashMap<i64, assignment::Model> = match snapshot.planned {
        Planned::Existing => {
            repo::booking::assignments_of(db, &snapshot.appointment_ids, &["proposed"])
                .await?
                .into_iter()
                .map(|a| (a.appointment_id, a))
                .collect()
        }
        Planned::JustBooked => HashMap::new(),
    };
    let read_version: HashMap<i64, i32> = snapshot
        .fingerprint
        .iter()
        .filter(|(kind, _, _)| *kind == "appointment")
        .map(|&(_, id, version)| (id, version))
        .collect();
    let unfilled: HashMap<i64, (&str, &str)> = plan
        .unassigned
        .iter()
        .filter_map(|u| {
            Some((*appointment_of.get(&u.appointment)?, (u.reason.as_str(), u.detail.as_str())))
        })
        .collect();

    let mut applied = Applied::default();
    for &appointment_id in &snapshot.appointment_ids {
        let wanted = target.get(&appointment_id).copied();
        let existing = current.get(&appointment_id);
        let kept = matches!((existing, wanted), (Some(e), Some(w)) if e.interpreter_id == w);
        if let Some(e) = existing.filter(|_| !kept) {
            let withdrawn = assignment::Entity::update_many()
                .col_expr(assignment::Column::Status, Expr::value("withdrawn"))
                .col_expr(
                    assignment::Column::Version,
                    Expr::col(assignment::Column::Version).add(1),
                )
                .col_expr(assignment::Column::UpdatedAt, Expr::value(now))
                .filter(assignment::Column::Id.eq(e.id))
                .filter(assignment::Column::Status.eq("proposed"))
                .filter(assignment::Column::Version.eq(e.version))
                .exec(db)
                .await?;
            if withdrawn.rows_affected == 0 {
                return Err(DbErr::RecordNotUpdated);
            }
            notify::assignment_changed(db, e.id, NoticeKind::Withdrawn).await?;
        }
        let Some(&version) = read_version.get(&appointment_id) else {
            return Err(DbErr::RecordNotUpdated);
        };
        let mut update = appointment::Entity::update_many()
            .col_expr(appointment::Column::Version, Expr::col(appointment::Column::Version).add(1))
            .col_expr(appointment::Column::UpdatedAt, Expr::value(now))
            .filter(appointment::Column::Id.eq(appointment_id))
            .filter(appointment::Column::OrganisationId.eq(organisation_id))
            .filter(appointment::Column::Version.eq(version));
        match wanted {
            Some(interpreter_id) => {
                if !kept {
                    let proposed = assignment::ActiveModel {
                        organisation_id: Set(organisation_id),
                        appointment_id: Set(appointment_id),
                        interpreter_id: Set(interpreter_id),
                        planning_run_id: Set(run_id),
                        status: Set("proposed".to_owned()),
                        decline_reason: Set(None),
                        version: Set(0),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(db)
                    .await?;
                    notify::assignment_changed(db, proposed.id, NoticeKind::Proposal).await?;
                }
                applied.assigned += 1;
                update = update
                    .col_expr(appointment::Column::Status, Expr::value("proposed"))
                    .col_expr(
                        appointment::Column::UnfilledReason,
                        Expr::value(Option::<String>::None),
                    )
                    .col_expr(
                        appointment::Column::UnfilledDetail,
                        Expr::value(Option::<String>::None),
                    );
            }
            None => {
                applied.unfilled += 1;
                let (reason, detail) =
                    unfilled.get(&appointment_id).copied().unwrap_or(("capacity", ""));
                update = update
                    .col_expr(appointment::Column::Status, Expr::value("unfilled"))
                    .col_expr(appointment::Column::UnfilledReason, Expr::value(reason))
                    .col_expr(appointment::Column::UnfilledDetail, Expr::value(detail));
            }
        }
        if update.exec(db).await?.rows_affected == 0 {
            return Err(DbErr::RecordNotUpdated);
        }
    }
    Ok(applied)
}

/// Plans `appointments` at once, inside the caller's transaction, and writes the result.
///
/// # Errors
/// Database errors; an optimiser failure.
pub async fn plan_now(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    appointments: &[appointment::Model],
    planned: Planned,
    now: DateTime<Utc>,
) -> Result<Plan, AppError> {
    let today = now.with_timezone(&crate::domain::time::BERLIN).date_naive();
    let snapshot = snapshot::read(db, organisation_id, appointments, planned, today).await?;
    let solved = if crate::db::is_the_writers_thread() {
        // Every task of the writers' thread holds or waits for the write lock this transaction
        // holds: none can go on while the optimiser runs, and handing it to another thread
        // and back would only add two switches to the time the lock is held.
        scheduling::solve(&snapshot.problem, SolveOptions { time_limit: AT_ONCE, exact: true })
            .map_err(|found| {
                AppError::Internal(format!("inconsistent planning problem: {found:?}"))
            })?
    } else {
        solve(&snapshot, AT_ONCE).await?
    };
    apply(db, organisation_id, &snapshot, &solved.plan, None, now).await?;
    Ok(solved.plan)
}

/// Serialises writers of one organisation on PostgreSQL for the rest of the transaction
/// (SQLite's write transactions are serialised already). Planning relies on it: two bookings
/// must not both take the last free hour of a volunteer.
///
/// # Errors
/// Database errors.
pub async fn lock_organisation(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(727, $1::int)",
            [i32::try_from(organisation_id).unwrap_or(i32::MAX).into()],
        ))
        .await?;
    }
    Ok(())
}
