//! The demo data of `seed/demo.toml`: two organisations with sites, staff accounts and
//! volunteers. Loaded only by `--demo`; every account's password is `demo`.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use entities::{absence, app_user, availability_rule, interpreter, interpreter_language, site};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, Set};
use serde::Deserialize;

use super::{SeedError, create_organisation, invalid};
use crate::auth::password;
use crate::domain::time::{BERLIN, LocalTime, Weekday, WeeklyWindow, start_of_local_day};
use crate::domain::{AbsenceReason, Gender, Level, Locale, Mode, Role};
use crate::repo;
use crate::services::now;

const DEMO_TOML: &str = include_str!("../../seed/demo.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoFile {
    organisation: Vec<DemoOrganisation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoOrganisation {
    slug: String,
    name: String,
    timezone: String,
    site: Vec<DemoSite>,
    #[serde(default)]
    travel: Vec<DemoTravel>,
    user: Vec<DemoUser>,
    volunteer: Vec<DemoVolunteer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSite {
    code: String,
    name: String,
    address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoTravel {
    from: String,
    to: String,
    minutes: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUser {
    username: String,
    display_name: String,
    email: Option<String>,
    roles: Vec<Role>,
    site: Option<String>,
    locale: Locale,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoVolunteer {
    username: String,
    display_name: String,
    email: Option<String>,
    #[serde(default)]
    extra_roles: Vec<Role>,
    site: String,
    locale: Locale,
    gender: Option<Gender>,
    home_team: Option<String>,
    modes: Vec<Mode>,
    weekly_cap_minutes: i32,
    daily_cap_minutes: i32,
    works_on_holidays: bool,
    declaration_signed_on: Option<NaiveDate>,
    languages: Vec<DemoSkill>,
    availability: Vec<DemoWindow>,
    #[serde(default)]
    absences: Vec<DemoAbsence>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSkill {
    tag: String,
    level: Level,
    #[serde(default)]
    written: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoWindow {
    weekday: Weekday,
    start: LocalTime,
    end: LocalTime,
    site: Option<String>,
    #[serde(default)]
    remote_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAbsence {
    /// Days from the day of seeding; negative: already begun.
    starts_in_days: i64,
    days: i64,
    reason: AbsenceReason,
}

/// What [`load_demo`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded { organisations: usize, users: usize },
    AlreadyPresent,
}

/// Loads the demo organisations, sites, accounts and volunteers in one transaction, unless the
/// first demo organisation exists already.
///
/// # Errors
/// Invalid demo data or database errors; nothing is written then.
pub async fn load_demo(db: &DatabaseConnection) -> Result<DemoOutcome, SeedError> {
    let file: DemoFile =
        toml::from_str(DEMO_TOML).map_err(|e| invalid(format!("demo.toml: {e}")))?;
    let first = file.organisation.first().ok_or_else(|| invalid("demo.toml: no organisation"))?;
    if repo::organisations::by_slug(db, &first.slug).await?.is_some() {
        return Ok(DemoOutcome::AlreadyPresent);
    }
    // One hash for every demo account: they share the public password "demo" anyway, and
    // hashing it once keeps seeding fast.
    let demo_hash = password::hash_blocking("demo".to_owned()).await.map_err(invalid)?;
    let txn = crate::db::write(db).await?;
    let mut users = 0;
    for org in &file.organisation {
        users += load_organisation(&txn, org, &demo_hash).await?;
    }
    // The Jobcenter's past weeks, for the dashboard.
    let jobcenter = repo::organisations::by_slug(&txn, &first.slug)
        .await?
        .ok_or_else(|| invalid("demo organisation"))?;
    let caseworker = repo::users::by_username(&txn, "fachkraft")
        .await?
        .ok_or_else(|| invalid("demo.toml: no fachkraft"))?;
    let today = now().with_timezone(&BERLIN).date_naive();
    super::history::load_history(&txn, jobcenter.id, caseworker.id, today).await?;
    txn.commit().await?;
    Ok(DemoOutcome::Loaded { organisations: file.organisation.len(), users })
}

async fn load_organisation(
    db: &impl ConnectionTrait,
    org: &DemoOrganisation,
    hash: &str,
) -> Result<usize, SeedError> {
    let row = create_organisation(db, &org.slug, &org.name, &org.timezone, "demo").await?;
    let mut sites = HashMap::new();
    for s in &org.site {
        let created = site::ActiveModel {
            organisation_id: Set(row.id),
            code: Set(s.code.clone()),
            name: Set(s.name.clone()),
            address: Set(s.address.clone()),
            active: Set(true),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        sites.insert(s.code.clone(), created.id);
    }
    let site_id = |code: &str| {
        sites.get(code).copied().ok_or_else(|| invalid(format!("demo.toml: unknown site {code}")))
    };
    for t in &org.travel {
        let (a, b) = (site_id(&t.from)?, site_id(&t.to)?);
        entities::site_travel::ActiveModel {
            organisation_id: Set(row.id),
            from_site_id: Set(a.min(b)),
            to_site_id: Set(a.max(b)),
            minutes: Set(t.minutes),
        }
        .insert(db)
        .await?;
    }
    let languages: HashMap<String, i64> =
        repo::languages::list(db, row.id).await?.into_iter().map(|l| (l.tag, l.id)).collect();

    for u in &org.user {
        let site = u.site.as_deref().map(site_id).transpose()?;
        insert_user(
            db,
            row.id,
            &u.username,
            &u.display_name,
            u.email.as_deref(),
            site,
            u.locale,
            hash,
            &u.roles,
        )
        .await?;
    }
    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    for v in &org.volunteer {
        let home = site_id(&v.site)?;
        let mut roles = vec![Role::Volunteer];
        roles.extend(v.extra_roles.iter().copied());
        let user = insert_user(
            db,
            row.id,
            &v.username,
            &v.display_name,
            v.email.as_deref(),
            Some(home),
            v.locale,
            hash,
            &roles,
        )
        .await?;
        let at = now();
        let profile = interpreter::ActiveModel {
            organisation_id: Set(row.id),
            user_id: Set(user.id),
            site_id: Set(home),
            gender: Set(v.gender.map(|g| g.as_str().to_owned())),
            home_team: Set(v.home_team.clone()),
            offers_in_person: Set(v.modes.contains(&Mode::InPerson)),
            offers_phone: Set(v.modes.contains(&Mode::Phone)),
            offers_video: Set(v.modes.contains(&Mode::Video)),
            weekly_cap_minutes: Set(v.weekly_cap_minutes),
            daily_cap_minutes: Set(v.daily_cap_minutes),
            works_on_holidays: Set(v.works_on_holidays),
            declaration_signed_on: Set(v.declaration_signed_on),
            active: Set(true),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for skill in &v.languages {
            let language_id = *languages.get(&skill.tag).ok_or_else(|| {
                invalid(format!("demo.toml: {} speaks unknown language {}", v.username, skill.tag))
            })?;
            interpreter_language::ActiveModel {
                interpreter_id: Set(profile.id),
                language_id: Set(language_id),
                level: Set(skill.level.as_str().to_owned()),
                written: Set(skill.written),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        for w in &v.availability {
            let window = WeeklyWindow {
                weekday: w.weekday,
                start: w.start,
                end: w.end,
                valid_from: None,
                valid_until: None,
            };
            window
                .validate()
                .map_err(|e| invalid(format!("demo.toml: {}: bad window {e:?}", v.username)))?;
            availability_rule::ActiveModel {
                interpreter_id: Set(profile.id),
                weekday: Set(w.weekday.iso_number()),
                start_minute: Set(w.start.minutes()),
                end_minute: Set(w.end.minutes()),
                valid_from: Set(None),
                valid_until: Set(None),
                site_id: Set(w.site.as_deref().map(site_id).transpose()?),
                remote_only: Set(w.remote_only),
                timezone: Set(BERLIN.name().to_owned()),
                created_at: Set(at),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        for a in &v.absences {
            let first_day = today + Duration::days(a.starts_in_days);
            absence::ActiveModel {
                interpreter_id: Set(profile.id),
                starts_at: Set(start_of_local_day(first_day, BERLIN)),
                ends_at: Set(start_of_local_day(first_day + Duration::days(a.days.max(1)), BERLIN)),
                reason: Set(a.reason.as_str().to_owned()),
                created_at: Set(at),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(org.user.len() + org.volunteer.len())
}

#[allow(clippy::too_many_arguments)]
async fn insert_user(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    username: &str,
    display_name: &str,
    email: Option<&str>,
    site_id: Option<i64>,
    locale: Locale,
    hash: &str,
    roles: &[Role],
) -> Result<app_user::Model, SeedError> {
    let user = crate::services::users::insert_account(
        db,
        organisation_id,
        username,
        display_name,
        email,
        site_id,
        locale,
        hash,
    )
    .await?;
    repo::users::set_roles(db, user.id, roles).await?;
    Ok(user)
}
