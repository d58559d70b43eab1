//! Volunteers' interpreter profiles with their languages, availability rules and absences.

use chrono::{DateTime, Utc};
use entities::{absence, availability_rule, interpreter, interpreter_language};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::Level;
use crate::repo::First;

/// The profile belonging to a user account.
///
/// # Errors
/// Database errors.
pub async fn by_user(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    user_id: i64,
) -> Result<Option<interpreter::Model>, DbErr> {
    interpreter::Entity::find()
        .filter(interpreter::Column::OrganisationId.eq(organisation_id))
        .filter(interpreter::Column::UserId.eq(user_id))
        .first(db)
        .await
}

/// The display names of the users behind the given profiles, by profile id, in one query.
///
/// # Errors
/// Database errors.
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, DbErr> {
    use entities::app_user;
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(interpreter::Entity::find()
        .select_only()
        .column(interpreter::Column::Id)
        .column(app_user::Column::DisplayName)
        .join(JoinType::InnerJoin, interpreter::Relation::AppUser.def())
        .filter(interpreter::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// One profile of the organisation.
///
/// # Errors
/// Database errors.
pub async fn get(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    id: i64,
) -> Result<Option<interpreter::Model>, DbErr> {
    interpreter::Entity::find_by_id(id)
        .filter(interpreter::Column::OrganisationId.eq(organisation_id))
        .first(db)
        .await
}

/// Which profiles of the pool to list.
#[derive(Debug, Clone, Default)]
pub struct PoolFilter {
    /// Speaks one of these languages …
    pub language_ids: Vec<i64>,
    /// … at one of these levels (empty: any level).
    pub levels: Vec<Level>,
    pub site_id: Option<i64>,
    pub active: Option<bool>,
}

/// The organisation's profiles matching `filter`, in one query.
///
/// # Errors
/// Database errors.
pub async fn search(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    filter: &PoolFilter,
) -> Result<Vec<interpreter::Model>, DbErr> {
    let mut query = interpreter::Entity::find()
        .filter(interpreter::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(interpreter::Column::Id);
    if let Some(site_id) = filter.site_id {
        query = query.filter(interpreter::Column::SiteId.eq(site_id));
    }
    if let Some(active) = filter.active {
        query = query.filter(interpreter::Column::Active.eq(active));
    }
    if !filter.language_ids.is_empty() {
        let mut speakers = Query::select();
        speakers
            .column(interpreter_language::Column::InterpreterId)
            .from(interpreter_language::Entity)
            .and_where(
                interpreter_language::Column::LanguageId.is_in(filter.language_ids.iter().copied()),
            );
        if !filter.levels.is_empty() {
            speakers.and_where(
                interpreter_language::Column::Level.is_in(filter.levels.iter().map(|l| l.as_str())),
            );
        }
        query = query.filter(interpreter::Column::Id.in_subquery(speakers.take()));
    }
    query.all(db).await
}

/// The language skills of the given profiles.
///
/// # Errors
/// Database errors.
pub async fn skills_of(
    db: &impl ConnectionTrait,
    interpreter_ids: &[i64],
) -> Result<Vec<interpreter_language::Model>, DbErr> {
    interpreter_language::Entity::find()
        .filter(interpreter_language::Column::InterpreterId.is_in(interpreter_ids.iter().copied()))
        .order_by_asc(interpreter_language::Column::Id)
        .all(db)
        .await
}

/// The weekly availability rules of the given profiles, by weekday and start.
///
/// # Errors
/// Database errors.
pub async fn availability_of(
    db: &impl ConnectionTrait,
    interpreter_ids: &[i64],
) -> Result<Vec<availability_rule::Model>, DbErr> {
    availability_rule::Entity::find()
        .filter(availability_rule::Column::InterpreterId.is_in(interpreter_ids.iter().copied()))
        .order_by_asc(availability_rule::Column::Weekday)
        .order_by_asc(availability_rule::Column::StartMinute)
        .order_by_asc(availability_rule::Column::Id)
        .all(db)
        .await
}

/// The absences of the given profiles that end after `since`, by start.
///
/// # Errors
/// Database errors.
pub async fn absences_of(
    db: &impl ConnectionTrait,
    interpreter_ids: &[i64],
    since: Option<DateTime<Utc>>,
) -> Result<Vec<absence::Model>, DbErr> {
    let mut query = absence::Entity::find()
        .filter(absence::Column::InterpreterId.is_in(interpreter_ids.iter().copied()))
        .order_by_asc(absence::Column::StartsAt)
        .order_by_asc(absence::Column::Id);
    if let Some(since) = since {
        query = query.filter(absence::Column::EndsAt.gt(since));
    }
    query.all(db).await
}

/// Absences of one profile that overlap `[starts_at, ends_at)`, other than `except`.
///
/// # Errors
/// Database errors.
pub async fn overlapping_absences(
    db: &impl ConnectionTrait,
    interpreter_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<i64>,
) -> Result<Vec<absence::Model>, DbErr> {
    let mut query = absence::Entity::find()
        .filter(absence::Column::InterpreterId.eq(interpreter_id))
        .filter(absence::Column::StartsAt.lt(ends_at))
        .filter(absence::Column::EndsAt.gt(starts_at));
    if let Some(id) = except {
        query = query.filter(absence::Column::Id.ne(id));
    }
    query.all(db).await
}

/// The profile id of each of the given users that has one.
///
/// # Errors
/// Database errors.
pub async fn ids_by_user(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    user_ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>, DbErr> {
    Ok(interpreter::Entity::find()
        .filter(interpreter::Column::OrganisationId.eq(organisation_id))
        .filter(interpreter::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.user_id, i.id))
        .collect())
}

/// One availability rule, if it belongs to this profile.
///
/// # Errors
/// Database errors.
pub async fn rule_of(
    db: &impl ConnectionTrait,
    interpreter_id: i64,
    id: i64,
) -> Result<Option<availability_rule::Model>, DbErr> {
    availability_rule::Entity::find_by_id(id)
        .filter(availability_rule::Column::InterpreterId.eq(interpreter_id))
        .first(db)
        .await
}

/// One absence, if it belongs to this profile.
///
/// # Errors
/// Database errors.
pub async fn absence_of(
    db: &impl ConnectionTrait,
    interpreter_id: i64,
    id: i64,
) -> Result<Option<absence::Model>, DbErr> {
    absence::Entity::find_by_id(id)
        .filter(absence::Column::InterpreterId.eq(interpreter_id))
        .first(db)
        .await
}

/// The organisation's active profiles.
///
/// # Errors
/// Database errors.
pub async fn active(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<interpreter::Model>, DbErr> {
    interpreter::Entity::find()
        .filter(interpreter::Column::OrganisationId.eq(organisation_id))
        .filter(interpreter::Column::Active.eq(true))
        .order_by_asc(interpreter::Column::Id)
        .all(db)
        .await
}
