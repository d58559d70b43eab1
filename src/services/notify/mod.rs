//! Notifications: every change a volunteer must hear of — a proposal, a confirmation, a
//! cancellation, a proposal withdrawn by a planning run — writes an `outbox` row in the same
//! transaction as the change, so that a message is never lost nor sent for a change that did
//! not happen. The row holds what the message will say (time, place, language, kind and the
//! calendar event's UID and sequence), never anything about the client.

pub mod mail;
pub mod reminders;
pub mod settings;
pub mod worker;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{appointment, assignment, interpreter, outbox};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Set};
use serde::{Deserialize, Serialize};

use crate::services::now;

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A volunteer is proposed for an appointment.
    Proposal,
    /// The volunteer confirmed.
    Confirmed,
    /// The appointment was cancelled.
    Cancelled,
    /// A planning run gave the appointment to someone else.
    Withdrawn,
    /// The appointment is tomorrow.
    Reminder,
    /// A caseworker's referrals are due for follow-up.
    ReferralsDue,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Proposal => "proposal",
            NoticeKind::Confirmed => "confirmed",
            NoticeKind::Cancelled => "cancelled",
            NoticeKind::Withdrawn => "withdrawn",
            NoticeKind::Reminder => "reminder",
            NoticeKind::ReferralsDue => "referrals_due",
        }
    }

    /// The calendar event leaves the recipient's calendar.
    pub fn removes_event(self) -> bool {
        matches!(self, NoticeKind::Cancelled | NoticeKind::Withdrawn)
    }
}

/// The appointment as a message describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventFacts {
    pub uid: String,
    pub sequence: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub language_de: String,
    pub language_en: String,
    /// Appointment kind (`counselling`, …).
    pub kind: String,
    /// Site name and address, or empty for phone and video.
    pub place: String,
    /// `in_person`, `phone` or `video`.
    pub mode: String,
    /// The assignment is confirmed (otherwise proposed or ended).
    pub confirmed: bool,
}

/// An outbox row's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The appointment, for all kinds but `referrals_due`.
    #[serde(default)]
    pub event: Option<EventFacts>,
    /// How many referrals are due, for `referrals_due`.
    #[serde(default)]
    pub due: Option<i64>,
}

impl Notice {
    /// Reads an outbox row's payload.
    ///
    /// # Errors
    /// A payload that is not a notice, as a sentence for the row's `last_error`.
    pub fn from_payload(payload: &str) -> Result<Self, String> {
        serde_json::from_str(payload).map_err(|e| format!("payload: {e}"))
    }
}

/// Queues a notice about `assignment_id` for its volunteer, in the caller's transaction. A
/// volunteer who turned this kind of message off gets none.
///
/// # Errors
/// Database errors.
pub async fn assignment_changed(
    db: &impl ConnectionTrait,
    assignment_id: i64,
    kind: NoticeKind,
) -> Result<(), DbErr> {
    assignments_changed(db, &[(assignment_id, kind)]).await.map(drop)
}

/// Queues the notices of several changed assignments, in the caller's transaction, with one
/// read of what they say and one write of the outbox: a booking holding the write lock
/// queues all of its proposals at its end. As [`assignment_changed`] for each.
///
/// Tells the display names of the volunteers the changes are for, by interpreter profile: the
/// same read finds them, and a booking's answer shows them without reading again after its
/// commit.
///
/// # Errors
/// Database errors.
pub async fn assignments_changed(
    db: &impl ConnectionTrait,
    changes: &[(i64, NoticeKind)],
) -> Result<HashMap<i64, String>, DbErr> {
    if changes.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = changes.iter().map(|&(id, _)| id).collect();
    let about: HashMap<i64, Change> =
        Change::read(db, &ids).await?.into_iter().map(|c| (c.assignment_id, c)).collect();
    let names = about.values().map(|c| (c.interpreter_id, c.display_name.clone())).collect();
    let at = now();
    let mut rows = Vec::with_capacity(changes.len());
    for &(assignment_id, kind) in changes {
        let Some(about) = about.get(&assignment_id) else { continue };
        if !about.has_email || muted(&about.notifications_off, kind) {
            continue;
        }
        let place = match (&about.site_name, &about.site_address) {
            (Some(name), Some(address)) => format!("{name}, {address}"),
            (Some(name), None) => name.clone(),
            (None, _) => String::new(),
        };
        let event = EventFacts {
            uid: format!("assignment-{assignment_id}@sprachpool"),
            sequence: i64::from(about.assignment_version) + i64::from(about.appointment_version),
            start: about.starts_at,
            end: about.ends_at,
            language_de: about.language_de.clone().unwrap_or_default(),
            language_en: about.language_en.clone().unwrap_or_default(),
            kind: about.kind.clone(),
            place,
            mode: about.mode.clone(),
            confirmed: about.status == "confirmed",
        };
        let notice = Notice { kind, event: Some(event), due: None };
        rows.push(outbox_row(about.organisation_id, about.user_id, &notice, at));
    }
    if !rows.is_empty() {
        // Written inside bookings' and planning's transactions, which hold the write lock:
        // the rows are not read back.
        outbox::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(names)
}

/// Whether the user turned this kind of message off.
pub fn muted(off: &str, kind: NoticeKind) -> bool {
    off.split(',').any(|k| k.trim() == kind.as_str())
}

/// An assignment with what its message says and whom it goes to, read in one query: it is
/// written inside the transactions of bookings and planning, which hold the write lock.
#[derive(Debug, FromQueryResult)]
struct Change {
    assignment_id: i64,
    organisation_id: i64,
    status: String,
    assignment_version: i32,
    appointment_version: i32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    kind: String,
    mode: String,
    interpreter_id: i64,
    user_id: i64,
    display_name: String,
    has_email: bool,
    notifications_off: String,
    language_de: Option<String>,
    language_en: Option<String>,
    site_name: Option<String>,
    site_address: Option<String>,
}

impl Change {
    async fn read(db: &impl ConnectionTrait, assignment_ids: &[i64]) -> Result<Vec<Self>, DbErr> {
        use entities::{app_user, language, site};
        use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
        let query = Query::select()
            .from(assignment::Entity)
            .expr_as(Expr::col((assignment::Entity, assignment::Column::Id)), "assignment_id")
            .column((assignment::Entity, assignment::Column::OrganisationId))
            .column((assignment::Entity, assignment::Column::Status))
            .expr_as(
                Expr::col((assignment::Entity, assignment::Column::Version)),
                "assignment_version",
            )
            .expr_as(
                Expr::col((appointment::Entity, appointment::Column::Version)),
                "appointment_version",
            )
            .column((appointment::Entity, appointment::Column::StartsAt))
            .column((appointment::Entity, appointment::Column::EndsAt))
            .column((appointment::Entity, appointment::Column::Kind))
            .column((appointment::Entity, appointment::Column::Mode))
            .expr_as(Expr::col((interpreter::Entity, interpreter::Column::Id)), "interpreter_id")
            .expr_as(Expr::col((app_user::Entity, app_user::Column::Id)), "user_id")
            .column((app_user::Entity, app_user::Column::DisplayName))
            .expr_as(
                Expr::col((app_user::Entity, app_user::Column::Email)).is_not_null(),
                "has_email",
            )
            .column((app_user::Entity, app_user::Column::NotificationsOff))
            .expr_as(Expr::col((language::Entity, language::Column::NameDe)), "language_de")
            .expr_as(Expr::col((language::Entity, language::Column::NameEn)), "language_en")
            .expr_as(Expr::col((site::Entity, site::Column::Name)), "site_name")
            .expr_as(Expr::col((site::Entity, site::Column::Address)), "site_address")
            .join(
                JoinType::InnerJoin,
                appointment::Entity,
                Expr::col((appointment::Entity, appointment::Column::Id))
                    .equals((assignment::Entity, assignment::Column::AppointmentId)),
            )
            .join(
                JoinType::InnerJoin,
                interpreter::Entity,
                Expr::col((interpreter::Entity, interpreter::Column::Id))
                    .equals((assignment::Entity, assignment::Column::InterpreterId)),
            )
            .join(
                JoinType::InnerJoin,
                app_user::Entity,
                Expr::col((app_user::Entity, app_user::Column::Id))
                    .equals((interpreter::Entity, interpreter::Column::UserId)),
            )
            .join(
                JoinType::LeftJoin,
                language::Entity,
                Expr::col((language::Entity, language::Column::Id))
                    .equals((appointment::Entity, appointment::Column::LanguageId)),
            )
            .join(
                JoinType::LeftJoin,
                site::Entity,
                Expr::col((site::Entity, site::Column::Id))
                    .equals((appointment::Entity, appointment::Column::SiteId)),
            )
            .and_where(
                Expr::col((assignment::Entity, assignment::Column::Id))
                    .is_in(assignment_ids.iter().copied()),
            )
            .to_owned();
        Self::find_by_statement(db.get_database_backend().build(&query)).all(db).await
    }
}

async fn enqueue(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    user_id: i64,
    notice: &Notice,
) -> Result<(), DbErr> {
    let row = outbox_row(organisation_id, user_id, notice, now());
    // Written inside bookings' and planning's transactions, which hold the write lock: the
    // row is not read back.
    outbox::Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// A pending message to `user_id`, to be sent at once.
fn outbox_row(
    organisation_id: i64,
    user_id: i64,
    notice: &Notice,
    at: DateTime<Utc>,
) -> outbox::ActiveModel {
    outbox::ActiveModel {
        organisation_id: Set(organisation_id),
        recipient_user_id: Set(Some(user_id)),
        kind: Set(notice.kind.as_str().to_owned()),
        payload: Set(serde_json::to_string(notice).unwrap_or_default()),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(at),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(at),
        sent_at: Set(None),
        ..Default::default()
    }
}
