//! How bookings look in answers: to the caseworker who booked with the client reference, to
//! team leads without it, to volunteers with time, place, language and kind only.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, FixedOffset, Utc};
use entities::{appointment, assignment};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use super::WrittenBooking;
use crate::domain::booking::{AppointmentKind, AppointmentStatus, FallbackKind};
use crate::domain::{Gender, Level, Mode};
use crate::repo;
use crate::scheduling::format::Reason;
use crate::services::views::in_berlin;

/// A request booked for less than this ahead is flagged as short notice (never refused).
pub const SHORT_NOTICE: Duration = Duration::hours(48);

/// The interpreter of a booking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterpreterRef {
    pub id: i64,
    pub display_name: String,
}

/// What was done for an unfilled request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FallbackView {
    pub kind: FallbackKind,
    pub note: Option<String>,
}

/// An interpreter request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppointmentView {
    pub id: i64,
    /// `proposed` is a proposal the volunteer has not accepted yet; `confirmed` is a booking.
    pub status: AppointmentStatus,
    /// The client's pseudonymous reference: shown to the caseworker who booked only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
    pub language: String,
    pub min_level: Level,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub mode: Mode,
    /// Site code; `null` for phone and video.
    pub site: Option<String>,
    pub kind: AppointmentKind,
    pub priority: i32,
    pub sensitive: bool,
    pub gender_preference: Option<Gender>,
    /// Proposed or confirmed interpreter.
    pub interpreter: Option<InterpreterRef>,
    /// Why nobody could be proposed, for `unfilled` and `fallback`.
    pub reason: Option<Reason>,
    /// The reason as a sentence.
    pub reason_detail: Option<String>,
    pub fallback: Option<FallbackView>,
    pub series_id: Option<i64>,
    /// Booked less than 48 hours ahead.
    pub short_notice: bool,
}

/// Views of `rows`, with interpreters looked up in one query; `with_client` shows the
/// reference.
///
/// # Errors
/// Database errors.
pub async fn appointment_views(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    rows: &[appointment::Model],
    with_client: bool,
) -> Result<Vec<AppointmentView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let live: HashMap<i64, assignment::Model> =
        repo::booking::assignments_of(db, &ids, &repo::booking::LIVE)
            .await?
            .into_iter()
            .map(|a| (a.appointment_id, a))
            .collect();
    let interpreter_ids: Vec<i64> = live.values().map(|a| a.interpreter_id).collect();
    let names = repo::interpreters::display_names(db, &interpreter_ids).await?;
    let clients: HashMap<i64, String> = if with_client {
        let client_ids: Vec<i64> = rows.iter().map(|a| a.client_id).collect();
        entities::client::Entity::find()
            .filter(entities::client::Column::Id.is_in(client_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.reference))
            .collect()
    } else {
        HashMap::new()
    };
    // Only the languages and sites these appointments name: a single booking's answer then
    // reads one or two rows instead of the organisation's whole lists.
    let language_ids: BTreeSet<i64> = rows.iter().map(|a| a.language_id).collect();
    let languages: HashMap<i64, String> = if language_ids.is_empty() {
        HashMap::new()
    } else {
        entities::language::Entity::find()
            .select_only()
            .column(entities::language::Column::Id)
            .column(entities::language::Column::Tag)
            .filter(entities::language::Column::OrganisationId.eq(organisation_id))
            .filter(entities::language::Column::Id.is_in(language_ids))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let site_ids: BTreeSet<i64> = rows.iter().filter_map(|a| a.site_id).collect();
    let sites: HashMap<i64, String> = if site_ids.is_empty() {
        HashMap::new()
    } else {
        entities::site::Entity::find()
            .select_only()
            .column(entities::site::Column::Id)
            .column(entities::site::Column::Code)
            .filter(entities::site::Column::OrganisationId.eq(organisation_id))
            .filter(entities::site::Column::Id.is_in(site_ids))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .iter()
        .map(|a| {
            let interpreter = live.get(&a.id).map(|l| InterpreterRef {
                id: l.interpreter_id,
                display_name: names.get(&l.interpreter_id).cloned().unwrap_or_default(),
            });
            view(
                a,
                interpreter,
                clients.get(&a.client_id).cloned(),
                languages.get(&a.language_id).cloned().unwrap_or_default(),
                a.site_id.and_then(|s| sites.get(&s).cloned()),
            )
        })
        .collect())
}

/// Views of a booking's appointments as its transaction wrote them, for the caseworker who
/// booked, with the language tag and site code the booking named: nothing is read back.
pub(super) fn booked_views(
    written: &WrittenBooking,
    language: &str,
    site: Option<&str>,
) -> Vec<AppointmentView> {
    written
        .booked
        .iter()
        .map(|b| {
            let interpreter = b.proposal.map(|p| InterpreterRef {
                id: p.interpreter_id,
                display_name: written
                    .proposed_names
                    .get(&p.interpreter_id)
                    .cloned()
                    .unwrap_or_default(),
            });
            view(
                &b.appointment,
                interpreter,
                Some(written.client_reference.clone()),
                language.to_owned(),
                site.map(str::to_owned),
            )
        })
        .collect()
}

/// An appointment as shown, with what is looked up elsewhere.
fn view(
    a: &appointment::Model,
    interpreter: Option<InterpreterRef>,
    client_ref: Option<String>,
    language: String,
    site: Option<String>,
) -> AppointmentView {
    AppointmentView {
        id: a.id,
        status: a.status.parse().unwrap_or(AppointmentStatus::Open),
        client_ref,
        language,
        min_level: a.min_level.parse().unwrap_or(Level::B1),
        start: in_berlin(a.starts_at),
        end: in_berlin(a.ends_at),
        mode: a.mode.parse().unwrap_or(Mode::Phone),
        site,
        kind: a.kind.parse().unwrap_or(AppointmentKind::Other),
        priority: a.priority,
        sensitive: a.sensitive,
        gender_preference: a.gender_preference.as_deref().and_then(|g| g.parse().ok()),
        interpreter,
        reason: a
            .unfilled_reason
            .as_deref()
            .and_then(|r| serde_json::from_value(serde_json::Value::String(r.to_owned())).ok()),
        reason_detail: a.unfilled_detail.clone().filter(|d| !d.is_empty()),
        fallback: a
            .fallback_kind
            .as_deref()
            .and_then(|k| k.parse().ok())
            .map(|kind| FallbackView { kind, note: a.fallback_note.clone() }),
        series_id: a.series_id,
        short_notice: a.starts_at - a.created_at < SHORT_NOTICE,
    }
}

/// Now, for "booked ahead" and "in the past".
pub fn now() -> DateTime<Utc> {
    crate::services::now()
}
