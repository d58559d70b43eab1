//! Notifications: every change a volunteer must hear of — a proposal, a confirmation, a
//! cancellation, a proposal withdrawn by a planning run — writes an `outbox` row in the same
//! transaction as the change, so that a message is never lost nor sent for a change that did
//! not happen. The row holds what the message will say (time, place, language, kind and the
//! calendar event's UID and sequence), never anything about the client.

pub mod mail;
pub mod reminders;
pub mod settings;
pub mod worker;

use chrono::{DateTime, Utc};
use entities::{appointment, assignment, interpreter, outbox};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use serde::{Deserialize, Serialize};

use crate::repo;
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
    let Some(a) = assignment::Entity::find_by_id(assignment_id).one(db).await? else {
        return Ok(());
    };
    let Some(appt) = appointment::Entity::find_by_id(a.appointment_id).one(db).await? else {
        return Ok(());
    };
    let Some(volunteer) = interpreter::Entity::find_by_id(a.interpreter_id).one(db).await? else {
        return Ok(());
    };
    let Some(user) = repo::users::by_id(db, volunteer.user_id).await? else { return Ok(()) };
    if user.email.is_none() || muted(&user.notifications_off, kind) {
        return Ok(());
    }
    let event = facts(db, &a, &appt).await?;
    enqueue(db, a.organisation_id, user.id, &Notice { kind, event: Some(event), due: None }).await
}

/// Whether the user turned this kind of message off.
pub fn muted(off: &str, kind: NoticeKind) -> bool {
    off.split(',').any(|k| k.trim() == kind.as_str())
}

async fn facts(
    db: &impl ConnectionTrait,
    a: &assignment::Model,
    appt: &appointment::Model,
) -> Result<EventFacts, DbErr> {
    let (language_de, language_en) = entities::language::Entity::find_by_id(appt.language_id)
        .one(db)
        .await?
        .map(|l| (l.name_de, l.name_en))
        .unwrap_or_default();
    let place = match appt.site_id {
        Some(id) => entities::site::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|s| match s.address {
                Some(address) => format!("{}, {address}", s.name),
                None => s.name,
            })
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(EventFacts {
        uid: format!("assignment-{}@sprachpool", a.id),
        sequence: i64::from(a.version) + i64::from(appt.version),
        start: appt.starts_at,
        end: appt.ends_at,
        language_de,
        language_en,
        kind: appt.kind.clone(),
        place,
        mode: appt.mode.clone(),
        confirmed: a.status == "confirmed",
    })
}

async fn enqueue(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    user_id: i64,
    notice: &Notice,
) -> Result<(), DbErr> {
    let at = now();
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
    .insert(db)
    .await?;
    Ok(())
}
