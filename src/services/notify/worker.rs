//! Sending the outbox: a worker inside `serve` claims due messages, sends each through SMTP
//! and marks it sent — at least once: a message is marked only after the relay accepted it.
//! A failure is retried with growing pauses; a message that keeps failing is parked for the
//! admins. Several instances on one PostgreSQL never send the same message at the same time:
//! claiming takes rows `FOR UPDATE SKIP LOCKED` and leases them for a while; the lease is
//! renewed just before each message is sent, and a send never takes more than half of it. A
//! message whose worker died is sent again once its lease has run out.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entities::outbox;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};

use super::Notice;
use crate::config::{Settings, SmtpTls};
use crate::domain::Locale;
use crate::repo;
use crate::repo::First;

/// How long a claimed message is reserved for the worker that claimed it, unless the settings
/// say otherwise.
const LEASE: Duration = Duration::minutes(2);
/// Messages claimed at once.
const BATCH: u64 = 20;

/// An SMTP relay and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    max_attempts: i32,
    lease: Duration,
    /// Half the lease: a send that takes longer is given up before the lease runs out.
    send_within: StdDuration,
}

impl Mailer {
    /// The relay of the settings, or `None` when no SMTP host is set (messages then wait).
    ///
    /// # Errors
    /// A sender address or TLS setting that does not work.
    pub fn from_settings(settings: &Settings) -> Result<Option<Self>, String> {
        let Some(host) = settings.smtp_host.as_deref() else { return Ok(None) };
        let tls = match settings.smtp_tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => {
                Tls::Required(TlsParameters::new(host.to_owned()).map_err(|e| e.to_string())?)
            }
            SmtpTls::Tls => {
                Tls::Wrapper(TlsParameters::new(host.to_owned()).map_err(|e| e.to_string())?)
            }
        };
        let lease_seconds = Ord::max(settings.outbox_lease_seconds, 2);
        let send_within = StdDuration::from_secs(u64::from(lease_seconds)) / 2;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(settings.smtp_port)
            .tls(tls)
            .timeout(Some(Ord::min(StdDuration::from_secs(20), send_within)));
        if let (Some(user), Some(password)) = (&settings.smtp_username, &settings.smtp_password) {
            use secrecy::ExposeSecret;
            builder = builder
                .credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
        }
        let from: Mailbox = settings.smtp_from.parse().map_err(|e| format!("smtp_from: {e}"))?;
        Ok(Some(Self {
            transport: builder.build(),
            from,
            max_attempts: i32::try_from(Ord::max(settings.outbox_max_attempts, 1)).unwrap_or(8),
            lease: Duration::seconds(i64::from(lease_seconds)),
            send_within,
        }))
    }
}

/// The pause before attempt `n + 1`: 1, 2, 4, … minutes, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    Duration::minutes(1i64 << attempts.clamp(0, 6))
}

/// Claims due messages for this worker for the default lease; their ids.
///
/// # Errors
/// Database errors.
pub async fn claim(db: &DatabaseConnection, at: DateTime<Utc>) -> Result<Vec<i64>, DbErr> {
    Ok(claim_leased(db, at, LEASE).await?.0)
}

/// The end of a lease taken now. Whole microseconds: PostgreSQL keeps no finer times, and a
/// worker recognises its lease by comparing the stored end with the one it set.
fn lease_until(at: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    (at + lease).trunc_subsecs(6)
}

/// Claims due messages until `at + lease`; their ids and the end of the lease they share.
async fn claim_leased(
    db: &DatabaseConnection,
    at: DateTime<Utc>,
    lease: Duration,
) -> Result<(Vec<i64>, DateTime<Utc>), DbErr> {
    let until = lease_until(at, lease);
    if db.get_database_backend() == DbBackend::Postgres {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE outbox SET locked_until = $1 WHERE id IN (\
                   SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                   AND (locked_until IS NULL OR locked_until < $2) ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING id",
                [until.into(), at.into(), (BATCH as i64).into()],
            ))
            .await?;
        let ids = rows.iter().filter_map(|r| r.try_get::<i64>("", "id").ok()).collect();
        return Ok((ids, until));
    }
    // SQLite serialises writers: the write transaction is the lock.
    let txn = crate::db::write(db).await?;
    let ids: Vec<i64> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::Status.eq("pending"))
        .filter(outbox::Column::NextAttemptAt.lte(at))
        .filter(outbox::Column::LockedUntil.is_null().or(outbox::Column::LockedUntil.lt(at)))
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH)
        .into_tuple()
        .all(&txn)
        .await?;
    outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Expr::value(until))
        .filter(outbox::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((ids, until))
}

/// Extends the lease on a message just before it is sent; false if the lease `held` is no
/// longer this worker's (it ran out while earlier messages of the batch were sent, and another
/// worker claimed the message) or the message is no longer pending.
async fn renew(
    db: &DatabaseConnection,
    id: i64,
    held: DateTime<Utc>,
    lease: Duration,
) -> Result<bool, DbErr> {
    let txn = crate::db::write(db).await?;
    let renewed = outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Expr::value(lease_until(Utc::now(), lease)))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq("pending"))
        .filter(outbox::Column::LockedUntil.eq(held))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(renewed.rows_affected == 1)
}

/// Sends what is due once; how many were sent.
///
/// # Errors
/// Database errors (a relay's failure is recorded on the message instead).
pub async fn run_once(db: &DatabaseConnection, mailer: &Mailer) -> Result<usize, DbErr> {
    let (ids, held) = claim_leased(db, Utc::now(), mailer.lease).await?;
    let mut sent = 0;
    for id in ids {
        if !renew(db, id, held, mailer.lease).await? {
            continue;
        }
        let Some(row) = outbox::Entity::find_by_id(id).first(db).await? else { continue };
        // Given up well before the renewed lease ends, so that no other worker sends the
        // message while this one still might.
        let outcome = tokio::time::timeout(mailer.send_within, deliver(db, mailer, &row))
            .await
            .unwrap_or_else(|_| Err("SMTP: the relay did not answer in time".to_owned()));
        let now = Utc::now();
        let mut update = outbox::Entity::update_many()
            .col_expr(outbox::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None));
        match outcome {
            Ok(()) => {
                sent += 1;
                update = update
                    .col_expr(outbox::Column::Status, Expr::value("sent"))
                    .col_expr(outbox::Column::SentAt, Expr::value(now));
            }
            Err(error) => {
                let attempts = row.attempts + 1;
                let status = if attempts >= mailer.max_attempts { "parked" } else { "pending" };
                tracing::warn!(outbox_id = row.id, attempts, status, error = %error, "a message could not be sent");
                update = update
                    .col_expr(outbox::Column::Attempts, Expr::value(attempts))
                    .col_expr(outbox::Column::Status, Expr::value(status))
                    .col_expr(
                        outbox::Column::NextAttemptAt,
                        Expr::value(now + backoff(row.attempts)),
                    )
                    .col_expr(outbox::Column::LastError, Expr::value(error));
            }
        }
        // In the writers' queue: a message the relay took must be marked sent.
        let txn = crate::db::write(db).await?;
        update.filter(outbox::Column::Id.eq(row.id)).exec(&txn).await?;
        txn.commit().await?;
    }
    Ok(sent)
}

/// One message: rendered for its recipient as they are now, and handed to the relay.
async fn deliver(
    db: &DatabaseConnection,
    mailer: &Mailer,
    row: &outbox::Model,
) -> Result<(), String> {
    let notice = Notice::from_payload(&row.payload)?;
    let user_id = row.recipient_user_id.ok_or("no recipient")?;
    let user = repo::users::by_id(db, user_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("recipient gone")?;
    let to = user.email.as_deref().ok_or("recipient has no e-mail address")?;
    let locale: Locale = user.locale.parse().unwrap_or(Locale::De);
    let message = super::mail::render(&notice, locale, &mailer.from, to)?;
    // The relay's answer, without credentials or addresses.
    mailer.transport.send(message).await.map(|_| ()).map_err(|e| format!("SMTP: {e}"))
}

/// The worker inside `serve`: sends what is due every few seconds.
pub async fn run_forever(db: DatabaseConnection, mailer: Mailer) {
    tracing::info!("outbox worker started");
    loop {
        if let Err(e) = run_once(&db, &mailer).await {
            tracing::warn!(error = %e, "the outbox could not be read");
        }
        tokio::time::sleep(StdDuration::from_secs(5)).await;
    }
}
