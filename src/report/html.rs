//! The annual report as a printable HTML document: self-contained (its style inside, so that
//! it opens and prints from a file), plain A4, the same tables as the workbook.

use askama::Template;

use super::AnnualReport;
use crate::export::Table;
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportDocument<'a> {
    t: Tr,
    lang: &'static str,
    title: String,
    tables: &'a [Table],
    measures: &'a str,
    css: &'static str,
}

/// The document.
///
/// # Errors
/// The template fails to render.
pub fn render(t: Tr, r: &AnnualReport) -> Result<String, askama::Error> {
    let tables = super::xlsx::tables(t, r);
    let shown: Vec<Table> = tables.into_iter().filter(|t| t.name != "measures").collect();
    ReportDocument {
        t,
        lang: t.code(),
        title: t.fill(
            "report.heading",
            &[("organisation", &r.organisation), ("year", &r.year.to_string())],
        ),
        tables: &shown,
        measures: &r.measures,
        css: include_str!("report.css"),
    }
    .render()
}
