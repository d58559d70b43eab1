//! The coverage figures' queries: each one statement over the organisation's appointments of
//! a period, grouped in the database by the key asked for. Dates and weeks are the local ones
//! stored with each appointment, so nothing here does date arithmetic.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};

/// What the figures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Language,
    Week,
    Site,
    Kind,
}

impl Key {
    /// The grouping column as text; remote appointments have no site and group under `0`.
    fn column(self) -> &'static str {
        match self {
            Key::Language => "CAST(language_id AS TEXT)",
            Key::Week => "CAST(local_week AS TEXT)",
            Key::Site => "CAST(COALESCE(site_id, 0) AS TEXT)",
            Key::Kind => "kind",
        }
    }

    /// The grouping column as stored (integers sort and partition faster than text).
    fn raw(self) -> &'static str {
        match self {
            Key::Language => "language_id",
            Key::Week => "local_week",
            Key::Site => "COALESCE(site_id, 0)",
            Key::Kind => "kind",
        }
    }
}

/// The appointments of a period, optionally of one site.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub organisation_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub site_id: Option<i64>,
}

impl Period {
    fn filter(&self, alias: &str) -> (String, Vec<Value>) {
        let mut sql = format!(
            "{alias}organisation_id = ? AND {alias}local_date >= ? AND {alias}local_date <= ?"
        );
        let mut values: Vec<Value> =
            vec![self.organisation_id.into(), self.from.into(), self.to.into()];
        if let Some(site) = self.site_id {
            sql.push_str(&format!(" AND {alias}site_id = ?"));
            values.push(site.into());
        }
        (sql, values)
    }
}

/// `?` placeholders in the backend's spelling.
fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        let mut numbered = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                numbered.push_str(&format!("${n}"));
            } else {
                numbered.push(c);
            }
        }
        numbered
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Appointments and their minutes per group and state.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Tally {
    pub key: String,
    pub status: String,
    /// Empty unless unfilled.
    pub reason: String,
    /// Empty unless a fallback was recorded.
    pub fallback: String,
    pub appointments: i64,
    pub minutes: i64,
}

/// # Errors
/// Database errors.
pub async fn tallies(
    db: &impl ConnectionTrait,
    period: Period,
    key: Key,
) -> Result<Vec<Tally>, DbErr> {
    let (filter, values) = period.filter("");
    let sql = format!(
        "SELECT {k} AS key, status, COALESCE(unfilled_reason, '') AS reason, \
         COALESCE(fallback_kind, '') AS fallback, COUNT(*) AS appointments, \
         SUM(duration_minutes) AS minutes \
         FROM appointment WHERE {filter} GROUP BY {k}, status, unfilled_reason, fallback_kind",
        k = key.column()
    );
    Tally::find_by_statement(statement(db, &sql, values)).all(db).await
}

/// The median lead time of a group of the requests not cancelled.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Median {
    pub key: String,
    pub minutes: f64,
}

/// The median lead time per group.
///
/// # Errors
/// Database errors.
pub async fn median_leads(
    db: &impl ConnectionTrait,
    period: Period,
    key: Key,
) -> Result<Vec<Median>, DbErr> {
    let (filter, values) = period.filter("");
    // The middle row, or the two middle rows, of each group ordered by lead time.
    let sql = format!(
        "SELECT CAST(key AS TEXT) AS key, CAST(AVG(lead_minutes) AS DOUBLE PRECISION) AS minutes FROM \
         (SELECT {k} AS key, lead_minutes, \
         ROW_NUMBER() OVER (PARTITION BY {k} ORDER BY lead_minutes) AS n, \
         COUNT(*) OVER (PARTITION BY {k}) AS total \
         FROM appointment WHERE {filter} AND status <> 'cancelled') ranked \
         WHERE n IN ((total + 1) / 2, (total + 2) / 2) GROUP BY key",
        k = key.raw()
    );
    Median::find_by_statement(statement(db, &sql, values)).all(db).await
}

/// The median lead time of all requests not cancelled, in minutes; `None` if there are none.
///
/// # Errors
/// Database errors.
pub async fn median_lead(db: &impl ConnectionTrait, period: Period) -> Result<Option<f64>, DbErr> {
    let (filter, values) = period.filter("");
    let mut all = values.clone();
    all.extend(values.clone());
    all.extend(values);
    let count =
        format!("(SELECT COUNT(*) FROM appointment WHERE {filter} AND status <> 'cancelled')");
    let sql = format!(
        "SELECT CAST(AVG(lead_minutes) AS DOUBLE PRECISION) AS minutes FROM \
         (SELECT lead_minutes FROM appointment WHERE {filter} AND status <> 'cancelled' \
         ORDER BY lead_minutes LIMIT 2 - {count} % 2 OFFSET ({count} - 1) / 2) middle"
    );
    let row = db.query_one_raw(statement(db, &sql, all)).await?;
    Ok(row.and_then(|r| r.try_get::<Option<f64>>("", "minutes").ok().flatten()))
}

/// Minutes of one volunteer's assignments in the period, by the assignment's state.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Load {
    pub interpreter_id: i64,
    pub status: String,
    pub minutes: i64,
}

/// Proposed and confirmed minutes per volunteer.
///
/// # Errors
/// Database errors.
pub async fn loads(db: &impl ConnectionTrait, period: Period) -> Result<Vec<Load>, DbErr> {
    let (filter, values) = period.filter("p.");
    let sql = format!(
        "SELECT s.interpreter_id AS interpreter_id, s.status AS status, \
         SUM(p.duration_minutes) AS minutes \
         FROM assignment s JOIN appointment p ON p.id = s.appointment_id \
         WHERE {filter} AND s.status IN ('proposed', 'confirmed') \
         GROUP BY s.interpreter_id, s.status"
    );
    Load::find_by_statement(statement(db, &sql, values)).all(db).await
}
