//! `GET /holidays?year=`: NRW public holidays, computed for any year.

use axum::Json;
use chrono::Datelike;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::holidays::{Holiday, nrw_holidays};
use crate::domain::time::BERLIN;
use crate::error::{ApiResult, AppError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_holidays))
}

/// Which year.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct HolidayQuery {
    /// 1583–9999; default: the current year.
    #[param(minimum = 1583, maximum = 9999)]
    year: Option<i32>,
}

/// The public holidays of North Rhine-Westphalia in a year. Volunteers are unavailable on them
/// unless they opted in.
#[utoipa::path(
    get, path = "/holidays", tag = "reference", security(("bearer" = [])),
    params(HolidayQuery),
    responses((status = 200, description = "The holidays, in date order", body = Vec<Holiday>))
)]
async fn list_holidays(
    _caller: Caller,
    ApiQuery(query): ApiQuery<HolidayQuery>,
) -> ApiResult<Json<Vec<Holiday>>> {
    let year = query.year.unwrap_or_else(|| chrono::Utc::now().with_timezone(&BERLIN).year());
    if !(1583..=9999).contains(&year) {
        return Err(AppError::validation("year", "must be between 1583 and 9999"));
    }
    Ok(Json(nrw_holidays(year)))
}
