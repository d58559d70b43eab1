//! The organisation's volunteer pool as planning reads it, kept in memory while the pool's
//! stamp (migration `pool_stamp`) is the one it was read at. A booking plans while it holds
//! the write lock, which every other writer waits for: reading one row there instead of the
//! several hundred of the pool's profiles, languages, windows and absences shortens it.
//!
//! The stamp is read in the caller's transaction, so the pool used is the one that transaction
//! sees; an instance that changed nothing learns of another's change by the stamp. A pool read
//! anew is kept only if the stamp is still the same after reading it: on PostgreSQL a writer's
//! statements each see the latest commits, and a change committed between the reads would
//! otherwise be kept under the stamp from before it.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use entities::{
    absence, availability_rule, interpreter, interpreter_language, language, site, site_travel,
};
use sea_orm::{ConnectionTrait, DbErr};

use crate::repo;

/// What planning reads of an organisation's pool, in the order of the queries that read it.
#[derive(Debug)]
pub struct Pool {
    stamp: i64,
    /// Absences that ended by then are left out.
    since: DateTime<Utc>,
    pub sites: Vec<site::Model>,
    pub travel: Vec<site_travel::Model>,
    pub languages: Vec<language::Model>,
    /// The active profiles, by id.
    pub interpreters: Vec<interpreter::Model>,
    /// Their languages, by id.
    pub skills: Vec<interpreter_language::Model>,
    /// Their weekly windows.
    pub availability: Vec<availability_rule::Model>,
    /// Their absences that end after `since`, by start.
    pub absences: Vec<absence::Model>,
}

/// A database (see [`repo::pool::stamp`]) and an organisation in it.
type PoolKey = (String, i64);

/// The pool last read per database and organisation.
static POOLS: LazyLock<Mutex<HashMap<PoolKey, Arc<Pool>>>> = LazyLock::new(Mutex::default);

/// How far back absences are kept when the pool is read: planning looks at whole weeks from
/// the one of its first appointment, which lies ahead, so a week before the one asked for
/// spares a new read for every booking of the week.
const ABSENCES_BACK: chrono::Duration = chrono::Duration::weeks(1);

/// The organisation's pool as `db` sees it, with every absence that ends after `since`.
///
/// # Errors
/// Database errors.
pub async fn current(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    since: DateTime<Utc>,
) -> Result<Arc<Pool>, DbErr> {
    let (stamp, origin) = repo::pool::stamp(db).await?;
    let key = (origin, organisation_id);
    let kept = POOLS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        .filter(|pool| pool.stamp == stamp && pool.since <= since)
        .cloned();
    if let Some(pool) = kept {
        return Ok(pool);
    }
    let pool = Arc::new(read(db, organisation_id, stamp, since - ABSENCES_BACK).await?);
    if repo::pool::stamp(db).await?.0 == stamp {
        POOLS.lock().unwrap_or_else(PoisonError::into_inner).insert(key, pool.clone());
    }
    Ok(pool)
}

async fn read(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    stamp: i64,
    since: DateTime<Utc>,
) -> Result<Pool, DbErr> {
    let interpreters = repo::interpreters::active(db, organisation_id).await?;
    let ids: Vec<i64> = interpreters.iter().map(|i| i.id).collect();
    Ok(Pool {
        stamp,
        since,
        sites: repo::sites::list(db, organisation_id).await?,
        travel: repo::sites::travel(db, organisation_id).await?,
        languages: repo::languages::list(db, organisation_id).await?,
        skills: repo::interpreters::skills_of(db, &ids).await?,
        availability: repo::interpreters::availability_of(db, &ids).await?,
        absences: repo::interpreters::absences_of(db, &ids, Some(since)).await?,
        interpreters,
    })
}
