//! A client's rights over their data: what is stored about them (GDPR Art. 15) and its
//! erasure (Art. 17). Both are a caseworker's use case, as the client asks at the counter,
//! and both are audited. Erasure keeps the appointments and referrals for the figures but
//! leaves nothing that leads back to the person.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{
    appointment, assignment, client, client_exclusion, client_language, course_referral,
    interpreter, recognition_referral, referral_step,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::domain::{FieldErrors, Role};
use crate::error::AppError;
use crate::repo;
use crate::services::{audit, now};

/// Everything the organisation stores about one client (Art. 15): the record, every
/// appointment with who interpreted, every referral with its steps.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubjectExport {
    pub reference: String,
    pub exported_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub languages: Vec<String>,
    pub gender_preference: Option<String>,
    pub exclusions: Vec<ExportedExclusion>,
    pub appointments: Vec<ExportedAppointment>,
    pub course_referrals: Vec<ExportedCourseReferral>,
    pub recognition_referrals: Vec<ExportedRecognitionReferral>,
}

/// An interpreter the client must never get, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedExclusion {
    pub interpreter: String,
    pub reason: Option<String>,
}

/// An appointment, with the volunteers its details went to (the recipients, Art. 15(1)(c)).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedAppointment {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub language: String,
    pub kind: String,
    pub mode: String,
    pub status: String,
    pub caseworker: String,
    pub interpreters: Vec<ExportedAssignment>,
    pub gender_preference: Option<String>,
    pub fallback_kind: Option<String>,
    pub fallback_note: Option<String>,
}

/// A volunteer who was proposed for or took the appointment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedAssignment {
    pub interpreter: String,
    pub status: String,
}

/// A referral step and when it was taken.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedStep {
    pub status: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedCourseReferral {
    pub id: i64,
    pub programme: String,
    pub current_level: Option<String>,
    pub target_level: String,
    pub legal_basis: String,
    pub status: String,
    pub exam_result: Option<String>,
    pub created_at: DateTime<Utc>,
    pub steps: Vec<ExportedStep>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedRecognitionReferral {
    pub id: i64,
    pub reference_occupation: String,
    pub country: String,
    pub qualification_type: String,
    pub competent_body: Option<String>,
    pub status: String,
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
    pub steps: Vec<ExportedStep>,
}

/// What an erasure did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Erasure {
    /// Appointments kept for the figures, without anything about the client.
    pub appointments_kept: u64,
    /// Referrals kept for the figures, likewise.
    pub referrals_kept: u64,
}

/// The client with this reference, not erased, in the caller's organisation, if the caller
/// serves them (see `repo::caseload`); another caseworker's client is not found, as another
/// organisation's is.
async fn client_of(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    reference: &str,
) -> Result<client::Model, AppError> {
    let client = repo::booking::client_by_reference(db, caller.organisation_id, reference.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    if repo::caseload::serves(db, client.id, caller.user_id).await? {
        Ok(client)
    } else {
        Err(AppError::NotFound)
    }
}

/// What is stored about a client (Art. 15). The disclosure itself is audited.
///
/// # Errors
/// Forbidden unless caseworker; no such client (404).
pub async fn export(
    db: &DatabaseConnection,
    caller: &Caller,
    reference: &str,
) -> Result<SubjectExport, AppError> {
    caller.require(Role::Caseworker)?;
    let txn = crate::db::write(db).await?;
    let row = client_of(&txn, caller, reference).await?;
    let languages: HashMap<i64, String> = repo::languages::list(&txn, caller.organisation_id)
        .await?
        .into_iter()
        .map(|l| (l.id, l.tag))
        .collect();
    let appointments = appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(row.id))
        .order_by_asc(appointment::Column::StartsAt)
        .all(&txn)
        .await?;
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::AppointmentId.is_in(appointments.iter().map(|a| a.id)))
        .order_by_asc(assignment::Column::Id)
        .all(&txn)
        .await?;
    // An exclusion that names the caller is not theirs to read: it would tell them whom they
    // are kept away from, and why.
    let own = repo::interpreters::by_user(&txn, caller.organisation_id, caller.user_id)
        .await?
        .map(|i| i.id);
    let exclusions: Vec<client_exclusion::Model> = client_exclusion::Entity::find()
        .filter(client_exclusion::Column::ClientId.eq(row.id))
        .all(&txn)
        .await?
        .into_iter()
        .filter(|e| Some(e.interpreter_id) != own)
        .collect();
    // Volunteers are named as users; one query for all names this export mentions.
    let interpreter_ids: Vec<i64> = assignments
        .iter()
        .map(|a| a.interpreter_id)
        .chain(exclusions.iter().map(|e| e.interpreter_id))
        .collect();
    let interpreter_users: HashMap<i64, i64> = interpreter::Entity::find()
        .filter(interpreter::Column::Id.is_in(interpreter_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|i| (i.id, i.user_id))
        .collect();
    let user_ids: Vec<i64> = interpreter_users
        .values()
        .copied()
        .chain(appointments.iter().map(|a| a.caseworker_id))
        .collect();
    let names = repo::users::display_names(&txn, &user_ids).await?;
    let name_of_interpreter = |id: i64| {
        interpreter_users.get(&id).and_then(|u| names.get(u)).cloned().unwrap_or_default()
    };
    let mut by_appointment: HashMap<i64, Vec<ExportedAssignment>> = HashMap::new();
    for a in assignments {
        by_appointment.entry(a.appointment_id).or_default().push(ExportedAssignment {
            interpreter: name_of_interpreter(a.interpreter_id),
            status: a.status,
        });
    }
    let mut client_languages: Vec<String> = client_language::Entity::find()
        .filter(client_language::Column::ClientId.eq(row.id))
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|l| languages.get(&l.language_id).cloned())
        .collect();
    client_languages.sort();

    let course = course_referral::Entity::find()
        .filter(course_referral::Column::ClientId.eq(row.id))
        .order_by_asc(course_referral::Column::Id)
        .all(&txn)
        .await?;
    let recognition = recognition_referral::Entity::find()
        .filter(recognition_referral::Column::ClientId.eq(row.id))
        .order_by_asc(recognition_referral::Column::Id)
        .all(&txn)
        .await?;
    let steps = referral_step::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(referral_step::Column::CourseReferralId.is_in(course.iter().map(|r| r.id)))
                .add(
                    referral_step::Column::RecognitionReferralId
                        .is_in(recognition.iter().map(|r| r.id)),
                ),
        )
        .order_by_asc(referral_step::Column::At)
        .order_by_asc(referral_step::Column::Id)
        .all(&txn)
        .await?;
    let steps_of = |course_id: Option<i64>, recognition_id: Option<i64>| -> Vec<ExportedStep> {
        steps
            .iter()
            .filter(|s| {
                (course_id.is_some() && s.course_referral_id == course_id)
                    || (recognition_id.is_some() && s.recognition_referral_id == recognition_id)
            })
            .map(|s| ExportedStep { status: s.status.clone(), at: s.at })
            .collect()
    };

    let out = SubjectExport {
        reference: row.reference.clone(),
        exported_at: now(),
        recorded_at: row.created_at,
        languages: client_languages,
        gender_preference: row.gender_preference.clone(),
        exclusions: exclusions
            .into_iter()
            .map(|e| ExportedExclusion {
                interpreter: name_of_interpreter(e.interpreter_id),
                reason: e.reason,
            })
            .collect(),
        appointments: appointments
            .into_iter()
            .map(|a| ExportedAppointment {
                id: a.id,
                starts_at: a.starts_at,
                ends_at: a.ends_at,
                language: languages.get(&a.language_id).cloned().unwrap_or_default(),
                kind: a.kind,
                mode: a.mode,
                status: a.status,
                caseworker: names.get(&a.caseworker_id).cloned().unwrap_or_default(),
                interpreters: by_appointment.remove(&a.id).unwrap_or_default(),
                gender_preference: a.gender_preference,
                fallback_kind: a.fallback_kind,
                fallback_note: a.fallback_note,
            })
            .collect(),
        course_referrals: course
            .into_iter()
            .map(|r| ExportedCourseReferral {
                steps: steps_of(Some(r.id), None),
                id: r.id,
                programme: r.programme,
                current_level: r.current_level,
                target_level: r.target_level,
                legal_basis: r.legal_basis,
                status: r.status,
                exam_result: r.exam_result,
                created_at: r.created_at,
            })
            .collect(),
        recognition_referrals: recognition
            .into_iter()
            .map(|r| ExportedRecognitionReferral {
                steps: steps_of(None, Some(r.id)),
                id: r.id,
                reference_occupation: r.reference_occupation,
                country: r.country,
                qualification_type: r.qualification_type,
                competent_body: r.competent_body,
                status: r.status,
                outcome: r.outcome,
                created_at: r.created_at,
            })
            .collect(),
    };
    audit(&txn, caller, "client.export", "client", row.id, serde_json::Value::Null).await?;
    txn.commit().await?;
    Ok(out)
}

/// Erases a client (Art. 17): the reference and everything written about the client. Refused
/// (409, naming `appointments`) while the client still has appointments to come: those are to
/// be cancelled first, so that the volunteers holding them hear of it.
///
/// # Errors
/// Forbidden unless caseworker; no such client (404); appointments still to come (409).
pub async fn erase(
    db: &DatabaseConnection,
    caller: &Caller,
    reference: &str,
) -> Result<Erasure, AppError> {
    caller.require(Role::Caseworker)?;
    let txn = crate::db::write(db).await?;
    let row = client_of(&txn, caller, reference).await?;
    let at = now();
    let appointments = appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(row.id))
        .all(&txn)
        .await?;
    let to_come: Vec<String> = appointments
        .iter()
        .filter(|a| a.ends_at > at)
        .filter(|a| matches!(a.status.as_str(), "open" | "proposed" | "confirmed" | "unfilled"))
        .map(|a| a.id.to_string())
        .collect();
    if !to_come.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add(
            "appointments",
            format!("cancel the appointments still to come first: {}", to_come.join(", ")),
        );
        return Err(AppError::Conflict {
            detail: "the client still has appointments to come".to_owned(),
            errors,
        });
    }
    let referrals_kept = course_referral::Entity::find()
        .filter(course_referral::Column::ClientId.eq(row.id))
        .all(&txn)
        .await?
        .len()
        + recognition_referral::Entity::find()
            .filter(recognition_referral::Column::ClientId.eq(row.id))
            .all(&txn)
            .await?
            .len();
    super::erase_clients(&txn, &[row.id], at).await?;
    let out = Erasure {
        appointments_kept: appointments.len() as u64,
        referrals_kept: referrals_kept as u64,
    };
    audit(
        &txn,
        caller,
        "client.erase",
        "client",
        row.id,
        serde_json::json!({ "appointments_kept": out.appointments_kept, "referrals_kept": out.referrals_kept }),
    )
    .await?;
    txn.commit().await?;
    crate::db::purge_erased(db).await;
    Ok(out)
}
