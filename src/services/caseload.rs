//! Handing clients over to a colleague: a caseworker hands over one of their clients, or a
//! team lead hands over all of a caseworker's clients when someone leaves or changes team.
//! The colleague then serves the clients (`repo::caseload`) and the one handing over no longer
//! does: the appointments booked for them and the referrals move to the colleague. A team
//! lead's handover never shows a reference.

use entities::{appointment, course_referral, recognition_referral};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, ExprTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{audit, now};
use crate::auth::Caller;
use crate::domain::{FieldErrors, Role};
use crate::error::AppError;
use crate::repo;

/// `POST /api/v1/caseload/handover`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Handover {
    /// The caseworker handing over; a caseworker handing over one client names themselves.
    pub from_user_id: i64,
    /// The caseworker taking over.
    pub to_user_id: i64,
    /// One client to hand over (caseworkers); without it, all of them (team leads).
    #[schema(pattern = "^[A-Za-z0-9_/.-]{3,40}$")]
    pub client_ref: Option<String>,
}

/// What moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverView {
    pub clients: u64,
    pub appointments: u64,
    pub referrals: u64,
}

/// Hands one client, or all of a caseworker's, over to another caseworker: every appointment
/// the giver booked for them and every referral they made moves to the colleague.
///
/// # Errors
/// Forbidden unless caseworker or team lead; 422 for one client handed over by anyone but
/// their own caseworker, all of them by anyone but a team lead, a colleague who is not an
/// active caseworker of the organisation, or the same on both sides; 404 for a client the
/// caller does not serve.
pub async fn hand_over(
    db: &DatabaseConnection,
    caller: &Caller,
    input: Handover,
) -> Result<HandoverView, AppError> {
    caller.require_any(&[Role::Caseworker, Role::TeamLead])?;
    let mut errors = FieldErrors::new();
    match &input.client_ref {
        // Team leads never see a reference, so they never name one.
        Some(_) if !caller.has(Role::Caseworker) => {
            errors.add("client_ref", "team leads hand over all of a caseworker's clients");
        }
        Some(_) if input.from_user_id != caller.user_id => {
            errors.add("from_user_id", "must be you: you hand over one of your own clients");
        }
        None if !caller.has(Role::TeamLead) => {
            errors.add("client_ref", "name the client you hand over");
        }
        _ => {}
    }
    let txn = crate::db::write(db).await?;
    // The one handing over may have left already (deactivated, roles taken away).
    if repo::users::get(&txn, caller.organisation_id, input.from_user_id).await?.is_none() {
        errors.add("from_user_id", "is not a user of the organisation");
    }
    let taker = repo::users::get(&txn, caller.organisation_id, input.to_user_id).await?;
    let takes = match &taker {
        Some(user) => {
            user.active && repo::users::roles(&txn, user.id).await?.contains(&Role::Caseworker)
        }
        None => false,
    };
    if !takes {
        errors.add("to_user_id", "is not an active caseworker of the organisation");
    }
    if input.from_user_id == input.to_user_id {
        errors.add("to_user_id", "is the caseworker handing over");
    }
    errors.into_result(())?;

    let clients = match &input.client_ref {
        Some(reference) => {
            let client =
                repo::booking::client_by_reference(&txn, caller.organisation_id, reference.trim())
                    .await?
                    .ok_or(AppError::NotFound)?;
            if !repo::caseload::serves(&txn, client.id, caller.user_id).await? {
                return Err(AppError::NotFound);
            }
            vec![client.id]
        }
        None => {
            repo::caseload::clients_of(&txn, caller.organisation_id, input.from_user_id).await?
        }
    };
    let at = now();
    repo::caseload::hand_over(&txn, caller.organisation_id, &clients, input.to_user_id, at).await?;
    repo::caseload::give_up(&txn, &clients, input.from_user_id).await?;
    let appointments = appointment::Entity::update_many()
        .col_expr(appointment::Column::CaseworkerId, Expr::value(input.to_user_id))
        .col_expr(appointment::Column::Version, Expr::col(appointment::Column::Version).add(1))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(at))
        .filter(appointment::Column::OrganisationId.eq(caller.organisation_id))
        .filter(appointment::Column::CaseworkerId.eq(input.from_user_id))
        .filter(appointment::Column::ClientId.is_in(clients.iter().copied()))
        .exec(&txn)
        .await?
        .rows_affected;
    let course = course_referral::Entity::update_many()
        .col_expr(course_referral::Column::CaseworkerId, Expr::value(input.to_user_id))
        .filter(course_referral::Column::OrganisationId.eq(caller.organisation_id))
        .filter(course_referral::Column::CaseworkerId.eq(input.from_user_id))
        .filter(course_referral::Column::ClientId.is_in(clients.iter().copied()))
        .exec(&txn)
        .await?
        .rows_affected;
    let recognition = recognition_referral::Entity::update_many()
        .col_expr(recognition_referral::Column::CaseworkerId, Expr::value(input.to_user_id))
        .filter(recognition_referral::Column::OrganisationId.eq(caller.organisation_id))
        .filter(recognition_referral::Column::CaseworkerId.eq(input.from_user_id))
        .filter(recognition_referral::Column::ClientId.is_in(clients.iter().copied()))
        .exec(&txn)
        .await?
        .rows_affected;
    let out = HandoverView {
        clients: clients.len() as u64,
        appointments,
        referrals: course + recognition,
    };
    audit(
        &txn,
        caller,
        "caseload.handover",
        "app_user",
        input.from_user_id,
        serde_json::json!({
            "to_user_id": input.to_user_id,
            "one_client": input.client_ref.is_some(),
            "clients": out.clients,
            "appointments": out.appointments,
            "referrals": out.referrals,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}
