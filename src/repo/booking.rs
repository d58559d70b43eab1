//! Queries of booking: appointments in a period, live and declined assignments, clients and
//! their exclusions.

use chrono::{DateTime, Utc};
use entities::{appointment, assignment, client, client_exclusion};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::booking::LONGEST_APPOINTMENT;
use crate::repo::First;

/// Assignment states that hold an interpreter's time.
pub const LIVE: [&str; 2] = ["proposed", "confirmed"];

/// Appointments of the organisation that overlap `[from, to)`; with `booked_by`, only those
/// that caseworker booked (read from an index of their own).
///
/// # Errors
/// Database errors.
pub async fn appointments_between(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    booked_by: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<appointment::Model>, DbErr> {
    let mut query = appointment::Entity::find();
    if let Some(caseworker_id) = booked_by {
        query = query.filter(appointment::Column::CaseworkerId.eq(caseworker_id));
    }
    query
        .filter(appointment::Column::OrganisationId.eq(organisation_id))
        .filter(overlapping(from, to))
        .order_by_asc(appointment::Column::StartsAt)
        .order_by_asc(appointment::Column::Id)
        .all(db)
        .await
}

/// Overlaps `[from, to)`. The start's lower bound follows from the longest an appointment may
/// last; without it the index on the start is read from the first appointment ever.
fn overlapping(from: DateTime<Utc>, to: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(appointment::Column::StartsAt.lt(to))
        .add(appointment::Column::StartsAt.gt(from - LONGEST_APPOINTMENT))
        .add(appointment::Column::EndsAt.gt(from))
}

/// A live assignment with the time and place of its appointment: work that holds an
/// interpreter's time.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct LiveWork {
    pub id: i64,
    pub version: i32,
    pub interpreter_id: i64,
    pub appointment_id: i64,
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub site_id: Option<i64>,
    pub mode: String,
}

/// The live assignments of the given interpreters whose appointments overlap `[from, to)`,
/// read in one query with only the columns planning needs, by assignment.
///
/// Each assignment carries a copy of its appointment's start and end, kept by the database
/// (migration `assignment_period`): the query walks each interpreter's assignments in the
/// period on their own index, and reads the appointment only for the place and the mode.
///
/// # Errors
/// Database errors.
pub async fn live_work_between(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    interpreter_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<LiveWork>, DbErr> {
    use sea_orm::sea_query::ExprTrait;
    // The start's lower bound follows from the longest an appointment may last, as in
    // `overlapping`, so that the index is read from there on.
    let when = sea_orm::Condition::all()
        .add(period_column("appointment_starts_at").lt(to))
        .add(period_column("appointment_starts_at").gt(from - LONGEST_APPOINTMENT))
        .add(period_column("appointment_ends_at").gt(from));
    live_work(db, organisation_id, interpreter_ids, when).await
}

/// An assignment's copy of its appointment's start or end.
fn period_column(name: &'static str) -> sea_orm::sea_query::Expr {
    sea_orm::sea_query::Expr::col((assignment::Entity, sea_orm::sea_query::Alias::new(name)))
}

/// Live work of the interpreters whose appointment's period meets `when`.
async fn live_work(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    interpreter_ids: &[i64],
    when: sea_orm::Condition,
) -> Result<Vec<LiveWork>, DbErr> {
    use sea_orm::sea_query::JoinType;
    use sea_orm::{QuerySelect, RelationTrait};
    if interpreter_ids.is_empty() {
        return Ok(Vec::new());
    }
    assignment::Entity::find()
        .select_only()
        .columns([
            assignment::Column::Id,
            assignment::Column::Version,
            assignment::Column::InterpreterId,
            assignment::Column::AppointmentId,
            assignment::Column::Status,
        ])
        .column_as(period_column("appointment_starts_at"), "starts_at")
        .column_as(period_column("appointment_ends_at"), "ends_at")
        .columns([appointment::Column::SiteId, appointment::Column::Mode])
        .join(JoinType::InnerJoin, assignment::Relation::Appointment.def())
        .filter(assignment::Column::OrganisationId.eq(organisation_id))
        .filter(assignment::Column::InterpreterId.is_in(interpreter_ids.iter().copied()))
        .filter(when)
        .filter(assignment::Column::Status.is_in(LIVE))
        .order_by_asc(assignment::Column::Id)
        .into_model::<LiveWork>()
        .all(db)
        .await
}

/// The version of each of the given appointments.
///
/// # Errors
/// Database errors.
pub async fn appointment_versions(
    db: &impl ConnectionTrait,
    appointment_ids: &[i64],
) -> Result<Vec<(i64, i32)>, DbErr> {
    use sea_orm::QuerySelect;
    appointment::Entity::find()
        .select_only()
        .columns([appointment::Column::Id, appointment::Column::Version])
        .filter(appointment::Column::Id.is_in(appointment_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// Assignments of the given appointments in the given states.
///
/// # Errors
/// Database errors.
pub async fn assignments_of(
    db: &impl ConnectionTrait,
    appointment_ids: &[i64],
    states: &[&str],
) -> Result<Vec<assignment::Model>, DbErr> {
    if appointment_ids.is_empty() {
        return Ok(Vec::new());
    }
    assignment::Entity::find()
        .filter(assignment::Column::AppointmentId.is_in(appointment_ids.iter().copied()))
        .filter(assignment::Column::Status.is_in(states.iter().copied()))
        .order_by_asc(assignment::Column::Id)
        .all(db)
        .await
}

/// One appointment of the organisation.
///
/// # Errors
/// Database errors.
pub async fn appointment(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    id: i64,
) -> Result<Option<appointment::Model>, DbErr> {
    appointment::Entity::find_by_id(id)
        .filter(appointment::Column::OrganisationId.eq(organisation_id))
        .first(db)
        .await
}

/// The client with this pseudonymous reference.
///
/// # Errors
/// Database errors.
pub async fn client_by_reference(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    reference: &str,
) -> Result<Option<client::Model>, DbErr> {
    client::Entity::find()
        .filter(client::Column::OrganisationId.eq(organisation_id))
        .filter(client::Column::Reference.eq(reference))
        // An erased client stands for nobody and is never found again.
        .filter(client::Column::AnonymisedAt.is_null())
        .first(db)
        .await
}

/// Interpreters never to be assigned to the given clients.
///
/// # Errors
/// Database errors.
pub async fn exclusions_of(
    db: &impl ConnectionTrait,
    client_ids: &[i64],
) -> Result<Vec<client_exclusion::Model>, DbErr> {
    client_exclusion::Entity::find()
        .filter(client_exclusion::Column::ClientId.is_in(client_ids.iter().copied()))
        .all(db)
        .await
}

/// What planning takes from the given clients' history, read in one query: each client's
/// excluded interpreters, and the interpreter of their latest confirmed or held appointment
/// that started before `before`.
#[derive(Debug, Default)]
pub struct ClientHistory {
    /// (client, interpreter) pairs.
    pub exclusions: Vec<(i64, i64)>,
    /// The previous interpreter, by client.
    pub previous: std::collections::HashMap<i64, i64>,
}

/// One row of [`client_history`]: an exclusion, or a past appointment with its start and id.
#[derive(Debug, sea_orm::FromQueryResult)]
struct HistoryRow {
    past: bool,
    client_id: i64,
    interpreter_id: i64,
    starts_at: Option<DateTime<Utc>>,
    appointment_id: Option<i64>,
}

/// The given clients' [`ClientHistory`]. Planning reads it while a booking holds the write
/// lock, so exclusions and past appointments come in one statement.
///
/// # Errors
/// Database errors.
pub async fn client_history(
    db: &impl ConnectionTrait,
    client_ids: &[i64],
    before: DateTime<Utc>,
) -> Result<ClientHistory, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query, UnionType};
    use sea_orm::{FromQueryResult, JoinType};
    if client_ids.is_empty() {
        return Ok(ClientHistory::default());
    }
    let mut query = Query::select()
        .expr_as(Expr::val(false), "past")
        .column(client_exclusion::Column::ClientId)
        .column(client_exclusion::Column::InterpreterId)
        .expr_as(Expr::val(Option::<DateTime<Utc>>::None), "starts_at")
        .expr_as(Expr::val(Option::<i64>::None), "appointment_id")
        .from(client_exclusion::Entity)
        .and_where(client_exclusion::Column::ClientId.is_in(client_ids.iter().copied()))
        .to_owned();
    let past = Query::select()
        .expr_as(Expr::val(true), "past")
        .column((appointment::Entity, appointment::Column::ClientId))
        .column((assignment::Entity, assignment::Column::InterpreterId))
        .column((appointment::Entity, appointment::Column::StartsAt))
        .expr_as(Expr::col((appointment::Entity, appointment::Column::Id)), "appointment_id")
        .from(appointment::Entity)
        .join(
            JoinType::InnerJoin,
            assignment::Entity,
            Expr::col((assignment::Entity, assignment::Column::AppointmentId))
                .equals((appointment::Entity, appointment::Column::Id)),
        )
        .and_where(
            Expr::col((appointment::Entity, appointment::Column::ClientId))
                .is_in(client_ids.iter().copied()),
        )
        .and_where(
            Expr::col((appointment::Entity, appointment::Column::Status))
                .is_in(["confirmed", "held"]),
        )
        .and_where(Expr::col((appointment::Entity, appointment::Column::StartsAt)).lt(before))
        .and_where(Expr::col((assignment::Entity, assignment::Column::Status)).eq("confirmed"))
        .to_owned();
    query.union(UnionType::All, past);
    let rows =
        HistoryRow::find_by_statement(db.get_database_backend().build(&query)).all(db).await?;
    let mut history = ClientHistory::default();
    let mut latest: std::collections::HashMap<i64, (DateTime<Utc>, i64, i64)> =
        std::collections::HashMap::new();
    for row in rows {
        match (row.past, row.starts_at, row.appointment_id) {
            (true, Some(starts_at), Some(appointment_id)) => {
                let seen = (starts_at, appointment_id, row.interpreter_id);
                let kept = latest.entry(row.client_id).or_insert(seen);
                // The latest start wins; of two at once, the later booked.
                if (seen.0, seen.1) > (kept.0, kept.1) {
                    *kept = seen;
                }
            }
            _ => history.exclusions.push((row.client_id, row.interpreter_id)),
        }
    }
    history.previous = latest.into_iter().map(|(client, (_, _, i))| (client, i)).collect();
    Ok(history)
}

/// The references of the given clients, in one query.
///
/// # Errors
/// Database errors.
pub async fn client_references(
    db: &impl ConnectionTrait,
    client_ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, DbErr> {
    Ok(client::Entity::find()
        .filter(client::Column::Id.is_in(client_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.reference))
        .collect())
}
