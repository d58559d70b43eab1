//! Fuzzing of the catalogue reader: arbitrary text, and valid catalogues — with a byte-order
//! mark, quoted cells holding `;`, `"` and line breaks, blank lines, any line ending — where
//! one cell is spoiled or a row has a cell too few or too many. Nothing panics, and a fault is
//! reported on the line an editor shows for its record.

use proptest::prelude::*;

use super::{HEADER, read};
use crate::domain::FieldErrors;
use crate::error::AppError;

/// Every field name a fault may be reported under.
fn known_field(name: &str) -> bool {
    HEADER.contains(&name)
}

/// The faults of any text: under `line N` or `line N.field`, with N a line of the text.
fn faults_are_placed(text: &str, errors: &FieldErrors) -> Result<(), TestCaseError> {
    let lines = text.matches(['\n', '\r']).count() + 1;
    for key in errors.fields() {
        let place = key.strip_prefix("line ").unwrap_or_default();
        let (line, field) = place.split_once('.').unwrap_or((place, ""));
        let line: usize = line.parse().map_err(|_| TestCaseError::fail(key.to_owned()))?;
        prop_assert!((1..=lines).contains(&line), "{key} in {lines} lines");
        prop_assert!(field.is_empty() || known_field(field), "{key}");
    }
    Ok(())
}

fn read_any(text: &str) -> Result<(), TestCaseError> {
    match read(text) {
        Ok(catalogue) => {
            faults_are_placed(text, &catalogue.errors)?;
            prop_assert!(catalogue.rows.iter().all(|r| r.line >= 2));
            prop_assert!(!catalogue.rows.is_empty() || !catalogue.errors.is_empty());
        }
        Err(AppError::Validation(errors)) => {
            prop_assert_eq!(errors.fields().collect::<Vec<_>>(), ["line 1"]);
        }
        Err(other) => return Err(TestCaseError::fail(format!("{other:?}"))),
    }
    Ok(())
}

/// A cell as written in the file: quoted when it holds the delimiter, a quote or a break.
fn cell(text: &str) -> String {
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The sixteen cells of a course that reads without fault.
fn good_row() -> impl Strategy<Value = Vec<String>> {
    let date = (2000i32..2100, 1u32..13, 1u32..29, any::<bool>()).prop_map(|(y, m, d, german)| {
        if german { format!("{d:02}.{m:02}.{y}") } else { format!("{y}-{m:02}-{d:02}") }
    });
    let flag =
        prop::sample::select(vec!["ja", "Nein", "YES", "no", "true", "FALSE", "1", "0", "x", ""]);
    // Texts hold no line breaks (see `domain::text`); `;` and `"` need quoting.
    let free_text = "[A-Za-zäöüß0-9 ;\".-]{0,12}";
    (
        (
            "[A-Za-zÄÖÜ][A-Za-zäöüß ;\"-]{0,15}",
            prop::sample::select(vec!["integration_general", "integration_women", "job_b1_b2"]),
            prop::sample::select(vec!["A1", "A2", "B1", "B2", "C1", "C2"]),
            1i32..=2000,
            date,
            prop::option::of(1i64..400),
            flag.clone(),
            prop::sample::select(vec!["full_time", "part_time"]),
            prop::sample::select(vec!["morning", "afternoon", "evening"]),
        ),
        (free_text, free_text, 1i32..=1000, 0i32..=100, flag, free_text, any::<bool>()),
    )
        .prop_map(
            |(
                (provider, programme, level, units, starts, ends_after, rolling, schedule, time),
                (site, address, seats, free, childcare, reference, padded),
            )| {
                let ends = ends_after.map(|days| {
                    let start = super::date(&starts).unwrap_or_default();
                    (start + chrono::Duration::days(days)).format("%d.%m.%Y").to_string()
                });
                // A deadline needs an end not before it: the start is one.
                let deadline = ends.as_ref().map(|_| starts.clone()).unwrap_or_default();
                let free_seats = seats * free / 100;
                let units = if padded { format!(" {units} ") } else { units.to_string() };
                vec![
                    provider,
                    programme.to_owned(),
                    level.to_owned(),
                    units,
                    starts,
                    ends.unwrap_or_default(),
                    deadline,
                    rolling.to_owned(),
                    schedule.to_owned(),
                    time.to_owned(),
                    site,
                    address,
                    seats.to_string(),
                    free_seats.to_string(),
                    childcare.to_owned(),
                    reference,
                ]
            },
        )
}

/// A value that the field cannot read, and that spoils only that field.
fn spoiled(field: &str) -> Option<&'static str> {
    Some(match field {
        "provider" => " ",
        "programme" | "schedule" | "time_of_day" => "nope",
        "target_level" => "B3",
        "teaching_units" | "seats" | "free_seats" => "99999999999",
        "starts_on" | "ends_on" | "registration_deadline" => "31.02.2026",
        "rolling_entry" | "childcare" => "vielleicht",
        _ => return None,
    })
}

/// What is done to one row of a valid catalogue.
#[derive(Debug, Clone)]
enum Fault {
    /// The cell of this column gets a value its field cannot read.
    Cell(usize),
    /// The last cell is left out.
    CellTooFew,
    /// A cell is added.
    CellTooMany,
}

/// A catalogue as text, and the line each row starts on.
fn catalogue(
    rows: &[Vec<String>],
    ending: &str,
    blank_before: &[usize],
    bom: bool,
    last_ending: bool,
) -> (String, Vec<usize>) {
    let mut text = String::from(if bom { "\u{feff}" } else { "" });
    text.push_str(&HEADER.map(|h| h.to_uppercase()).join(";"));
    text.push_str(ending);
    let mut line = 2;
    let mut starts = Vec::new();
    for (k, row) in rows.iter().enumerate() {
        let blanks = blank_before.get(k).copied().unwrap_or(0);
        text.push_str(&ending.repeat(blanks));
        line += blanks;
        starts.push(line);
        let written: Vec<String> = row.iter().map(|c| cell(c)).collect();
        text.push_str(&written.join(";"));
        line += row.iter().map(|c| c.matches('\n').count()).sum::<usize>();
        if k + 1 < rows.len() || last_ending {
            text.push_str(ending);
            line += 1;
        }
    }
    (text, starts)
}

fn layout() -> impl Strategy<Value = (&'static str, Vec<usize>, bool, bool)> {
    (
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
        prop::collection::vec(0usize..3, 8),
        any::<bool>(),
        any::<bool>(),
    )
}

#[test]
fn line_numbers_follow_the_editor_across_blank_lines_and_line_endings() {
    for ending in ["\n", "\r\n", "\r"] {
        let good = "VHS;job_b1_b2;B1;700;2026-09-01;;;nein;part_time;morning;;;20;4;ja;K-1";
        let bad = "VHS;nope;B1;700;2026-09-01;;;nein;part_time;morning;;;20;4;ja;K-2";
        let text = [HEADER.join(";").as_str(), good, "", "", bad].join(ending);
        let Ok(catalogue) = read(&text) else { panic!("the header is right") };
        assert_eq!(catalogue.errors.fields().collect::<Vec<_>>(), ["line 5.programme"]);
        assert_eq!(catalogue.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2]);
    }
}

#[test]
fn a_date_beyond_four_digit_years_is_a_fault_of_its_cell() {
    let text = format!(
        "{}\nVHS;job_b1_b2;B1;700;+262142-12-31;01.09.+262142;;nein;part_time;morning;;;20;4;ja;K-1",
        HEADER.join(";")
    );
    let Ok(catalogue) = read(&text) else { panic!("the header is right") };
    assert_eq!(
        catalogue.errors.fields().collect::<Vec<_>>(),
        ["line 2.ends_on", "line 2.starts_on"]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_text_is_read_or_refused_at_its_header(text in any::<String>()) {
        read_any(&text)?;
    }

    #[test]
    fn any_text_under_the_header_is_read_with_faults_placed(
        bom in any::<bool>(),
        body in "[;\"\r\n a-z0-9.:_-]{0,300}",
    ) {
        let text = format!("{}{}\n{body}", if bom { "\u{feff}" } else { "" }, HEADER.join(";"));
        let catalogue = read(&text).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        faults_are_placed(&text, &catalogue.errors)?;
    }

    #[test]
    fn arbitrary_bytes_are_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        read_any(&String::from_utf8_lossy(&bytes))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// A valid catalogue reads whole, each row on the line where it starts.
    #[test]
    fn a_valid_catalogue_reads_every_row_on_its_line(
        rows in prop::collection::vec(good_row(), 1..6),
        (ending, blanks, bom, last_ending) in layout(),
    ) {
        let (text, starts) = catalogue(&rows, ending, &blanks, bom, last_ending);
        let catalogue = read(&text).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(catalogue.errors.is_empty(), "{:?}\n{text:?}", catalogue.errors);
        prop_assert_eq!(catalogue.rows.iter().map(|r| r.line).collect::<Vec<_>>(), starts);
        for (row, cells) in catalogue.rows.iter().zip(&rows) {
            prop_assert_eq!(&row.provider, cells[0].trim());
            prop_assert_eq!(row.input.address.as_deref().unwrap_or_default(), cells[11].trim());
        }
    }

    /// One fault is reported once, on the line of its row, and the other rows still read.
    #[test]
    fn one_fault_is_reported_on_its_line(
        mut rows in prop::collection::vec(good_row(), 1..6),
        (ending, blanks, bom, last_ending) in layout(),
        row in any::<prop::sample::Index>(),
        fault in prop_oneof![
            (0..HEADER.len()).prop_map(Fault::Cell),
            Just(Fault::CellTooFew),
            Just(Fault::CellTooMany),
        ],
    ) {
        let r = row.index(rows.len());
        let expected = match fault {
            Fault::Cell(column) => {
                let Some(bad) = spoiled(HEADER[column]) else { return Ok(()) };
                rows[r][column] = bad.to_owned();
                Some(HEADER[column])
            }
            Fault::CellTooFew => {
                rows[r].pop();
                None
            }
            Fault::CellTooMany => {
                rows[r].push("extra;cell".to_owned());
                None
            }
        };
        let (text, starts) = catalogue(&rows, ending, &blanks, bom, last_ending);
        let catalogue = read(&text).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let key = match expected {
            Some(field) => format!("line {}.{field}", starts[r]),
            None => format!("line {}", starts[r]),
        };
        prop_assert_eq!(catalogue.errors.fields().collect::<Vec<_>>(), [key.as_str()], "{:?}", text);
        prop_assert_eq!(catalogue.rows.len(), rows.len() - 1);
    }
}
