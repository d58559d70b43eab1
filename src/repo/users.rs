//! User accounts and their roles.

use std::collections::HashMap;

use entities::{app_user, user_role};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::Role;
use crate::repo::First;

/// The account with this (already normalised) username, in any organisation: usernames are
/// unique across the deployment because login does not ask for the organisation.
///
/// # Errors
/// Database errors.
pub async fn by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<app_user::Model>, DbErr> {
    app_user::Entity::find().filter(app_user::Column::Username.eq(username)).first(db).await
}

/// One account of the organisation.
///
/// # Errors
/// Database errors.
pub async fn get(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    id: i64,
) -> Result<Option<app_user::Model>, DbErr> {
    app_user::Entity::find_by_id(id)
        .filter(app_user::Column::OrganisationId.eq(organisation_id))
        .first(db)
        .await
}

/// Every account of the organisation, by display name.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<app_user::Model>, DbErr> {
    app_user::Entity::find()
        .filter(app_user::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(app_user::Column::DisplayName)
        .all(db)
        .await
}

/// The roles of one user, in their canonical order.
///
/// # Errors
/// Database errors.
pub async fn roles(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<Role>, DbErr> {
    Ok(roles_of(db, &[user_id]).await?.remove(&user_id).unwrap_or_default())
}

/// The roles of several users in one query.
///
/// # Errors
/// Database errors.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
) -> Result<HashMap<i64, Vec<Role>>, DbErr> {
    let rows = user_role::Entity::find()
        .filter(user_role::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await?;
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    for row in rows {
        names.entry(row.user_id).or_default().push(row.role);
    }
    Ok(names.into_iter().map(|(user, names)| (user, known_roles(&names))).collect())
}

/// The roles these stored names give, in their canonical order. The check constraint admits
/// only known roles; anything else is ignored, not trusted.
pub fn known_roles(names: &[impl AsRef<str>]) -> Vec<Role> {
    let mut roles: Vec<Role> = names.iter().filter_map(|name| name.as_ref().parse().ok()).collect();
    roles.sort();
    roles
}

/// Replaces the roles of a user.
///
/// # Errors
/// Database errors.
pub async fn set_roles(
    db: &impl ConnectionTrait,
    user_id: i64,
    roles: &[Role],
) -> Result<(), DbErr> {
    user_role::Entity::delete_many().filter(user_role::Column::UserId.eq(user_id)).exec(db).await?;
    if roles.is_empty() {
        return Ok(());
    }
    user_role::Entity::insert_many(roles.iter().map(|role| user_role::ActiveModel {
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
    }))
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// An account by id, in any organisation: only for resolving a session's own user.
///
/// # Errors
/// Database errors.
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<app_user::Model>, DbErr> {
    app_user::Entity::find_by_id(id).first(db).await
}

/// Display names of several accounts in one query.
///
/// # Errors
/// Database errors.
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, String>, DbErr> {
    Ok(by_ids(db, ids).await?.into_iter().map(|u| (u.id, u.display_name)).collect())
}

/// Usernames of several accounts in one query.
///
/// # Errors
/// Database errors.
pub async fn usernames(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, String>, DbErr> {
    Ok(by_ids(db, ids).await?.into_iter().map(|u| (u.id, u.username)).collect())
}

async fn by_ids(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<app_user::Model>, DbErr> {
    app_user::Entity::find().filter(app_user::Column::Id.is_in(ids.iter().copied())).all(db).await
}
