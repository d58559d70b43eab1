//! Organisations: Jobcenters and other partners sharing one deployment.

use entities::organisation;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use crate::repo::First;

/// One organisation.
///
/// # Errors
/// Database errors.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<organisation::Model>, DbErr> {
    organisation::Entity::find_by_id(id).first(db).await
}

/// How many organisations exist; zero means a fresh database.
///
/// # Errors
/// Database errors.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    organisation::Entity::find().count(db).await
}

/// The organisation with this slug.
///
/// # Errors
/// Database errors.
pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<organisation::Model>, DbErr> {
    organisation::Entity::find().filter(organisation::Column::Slug.eq(slug)).first(db).await
}

/// Ids of every organisation.
///
/// # Errors
/// Database errors.
pub async fn ids(db: &impl ConnectionTrait) -> Result<Vec<i64>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .order_by_asc(organisation::Column::Id)
        .into_tuple()
        .all(db)
        .await
}
