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
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, IntoActiveModel,
    NotSet, QueryFilter, Set,
};

use crate::error::AppError;
use crate::repo;
use crate::scheduling::format::Plan;
use crate::scheduling::{self, SolveOptions};
use crate::services::notify::{self, NoticeKind};
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

/// What a plan says of one planned appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'p> {
    /// Proposed to this interpreter (database id).
    Proposed(i64),
    /// Nobody, with the plan's reason as the database stores it and as a sentence.
    Unfilled { reason: &'p str, detail: &'p str },
}

/// The plan's outcome for each appointment of the snapshot, in its order. An appointment the
/// plan forgot to mention is unfilled for lack of capacity.
pub fn outcomes<'p>(snapshot: &Snapshot, plan: &'p Plan) -> Vec<Outcome<'p>> {
    let position: HashMap<&str, usize> = snapshot
        .problem
        .appointments
        .iter()
        .enumerate()
        .map(|(at, a)| (a.id.as_str(), at))
        .collect();
    let interpreter_of: HashMap<&str, i64> = snapshot
        .problem
        .interpreters
        .iter()
        .zip(&snapshot.interpreter_ids)
        .map(|(i, id)| (i.id.as_str(), *id))
        .collect();
    let mut outcomes =
        vec![Outcome::Unfilled { reason: "capacity", detail: "" }; snapshot.appointment_ids.len()];
    for u in &plan.unassigned {
        if let Some(&at) = position.get(u.appointment.as_str()) {
            outcomes[at] = Outcome::Unfilled { reason: u.reason.as_str(), detail: &u.detail };
        }
    }
    for a in &plan.assignments {
        if let (Some(&at), Some(&interpreter_id)) =
            (position.get(a.appointment.as_str()), interpreter_of.get(a.interpreter.as_str()))
        {
            outcomes[at] = Outcome::Proposed(interpreter_id);
        }
    }
    outcomes
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
/// The snapshot is of appointments written before ([`snapshot::read`]); a booking's are
/// written with their plan by [`book`].
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
    let outcomes = outcomes(snapshot, plan);
    let current: HashMap<i64, assignment::Model> =
        repo::booking::assignments_of(db, &snapshot.appointment_ids, &["proposed"])
            .await?
            .into_iter()
            .map(|a| (a.appointment_id, a))
            .collect();
    let read_version: HashMap<i64, i32> = snapshot
        .fingerprint
        .iter()
        .filter(|(kind, _, _)| *kind == "appointment")
        .map(|&(_, id, version)| (id, version))
        .collect();

    let mut applied = Applied::default();
    for (&appointment_id, outcome) in snapshot.appointment_ids.iter().zip(&outcomes) {
        let wanted = match outcome {
            Outcome::Proposed(interpreter_id) => Some(*interpreter_id),
            Outcome::Unfilled { .. } => None,
        };
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
                    let proposed = assignment::Entity::insert(proposal_row(
                        (organisation_id, run_id),
                        appointment_id,
                        interpreter_id,
                        now,
                    ))
                    .exec(db)
                    .await?
                    .last_insert_id;
                    notify::assignment_changed(db, proposed, NoticeKind::Proposal).await?;
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
                let (reason, detail) = match outcome {
                    Outcome::Unfilled { reason, detail } => (*reason, *detail),
                    Outcome::Proposed(_) => ("capacity", ""),
                };
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
    now: DateTime<Utc>,
) -> Result<Plan, AppError> {
    let today = now.with_timezone(&crate::domain::time::BERLIN).date_naive();
    let snapshot = snapshot::read(db, organisation_id, appointments, today).await?;
    let plan = solve_at_once(&snapshot).await?;
    apply(db, organisation_id, &snapshot, &plan, None, now).await?;
    Ok(plan)
}

/// What a booking's transaction has read for planning, to share between a series'
/// occurrences: the pools.
#[derive(Debug, Default)]
pub struct BookingReads {
    pub pools: pool::ReadInTransaction,
}

/// A booked appointment as written, and its proposal.
#[derive(Debug, Clone)]
pub struct Booked {
    pub appointment: appointment::Model,
    /// `None` if unfilled.
    pub proposal: Option<Proposal>,
}

/// An assignment proposed, by database ids.
#[derive(Debug, Clone, Copy)]
pub struct Proposal {
    pub assignment_id: i64,
    pub interpreter_id: i64,
}

/// Plans a booking's appointments before they are written, then writes each once, with the
/// plan's outcome, and its proposal. Nobody can have planned or proposed them before, so
/// writing them open and updating them after the plan would only add a statement each while
/// the write lock is held. `unwritten` carry distinct placeholder ids (below 0, so that none
/// is an appointment's), which the problem names them by; what is returned has the ids
/// written, in the same order. The proposals' notices are the caller's to queue in the same
/// transaction ([`notify::assignments_changed`]), so that a series' proposals are queued
/// with one statement. `reads` are what the transaction read before: a booking changes no
/// pool.
///
/// # Errors
/// Database errors; an optimiser failure.
pub async fn book(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    unwritten: Vec<appointment::Model>,
    now: DateTime<Utc>,
    reads: &mut BookingReads,
) -> Result<Vec<Booked>, AppError> {
    let today = now.with_timezone(&crate::domain::time::BERLIN).date_naive();
    let to_plan = (unwritten.as_slice(), snapshot::Planned::JustBooked);
    let snapshot = snapshot::read_in(db, organisation_id, to_plan, today, &mut reads.pools).await?;
    let plan = solve_at_once(&snapshot).await?;
    let mut booked = Vec::with_capacity(unwritten.len());
    for (mut row, outcome) in unwritten.into_iter().zip(outcomes(&snapshot, &plan)) {
        let interpreter_id = match outcome {
            Outcome::Proposed(interpreter_id) => {
                row.status = "proposed".to_owned();
                (row.unfilled_reason, row.unfilled_detail) = (None, None);
                Some(interpreter_id)
            }
            Outcome::Unfilled { reason, detail } => {
                row.status = "unfilled".to_owned();
                row.unfilled_reason = Some(reason.to_owned());
                row.unfilled_detail = Some(detail.to_owned());
                None
            }
        };
        let mut written = row.clone().into_active_model().reset_all();
        written.id = NotSet;
        row.id = appointment::Entity::insert(written).exec(db).await?.last_insert_id;
        let proposal = match interpreter_id {
            None => None,
            Some(interpreter_id) => {
                let assignment_id = assignment::Entity::insert(proposal_row(
                    (organisation_id, None),
                    row.id,
                    interpreter_id,
                    now,
                ))
                .exec(db)
                .await?
                .last_insert_id;
                Some(Proposal { interpreter_id, assignment_id })
            }
        };
        booked.push(Booked { appointment: row, proposal });
    }
    Ok(booked)
}

/// A new proposal of an appointment to an interpreter, by the planning run if any.
fn proposal_row(
    (organisation_id, run_id): (i64, Option<i64>),
    appointment_id: i64,
    interpreter_id: i64,
    now: DateTime<Utc>,
) -> assignment::ActiveModel {
    assignment::ActiveModel {
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
}

/// Solves a snapshot for someone waiting for the answer.
async fn solve_at_once(snapshot: &Snapshot) -> Result<Plan, AppError> {
    let solved = if crate::db::is_the_writers_thread() {
        // Every task of the writers' thread holds or waits for the write lock this transaction
        // holds: none can go on while the optimiser runs, and handing it to another thread
        // and back would only add two switches to the time the lock is held.
        scheduling::solve(&snapshot.problem, SolveOptions { time_limit: AT_ONCE, exact: true })
            .map_err(|found| {
                AppError::Internal(format!("inconsistent planning problem: {found:?}"))
            })?
    } else {
        solve(snapshot, AT_ONCE).await?
    };
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
