//! Clients, known only by their pseudonymous customer reference: the languages they speak, the
//! interpreter gender they prefer, and interpreters who must never be assigned to them
//! (relatives, colleagues handling their case).

use entities::{client, client_exclusion, client_language};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{audit, clean_text, now};
use crate::auth::Caller;
use crate::domain::{FieldErrors, Gender, LanguageTag, Role, text};
use crate::error::AppError;
use crate::repo;

/// The most languages a client's record lists.
const MAX_LANGUAGES: usize = 20;
/// The most volunteers a client's record excludes.
const MAX_EXCLUSIONS: usize = 50;

/// An interpreter a client must never get.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub interpreter_id: i64,
    /// Why, without naming anyone (e.g. "Verwandtschaft").
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

/// A client as caseworkers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientView {
    pub reference: String,
    pub languages: Vec<String>,
    /// Used for bookings that do not state their own preference.
    pub gender_preference: Option<Gender>,
    pub exclusions: Vec<Exclusion>,
}

/// Checks the shape of a pseudonymous customer reference, naming `field` if it is wrong.
pub(crate) fn check_reference(reference: &str, field: &str, errors: &mut FieldErrors) {
    let ok = (3..=40).contains(&reference.len())
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'));
    if !ok {
        errors.add(field, "must be 3–40 characters: letters, digits, '-', '_', '/', '.'");
    }
}

/// The client with this reference, recorded (and audited) the first time it is used.
///
/// # Errors
/// Database errors.
pub(crate) async fn find_or_create(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    reference: &str,
) -> Result<client::Model, sea_orm::DbErr> {
    if let Some(existing) =
        repo::booking::client_by_reference(db, caller.organisation_id, reference).await?
    {
        return Ok(existing);
    }
    let at = now();
    let created = client::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        reference: Set(reference.to_owned()),
        gender_preference: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit(db, caller, "client.create", "client", created.id, serde_json::Value::Null).await?;
    Ok(created)
}

/// `PUT /api/v1/clients/{reference}`: the whole record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// Tags from the organisation's language list.
    #[schema(value_type = Vec<LanguageTag>, max_items = 20)]
    pub languages: Vec<String>,
    pub gender_preference: Option<Gender>,
    #[schema(max_items = 50)]
    pub exclusions: Vec<Exclusion>,
}

/// The caller's own interpreter profile, if they volunteer.
async fn own_interpreter(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
) -> Result<Option<i64>, sea_orm::DbErr> {
    Ok(repo::interpreters::by_user(db, caller.organisation_id, caller.user_id).await?.map(|i| i.id))
}

async fn view(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    row: client::Model,
) -> Result<ClientView, AppError> {
    let tags: std::collections::HashMap<i64, String> =
        repo::languages::list(db, caller.organisation_id)
            .await?
            .into_iter()
            .map(|l| (l.id, l.tag))
            .collect();
    let mut languages: Vec<String> = client_language::Entity::find()
        .filter(client_language::Column::ClientId.eq(row.id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|l| tags.get(&l.language_id).cloned())
        .collect();
    languages.sort();
    // An exclusion that names the caller is left out: its existence is not theirs to know.
    let own = own_interpreter(db, caller).await?;
    let exclusions = repo::booking::exclusions_of(db, &[row.id])
        .await?
        .into_iter()
        .filter(|e| Some(e.interpreter_id) != own)
        .map(|e| Exclusion { interpreter_id: e.interpreter_id, reason: e.reason })
        .collect();
    Ok(ClientView {
        reference: row.reference,
        languages,
        gender_preference: row.gender_preference.as_deref().and_then(|g| g.parse().ok()),
        exclusions,
    })
}

/// One client of the organisation.
///
/// # Errors
/// Forbidden unless caseworker; not found.
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    reference: &str,
) -> Result<ClientView, AppError> {
    caller.require(Role::Caseworker)?;
    let row = repo::booking::client_by_reference(db, caller.organisation_id, reference)
        .await?
        .ok_or(AppError::NotFound)?;
    view(db, caller, row).await
}

/// Creates or replaces a client's record.
///
/// # Errors
/// Forbidden unless caseworker; an unknown language or interpreter (422).
pub async fn put(
    db: &DatabaseConnection,
    caller: &Caller,
    reference: &str,
    input: ClientInput,
) -> Result<ClientView, AppError> {
    caller.require(Role::Caseworker)?;
    let reference = reference.trim();
    let mut errors = FieldErrors::new();
    check_reference(reference, "reference", &mut errors);
    if input.languages.len() > MAX_LANGUAGES {
        errors.add("languages", format!("must list at most {MAX_LANGUAGES} languages"));
    }
    if input.exclusions.len() > MAX_EXCLUSIONS {
        errors.add("exclusions", format!("must list at most {MAX_EXCLUSIONS} volunteers"));
    }
    for (i, e) in input.exclusions.iter().enumerate() {
        text::optional(e.reason.as_deref(), &format!("exclusions[{i}].reason"), 200, &mut errors);
    }
    // Each listed language and volunteer is looked up below: a longer list is refused first.
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let txn = crate::db::write(db).await?;
    let mut language_ids = Vec::new();
    for (i, text) in input.languages.iter().enumerate() {
        match LanguageTag::parse(text) {
            Err(e) => errors.add(format!("languages[{i}]"), e.to_string()),
            Ok(tag) => {
                match repo::languages::by_tag(&txn, caller.organisation_id, tag.as_str()).await? {
                    Some(l) if !language_ids.contains(&l.id) => language_ids.push(l.id),
                    Some(_) => {
                        errors.add(format!("languages[{i}]"), format!("\"{tag}\" is listed twice"))
                    }
                    None => errors.add(
                        format!("languages[{i}]"),
                        format!("\"{tag}\" is not on the organisation's language list"),
                    ),
                }
            }
        }
    }
    // A volunteer who serves clients too never sets, changes or lifts an exclusion that names
    // them: the same refusal whether one exists or not, and the attempt is audited.
    let own = own_interpreter(&txn, caller).await?;
    let naming_self: Vec<usize> = input
        .exclusions
        .iter()
        .enumerate()
        .filter(|(_, e)| Some(e.interpreter_id) == own)
        .map(|(i, _)| i)
        .collect();
    if !naming_self.is_empty() {
        if let Some(row) =
            repo::booking::client_by_reference(&txn, caller.organisation_id, reference).await?
        {
            audit(
                &txn,
                caller,
                "client.own_exclusion_refused",
                "client",
                row.id,
                serde_json::Value::Null,
            )
            .await?;
            txn.commit().await?;
        }
        let mut refused = FieldErrors::new();
        for i in naming_self {
            refused.add(
                format!("exclusions[{i}].interpreter_id"),
                "names you; another caseworker records exclusions that concern you",
            );
        }
        return Err(AppError::Validation(refused));
    }
    for (i, e) in input.exclusions.iter().enumerate() {
        if repo::interpreters::get(&txn, caller.organisation_id, e.interpreter_id).await?.is_none()
        {
            errors.add(
                format!("exclusions[{i}].interpreter_id"),
                "no such interpreter in the organisation",
            );
        }
    }
    errors.into_result(())?;
    let at = now();
    let row = match repo::booking::client_by_reference(&txn, caller.organisation_id, reference)
        .await?
    {
        Some(existing) => {
            let mut active = existing.into_active_model();
            active.gender_preference = Set(input.gender_preference.map(|g| g.as_str().to_owned()));
            active.updated_at = Set(at);
            active.update(&txn).await?
        }
        None => {
            let created = client::ActiveModel {
                organisation_id: Set(caller.organisation_id),
                reference: Set(reference.to_owned()),
                gender_preference: Set(input.gender_preference.map(|g| g.as_str().to_owned())),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            // Whoever records a new client serves them (see `repo::caseload`).
            repo::caseload::hand_over(
                &txn,
                caller.organisation_id,
                &[created.id],
                caller.user_id,
                at,
            )
            .await?;
            created
        }
    };
    client_language::Entity::delete_many()
        .filter(client_language::Column::ClientId.eq(row.id))
        .exec(&txn)
        .await?;
    if !language_ids.is_empty() {
        client_language::Entity::insert_many(language_ids.iter().map(|&id| {
            client_language::ActiveModel { client_id: Set(row.id), language_id: Set(id) }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    // The exclusion naming the caller, which they neither saw nor sent, stays.
    client_exclusion::Entity::delete_many()
        .filter(client_exclusion::Column::ClientId.eq(row.id))
        .filter(client_exclusion::Column::InterpreterId.ne(own.unwrap_or(0)))
        .exec(&txn)
        .await?;
    let mut seen = std::collections::HashSet::new();
    for e in input.exclusions.iter().filter(|e| seen.insert(e.interpreter_id)) {
        client_exclusion::ActiveModel {
            client_id: Set(row.id),
            interpreter_id: Set(e.interpreter_id),
            reason: Set(clean_text(e.reason.clone())),
            created_at: Set(at),
        }
        .insert(&txn)
        .await?;
    }
    audit(
        &txn,
        caller,
        "client.update",
        "client",
        row.id,
        serde_json::json!({ "exclusions": seen.len() }),
    )
    .await?;
    let out = view(&txn, caller, row).await?;
    txn.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// A reference is taken exactly when it is 3–40 of the documented characters; a
        /// refusal is one message on the field named.
        #[test]
        fn a_reference_is_checked_by_its_documented_shape(
            text in prop_oneof![
                any::<String>(),
                "[A-Za-z0-9._/-]{0,45}",
                "[A-Za-z0-9]{1,20}\\PC[A-Za-z0-9]{1,20}",
                "[äöüß€]{1,20}",
            ],
        ) {
            let mut errors = FieldErrors::new();
            check_reference(&text, "client_reference", &mut errors);
            let documented = (3..=40).contains(&text.chars().count())
                && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c));
            prop_assert_eq!(errors.is_empty(), documented, "{:?}", text);
            if !documented {
                prop_assert_eq!(errors.fields().collect::<Vec<_>>(), ["client_reference"]);
                prop_assert_eq!(errors.messages("client_reference").len(), 1);
            }
        }
    }
}
