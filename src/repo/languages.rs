//! The organisation's language list.

use entities::language;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::repo::First;

/// The whole list, by tag.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<language::Model>, DbErr> {
    language::Entity::find()
        .filter(language::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(language::Column::Tag)
        .all(db)
        .await
}

/// One language by its canonical tag.
///
/// # Errors
/// Database errors.
pub async fn by_tag(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    tag: &str,
) -> Result<Option<language::Model>, DbErr> {
    language::Entity::find()
        .filter(language::Column::OrganisationId.eq(organisation_id))
        .filter(language::Column::Tag.eq(tag))
        .first(db)
        .await
}

/// The language itself, its macrolanguage (fallback) and its varieties (languages that fall
/// back to it): everyone who speaks one of them is worth listing for it.
///
/// # Errors
/// Database errors.
pub async fn related_ids(
    db: &impl ConnectionTrait,
    language: &language::Model,
) -> Result<Vec<i64>, DbErr> {
    let mut ids = vec![language.id];
    ids.extend(language.fallback_id);
    ids.extend(
        language::Entity::find()
            .filter(language::Column::OrganisationId.eq(language.organisation_id))
            .filter(language::Column::FallbackId.eq(language.id))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.id),
    );
    Ok(ids)
}
