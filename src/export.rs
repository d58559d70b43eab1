//! Tables as files: CSV (UTF-8 with a byte-order mark and semicolons, as German spreadsheet
//! programs open it) and XLSX (one sheet per table, numbers as numbers). Used by the
//! dashboard's downloads and the annual report.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Number(f64),
    /// A share shown as a percentage.
    Share(f64),
    Empty,
}

impl Cell {
    pub fn opt_int(value: Option<i64>) -> Self {
        value.map_or(Cell::Empty, Cell::Int)
    }

    pub fn opt_share(value: Option<f64>) -> Self {
        value.map_or(Cell::Empty, Cell::Share)
    }

    pub fn opt_number(value: Option<f64>) -> Self {
        value.map_or(Cell::Empty, Cell::Number)
    }

    /// As shown in a CSV file or on a page.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Number(x) => format!("{x:.1}"),
            Cell::Share(x) => format!("{:.1} %", x * 100.0),
            Cell::Empty => String::new(),
        }
    }
}

/// A table with a name (the sheet and file name) and headed columns.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Text a spreadsheet program would take for a formula (`=`, `+`, `-`, `@`, or a tab or
/// carriage return before one) gets a leading apostrophe, so that it shows as the text it is
/// (OWASP, "CSV Injection"). Only text cells: numbers stay numbers.
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The table as CSV, its text cells made inert (see [`inert`]).
///
/// # Errors
/// Writing failed (it does not, into memory).
pub fn csv(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
        writer.write_record(table.columns.iter().map(|c| inert(c).into_owned()))?;
        for row in &table.rows {
            writer.write_record(row.iter().map(|cell| match cell {
                Cell::Text(t) => inert(t).into_owned(),
                other => other.text(),
            }))?;
        }
        writer.flush()?;
    }
    Ok(out)
}

/// The tables as one workbook, a sheet each, with a title row above the header.
///
/// # Errors
/// The workbook cannot be written (e.g. a sheet name longer than 31 characters).
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let decimal = Format::new().set_num_format("0.0");
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&table.name)?;
        sheet.write_string_with_format(0, 0, &table.title, &bold)?;
        for (c, header) in table.columns.iter().enumerate() {
            sheet.write_string_with_format(2, col(c), header, &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 3).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(t) => sheet.write_string(r, col(c), t).map(|_| ())?,
                    Cell::Int(n) => sheet.write_number(r, col(c), *n as f64).map(|_| ())?,
                    Cell::Number(x) => {
                        sheet.write_number_with_format(r, col(c), *x, &decimal).map(|_| ())?
                    }
                    Cell::Share(x) => {
                        sheet.write_number_with_format(r, col(c), *x, &percent).map(|_| ())?
                    }
                    Cell::Empty => {}
                }
            }
        }
        sheet.autofit();
    }
    workbook.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_opens_in_german_spreadsheets() {
        let table = Table {
            name: "t".into(),
            title: "T".into(),
            columns: vec!["Sprache".into(), "Anfragen".into()],
            rows: vec![vec![Cell::Text("Arabisch; Levante".into()), Cell::Int(3)]],
        };
        let text = String::from_utf8(csv(&table).unwrap_or_default()).unwrap_or_default();
        assert!(text.starts_with('\u{feff}'));
        assert_eq!(
            text.trim_start_matches('\u{feff}'),
            "Sprache;Anfragen\n\"Arabisch; Levante\";3\n"
        );
    }

    #[test]
    fn text_that_looks_like_a_formula_stays_text_and_numbers_stay_numbers() {
        let formulas = ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"];
        let mut rows: Vec<Vec<Cell>> =
            formulas.iter().map(|f| vec![Cell::Text((*f).to_owned()), Cell::Int(-4)]).collect();
        rows.push(vec![Cell::Text("Team = Mitte".into()), Cell::Number(-1.5)]);
        let table = Table {
            name: "t".into(),
            title: "T".into(),
            columns: vec!["Team".into(), "Saldo".into()],
            rows,
        };
        let text = String::from_utf8(csv(&table).unwrap_or_default()).unwrap_or_default();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let read: Vec<(String, String)> = reader
            .records()
            .filter_map(Result::ok)
            .map(|r| (r[0].to_owned(), r[1].to_owned()))
            .collect();
        for (formula, (cell, number)) in formulas.iter().zip(&read) {
            assert_eq!(cell, &format!("'{formula}"));
            assert_eq!(number, "-4");
        }
        assert_eq!(read[formulas.len()], ("Team = Mitte".to_owned(), "-1.5".to_owned()));
    }
}
