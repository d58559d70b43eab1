//! Calendar feeds: each volunteer (and each team lead, for the pool of their site) may have a
//! secret feed URL, a long random token that only its digest identifies in the database. A
//! volunteer's feed holds their confirmed assignments (and, if they wish, proposals as
//! tentative); a team lead's feed the confirmed assignments of the volunteers of their site.
//! Events carry time, place, language and kind: never anything about the client.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use entities::{app_user, appointment, assignment, interpreter};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{audit, now};
use crate::auth::{Caller, token};
use crate::domain::{Locale, Role};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::ical::{self, EventStatus};
use crate::repo;
use crate::repo::First;

/// `POST /me/calendar`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedRequest {
    /// Also show proposals, as tentative events.
    #[serde(default)]
    pub with_proposals: bool,
}

/// A new feed: its secret address, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Feed {
    pub url: String,
    pub with_proposals: bool,
}

/// How far back and ahead a feed reaches.
const BACK: Duration = Duration::days(90);
const AHEAD: Duration = Duration::days(400);

/// Issues a new secret feed address (volunteers, team leads); an old one stops working.
///
/// # Errors
/// Forbidden for other roles.
pub async fn issue(
    db: &DatabaseConnection,
    caller: &Caller,
    request: FeedRequest,
    base_url: &str,
) -> Result<Feed, AppError> {
    caller.require_any(&[Role::Volunteer, Role::TeamLead])?;
    let secret = token::generate();
    let txn = crate::db::write(db).await?;
    let user = repo::users::by_id(&txn, caller.user_id).await?.ok_or(AppError::NotFound)?;
    let mut active = user.into_active_model();
    active.calendar_token_digest = Set(Some(token::digest(&secret)));
    active.calendar_with_proposals = Set(request.with_proposals);
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit(
        &txn,
        caller,
        "calendar.issue",
        "app_user",
        caller.user_id,
        serde_json::json!({ "with_proposals": request.with_proposals }),
    )
    .await?;
    txn.commit().await?;
    Ok(Feed {
        url: format!("{}/calendar/{secret}.ics", base_url.trim_end_matches('/')),
        with_proposals: request.with_proposals,
    })
}

/// Revokes the feed: its address answers 404 from now on.
///
/// # Errors
/// Forbidden for other roles.
pub async fn revoke(db: &DatabaseConnection, caller: &Caller) -> Result<(), AppError> {
    caller.require_any(&[Role::Volunteer, Role::TeamLead])?;
    let txn = crate::db::write(db).await?;
    let user = repo::users::by_id(&txn, caller.user_id).await?.ok_or(AppError::NotFound)?;
    let mut active = user.into_active_model();
    active.calendar_token_digest = Set(None);
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit(&txn, caller, "calendar.revoke", "app_user", caller.user_id, serde_json::Value::Null)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether the caller has a feed.
///
/// # Errors
/// Database errors.
pub async fn active(db: &DatabaseConnection, caller: &Caller) -> Result<bool, AppError> {
    Ok(repo::users::by_id(db, caller.user_id)
        .await?
        .is_some_and(|u| u.calendar_token_digest.is_some()))
}

/// The feed behind a secret token, or `None` (unknown or revoked).
///
/// # Errors
/// Database errors.
pub async fn feed(db: &DatabaseConnection, secret: &str) -> Result<Option<String>, AppError> {
    let Some(user) = app_user::Entity::find()
        .filter(app_user::Column::CalendarTokenDigest.eq(token::digest(secret)))
        .filter(app_user::Column::Active.eq(true))
        .first(db)
        .await?
    else {
        return Ok(None);
    };
    let roles = repo::users::roles(db, user.id).await?;
    let t = Tr(user.locale.parse().unwrap_or(Locale::De));
    let own = repo::interpreters::by_user(db, user.organisation_id, user.id).await?;
    // Whose assignments, and with which states.
    let mut wanted: Vec<(i64, Vec<&str>)> = Vec::new();
    if let Some(profile) = own.as_ref().filter(|_| roles.contains(&Role::Volunteer)) {
        let states = if user.calendar_with_proposals {
            vec!["confirmed", "proposed"]
        } else {
            vec!["confirmed"]
        };
        wanted.push((profile.id, states));
    }
    let lead = roles.contains(&Role::TeamLead);
    let mut names: HashMap<i64, String> = HashMap::new();
    if lead {
        let mut pool = interpreter::Entity::find()
            .filter(interpreter::Column::OrganisationId.eq(user.organisation_id));
        if let Some(site) = user.site_id {
            pool = pool.filter(interpreter::Column::SiteId.eq(site));
        }
        let pool = pool.all(db).await?;
        let users =
            repo::users::display_names(db, &pool.iter().map(|p| p.user_id).collect::<Vec<_>>())
                .await?;
        for p in pool {
            names.insert(p.id, users.get(&p.user_id).cloned().unwrap_or_default());
            if !wanted.iter().any(|(id, _)| *id == p.id) {
                wanted.push((p.id, vec!["confirmed"]));
            }
        }
    }
    let at = now();
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::OrganisationId.eq(user.organisation_id))
        .filter(assignment::Column::InterpreterId.is_in(wanted.iter().map(|(id, _)| *id)))
        .filter(assignment::Column::Status.is_in(["confirmed", "proposed"]))
        .all(db)
        .await?;
    let appointments: HashMap<i64, appointment::Model> = appointment::Entity::find()
        .filter(appointment::Column::Id.is_in(assignments.iter().map(|a| a.appointment_id)))
        .filter(appointment::Column::StartsAt.gte(at - BACK))
        .filter(appointment::Column::StartsAt.lt(at + AHEAD))
        .filter(appointment::Column::Status.ne("cancelled"))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let languages: HashMap<i64, (String, String)> = repo::languages::list(db, user.organisation_id)
        .await?
        .into_iter()
        .map(|l| (l.id, (l.name_de, l.name_en)))
        .collect();
    let sites: HashMap<i64, entities::site::Model> =
        repo::sites::list(db, user.organisation_id).await?.into_iter().map(|s| (s.id, s)).collect();
    let mut events = Vec::new();
    for a in &assignments {
        let Some(states) = wanted.iter().find(|(id, _)| *id == a.interpreter_id).map(|(_, s)| s)
        else {
            continue;
        };
        if !states.contains(&a.status.as_str()) {
            continue;
        }
        let Some(appt) = appointments.get(&a.appointment_id) else { continue };
        events.push(event(
            t,
            a,
            appt,
            &languages,
            &sites,
            names
                .get(&a.interpreter_id)
                .filter(|_| lead && Some(a.interpreter_id) != own.as_ref().map(|p| p.id)),
        ));
    }
    events.sort_by_key(|e| e.start);
    Ok(Some(ical::calendar(t.get("calendar.name"), None, &events)))
}

/// One assignment as an event: time, place, language and kind — nothing about the client.
pub fn event(
    t: Tr,
    a: &assignment::Model,
    appt: &appointment::Model,
    languages: &HashMap<i64, (String, String)>,
    sites: &HashMap<i64, entities::site::Model>,
    who: Option<&String>,
) -> ical::Event {
    let language = languages
        .get(&appt.language_id)
        .map(|(de, en)| if t.0 == Locale::De { de.clone() } else { en.clone() })
        .unwrap_or_default();
    let kind = t.get(&format!("kind.{}", appt.kind)).to_owned();
    let mut summary = format!("{}: {language} ({kind})", t.get("calendar.interpreting"));
    if let Some(name) = who {
        summary.push_str(&format!(" – {name}"));
    }
    let location = match appt.site_id.and_then(|id| sites.get(&id)) {
        Some(site) => match &site.address {
            Some(address) => format!("{}, {address}", site.name),
            None => site.name.clone(),
        },
        None => t.get(&format!("mode.{}", appt.mode)).to_owned(),
    };
    ical::Event {
        uid: format!("assignment-{}@sprachpool", a.id),
        sequence: i64::from(a.version) + i64::from(appt.version),
        start: appt.starts_at,
        end: appt.ends_at,
        summary,
        location,
        description: String::new(),
        status: if a.status == "confirmed" {
            EventStatus::Confirmed
        } else {
            EventStatus::Tentative
        },
        stamp: Utc::now(),
    }
}
