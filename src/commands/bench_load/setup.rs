//! The load benchmark's data: the demo organisation, and beside it a generated large Jobcenter
//! (250 volunteers at ten sites, a year of 60,000 appointments) whose caseworkers and team lead
//! make the load; each gets an API session, as after logging in.

use chrono::{Duration, Utc};
use entities::{app_user, user_role};
use sea_orm::{DatabaseConnection, EntityTrait, Set};

use crate::auth::SessionKind;
use crate::auth::token;
use crate::repo;
use crate::seed::large::{Size, account, load_large};

/// The generated organisation.
pub const SLUG: &str = "load-jobcenter";

/// What the simulated users need.
pub struct Fixture {
    pub volunteers: u64,
    pub appointments: u64,
    /// One bearer token per caseworker.
    pub caseworkers: Vec<String>,
    pub team_lead: String,
    /// Bookings the pool could serve, as JSON bodies without `client_ref` (set when sent).
    pub bookings: Vec<serde_json::Value>,
}

/// Loads the demo data and the large Jobcenter into the empty database `db`, with
/// `caseworkers` caseworkers and one team lead, and prepares `bookings` requests.
///
/// # Errors
/// Database errors; the database is not empty.
pub async fn prepare(
    db: &DatabaseConnection,
    caseworkers: usize,
    bookings: usize,
) -> Result<Fixture, String> {
    let text = |e: sea_orm::DbErr| e.to_string();
    if repo::organisations::count(db).await.map_err(text)? > 0 {
        return Err("the database is not empty; the load benchmark needs a fresh one".into());
    }
    crate::seed::load_demo(db).await.map_err(|e| e.to_string())?;
    let txn = crate::db::write(db).await.map_err(text)?;
    let year = crate::services::now().with_timezone(&crate::domain::time::BERLIN).date_naive();
    let size = Size::large(chrono::Datelike::year(&year));
    let organisation_id = load_large(&txn, SLUG, size, 2026).await.map_err(|e| e.to_string())?;
    let now = Utc::now();
    let session = |username: String, role: &'static str| {
        let txn = &txn;
        async move {
            let user = app_user::Entity::insert(account(organisation_id, &username, now))
                .exec(txn)
                .await
                .map_err(text)?
                .last_insert_id;
            user_role::Entity::insert(user_role::ActiveModel {
                user_id: Set(user),
                role: Set(role.to_owned()),
            })
            .exec_without_returning(txn)
            .await
            .map_err(text)?;
            let bearer = token::generate();
            repo::sessions::insert(
                txn,
                user,
                token::digest(&bearer),
                SessionKind::Bearer.as_str(),
                now,
                now + Duration::hours(12),
            )
            .await
            .map_err(text)?;
            Ok::<_, String>(bearer)
        }
    };
    let mut tokens = Vec::with_capacity(caseworkers);
    for n in 0..caseworkers {
        tokens.push(session(format!("{SLUG}.cw{n:03}"), "caseworker").await?);
    }
    let team_lead = session(format!("{SLUG}.lead"), "team_lead").await?;
    txn.commit().await.map_err(text)?;

    // One to four weeks ahead: the weeks that hold the generated year's load already.
    let requests = super::super::bench::servable_requests(db, organisation_id, bookings, 1).await?;
    let bookings = requests
        .into_iter()
        .map(|mut r| {
            if let Some(o) = r.as_object_mut() {
                o.remove("client_ref");
            }
            r
        })
        .collect();
    Ok(Fixture {
        volunteers: size.volunteers as u64,
        appointments: size.appointments as u64,
        caseworkers: tokens,
        team_lead,
        bookings,
    })
}
