//! `sprachpool report --year 2026 --format xlsx|html`: an organisation's annual report for the
//! state ministry, written to a file.

use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::domain::Locale;
use crate::i18n::Tr;
use crate::repo;

/// The report's file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Xlsx,
    Html,
}

/// Writes the report; the file written.
///
/// # Errors
/// No such organisation (or several and none named), a year out of range, database or file
/// errors.
pub async fn run(
    settings: Settings,
    year: i32,
    format: Format,
    organisation: Option<&str>,
    out: Option<&Path>,
    locale: Locale,
) -> Result<PathBuf, String> {
    if !crate::services::report::YEARS.contains(&year) {
        return Err("--year must be between 2000 and 2100".into());
    }
    let db = crate::db::connect(&settings).await.map_err(|e| e.to_string())?;
    crate::db::migrate(&db).await.map_err(|e| e.to_string())?;
    let org = match organisation {
        Some(slug) => repo::organisations::by_slug(&db, slug)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no organisation with the slug {slug}"))?,
        None => {
            let ids = repo::organisations::ids(&db).await.map_err(|e| e.to_string())?;
            match ids.as_slice() {
                [id] => repo::organisations::get(&db, *id)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or("no organisation")?,
                [] => return Err("the database holds no organisation".into()),
                _ => return Err("several organisations: name one with --organisation SLUG".into()),
            }
        }
    };
    let report = crate::report::gather(&db, org.id, year, locale)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the organisation vanished")?;
    let t = Tr(locale);
    let (bytes, extension) = match format {
        Format::Xlsx => {
            (crate::report::xlsx::workbook(t, &report).map_err(|e| e.to_string())?, "xlsx")
        }
        Format::Html => (
            crate::report::html::render(t, &report).map_err(|e| e.to_string())?.into_bytes(),
            "html",
        ),
    };
    let path = out.map_or_else(
        || PathBuf::from(format!("sprachpool-report-{}-{year}.{extension}", org.slug)),
        Path::to_path_buf,
    );
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
