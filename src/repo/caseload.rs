//! Who serves a client: a caseworker who booked for them or referred them (their own name
//! stands on the appointment or the referral), or one the client was handed over to
//! (`client_caseworker`). Several caseworkers may serve one client.

use chrono::{DateTime, Utc};
use entities::{appointment, client_caseworker, course_referral, recognition_referral};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::repo::First;

/// Whether `user_id` serves the client.
///
/// # Errors
/// Database errors.
pub async fn serves(
    db: &impl ConnectionTrait,
    client_id: i64,
    user_id: i64,
) -> Result<bool, DbErr> {
    Ok(client_caseworker::Entity::find_by_id((client_id, user_id)).first(db).await?.is_some()
        || appointment::Entity::find()
            .filter(appointment::Column::ClientId.eq(client_id))
            .filter(appointment::Column::CaseworkerId.eq(user_id))
            .first(db)
            .await?
            .is_some()
        || course_referral::Entity::find()
            .filter(course_referral::Column::ClientId.eq(client_id))
            .filter(course_referral::Column::CaseworkerId.eq(user_id))
            .first(db)
            .await?
            .is_some()
        || recognition_referral::Entity::find()
            .filter(recognition_referral::Column::ClientId.eq(client_id))
            .filter(recognition_referral::Column::CaseworkerId.eq(user_id))
            .first(db)
            .await?
            .is_some())
}

/// Every client `user_id` serves in the organisation, sorted.
///
/// # Errors
/// Database errors.
pub async fn clients_of(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    user_id: i64,
) -> Result<Vec<i64>, DbErr> {
    let mut clients: Vec<i64> = client_caseworker::Entity::find()
        .select_only()
        .column(client_caseworker::Column::ClientId)
        .filter(client_caseworker::Column::OrganisationId.eq(organisation_id))
        .filter(client_caseworker::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    clients.extend(
        appointment::Entity::find()
            .select_only()
            .column(appointment::Column::ClientId)
            .filter(appointment::Column::OrganisationId.eq(organisation_id))
            .filter(appointment::Column::CaseworkerId.eq(user_id))
            .into_tuple::<i64>()
            .all(db)
            .await?,
    );
    clients.extend(
        course_referral::Entity::find()
            .select_only()
            .column(course_referral::Column::ClientId)
            .filter(course_referral::Column::OrganisationId.eq(organisation_id))
            .filter(course_referral::Column::CaseworkerId.eq(user_id))
            .into_tuple::<i64>()
            .all(db)
            .await?,
    );
    clients.extend(
        recognition_referral::Entity::find()
            .select_only()
            .column(recognition_referral::Column::ClientId)
            .filter(recognition_referral::Column::OrganisationId.eq(organisation_id))
            .filter(recognition_referral::Column::CaseworkerId.eq(user_id))
            .into_tuple::<i64>()
            .all(db)
            .await?,
    );
    clients.sort_unstable();
    clients.dedup();
    Ok(clients)
}

/// Records that `clients` were handed over to `user_id`; those already are stay as they were.
///
/// # Errors
/// Database errors.
pub async fn hand_over(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    clients: &[i64],
    user_id: i64,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    if clients.is_empty() {
        return Ok(());
    }
    client_caseworker::Entity::insert_many(clients.iter().map(|&client_id| {
        client_caseworker::ActiveModel {
            client_id: Set(client_id),
            user_id: Set(user_id),
            organisation_id: Set(organisation_id),
            handed_over_at: Set(at),
        }
    }))
    .on_conflict(
        OnConflict::columns([
            client_caseworker::Column::ClientId,
            client_caseworker::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Ends the handovers of `clients` to `user_id`: they handed the clients on.
///
/// # Errors
/// Database errors.
pub async fn give_up(
    db: &impl ConnectionTrait,
    clients: &[i64],
    user_id: i64,
) -> Result<(), DbErr> {
    client_caseworker::Entity::delete_many()
        .filter(client_caseworker::Column::UserId.eq(user_id))
        .filter(client_caseworker::Column::ClientId.is_in(clients.iter().copied()))
        .exec(db)
        .await
        .map(|_| ())
}
