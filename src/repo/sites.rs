//! Sites (Standorte) of an organisation.

use entities::site;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::repo::First;

/// Every site of the organisation, by name.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<site::Model>, DbErr> {
    site::Entity::find()
        .filter(site::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(site::Column::Name)
        .all(db)
        .await
}

/// One site by id.
///
/// # Errors
/// Database errors.
pub async fn get(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    id: i64,
) -> Result<Option<site::Model>, DbErr> {
    site::Entity::find_by_id(id)
        .filter(site::Column::OrganisationId.eq(organisation_id))
        .first(db)
        .await
}

/// One site by its code (`mitte`, `hamborn`, …).
///
/// # Errors
/// Database errors.
pub async fn by_code(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    code: &str,
) -> Result<Option<site::Model>, DbErr> {
    site::Entity::find()
        .filter(site::Column::OrganisationId.eq(organisation_id))
        .filter(site::Column::Code.eq(code))
        .first(db)
        .await
}

/// The organisation's travel times between sites.
///
/// # Errors
/// Database errors.
pub async fn travel(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<entities::site_travel::Model>, DbErr> {
    entities::site_travel::Entity::find()
        .filter(entities::site_travel::Column::OrganisationId.eq(organisation_id))
        .all(db)
        .await
}
