//! Data protection: what the service forgets and when. A client's pseudonym and everything a
//! person typed about the client are erased on request (GDPR Art. 17, [`subject`]) or once
//! nothing happened for the retention period ([`retention`]); a client can also ask what is
//! stored (Art. 15). The appointments and referrals themselves stay, stripped of that text, so
//! the coverage figures and the annual report still count them.

pub mod retention;
pub mod subject;

use chrono::{DateTime, Utc};
use entities::{
    appointment, assignment, client, client_exclusion, client_language, recognition_referral,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// The country an erased recognition referral is left with.
pub const ERASED_COUNTRY: &str = "XX";
/// The reference an erased client row carries from then on. The `~` is outside what
/// [`super::clients::check_reference`] accepts, so no caseworker can ever look it up or
/// reuse it; the row id keeps the organisation's references unique.
fn erased_reference(client_id: i64) -> String {
    format!("~erased-{client_id}")
}

/// Erases these clients' pseudonyms and what was written about them: their languages,
/// gender preference and exclusions; the notes and preferences on their appointments and the
/// reasons volunteers gave for declining them; the occupation, country and competent body of
/// their recognition referrals. Returns how many clients.
///
/// # Errors
/// Database errors; the caller's transaction then rolls back.
async fn erase_clients(
    db: &impl ConnectionTrait,
    client_ids: &[i64],
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut erased = 0;
    // Bounded chunks keep each statement under the backends' parameter limits.
    for ids in client_ids.chunks(500) {
        for &id in ids {
            client::Entity::update_many()
                .col_expr(client::Column::Reference, Expr::value(erased_reference(id)))
                .col_expr(client::Column::GenderPreference, Expr::value(Option::<String>::None))
                .col_expr(client::Column::AnonymisedAt, Expr::value(at))
                .col_expr(client::Column::UpdatedAt, Expr::value(at))
                .filter(client::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
        erased += ids.len() as u64;
        client_language::Entity::delete_many()
            .filter(client_language::Column::ClientId.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
        client_exclusion::Entity::delete_many()
            .filter(client_exclusion::Column::ClientId.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
        appointment::Entity::update_many()
            .col_expr(appointment::Column::FallbackNote, Expr::value(Option::<String>::None))
            .col_expr(appointment::Column::GenderPreference, Expr::value(Option::<String>::None))
            .filter(appointment::Column::ClientId.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
        assignment::Entity::update_many()
            .col_expr(assignment::Column::DeclineReason, Expr::value(Option::<String>::None))
            .filter(
                assignment::Column::AppointmentId.in_subquery(
                    Query::select()
                        .column(appointment::Column::Id)
                        .from(appointment::Entity)
                        .and_where(appointment::Column::ClientId.is_in(ids.iter().copied()))
                        .to_owned(),
                ),
            )
            .filter(assignment::Column::DeclineReason.is_not_null())
            .exec(db)
            .await?;
        recognition_referral::Entity::update_many()
            .col_expr(recognition_referral::Column::ReferenceOccupation, Expr::value(""))
            // "XX", the user-assigned code ISO 3166 leaves for an unknown country: the column
            // holds two letters, and no report counts by country.
            .col_expr(recognition_referral::Column::Country, Expr::value(ERASED_COUNTRY))
            .col_expr(
                recognition_referral::Column::CompetentBody,
                Expr::value(Option::<String>::None),
            )
            .filter(recognition_referral::Column::ClientId.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(erased)
}
