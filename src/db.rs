//! Opening the database (embedded SQLite in WAL mode by default, PostgreSQL for shared
//! deployments), running the migrations, and the readiness check.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, IsolationLevel, SqliteTransactionMode, SqlxSqliteConnector, Statement,
    TransactionOptions, TransactionTrait,
};

use tracing::Instrument;

use crate::config::Settings;

/// Page cache of each SQLite connection, in KiB.
const SQLITE_CACHE_KIB: u32 = 32 * 1024;

/// Connects with the settings' URL. For a SQLite file, its directory is created first, and
/// the file too if the URL asks for it (`mode=rwc`); later connections never create it.
///
/// # Errors
/// The URL is malformed, the directory cannot be created, or the server refuses.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.database_url.expose();
    // Whether a SQLite file at a plain path exists now, made here if the URL asked for it.
    let file_in_place = settings.database_url.is_sqlite() && ensure_sqlite_file(url)?;
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // SQL statements carry personal data as parameters: never log them.
        .sqlx_logging(false);
    if settings.database_url.is_sqlite() {
        // A connection to a file cannot drop away as one over the network can; asking it
        // whether it is alive before each use only costs a round trip to its thread.
        options.test_before_acquire(false);
    }
    options.map_sqlx_sqlite_opts(move |opts| {
        let opts = opts
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(WRITE_WAIT)
            .foreign_keys(true)
            // SQLite's default page cache is 2 MiB per connection: a week of a large
            // Jobcenter's appointments and assignments does not fit, and every planning
            // read would fetch its pages from the operating system again.
            .pragma("cache_size", format!("-{}", SQLITE_CACHE_KIB))
            // What is deleted or overwritten is overwritten with zeros, not left in free
            // space: an erased client's reference must not stay readable in the file.
            .pragma("secure_delete", "ON");
        // No memory map (`mmap_size`): a connection drops its view of the file whenever
        // another has committed, which under bookings is before nearly every read, and
        // remapping costs every core running the service a flush of its address translations.
        // Once the file is in place, no connection may create it again: if it is moved or
        // deleted under the running service, a new connection would start an empty
        // database at the path, and what is written through it would be lost once the
        // file is back.
        if file_in_place { opts.create_if_missing(false) } else { opts }
    });
    Database::connect(options).await
}

/// Creates the directory of a SQLite file at a plain path and, if the URL asks for it
/// (`mode=rwc`), the file itself: an empty file is an empty SQLite database. Tells whether the
/// file is there now; `false` also for in-memory databases and `file:` URIs, which are left to
/// SQLite.
fn ensure_sqlite_file(url: &str) -> Result<bool, DbErr> {
    let mut parts = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:").split('?');
    let path = parts.next().unwrap_or_default();
    let create = parts.next().is_some_and(|query| query.split('&').any(|p| p == "mode=rwc"));
    if path.is_empty() || path == ":memory:" || path.starts_with("file:") {
        return Ok(false);
    }
    let path = std::path::Path::new(path);
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    if create && !path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", path.display())))?;
    }
    Ok(path.is_file())
}

/// Applies every pending migration.
///
/// # Errors
/// A migration fails; the database is left at the last migration that succeeded.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Ready means: the database answers, no migration is pending, and a SQLite database is still
/// the file at its path.
///
/// # Errors
/// Says which fails.
pub async fn check_ready(db: &DatabaseConnection) -> Result<(), String> {
    db.execute_unprepared("SELECT 1").await.map_err(|e| format!("database unreachable: {e}"))?;
    // Open connections keep reading and writing a SQLite file that was moved or deleted; what
    // they write then is lost to the next start. Only the path tells.
    if let Some(path) = sqlite_file(db).await.map_err(|e| format!("database unreachable: {e}"))?
        && !std::path::Path::new(&path).is_file()
    {
        return Err("the SQLite database file is no longer at its path".to_owned());
    }
    let pending = Migrator::get_pending_migrations(db)
        .await
        .map_err(|e| format!("cannot read migration state: {e}"))?;
    if pending.is_empty() { Ok(()) } else { Err(format!("{} migration(s) pending", pending.len())) }
}

/// The file of a SQLite database; `None` on PostgreSQL and for an in-memory database.
///
/// # Errors
/// Database errors.
pub async fn sqlite_file(db: &impl ConnectionTrait) -> Result<Option<String>, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    Ok(row.and_then(|r| r.try_get::<String>("", "file").ok()).filter(|f| !f.is_empty()))
}

/// Begins a transaction that only reads and sees one state of the database throughout: on
/// PostgreSQL `REPEATABLE READ READ ONLY`; on SQLite a deferred transaction, whose first read
/// fixes what it sees (WAL mode). Whatever is decided on several reads needs this, or a change
/// committed between two of them is half seen.
///
/// # Errors
/// The connection fails.
pub async fn read_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await
    } else {
        db.begin().await
    }
}

/// Begins the transaction of a use case that writes. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot wait
/// for a concurrent writer and fails with "database is locked", whereas an immediate one
/// queues behind it for up to the busy timeout. PostgreSQL ignores the mode.
///
/// On a SQLite file the transaction begins on the writers' thread, wherever it goes on: the
/// writers' connection is opened there when needed, and so its own thread keeps to the writers'
/// core (see [`keep_to_one_core`]).
///
/// # Errors
/// The connection fails, or the lock is not granted within the busy timeout.
pub async fn write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    match sqlite_writer(db) {
        Some(writer) => {
            on_writer_thread(db, async move { writer.begin_with_options(options).await })
                .await
                .map_err(|e| DbErr::Custom(format!("the writers' thread failed: {e}")))?
        }
        None => db.begin_with_options(options).await,
    }
}

/// Runs `work`, a use case's write transaction, on a thread of its own when `db` is SQLite.
/// The transaction holds the file's only write lock; on the async workers, every statement it
/// awaits would put it back in line behind all the requests being served, and under load the
/// lock would be held for a hundred milliseconds where the work takes ten. On its own thread
/// it goes on as soon as each statement answers. On PostgreSQL, whose writers of different
/// organisations do not wait for each other, it runs where it is.
///
/// # Errors
/// The work panicked.
pub async fn on_writer_thread<F>(
    db: &DatabaseConnection,
    work: F,
) -> Result<F::Output, tokio::task::JoinError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match WRITER_THREAD.as_ref() {
        Some(writer) if db.get_database_backend() == DbBackend::Sqlite => {
            writer.spawn(work.in_current_span()).await
        }
        _ => Ok(work.await),
    }
}

/// The SQLite file whose writers queue on the writers' thread, if `db` is one and that thread
/// runs: writes to it may share a transaction there (see `services::booking`). `None` on
/// PostgreSQL and in memory.
#[must_use]
pub fn shared_writers_file(db: &DatabaseConnection) -> Option<PathBuf> {
    WRITER_THREAD.as_ref()?;
    sqlite_file_on_disk(db)
}

/// Starts `work` on the writers' thread, if it runs, and otherwise on the caller's runtime.
pub fn spawn_on_the_writers_thread<F>(work: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    match WRITER_THREAD.as_ref() {
        Some(writer) => drop(writer.spawn(work)),
        None => drop(tokio::spawn(work)),
    }
}

/// Whether the calling code runs on the writers' thread (see [`on_writer_thread`]).
#[must_use]
pub fn is_the_writers_thread() -> bool {
    IS_WRITERS_THREAD.get()
}

thread_local! {
    static IS_WRITERS_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The writers' thread, with a runtime of its own; `None` if the thread could not be started,
/// and writers then run on the async workers.
static WRITER_THREAD: LazyLock<Option<tokio::runtime::Handle>> = LazyLock::new(|| {
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    let started =
        std::thread::Builder::new().name("sprachpool-writer".to_owned()).spawn(move || {
            IS_WRITERS_THREAD.set(true);
            keep_to_one_core();
            take_turns_without_preempting();
            match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => {
                    let _ = handle_tx.send(Some(runtime.handle().clone()));
                    runtime.block_on(std::future::pending::<()>());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "no runtime for the writers' thread");
                    let _ = handle_tx.send(None);
                }
            }
        });
    match started {
        Ok(_) => handle_rx.recv().ok().flatten(),
        Err(e) => {
            tracing::warn!(error = %e, "no writers' thread");
            None
        }
    }
});

/// Keeps the calling thread, and the threads it starts from now on, on one processor core:
/// the last one it may run on. The writers' thread hands every statement to the thread sqlx
/// runs its SQLite connection on and waits for the answer; that connection is opened from the
/// writers' thread, so its thread inherits the core. A hand-off between two threads on one
/// core is a plain switch, whereas waking a thread on another core, idle or busy, costs an
/// interrupt between cores, on a virtual machine many times more; the writers hold the one
/// write lock through all of their hand-offs. Where the core cannot be chosen, the threads run
/// where the operating system puts them.
fn keep_to_one_core() {
    #[cfg(target_os = "linux")]
    {
        use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};
        let chosen = sched_getaffinity(None).ok().and_then(|allowed| {
            let last = (0..CpuSet::MAX_CPU).rev().find(|&cpu| allowed.is_set(cpu))?;
            let mut one = CpuSet::new();
            one.set(last);
            Some(one)
        });
        if let Some(one) = chosen
            && let Err(e) = sched_setaffinity(None, &one)
        {
            tracing::debug!(error = %e, "the writers' thread runs on any core");
        }
    }
}

/// Puts the calling thread, and the threads it starts from now on, under `SCHED_BATCH`: a thread
/// of this policy that is woken does not take the core from the one running there, but waits
/// until that one waits or its time slice ends. On their shared core the writers' thread and
/// its connection's thread wake each other for every statement and every row; woken the
/// ordinary way, each took the core at once from the other, which still had the rest of a
/// result to send or the next statement to hand over, and the two switched about twice as
/// often as under this policy. Their nice value is set to 0, the default; the service's other
/// threads still preempt them as before. Linux only; elsewhere, or if the system refuses, the
/// policy stays as it is.
fn take_turns_without_preempting() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::{
            NormalThreadSchedulePolicy, ThreadPriority, ThreadPriorityOsValue,
            ThreadSchedulePolicy, set_thread_priority_and_policy, thread_native_id,
        };
        if let Err(e) = set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Os(ThreadPriorityOsValue::default()),
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch),
        ) {
            tracing::debug!(error = %e, "the writers' thread keeps the ordinary scheduling");
        }
    }
}

/// How long a write waits for its turn, as SQLite's busy timeout.
const WRITE_WAIT: Duration = Duration::from_secs(10);

/// The writers of this process to each SQLite file: one pool of a single connection per file.
static SQLITE_WRITERS: LazyLock<Mutex<HashMap<PathBuf, DatabaseConnection>>> =
    LazyLock::new(Mutex::default);

/// The connection that write transactions on `db`'s SQLite file take, in the order they ask.
/// SQLite lets one writer in at a time, and a writer it turns away retries after sleeping up to
/// 100 ms, so with many writers the lock stands idle while they sleep and an unlucky one waits
/// for seconds. Queued on one connection, each waits only for those before it; processes that
/// share the file still meet at SQLite's lock. `None` on PostgreSQL and in memory.
fn sqlite_writer(db: &DatabaseConnection) -> Option<DatabaseConnection> {
    let file = sqlite_file_on_disk(db)?;
    let options = db.get_sqlite_connection_pool().connect_options();
    // The pool's upkeep (closing an idle connection) runs on the writers' thread, which lives
    // as long as the process, not on whatever runtime asked first.
    let _upkeep = WRITER_THREAD.as_ref().map(tokio::runtime::Handle::enter);
    let mut writers = SQLITE_WRITERS.lock().unwrap_or_else(PoisonError::into_inner);
    let writer = writers.entry(file).or_insert_with(|| {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(WRITE_WAIT)
            .test_before_acquire(false)
            // Closes the connection of a file no longer written to, as a test's.
            .idle_timeout(Duration::from_secs(30))
            .connect_lazy_with((*options).clone());
        SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
    });
    Some(writer.clone())
}

/// The file of a SQLite database that is not in memory and not a `file:` URI, whose writers
/// this process therefore queues on one connection.
fn sqlite_file_on_disk(db: &DatabaseConnection) -> Option<PathBuf> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let options = db.get_sqlite_connection_pool().connect_options();
    let file = options.get_filename();
    if file.as_os_str() == ":memory:" || file.to_string_lossy().starts_with("file:") {
        return None;
    }
    Some(file.to_owned())
}

/// After an erasure: copies the SQLite WAL into the database file and truncates it, so that the
/// frames that held the erased rows are gone from the disk, not only superseded. A reader still
/// in the WAL keeps it from being truncated: then it is tried again a few times, and at worst
/// the next erasure's checkpoint, or SQLite's own, removes the frames. The erasure itself is
/// committed before, so nothing here fails it; what does not work out is logged. Does nothing
/// on PostgreSQL, whose dead rows stay in their pages until a vacuum reuses them (see the
/// README).
pub async fn purge_erased(db: &DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    for attempt in 0..5u32 {
        let sql = "PRAGMA wal_checkpoint(TRUNCATE)";
        match db.query_one_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, sql)).await {
            Ok(Some(row)) if row.try_get_by_index::<i32>(0).is_ok_and(|busy| busy == 0) => return,
            Ok(_) => tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt + 1))).await,
            Err(e) => {
                tracing::warn!(error = %e, "truncating the WAL after an erasure failed");
                return;
            }
        }
    }
    tracing::warn!("the WAL could not be truncated after an erasure: readers kept it busy");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;

    /// A fresh SQLite database `name` in a directory of its own, as the service opens it.
    async fn scratch(name: &str) -> (tempfile::TempDir, DatabaseConnection, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let settings = Settings { database_url: DatabaseUrl::new(url), ..Settings::default() };
        (dir, connect(&settings).await.unwrap(), file)
    }

    /// The writers' thread and the thread of the connection it writes through keep to one core
    /// and are batch threads: the connection's thread is started from the writers' thread, even
    /// when the first write comes from elsewhere.
    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_writers_connection_keeps_to_the_writers_core_as_a_batch_thread() {
        use rustix::thread::{CpuSet, Pid, sched_getaffinity};
        let allowed = sched_getaffinity(None).unwrap();
        if (0..CpuSet::MAX_CPU).filter(|&cpu| allowed.is_set(cpu)).count() < 2 {
            return; // one core: nothing to choose
        }
        /// Each thread of this process: its id, name, the cores it may run on and its
        /// scheduling policy (field 41 of its `stat`, the 39th after the name in parentheses).
        fn threads() -> Vec<(i32, String, Vec<usize>, u32)> {
            let mut found = Vec::new();
            for entry in std::fs::read_dir("/proc/self/task").unwrap() {
                let path = entry.unwrap().path();
                let tid: i32 = path.file_name().unwrap().to_str().unwrap().parse().unwrap();
                let Ok(name) = std::fs::read_to_string(path.join("comm")) else { continue };
                let Ok(cores) = sched_getaffinity(Pid::from_raw(tid)) else { continue };
                let cores = (0..CpuSet::MAX_CPU).filter(|&cpu| cores.is_set(cpu)).collect();
                let Ok(stat) = std::fs::read_to_string(path.join("stat")) else { continue };
                let after_name = stat.rsplit_once(')').unwrap().1;
                let policy = after_name.split_whitespace().nth(38).unwrap().parse().unwrap();
                found.push((tid, name.trim().to_owned(), cores, policy));
            }
            found
        }
        let (_dir, db, _) = scratch("core.db").await;
        let before: Vec<i32> = threads().into_iter().map(|(tid, ..)| tid).collect();
        // The first write to the file, from a test's worker: its connection is opened now.
        let txn = write(&db).await.unwrap();
        txn.execute_unprepared("CREATE TABLE t (n INTEGER)").await.unwrap();
        txn.commit().await.unwrap();

        let now = threads();
        // The kernel keeps 15 bytes of a thread's name.
        let writer = now.iter().find(|(_, name, ..)| name == "sprachpool-writ").unwrap();
        assert_eq!(writer.2.len(), 1, "the writers' thread may run on {:?}", writer.2);
        assert!(allowed.is_set(writer.2[0]));
        const SCHED_BATCH: u32 = 3;
        assert_eq!(writer.3, SCHED_BATCH, "the writers' thread is not a batch thread");
        let opened: Vec<_> = now
            .iter()
            .filter(|(tid, name, ..)| name.starts_with("sqlx-sqlite") && !before.contains(tid))
            .collect();
        assert!(
            opened.iter().any(|(_, _, cores, policy)| *cores == writer.2 && *policy == SCHED_BATCH),
            "no connection opened for the write keeps to core {:?} as a batch thread: {opened:?}",
            writer.2
        );
    }

    /// Writers waiting for the SQLite file's lock get it in the order they asked, however long
    /// the one holding it takes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_writers_take_turns_in_the_order_they_came() {
        let (_dir, db, _) = scratch("queue.db").await;
        db.execute_unprepared("CREATE TABLE turn (n INTEGER NOT NULL)").await.unwrap();

        let first = write(&db).await.unwrap();
        let mut waiting = Vec::new();
        for n in 1..=6 {
            let db = db.clone();
            waiting.push(tokio::spawn(async move {
                let txn = write(&db).await.unwrap();
                txn.execute_unprepared(&format!("INSERT INTO turn (n) VALUES ({n})"))
                    .await
                    .unwrap();
                txn.commit().await.unwrap();
            }));
            // Long enough for the writer to be waiting before the next one asks.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Longer than SQLite's longest sleep between retries.
        tokio::time::sleep(Duration::from_millis(250)).await;
        first.commit().await.unwrap();
        for task in waiting {
            task.await.unwrap();
        }
        let order: Vec<i64> = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT n FROM turn ORDER BY rowid",
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<i64>("", "n").unwrap())
            .collect();
        assert_eq!(order, vec![1, 2, 3, 4, 5, 6]);
    }

    #[tokio::test]
    async fn a_sqlite_file_moved_away_is_not_replaced_by_an_empty_one() {
        let (dir, db, file) = scratch("moved.db").await;
        db.execute_unprepared("CREATE TABLE kept (n INTEGER NOT NULL)").await.unwrap();

        // The file goes away before the writers' first connection is opened.
        let away = dir.path().join("moved.away");
        std::fs::rename(&file, &away).unwrap();
        assert!(write(&db).await.is_err(), "a new connection opened a database at the path");
        assert!(!file.exists(), "an empty database took the file's place");

        // Back at its path, it is written to again, and what was in it is still there.
        std::fs::rename(&away, &file).unwrap();
        let txn = write(&db).await.unwrap();
        txn.execute_unprepared("INSERT INTO kept (n) VALUES (1)").await.unwrap();
        txn.commit().await.unwrap();
        let kept = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT COUNT(*) AS n FROM kept",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(kept, 1);
    }
}
