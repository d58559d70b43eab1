//! The work already taken (live assignments with their appointments' time, place and mode)
//! that a booking's planning reads, kept in memory for a SQLite file's bookings while the
//! work's stamp (migration `work_stamp`) is the one it was kept at.
//!
//! On a SQLite file every booking plans under the one write lock, and reading the work of the
//! volunteers who could take it, week by week, was about a fifth of the time a booking holds
//! the lock. Bookings are written one group after the other on the writers' thread; each group
//! takes the work kept after the one before, if the stamp its transaction reads is the one kept,
//! reads, in one query, the volunteers' weeks it holds no work of yet, adds its own proposals
//! to it, and keeps it with the stamp its transaction leaves behind once it has committed. Any
//! other change to an assignment, an appointment added or deleted, or one given another place
//! or mode renews the stamp in the database — a decline, a confirmation, a planning run,
//! another instance on the same file, a change by hand — and the next group reads the work
//! anew. A group that fails keeps nothing.
//!
//! Only bookings on a SQLite file written on the writers' thread use it: they write nothing of
//! the work but their own proposals. Everything else reads work from the database each time.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex, PoisonError};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr};

use crate::domain::booking::LONGEST_APPOINTMENT;
use crate::domain::time::{BERLIN, start_of_local_day};
use crate::repo::booking::LiveWork;

/// A volunteer and the Monday of a week (local time): the work of a volunteer is read and kept
/// a week at a time, by the start of each appointment.
type VolunteerWeek = (i64, NaiveDate);

/// Work kept at a stamp of the database.
#[derive(Debug, Default)]
struct Kept {
    stamp: i64,
    /// The volunteers' weeks whose work has been read.
    read: HashSet<VolunteerWeek>,
    /// Their live work, by volunteer and the week it starts in.
    work: HashMap<VolunteerWeek, Vec<LiveWork>>,
}

/// Volunteers' weeks kept at most; a longer-lived stamp starts again empty rather than grow
/// without end (250 volunteers for a year ahead are about 13,000).
const MOST_WEEKS_KEPT: usize = 50_000;

/// A SQLite file and an organisation in it.
type Key = (String, i64);

/// The work kept after the last group of bookings, per file and organisation.
static KEPT: LazyLock<Mutex<HashMap<Key, Kept>>> = LazyLock::new(Mutex::default);

/// The work one booking transaction has taken, by organisation: taken out of [`KEPT`] when
/// the transaction first reads work, and put back only by [`Committed::keep`] once the
/// transaction has committed.
#[derive(Debug, Default)]
pub struct Taken(HashMap<i64, (String, Kept)>);

impl Taken {
    /// The live work of `volunteers` whose appointments overlap `[from, to)`, by assignment,
    /// as [`crate::repo::booking::live_work_between`] reads it in this transaction.
    ///
    /// # Errors
    /// Database errors.
    pub async fn live_between(
        &mut self,
        db: &impl ConnectionTrait,
        organisation_id: i64,
        volunteers: &[i64],
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<LiveWork>, DbErr> {
        if volunteers.is_empty() {
            return Ok(Vec::new());
        }
        if !usable(db) {
            return crate::repo::booking::live_work_between(
                db,
                organisation_id,
                volunteers,
                from,
                to,
            )
            .await;
        }
        let kept = match self.0.entry(organisation_id) {
            std::collections::hash_map::Entry::Occupied(taken) => &mut taken.into_mut().1,
            std::collections::hash_map::Entry::Vacant(first) => {
                let (stamp, file) = crate::repo::pool::work_stamp(db).await?;
                let kept = KEPT
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&(file.clone(), organisation_id))
                    .filter(|kept| kept.stamp == stamp && kept.read.len() <= MOST_WEEKS_KEPT)
                    .unwrap_or(Kept { stamp, ..Kept::default() });
                &mut first.insert((file, kept)).1
            }
        };

        // Work that starts up to the longest an appointment lasts before `from` may reach
        // into it.
        let weeks = weeks_of(from - LONGEST_APPOINTMENT, to);
        let unread: Vec<VolunteerWeek> = volunteers
            .iter()
            .flat_map(|&v| weeks.iter().map(move |&week| (v, week)))
            .filter(|at| !kept.read.contains(at))
            .collect();
        let unread_weeks = unread.iter().map(|&(_, week)| week);
        if let (Some(first), Some(last)) = (unread_weeks.clone().min(), unread_weeks.max()) {
            let mut who: Vec<i64> = unread.iter().map(|&(v, _)| v).collect();
            who.sort_unstable();
            who.dedup();
            let read = crate::repo::booking::live_work_starting_in(
                db,
                organisation_id,
                &who,
                start_of_local_day(first, BERLIN),
                start_of_local_day(last + Duration::days(7), BERLIN),
            )
            .await?;
            // Only the weeks not read before take what was read: the others hold it already,
            // this transaction's own proposals among it.
            kept.read.extend(unread.iter().copied());
            let fresh: HashSet<VolunteerWeek> = unread.into_iter().collect();
            for work in read {
                let at = (work.interpreter_id, week_of(work.starts_at));
                if fresh.contains(&at) {
                    kept.work.entry(at).or_default().push(work);
                }
            }
        }

        let mut live: Vec<LiveWork> = volunteers
            .iter()
            .flat_map(|&v| weeks.iter().map(move |&week| (v, week)))
            .filter_map(|at| kept.work.get(&at))
            .flatten()
            .filter(|w| {
                w.starts_at < to && w.starts_at > from - LONGEST_APPOINTMENT && w.ends_at > from
            })
            .cloned()
            .collect();
        live.sort_unstable_by_key(|w| w.id);
        Ok(live)
    }

    /// Adds a proposal this transaction wrote to the work it took, where that volunteer's week
    /// has been read; a week not read yet holds it when it is.
    pub fn proposed(&mut self, organisation_id: i64, work: LiveWork) {
        if let Some((_, kept)) = self.0.get_mut(&organisation_id) {
            let at = (work.interpreter_id, week_of(work.starts_at));
            if kept.read.contains(&at) {
                kept.work.entry(at).or_default().push(work);
            }
        }
    }

    /// Reads the stamp the transaction leaves behind, to be kept with the work once the
    /// transaction has committed ([`Committed::keep`]). Nothing is kept if the transaction is
    /// not committed.
    ///
    /// # Errors
    /// Database errors.
    pub async fn before_commit(self, txn: &DatabaseTransaction) -> Result<Committed, DbErr> {
        if self.0.is_empty() {
            return Ok(Committed(Vec::new()));
        }
        let (stamp, _) = crate::repo::pool::work_stamp(txn).await?;
        Ok(Committed(
            self.0
                .into_iter()
                .map(|(organisation_id, (file, kept))| {
                    ((file, organisation_id), Kept { stamp, ..kept })
                })
                .collect(),
        ))
    }
}

/// Work to keep once its transaction has committed.
#[must_use = "kept only once the transaction has committed"]
#[derive(Debug)]
pub struct Committed(Vec<(Key, Kept)>);

impl Committed {
    /// Keeps the work for the next group of bookings.
    pub fn keep(self) {
        if self.0.is_empty() {
            return;
        }
        let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
        kept.extend(self.0);
    }
}

/// Whether work read through `db` may be kept: a SQLite file's write transaction on the
/// writers' thread, where the stamp is.
fn usable(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Sqlite && crate::db::is_the_writers_thread()
}

/// The Monday (local time) of the week `at` falls in.
fn week_of(at: DateTime<Utc>) -> NaiveDate {
    let day = at.with_timezone(&BERLIN).date_naive();
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The Mondays of the weeks from the one of `from` to the one of `to`'s last instant.
fn weeks_of(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    let last = week_of(to - Duration::nanoseconds(1));
    std::iter::successors(Some(week_of(from)), |week| Some(*week + Duration::days(7)))
        .take_while(|week| *week <= last)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn monday(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_week_begins_on_monday_at_midnight_in_berlin() {
        // Sunday 23:30 UTC is Monday 00:30 in Berlin in winter.
        assert_eq!(week_of(at("2027-02-07T23:30:00Z")), monday("2027-02-08"));
        assert_eq!(week_of(at("2027-02-07T22:59:59Z")), monday("2027-02-01"));
        // Summer time: Monday begins at 22:00 UTC on Sunday.
        assert_eq!(week_of(at("2027-06-06T22:00:00Z")), monday("2027-06-07"));
    }

    #[test]
    fn the_weeks_of_a_period_run_to_the_week_of_its_last_instant() {
        let from = at("2027-02-07T23:00:00Z"); // Monday 8 February, midnight in Berlin
        let to = at("2027-02-14T23:00:00Z"); // the Monday after, midnight
        assert_eq!(weeks_of(from, to), vec![monday("2027-02-08")]);
        assert_eq!(
            weeks_of(from - LONGEST_APPOINTMENT, to),
            vec![monday("2027-02-01"), monday("2027-02-08")]
        );
        assert_eq!(weeks_of(from, to + Duration::weeks(2)).len(), 3);
    }
}
