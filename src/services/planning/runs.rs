//! Planning runs: a team lead plans a horizon. The optimiser runs on a blocking thread; its
//! plan is applied in one transaction that first checks that nothing it relied on changed
//! (otherwise it plans again). Confirmed assignments are never moved; proposals may be, when
//! that covers more. One run per organisation at a time: a running run is a row the database
//! allows only once per organisation, and the run also holds a lock that dies with its process
//! (on PostgreSQL an advisory lock, on SQLite a lock on a file beside the database), so that a
//! run killed with its process never blocks the next. A team lead starts a run, or the daily
//! schedule (`schedule`).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use entities::{appointment, planning_run, planning_run_unfilled};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{apply, lock_organisation, snapshot, solve};
use crate::auth::Caller;
use crate::domain::Role;
use crate::domain::booking::AppointmentStatus;
use crate::domain::time::{BERLIN, start_of_local_day};
use crate::error::AppError;
use crate::repo;
use crate::repo::First;
use crate::repo::audit::{AuditEntry, record};
use crate::scheduling::format::Reason;
use crate::services::now;
use crate::services::views::in_berlin;

/// `POST /api/v1/planning-runs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// First local date of the horizon.
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub from: NaiveDate,
    /// Last local date, inclusive; at most 8 weeks after `from`.
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub to: NaiveDate,
    /// Seconds the optimiser may take, 1–60 (default 10).
    #[schema(minimum = 1, maximum = 60)]
    pub time_limit_seconds: Option<u32>,
}

/// An appointment a run left without interpreter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnfilledView {
    pub appointment_id: i64,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    /// BCP 47 tag.
    pub language: String,
    pub reason: Reason,
    pub detail: Option<String>,
}

/// A planning run and its outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunView {
    pub id: i64,
    /// `running`, `applied`, `discarded` or `failed`.
    pub status: String,
    /// `optimal` (proven), `time_limit` or `heuristic`.
    pub solver_status: Option<String>,
    pub horizon_start: DateTime<FixedOffset>,
    pub horizon_end: DateTime<FixedOffset>,
    pub started_at: DateTime<FixedOffset>,
    pub finished_at: Option<DateTime<FixedOffset>>,
    pub appointments: i32,
    pub assigned: i32,
    pub covered_priority: Option<i32>,
    pub bound: Option<i32>,
    /// Relative gap between the covered priority and its bound.
    pub gap: Option<f64>,
    pub duration_ms: Option<i64>,
    pub unfilled: Vec<UnfilledView>,
}

/// A run left `running` longer than this is taken to have died with its process.
const STALE: Duration = Duration::minutes(15);
const ATTEMPTS: usize = 3;

/// Who starts a run: a team lead, or the schedule (no user).
#[derive(Debug, Clone, Copy)]
pub struct Starter {
    pub organisation_id: i64,
    pub user_id: Option<i64>,
}

impl Starter {
    async fn audit(
        self,
        db: &impl sea_orm::ConnectionTrait,
        action: &str,
        run_id: i64,
        details: serde_json::Value,
    ) -> Result<(), sea_orm::DbErr> {
        let entry = AuditEntry {
            organisation_id: Some(self.organisation_id),
            actor_user_id: self.user_id,
            action,
            entity: "planning_run",
            entity_id: Some(run_id.to_string()),
            details,
        };
        record(db, entry, now()).await
    }
}

/// A team lead plans the horizon and applies the plan.
///
/// # Errors
/// Forbidden unless team lead; a bad horizon or limit (422); 409 if a run is in progress, or if
/// the pool kept changing during every attempt.
pub async fn start(
    db: &DatabaseConnection,
    caller: &Caller,
    request: RunRequest,
) -> Result<RunView, AppError> {
    caller.require(Role::TeamLead)?;
    let starter =
        Starter { organisation_id: caller.organisation_id, user_id: Some(caller.user_id) };
    let id = plan_horizon(db, starter, request).await?;
    get(db, caller, id).await
}

/// Plans the horizon for `starter` and applies the plan; the run's id.
///
/// # Errors
/// A bad horizon or limit (422); 409 if a run is in progress, or if the pool kept changing
/// during every attempt.
pub async fn plan_horizon(
    db: &DatabaseConnection,
    starter: Starter,
    request: RunRequest,
) -> Result<i64, AppError> {
    if request.to < request.from {
        return Err(AppError::validation("to", "must not be before from"));
    }
    if request.to - request.from > Duration::weeks(8) {
        return Err(AppError::validation("to", "a horizon covers at most 8 weeks"));
    }
    let limit = request.time_limit_seconds.unwrap_or(10);
    if !(1..=60).contains(&limit) {
        return Err(AppError::validation("time_limit_seconds", "must be between 1 and 60"));
    }
    let started = now();
    let horizon_start = start_of_local_day(request.from, BERLIN).max(started);
    let horizon_end = start_of_local_day(request.to + Duration::days(1), BERLIN);
    if horizon_end <= horizon_start {
        return Err(AppError::validation("to", "the horizon lies in the past"));
    }

    // Held until this function returns: dropping it releases the lock.
    let guard = run_lock(db, starter.organisation_id).await?;
    // With the lock, a run still marked running died with its process; without it (an
    // in-memory SQLite database), only an old one is taken to have.
    let stale_before = if guard.is_some() { started } else { started - STALE };
    let run = {
        let txn = crate::db::write(db).await?;
        planning_run::Entity::update_many()
            .col_expr(planning_run::Column::Status, Expr::value("failed"))
            .col_expr(planning_run::Column::FinishedAt, Expr::value(started))
            .filter(planning_run::Column::OrganisationId.eq(starter.organisation_id))
            .filter(planning_run::Column::Status.eq("running"))
            .filter(planning_run::Column::StartedAt.lt(stale_before))
            .exec(&txn)
            .await?;
        let inserted = planning_run::ActiveModel {
            organisation_id: Set(starter.organisation_id),
            started_by: Set(starter.user_id),
            started_at: Set(started),
            horizon_start: Set(horizon_start),
            horizon_end: Set(horizon_end),
            status: Set("running".to_owned()),
            appointments: Set(0),
            assigned: Set(0),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let run = match inserted {
            Ok(run) => run,
            Err(e)
                if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) =>
            {
                return Err(AppError::conflict(
                    "a planning run of the organisation is in progress",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        starter.audit(&txn, "planning_run.start", run.id, serde_json::Value::Null).await?;
        txn.commit().await?;
        run
    };

    let outcome = run_attempts(db, starter, run.id, horizon_start, horizon_end, limit).await;
    if outcome.is_err() {
        let txn = crate::db::write(db).await?;
        planning_run::Entity::update_many()
            .col_expr(planning_run::Column::Status, Expr::value("failed"))
            .col_expr(planning_run::Column::FinishedAt, Expr::value(now()))
            .filter(planning_run::Column::Id.eq(run.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
    outcome?;
    drop(guard);
    Ok(run.id)
}

/// The organisation's planning lock, held for as long as the returned guard lives and released
/// by the operating system or the database server when its process dies, so a crashed run
/// never blocks the next one. On PostgreSQL an advisory lock on a connection of its own; on
/// SQLite an exclusive lock on the file `<database>.planning-<organisation>.lock`, which is
/// left in place (removing it could let two runs lock two different files). `None` for an
/// in-memory SQLite database, where the row of the running run is the only guard.
///
/// # Errors
/// 409 if another run holds the lock; database and file errors.
async fn run_lock(
    db: &DatabaseConnection,
    organisation_id: i64,
) -> Result<Option<RunLock>, AppError> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let busy = || AppError::conflict("a planning run of the organisation is in progress");
    if db.get_database_backend() != DbBackend::Postgres {
        let Some(database) = crate::db::sqlite_file(db).await? else { return Ok(None) };
        let path = format!("{database}.planning-{organisation_id}.lock");
        let cannot = |e: std::io::Error| AppError::Internal(format!("planning lock {path}: {e}"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(cannot)?;
        return match file.try_lock() {
            Ok(()) => Ok(Some(RunLock::File { _held: file })),
            Err(std::fs::TryLockError::WouldBlock) => Err(busy()),
            Err(std::fs::TryLockError::Error(e)) => Err(cannot(e)),
        };
    }
    let txn = db.begin().await?;
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1, $2::int) AS locked",
            [RUN_LOCK.into(), i32::try_from(organisation_id).unwrap_or(i32::MAX).into()],
        ))
        .await?;
    if !row.and_then(|r| r.try_get::<bool>("", "locked").ok()).unwrap_or(false) {
        return Err(busy());
    }
    Ok(Some(RunLock::Advisory { _held: txn }))
}

/// What holds the planning lock; dropping it releases the lock.
#[derive(Debug)]
enum RunLock {
    /// The transaction holding the advisory lock (rolled back on drop).
    Advisory { _held: sea_orm::DatabaseTransaction },
    /// The locked file (unlocked when closed).
    File { _held: std::fs::File },
}

/// The first key of the planning lock (the second is the organisation).
pub const RUN_LOCK: i32 = 728;

async fn run_attempts(
    db: &DatabaseConnection,
    starter: Starter,
    run_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u32,
) -> Result<(), AppError> {
    for _ in 0..ATTEMPTS {
        let at = now();
        // The appointments, the pool and the fingerprint are read as one state. A change
        // committed between two of the reads would be half in the problem (a proposal
        // confirmed meanwhile is both to plan and fixed work, which the optimiser refuses), or
        // in the fingerprint but not in the plan, which the check before applying would pass.
        let read = crate::db::read_snapshot(db).await?;
        let to_plan: Vec<appointment::Model> =
            repo::booking::appointments_between(&read, starter.organisation_id, None, from, to)
                .await?
                .into_iter()
                .filter(|a| {
                    a.starts_at > at && a.status.parse().is_ok_and(AppointmentStatus::is_plannable)
                })
                .collect();
        let today = at.with_timezone(&BERLIN).date_naive();
        let snap = snapshot::read(&read, starter.organisation_id, &to_plan, today).await?;
        read.commit().await?;
        let solved = solve(&snap, std::time::Duration::from_secs(u64::from(limit))).await?;

        let txn = crate::db::write(db).await?;
        lock_organisation(&txn, starter.organisation_id).await?;
        let (h_from, h_to) = snap.horizon;
        let current = snapshot::fingerprint(
            &txn,
            starter.organisation_id,
            &snap.appointment_ids,
            &snap.working_ids,
            h_from,
            h_to,
        )
        .await?;
        if current != snap.fingerprint {
            // Something the plan relied on changed: plan again from the new state.
            drop(txn);
            continue;
        }
        let applied =
            match apply(&txn, starter.organisation_id, &snap, &solved.plan, Some(run_id), now())
                .await
            {
                Ok(applied) => applied,
                // A row changed after all (a writer that does not take the organisation's
                // lock): plan again from the new state.
                Err(sea_orm::DbErr::RecordNotUpdated) => {
                    drop(txn);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
        let plan = &solved.plan;
        let by_problem_id: std::collections::HashMap<&str, i64> = snap
            .problem
            .appointments
            .iter()
            .map(|a| a.id.as_str())
            .zip(snap.appointment_ids.iter().copied())
            .collect();
        for u in &plan.unassigned {
            if let Some(&appointment_id) = by_problem_id.get(u.appointment.as_str()) {
                planning_run_unfilled::ActiveModel {
                    planning_run_id: Set(run_id),
                    appointment_id: Set(appointment_id),
                    reason: Set(u.reason.as_str().to_owned()),
                }
                .insert(&txn)
                .await?;
            }
        }
        let gap = if plan.bound == 0 {
            0.0
        } else {
            (plan.bound - plan.covered_priority) as f64 / plan.bound as f64
        };
        planning_run::Entity::update_many()
            .col_expr(planning_run::Column::Status, Expr::value("applied"))
            .col_expr(planning_run::Column::SolverStatus, Expr::value(plan.status.as_str()))
            .col_expr(planning_run::Column::FinishedAt, Expr::value(now()))
            .col_expr(
                planning_run::Column::Appointments,
                Expr::value(i32::try_from(snap.appointment_ids.len()).unwrap_or(i32::MAX)),
            )
            .col_expr(
                planning_run::Column::Assigned,
                Expr::value(i32::try_from(applied.assigned).unwrap_or(i32::MAX)),
            )
            .col_expr(
                planning_run::Column::CoveredPriority,
                Expr::value(i32::try_from(plan.covered_priority).unwrap_or(i32::MAX)),
            )
            .col_expr(
                planning_run::Column::Bound,
                Expr::value(i32::try_from(plan.bound).unwrap_or(i32::MAX)),
            )
            .col_expr(planning_run::Column::Gap, Expr::value(gap))
            .col_expr(
                planning_run::Column::DurationMs,
                Expr::value(i64::try_from(plan.solve_ms).unwrap_or(i64::MAX)),
            )
            .filter(planning_run::Column::Id.eq(run_id))
            .exec(&txn)
            .await?;
        let details = serde_json::json!({ "assigned": applied.assigned, "unfilled": applied.unfilled, "status": plan.status.as_str() });
        starter.audit(&txn, "planning_run.apply", run_id, details).await?;
        txn.commit().await?;
        return Ok(());
    }
    Err(AppError::conflict("the pool kept changing while planning; try again"))
}

/// The organisation's runs, newest first.
///
/// # Errors
/// Forbidden unless team lead.
pub async fn list(db: &DatabaseConnection, caller: &Caller) -> Result<Vec<RunView>, AppError> {
    caller.require(Role::TeamLead)?;
    let rows = planning_run::Entity::find()
        .filter(planning_run::Column::OrganisationId.eq(caller.organisation_id))
        .order_by_desc(planning_run::Column::Id)
        .limit(50)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| view(r, Vec::new())).collect())
}

/// One run with its unfilled appointments and their reasons.
///
/// # Errors
/// Forbidden unless team lead; not found.
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<RunView, AppError> {
    caller.require(Role::TeamLead)?;
    let row = planning_run::Entity::find_by_id(id)
        .filter(planning_run::Column::OrganisationId.eq(caller.organisation_id))
        .first(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let unfilled = planning_run_unfilled::Entity::find()
        .filter(planning_run_unfilled::Column::PlanningRunId.eq(id))
        .all(db)
        .await?;
    let ids: Vec<i64> = unfilled.iter().map(|u| u.appointment_id).collect();
    let appointments: std::collections::HashMap<i64, appointment::Model> =
        appointment::Entity::find()
            .filter(appointment::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
    let tags: std::collections::HashMap<i64, String> =
        repo::languages::list(db, caller.organisation_id)
            .await?
            .into_iter()
            .map(|l| (l.id, l.tag))
            .collect();
    let mut unfilled: Vec<UnfilledView> = unfilled
        .into_iter()
        .filter_map(|u| {
            let a = appointments.get(&u.appointment_id)?;
            Some(UnfilledView {
                appointment_id: u.appointment_id,
                start: in_berlin(a.starts_at),
                end: in_berlin(a.ends_at),
                language: tags.get(&a.language_id).cloned().unwrap_or_default(),
                reason: serde_json::from_value(serde_json::Value::String(u.reason)).ok()?,
                detail: a.unfilled_detail.clone(),
            })
        })
        .collect();
    unfilled.sort_by_key(|u| (u.start, u.appointment_id));
    Ok(view(row, unfilled))
}

fn view(r: planning_run::Model, unfilled: Vec<UnfilledView>) -> RunView {
    RunView {
        id: r.id,
        status: r.status,
        solver_status: r.solver_status,
        horizon_start: in_berlin(r.horizon_start),
        horizon_end: in_berlin(r.horizon_end),
        started_at: in_berlin(r.started_at),
        finished_at: r.finished_at.map(in_berlin),
        appointments: r.appointments,
        assigned: r.assigned,
        covered_priority: r.covered_priority,
        bound: r.bound,
        gap: r.gap,
        duration_ms: r.duration_ms,
        unfilled,
    }
}
