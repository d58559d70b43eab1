//! The team lead's dashboard: coverage of a period at a glance — demand against supply per
//! language (or week, site, kind), the fill rate over the weeks, each volunteer's load against
//! their cap, and the languages that will fall short — as charts with the same figures in
//! tables, each table downloadable as CSV and all of them as one XLSX workbook.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::charts::{Bars, Row};
use super::forms::FormErrors;
use super::i18n::Tr;
use super::page::{Layout, Page, WebError};
use crate::app::AppState;
use crate::domain::dates;
use crate::error::AppError;
use crate::export::{self, Cell, Table};
use crate::services::coverage::outlook::{self, Outlook};
use crate::services::coverage::{self, Coverage, CoverageQuery, Figures, GroupBy};

/// The filter, as the form sends it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Filter {
    from: String,
    to: String,
    site: String,
    group_by: String,
    /// For downloads: which table (`groups`, `weeks`, `volunteers`, `outlook`).
    table: String,
}

struct SiteOption {
    code: String,
    name: String,
    selected: bool,
}

struct GroupOption {
    value: &'static str,
    label: String,
    selected: bool,
}

/// A table on the page with its download link.
struct Shown {
    table: Table,
    csv: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    from: String,
    to: String,
    sites: Vec<SiteOption>,
    groups: Vec<GroupOption>,
    errors: FormErrors,
    charts: Vec<(String, String)>,
    tables: Vec<Shown>,
    xlsx: String,
}

const GROUPS: [(&str, GroupBy); 4] = [
    ("language", GroupBy::Language),
    ("week", GroupBy::Week),
    ("site", GroupBy::Site),
    ("kind", GroupBy::Kind),
];

/// The figures behind the page and its downloads.
struct Figuring {
    by_group: Coverage,
    by_week: Coverage,
    outlook: Outlook,
}

/// Reads the filter; defaults to the last twelve weeks by language.
fn parse(t: Tr, filter: &Filter, today: NaiveDate, errors: &mut FormErrors) -> CoverageQuery {
    let date = |text: &str, field: &str, default: NaiveDate, errors: &mut FormErrors| {
        if text.trim().is_empty() {
            return default;
        }
        dates::parse_date(text).unwrap_or_else(|_| {
            errors.add(field, t.get("form.error.date"));
            default
        })
    };
    let to = date(&filter.to, "to", today, errors);
    let from = date(&filter.from, "from", to - Duration::weeks(12) + Duration::days(1), errors);
    let group_by = GROUPS.iter().find(|(v, _)| *v == filter.group_by).map(|(_, g)| *g);
    if group_by.is_none() && !filter.group_by.is_empty() {
        errors.add("group_by", t.get("dashboard.error.group_by"));
    }
    CoverageQuery {
        from,
        to,
        site: Some(filter.site.trim().to_owned()).filter(|s| !s.is_empty()),
        group_by: Some(group_by.unwrap_or_default()),
    }
}

async fn figures(
    state: &AppState,
    page: &Page,
    query: CoverageQuery,
) -> Result<Figuring, AppError> {
    let today = crate::services::now().with_timezone(&crate::domain::time::BERLIN).date_naive();
    let by_group = coverage::coverage(&state.db, &page.caller, query.clone()).await?;
    let by_week = if query.group_by == Some(GroupBy::Week) {
        by_group.clone()
    } else {
        coverage::coverage(
            &state.db,
            &page.caller,
            CoverageQuery { group_by: Some(GroupBy::Week), ..query },
        )
        .await?
    };
    let outlook = outlook::outlook(&state.db, &page.caller, today).await?;
    Ok(Figuring { by_group, by_week, outlook })
}

/// Exact: the workbook keeps the value, pages and CSV show one decimal.
fn hours(minutes: i64) -> f64 {
    minutes as f64 / 60.0
}

/// A group's label as people read it: kinds and the phone group translated.
fn label(t: Tr, group_by: GroupBy, f: &Figures) -> String {
    match group_by {
        GroupBy::Kind => t.get(&format!("kind.{}", f.key)).to_owned(),
        GroupBy::Site if f.key == "remote" => t.get("dashboard.remote").to_owned(),
        _ => f.label.clone(),
    }
}

fn tables(t: Tr, figuring: &Figuring) -> Vec<Table> {
    let by = figuring.by_group.group_by;
    let group_key = format!(
        "dashboard.group.{}",
        GROUPS.iter().find(|(_, g)| *g == by).map_or("language", |(v, _)| v)
    );
    let group_title = t.get(&group_key).to_owned();
    let count = |f: &Figures| {
        let mut unfilled: Vec<String> = f
            .unfilled
            .iter()
            .map(|(r, n)| format!("{}: {n}", t.get(&format!("reason.{r}"))))
            .collect();
        unfilled.sort();
        let fallbacks: Vec<String> = f
            .fallbacks
            .iter()
            .map(|(k, n)| format!("{}: {n}", t.get(&format!("fallback.{k}"))))
            .collect();
        (unfilled.join(", "), fallbacks.join(", "))
    };
    let figure_columns = |first: &str| {
        [
            first,
            "dashboard.col.requests",
            "dashboard.col.requested_hours",
            "dashboard.col.offered_hours",
            "dashboard.col.filled",
            "dashboard.col.fill_rate",
            "dashboard.col.unfilled",
            "dashboard.col.fallbacks",
            "dashboard.col.no_shows",
            "dashboard.col.cancelled",
            "dashboard.col.median_lead",
        ]
        .iter()
        .enumerate()
        .map(|(k, key)| if k == 0 { (*key).to_owned() } else { t.get(key).to_owned() })
        .collect::<Vec<_>>()
    };
    let figure_row = |name: String, f: &Figures| {
        let (unfilled, fallbacks) = count(f);
        vec![
            Cell::Text(name),
            Cell::Int(f.requests),
            Cell::Number(hours(f.requested_minutes)),
            Cell::opt_number(f.offered_minutes.map(hours)),
            Cell::Int(f.filled),
            Cell::opt_share(f.fill_rate),
            Cell::Text(unfilled),
            Cell::Text(fallbacks),
            Cell::Int(f.no_shows),
            Cell::Int(f.cancelled),
            Cell::opt_number(f.median_lead_hours),
        ]
    };
    let mut group_rows: Vec<Vec<Cell>> =
        figuring.by_group.groups.iter().map(|f| figure_row(label(t, by, f), f)).collect();
    group_rows.push(figure_row(t.get("dashboard.total").to_owned(), &figuring.by_group.total));
    let week_rows =
        figuring.by_week.groups.iter().map(|f| figure_row(f.label.clone(), f)).collect();
    let volunteer_rows = figuring
        .by_group
        .volunteers
        .iter()
        .map(|v| {
            vec![
                Cell::Text(v.display_name.clone()),
                Cell::Text(v.home_team.clone().unwrap_or_default()),
                Cell::Number(hours(v.confirmed_minutes)),
                Cell::Number(hours(v.proposed_minutes)),
                Cell::Number(hours(v.cap_minutes)),
                Cell::opt_share(v.share_of_cap),
                Cell::opt_share(v.share_of_team),
            ]
        })
        .collect();
    let outlook_rows = figuring
        .outlook
        .languages
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.label.clone()),
                Cell::Number(hours(l.weekly_demand_minutes)),
                Cell::Number(hours(l.expected_minutes)),
                Cell::Number(hours(l.offered_minutes)),
                Cell::Number(l.shortfall_hours),
            ]
        })
        .collect();
    let heads = |keys: &[&str]| keys.iter().map(|k| t.get(k).to_owned()).collect::<Vec<_>>();
    vec![
        Table {
            name: "groups".into(),
            title: t.get("dashboard.table.groups").to_owned(),
            columns: figure_columns(&group_title),
            rows: group_rows,
        },
        Table {
            name: "weeks".into(),
            title: t.get("dashboard.table.weeks").to_owned(),
            columns: figure_columns(t.get("dashboard.group.week")),
            rows: week_rows,
        },
        Table {
            name: "volunteers".into(),
            title: t.get("dashboard.table.volunteers").to_owned(),
            columns: heads(&[
                "dashboard.col.volunteer",
                "dashboard.col.team",
                "dashboard.col.confirmed_hours",
                "dashboard.col.proposed_hours",
                "dashboard.col.cap_hours",
                "dashboard.col.share_of_cap",
                "dashboard.col.share_of_team",
            ]),
            rows: volunteer_rows,
        },
        Table {
            name: "outlook".into(),
            title: t.fill(
                "dashboard.table.outlook",
                &[("from", &t.date(figuring.outlook.from)), ("to", &t.date(figuring.outlook.to))],
            ),
            columns: heads(&[
                "dashboard.col.language",
                "dashboard.col.weekly_demand",
                "dashboard.col.expected",
                "dashboard.col.offered_hours",
                "dashboard.col.shortfall",
            ]),
            rows: outlook_rows,
        },
    ]
}

fn charts(t: Tr, figuring: &Figuring) -> Vec<(String, String)> {
    let by = figuring.by_group.group_by;
    let hours_text = |v: f64| format!("{v:.1} h");
    let percent = |v: f64| format!("{:.0} %", v * 100.0);
    // Demand against supply, the fifteen largest groups.
    let shown: Vec<&Figures> = figuring.by_group.groups.iter().take(15).collect();
    let rows: Vec<Row> = shown
        .iter()
        .map(|f| Row {
            label: label(t, by, f),
            values: vec![Some(hours(f.requested_minutes)), f.offered_minutes.map(hours)],
        })
        .collect();
    let short: Vec<String> = shown
        .iter()
        .filter(|f| f.offered_minutes.is_some_and(|o| o < f.requested_minutes))
        .map(|f| label(t, by, f))
        .collect();
    let series = vec![
        t.get("dashboard.col.requested_hours").to_owned(),
        t.get("dashboard.col.offered_hours").to_owned(),
    ];
    let demand = Bars {
        id: "demand",
        title: t.get("dashboard.chart.demand"),
        description: &t.fill(
            "dashboard.chart.demand_desc",
            &[(
                "short",
                &if short.is_empty() {
                    t.get("dashboard.none").to_owned()
                } else {
                    short.join(", ")
                },
            )],
        ),
        series: &series,
        rows: &rows,
        format: &hours_text,
        reference: None,
    }
    .svg();
    // Fill rate per week.
    let rows: Vec<Row> = figuring
        .by_week
        .groups
        .iter()
        .map(|f| Row { label: f.label.clone(), values: vec![f.fill_rate] })
        .collect();
    let total = figuring
        .by_week
        .total
        .fill_rate
        .map_or_else(|| t.get("dashboard.none").to_owned(), percent);
    let series = vec![t.get("dashboard.col.fill_rate").to_owned()];
    let weeks = Bars {
        id: "fill",
        title: t.get("dashboard.chart.fill"),
        description: &t.fill("dashboard.chart.fill_desc", &[("total", &total)]),
        series: &series,
        rows: &rows,
        format: &percent,
        reference: Some((1.0, "100 %")),
    }
    .svg();
    // Load per volunteer against the cap.
    let loaded: Vec<_> =
        figuring.by_group.volunteers.iter().filter(|v| v.share_of_cap.is_some()).take(25).collect();
    let rows: Vec<Row> = loaded
        .iter()
        .map(|v| Row { label: v.display_name.clone(), values: vec![v.share_of_cap] })
        .collect();
    let over: Vec<String> = loaded
        .iter()
        .filter(|v| v.share_of_cap.is_some_and(|s| s > 1.0))
        .map(|v| v.display_name.clone())
        .collect();
    let series = vec![t.get("dashboard.col.share_of_cap").to_owned()];
    let load = Bars {
        id: "load",
        title: t.get("dashboard.chart.load"),
        description: &t.fill(
            "dashboard.chart.load_desc",
            &[(
                "over",
                &if over.is_empty() { t.get("dashboard.none").to_owned() } else { over.join(", ") },
            )],
        ),
        series: &series,
        rows: &rows,
        format: &percent,
        reference: Some((1.0, t.get("dashboard.cap"))),
    }
    .svg();
    vec![
        (t.get("dashboard.chart.demand").to_owned(), demand),
        (t.get("dashboard.chart.fill").to_owned(), weeks),
        (t.get("dashboard.chart.load").to_owned(), load),
    ]
}

fn query_string(q: &CoverageQuery) -> String {
    let group = GROUPS.iter().find(|(_, g)| Some(*g) == q.group_by).map_or("language", |(v, _)| v);
    let mut s = format!("from={}&to={}&group_by={group}", q.from, q.to);
    if let Some(site) = &q.site {
        s.push_str(&format!(
            "&site={}",
            form_urlencoded::byte_serialize(site.as_bytes()).collect::<String>()
        ));
    }
    s
}

/// The page.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let t = page.t();
    let today = crate::services::now().with_timezone(&crate::domain::time::BERLIN).date_naive();
    let mut errors = FormErrors::default();
    let mut query = parse(t, &filter, today, &mut errors);
    let figuring = match figures(&state, &page, query.clone()).await {
        Ok(f) => f,
        Err(error) => {
            let refused = FormErrors::from_refusal(t, "dashboard", &error, str::to_owned)
                .ok_or_else(|| page.visitor.fail(error))?;
            errors.items.extend(refused.items);
            // Show the default period with the messages.
            query = parse(t, &Filter::default(), today, &mut FormErrors::default());
            figures(&state, &page, query.clone()).await.map_err(|e| page.visitor.fail(e))?
        }
    };
    let sites = crate::repo::sites::list(&state.db, page.caller.organisation_id)
        .await
        .map_err(|e| page.visitor.fail(e.into()))?;
    let qs = query_string(&query);
    let body = DashboardPage {
        layout: page.layout("dashboard.title"),
        from: query.from.to_string(),
        to: query.to.to_string(),
        sites: sites
            .into_iter()
            .map(|s| SiteOption {
                selected: query.site.as_deref() == Some(s.code.as_str()),
                code: s.code,
                name: s.name,
            })
            .collect(),
        groups: GROUPS
            .iter()
            .map(|(v, g)| GroupOption {
                value: v,
                label: t.get(&format!("dashboard.group.{v}")).to_owned(),
                selected: query.group_by == Some(*g),
            })
            .collect(),
        charts: charts(t, &figuring),
        tables: tables(t, &figuring)
            .into_iter()
            .map(|table| Shown {
                csv: format!("/dashboard/export.csv?table={}&{qs}", table.name),
                table,
            })
            .collect(),
        xlsx: format!("/dashboard/export.xlsx?{qs}"),
        errors,
    };
    let status =
        if body.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(page.visitor.respond(status, body))
}

fn download(bytes: Vec<u8>, content_type: &'static str, file: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// One table as CSV.
pub async fn export_csv(
    State(state): State<AppState>,
    page: Page,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let (query, tables) = exported(&state, &page, &filter).await?;
    let table = tables
        .into_iter()
        .find(|t| t.name == filter.table)
        .ok_or_else(|| page.visitor.fail(AppError::NotFound))?;
    let bytes =
        export::csv(&table).map_err(|e| page.visitor.fail(AppError::Internal(e.to_string())))?;
    Ok(download(
        bytes,
        "text/csv; charset=utf-8",
        &format!("sprachpool-{}-{}-{}.csv", table.name, query.from, query.to),
    ))
}

/// Every table as one XLSX workbook.
pub async fn export_xlsx(
    State(state): State<AppState>,
    page: Page,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let (query, tables) = exported(&state, &page, &filter).await?;
    let bytes =
        export::xlsx(&tables).map_err(|e| page.visitor.fail(AppError::Internal(e.to_string())))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("sprachpool-coverage-{}-{}.xlsx", query.from, query.to),
    ))
}

async fn exported(
    state: &AppState,
    page: &Page,
    filter: &Filter,
) -> Result<(CoverageQuery, Vec<Table>), WebError> {
    let t = page.t();
    let today = crate::services::now().with_timezone(&crate::domain::time::BERLIN).date_naive();
    let mut errors = FormErrors::default();
    let query = parse(t, filter, today, &mut errors);
    if !errors.is_empty() {
        return Err(page.visitor.fail(AppError::validation("from", "invalid filter")));
    }
    let figuring = figures(state, page, query.clone()).await.map_err(|e| page.visitor.fail(e))?;
    Ok((query, tables(t, &figuring)))
}
