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

/// The median lead time per group, and over all (key `*`), of the requests not cancelled.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Median {
    pub key: String,
    pub minutes: f64,
}

/// # Errors
/// Database errors.
pub async fn median_leads(
    db: &impl ConnectionTrait,
    period: Period,
    key: Key,
) -> Result<Vec<Median>, DbErr> {
    let (filter, mut values) = period.filter("");
    values.extend(values.clone());
    // The middle row, or the two middle rows, of each group ordered by lead time.
    let ranked = |k: &str| {
        format!(
            "SELECT {k} AS key, lead_minutes, \
             ROW_NUMBER() OVER (PARTITION BY {k} ORDER BY lead_minutes) AS n, \
             COUNT(*) OVER (PARTITION BY {k}) AS total \
             FROM appointment WHERE {filter} AND status <> 'cancelled'"
        )
    };
    let sql = format!(
        "SELECT key, CAST(AVG(CAST(lead_minutes AS DOUBLE PRECISION)) AS DOUBLE PRECISION) AS minutes \
         FROM ({} UNION ALL {}) ranked \
         WHERE n IN ((total + 1) / 2, (total + 2) / 2) GROUP BY key",
        ranked(key.column()),
        ranked("'*'")
    );
    Median::find_by_statement(statement(db, &sql, values)).all(db).await
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
