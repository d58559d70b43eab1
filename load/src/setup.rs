//! The load run's data: the demo organisation, and beside it a generated large Jobcenter
//! (250 volunteers at ten sites, a year of 60,000 appointments) whose caseworkers and team lead
//! make the load; each gets an API session, as after logging in. It is written once into a
//! template database, which every run copies.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use entities::{app_user, user_role};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, Set};
use sprachpool::auth::{SessionKind, token};
use sprachpool::config::{DatabaseUrl, Settings};
use sprachpool::repo;
use sprachpool::seed::large::{Size, account, load_large};

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

/// Migrates the empty database at `url` and loads the demo data and the large Jobcenter, with
/// `caseworkers` caseworkers and one team lead, and prepares `bookings` requests.
///
/// # Errors
/// Database errors; the database is not empty.
pub async fn prepare(url: &str, caseworkers: usize, bookings: usize) -> Result<Fixture, String> {
    let settings =
        Settings { database_url: DatabaseUrl::new(url.to_owned()), ..Settings::default() };
    let db = sprachpool::db::connect(&settings).await.map_err(|e| e.to_string())?;
    sprachpool::db::migrate(&db).await.map_err(|e| e.to_string())?;
    let fixture = fill(&db, caseworkers, bookings).await;
    db.close().await.map_err(|e| e.to_string())?;
    fixture
}

async fn fill(
    db: &DatabaseConnection,
    caseworkers: usize,
    bookings: usize,
) -> Result<Fixture, String> {
    let text = |e: sea_orm::DbErr| e.to_string();
    if repo::organisations::count(db).await.map_err(text)? > 0 {
        return Err("the database is not empty; the load run needs a fresh one".into());
    }
    sprachpool::seed::load_demo(db).await.map_err(|e| e.to_string())?;
    let txn = sprachpool::db::write(db).await.map_err(text)?;
    let year =
        sprachpool::services::now().with_timezone(&sprachpool::domain::time::BERLIN).date_naive();
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
    let requests =
        sprachpool::commands::bench::servable_requests(db, organisation_id, bookings, 1).await?;
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

/// Where the run keeps its data: SQLite files in a temporary directory, or databases created on
/// a PostgreSQL server for this run. The template holds the data set; each run gets a fresh
/// copy of it.
pub enum Target {
    Sqlite { dir: PathBuf },
    Postgres { server: String, at: url::Url, prefix: String },
}

impl Target {
    /// # Errors
    /// The directory or the template database cannot be created.
    pub async fn create(server: Option<&str>) -> Result<Self, String> {
        let Some(server) = server else {
            let dir = std::env::temp_dir().join(format!("sprachpool-load-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            return Ok(Target::Sqlite { dir });
        };
        let at = url::Url::parse(server).map_err(|e| format!("--database-url: {e}"))?;
        if !server.starts_with("postgres") {
            return Err("--database-url must be a PostgreSQL server (postgres://…); without it \
                        the run uses temporary SQLite files"
                .into());
        }
        let target = Target::Postgres {
            server: server.to_owned(),
            at,
            prefix: format!("sprachpool_load_{}", std::process::id()),
        };
        target.admin(&format!("CREATE DATABASE {}", target.name("template"))).await?;
        Ok(target)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Target::Sqlite { .. } => "sqlite",
            Target::Postgres { .. } => "postgres",
        }
    }

    fn name(&self, which: &str) -> String {
        match self {
            Target::Sqlite { .. } => which.to_owned(),
            Target::Postgres { prefix, .. } => format!("{prefix}_{which}"),
        }
    }

    fn url(&self, which: &str) -> String {
        match self {
            Target::Sqlite { dir } => format!("sqlite://{}/{which}.db?mode=rwc", dir.display()),
            Target::Postgres { at, .. } => {
                let mut url = at.clone();
                url.set_path(&self.name(which));
                url.into()
            }
        }
    }

    pub fn template_url(&self) -> String {
        self.url("template")
    }

    /// A copy of the template, replacing the previous run's; its URL.
    ///
    /// # Errors
    /// The copy cannot be made.
    pub async fn fresh_copy(&self) -> Result<String, String> {
        match self {
            Target::Sqlite { dir } => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(dir.join(format!("run.db{suffix}")));
                }
                // Nothing writes to the template any more; its log may still hold what was
                // written last, so it is copied with the file.
                for suffix in ["", "-wal"] {
                    let from = dir.join(format!("template.db{suffix}"));
                    if suffix.is_empty() || from.exists() {
                        std::fs::copy(&from, dir.join(format!("run.db{suffix}")))
                            .map_err(|e| format!("copying the data set: {e}"))?;
                    }
                }
            }
            Target::Postgres { .. } => {
                let (run, template) = (self.name("run"), self.name("template"));
                self.admin(&format!("DROP DATABASE IF EXISTS {run} WITH (FORCE)")).await?;
                self.admin(&format!("CREATE DATABASE {run} TEMPLATE {template}")).await?;
            }
        }
        Ok(self.url("run"))
    }

    async fn admin(&self, statement: &str) -> Result<(), String> {
        let Target::Postgres { server, .. } = self else { return Ok(()) };
        let admin = Database::connect(server.as_str()).await.map_err(|e| e.to_string())?;
        let done = admin.execute_unprepared(statement).await.map(drop).map_err(|e| e.to_string());
        let _ = admin.close().await;
        done
    }

    /// Removes what the run created.
    pub async fn remove(&self) {
        match self {
            Target::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Target::Postgres { .. } => {
                for which in ["run", "template"] {
                    let name = self.name(which);
                    let _ =
                        self.admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                }
            }
        }
    }
}
