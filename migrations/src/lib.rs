//! Schema migrations of sprachpool. The migrations are the only authority over the schema: the
//! service, the tests and the CLI all build their database by running them, never by syncing
//! entities.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_accounts;
mod m20261122_000002_pool;
mod m20261122_000003_clients_referrals;
mod m20261122_000004_booking;
mod m20261123_000005_planning_guard;
mod m20261123_000006_site_travel;
mod m20261128_000007_appointment_timing;
mod m20261128_000008_report_measures;
mod m20261128_000009_calendar_feed;
mod m20261128_000010_notification_settings;
mod m20261128_000011_client_erasure;
mod m20261128_000012_caseworker_index;
mod m20261128_000013_assignment_period;
mod m20261128_000014_pool_stamp;
mod m20261129_000015_work_stamp;
mod m20261207_000016_throttle_digests;
mod m20261207_000017_client_caseworker;
mod m20261208_000018_drop_stamps;
mod util;

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_accounts::Migration),
            Box::new(m20261122_000002_pool::Migration),
            Box::new(m20261122_000003_clients_referrals::Migration),
            Box::new(m20261122_000004_booking::Migration),
            Box::new(m20261123_000005_planning_guard::Migration),
            Box::new(m20261123_000006_site_travel::Migration),
            Box::new(m20261128_000007_appointment_timing::Migration),
            Box::new(m20261128_000008_report_measures::Migration),
            Box::new(m20261128_000009_calendar_feed::Migration),
            Box::new(m20261128_000010_notification_settings::Migration),
            Box::new(m20261128_000011_client_erasure::Migration),
            Box::new(m20261128_000012_caseworker_index::Migration),
            Box::new(m20261128_000013_assignment_period::Migration),
            Box::new(m20261128_000014_pool_stamp::Migration),
            Box::new(m20261129_000015_work_stamp::Migration),
            Box::new(m20261207_000016_throttle_digests::Migration),
            Box::new(m20261207_000017_client_caseworker::Migration),
            Box::new(m20261208_000018_drop_stamps::Migration),
        ]
    }
}
