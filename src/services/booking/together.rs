//! Bookings that wait for a SQLite file's write lock at the same time are written in one
//! transaction. A booking's locked part is a handful of statements and a small plan; beginning
//! and committing are a large share of it, and a commit copies every page it changed to the
//! WAL, where the pages one booking changes (the newest appointments, audit entries and
//! proposals, and their indexes) are mostly those the next one changes too. Under many
//! caseworkers at once, the write lock is the service's bottleneck, and a group of bookings
//! holds it for much less than the same bookings one after the other. The pool's stamp is read
//! once per group, and the audit entries and the proposals' messages are written in one
//! statement each at its end.
//!
//! Each booking is still all or nothing, and gets its own answer: if any booking of a group
//! fails, the group's transaction is rolled back and each of its bookings is written again
//! alone, in the order they came. On PostgreSQL, whose writers of different organisations do
//! not wait for each other, and on a database in memory, every booking has a transaction of
//! its own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use sea_orm::DatabaseConnection;
use tokio::sync::oneshot;
use tracing::Instrument;

use super::{Written, WrittenBooking, record_written, write_booking};
use crate::error::AppError;
use crate::services::planning::BookingReads;

/// Most bookings in one transaction: every other writer waits for the group to commit.
const MOST_TOGETHER: usize = 16;

/// A booking waiting for its turn, with the request's span and where its answer goes.
struct Waiting {
    booking: Written,
    span: tracing::Span,
    answer: oneshot::Sender<Result<WrittenBooking, AppError>>,
}

/// The bookings of one SQLite file waiting for the write lock, and whether a task on the
/// writers' thread is writing them.
#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    writing: bool,
}

static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<Mutex<Queue>>>>> = LazyLock::new(Mutex::default);

/// Writes a checked booking: on a SQLite file together with the others waiting then, else in
/// a transaction of its own.
///
/// # Errors
/// The booking's own error, as if it had been written alone.
pub(super) async fn write(
    db: &DatabaseConnection,
    booking: Written,
) -> Result<WrittenBooking, AppError> {
    let Some(file) = crate::db::shared_writers_file(db) else {
        return alone(db, &booking).await;
    };
    let queue =
        QUEUES.lock().unwrap_or_else(PoisonError::into_inner).entry(file).or_default().clone();
    let (answer, answered) = oneshot::channel();
    let start_writing = {
        let mut queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.waiting.push(Waiting { booking, span: tracing::Span::current(), answer });
        !std::mem::replace(&mut queue.writing, true)
    };
    if start_writing {
        crate::db::spawn_on_the_writers_thread(write_waiting(db.clone(), queue));
    }
    answered.await.map_err(|_| AppError::Internal("the bookings' writer stopped".to_owned()))?
}

/// Writes the waiting bookings, group by group in the order they came, until none is left.
async fn write_waiting(db: DatabaseConnection, queue: Arc<Mutex<Queue>>) {
    let queue = StopsWriting(queue);
    loop {
        let group: Vec<Waiting> = {
            let mut queue = queue.0.lock().unwrap_or_else(PoisonError::into_inner);
            if queue.waiting.is_empty() {
                // Under the same lock as the bookings' push: one coming now starts a writer.
                queue.writing = false;
                return;
            }
            let taken = queue.waiting.len().min(MOST_TOGETHER);
            queue.waiting.drain(..taken).collect()
        };
        write_group(&db, group).await;
    }
}

/// Should the writer panic, the bookings still waiting get an error (their answers are
/// dropped) and the next booking starts a writer again.
struct StopsWriting(Arc<Mutex<Queue>>);

impl Drop for StopsWriting {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            queue.waiting.clear();
            queue.writing = false;
        }
    }
}

/// Writes a group in one transaction, or, if any of it fails, each booking alone.
async fn write_group(db: &DatabaseConnection, group: Vec<Waiting>) {
    if group.len() > 1 {
        match together(db, &group).await {
            Ok(written) => {
                for (waiting, rows) in group.into_iter().zip(written) {
                    // A caller that went away no longer wants the answer; its booking stands.
                    let _ = waiting.answer.send(Ok(rows));
                }
                return;
            }
            Err(e) => tracing::debug!(
                error = %e,
                bookings = group.len(),
                "a group of bookings failed together; each is written alone"
            ),
        }
    }
    for waiting in group {
        let result = alone(db, &waiting.booking).instrument(waiting.span).await;
        let _ = waiting.answer.send(result);
    }
}

/// The group's bookings in one transaction, committed only if all succeed.
async fn together(
    db: &DatabaseConnection,
    group: &[Waiting],
) -> Result<Vec<WrittenBooking>, AppError> {
    let txn = crate::db::write(db).await?;
    let mut written = Vec::with_capacity(group.len());
    let mut reads = BookingReads::default();
    for waiting in group {
        let booking = write_booking(&txn, &waiting.booking, &mut reads);
        written.push(booking.instrument(waiting.span.clone()).await?);
    }
    record_written(&txn, group.iter().map(|waiting| &waiting.booking).zip(&mut written)).await?;
    let work = reads.work.before_commit(&txn).await?;
    txn.commit().await?;
    work.keep();
    Ok(written)
}

/// One booking in its own transaction.
async fn alone(db: &DatabaseConnection, booking: &Written) -> Result<WrittenBooking, AppError> {
    let txn = crate::db::write(db).await?;
    let mut reads = BookingReads::default();
    let mut written = write_booking(&txn, booking, &mut reads).await?;
    record_written(&txn, [(booking, &mut written)]).await?;
    let work = reads.work.before_commit(&txn).await?;
    txn.commit().await?;
    work.keep();
    Ok(written)
}
