//! The annual report as an XLSX workbook: one sheet per section, the same figures as the
//! HTML version.

use super::{AnnualReport, Count};
use crate::export::{self, Cell, Table};
use crate::i18n::Tr;

fn counts(
    t: Tr,
    name: &str,
    title: &str,
    first: &str,
    label_prefix: Option<&str>,
    rows: &[Count],
) -> Table {
    Table {
        name: name.into(),
        title: t.get(title).to_owned(),
        columns: vec![t.get(first).to_owned(), t.get("report.count").to_owned()],
        rows: rows
            .iter()
            .map(|c| {
                let label = label_prefix.map_or_else(
                    || c.label.clone(),
                    |p| t.get(&format!("{p}.{}", c.key)).to_owned(),
                );
                vec![Cell::Text(label), Cell::Int(c.count)]
            })
            .collect(),
    }
}

/// The tables of the report, as both renderers show them.
pub fn tables(t: Tr, r: &AnnualReport) -> Vec<Table> {
    let i = &r.interpreting;
    let fact = |key: &str, cell: Cell| vec![Cell::Text(t.get(key).to_owned()), cell];
    let mut summary = vec![
        fact("report.volunteers", Cell::Int(r.volunteers)),
        fact("report.requests", Cell::Int(i.requests)),
        fact("report.held", Cell::Int(i.held)),
        fact("report.hours_held", Cell::Number(i.hours_held)),
        fact("report.no_shows", Cell::Int(i.no_shows)),
        fact("report.cancelled", Cell::Int(i.cancelled)),
        fact("report.fill_rate", Cell::opt_share(i.fill_rate)),
    ];
    for (reason, n) in &i.unfilled {
        summary.push(vec![
            Cell::Text(format!(
                "{}: {}",
                t.get("report.unfilled"),
                t.get(&format!("reason.{reason}"))
            )),
            Cell::Int(*n),
        ]);
    }
    for (kind, n) in &i.fallbacks {
        summary.push(vec![
            Cell::Text(format!(
                "{}: {}",
                t.get("report.fallback"),
                t.get(&format!("fallback.{kind}"))
            )),
            Cell::Int(*n),
        ]);
    }
    summary.push(fact("report.trainings", Cell::Int(r.trainings.trainings)));
    summary.push(fact("report.training_hours", Cell::Number(r.trainings.hours)));
    summary.push(fact("report.training_participants", Cell::Int(r.trainings.participants)));
    vec![
        Table {
            name: "summary".into(),
            title: t.fill(
                "report.heading",
                &[("organisation", &r.organisation), ("year", &r.year.to_string())],
            ),
            columns: vec![t.get("report.figure").to_owned(), t.get("report.value").to_owned()],
            rows: summary,
        },
        counts(t, "languages", "report.languages_title", "report.language", None, &r.languages),
        counts(
            t,
            "trainings",
            "report.trainings_title",
            "report.training",
            None,
            &r.trainings.by_title,
        ),
        counts(
            t,
            "departments",
            "report.departments_title",
            "report.department",
            None,
            &r.trainings.by_department,
        ),
        counts(t, "courses", "report.courses_title", "report.status", None, &r.course_referrals),
        counts(t, "exams", "report.exams_title", "report.exam_result", None, &r.exam_results),
        counts(
            t,
            "recognition",
            "report.recognition_title",
            "report.status",
            None,
            &r.recognition_referrals,
        ),
        counts(
            t,
            "outcomes",
            "report.outcomes_title",
            "report.outcome",
            None,
            &r.recognition_outcomes,
        ),
        Table {
            name: "measures".into(),
            title: t.get("report.measures_title").to_owned(),
            columns: vec![t.get("report.measures_title").to_owned()],
            rows: vec![vec![Cell::Text(r.measures.clone())]],
        },
    ]
}

/// The workbook.
///
/// # Errors
/// The workbook cannot be written.
pub fn workbook(t: Tr, r: &AnnualReport) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    export::xlsx(&tables(t, r))
}
