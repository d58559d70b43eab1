//! Charts drawn on the server as SVG, so that they need no JavaScript: horizontal bars, one
//! row per category and one bar per series. Each chart is an `<svg role="img">` whose title
//! and description are its text alternative, and the page shows the same figures as a table.
//! Series differ in pattern as well as colour, and every bar carries its value as text.

use std::fmt::Write;

/// One category of a chart with a value per series (none: no bar).
pub struct Row {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// A bar chart.
pub struct Bars<'a> {
    /// Unique on the page: ids of the title, description and pattern derive from it.
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub series: &'a [String],
    pub rows: &'a [Row],
    /// How a value is written next to its bar.
    pub format: &'a dyn Fn(f64) -> String,
    /// A dashed line at this value with its label (a cap, 100 %).
    pub reference: Option<(f64, &'a str)>,
}

const WIDTH: f64 = 760.0;
const LABEL: f64 = 190.0;
const AREA: f64 = 440.0;
const BAR: f64 = 16.0;
const GAP: f64 = 10.0;
const LEGEND: f64 = 34.0;
/// Dark blue, solid; light blue, hatched.
const FILLS: [&str; 2] = ["#0b3d6e", "#5b8cc2"];

/// Text for SVG content and attributes.
pub fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl Bars<'_> {
    /// The chart as SVG markup.
    pub fn svg(&self) -> String {
        let series = self.series.len().max(1) as f64;
        let row_height = series * BAR + GAP;
        let height = LEGEND + row_height * self.rows.len().max(1) as f64 + 10.0;
        let max = self
            .rows
            .iter()
            .flat_map(|r| r.values.iter().flatten())
            .copied()
            .chain(self.reference.map(|(v, _)| v))
            .fold(0.0_f64, f64::max)
            .max(1e-9);
        let x = |v: f64| LABEL + AREA * (v / max).clamp(0.0, 1.0);
        let id = xml(self.id);
        let mut s = String::new();
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"##,
            xml(self.title),
            xml(self.description)
        );
        let _ = write!(
            s,
            r##"<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>"##,
            FILLS[1]
        );
        let fill = |k: usize| {
            if k.is_multiple_of(2) { FILLS[0].to_owned() } else { format!("url(#{id}-hatch)") }
        };
        // Legend.
        let mut lx = LABEL;
        for (k, name) in self.series.iter().enumerate() {
            let _ = write!(
                s,
                r##"<rect x="{lx}" y="8" width="14" height="14" fill="{}" stroke="#1b1b1b" stroke-width="0.5"/><text x="{}" y="20" font-size="13">{}</text>"##,
                fill(k),
                lx + 20.0,
                xml(name)
            );
            lx += 30.0 + 8.0 * name.chars().count() as f64;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let top = LEGEND + r as f64 * row_height;
            let _ = write!(
                s,
                r##"<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text>"##,
                LABEL - 8.0,
                top + series * BAR / 2.0 + 4.0,
                xml(&row.label)
            );
            for (k, value) in row.values.iter().enumerate() {
                let Some(value) = value else { continue };
                let y = top + k as f64 * BAR;
                let _ = write!(
                    s,
                    r##"<rect x="{LABEL}" y="{y}" width="{:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{}" font-size="12">{}</text>"##,
                    (x(*value) - LABEL).max(0.5),
                    BAR - 2.0,
                    fill(k),
                    x(*value) + 4.0,
                    y + BAR - 5.0,
                    xml(&(self.format)(*value))
                );
            }
        }
        if let Some((value, label)) = self.reference {
            let _ = write!(
                s,
                r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#a30021" stroke-width="1.5" stroke-dasharray="5 3"/><text x="{3:.1}" y="{4}" font-size="12" fill="#a30021">{5}</text>"##,
                x(value),
                LEGEND - 4.0,
                height - 6.0,
                x(value) + 4.0,
                LEGEND - 6.0,
                xml(label)
            );
        }
        s += "</svg>";
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_carries_its_text_alternative_and_every_value() {
        let series = vec!["Angefragt".to_owned(), "Angeboten".to_owned()];
        let rows = vec![
            Row { label: "Arabisch & Levante".into(), values: vec![Some(12.0), Some(30.0)] },
            Row { label: "Tigrinya".into(), values: vec![Some(4.5), None] },
        ];
        let svg = Bars {
            id: "demand",
            title: "Bedarf und Angebot",
            description: "Arabisch: 12 h angefragt, 30 h angeboten.",
            series: &series,
            rows: &rows,
            format: &|v| format!("{v:.1} h"),
            reference: None,
        }
        .svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="demand-title demand-desc""#));
        assert!(svg.contains("Arabisch &amp; Levante"));
        for value in ["12.0 h", "30.0 h", "4.5 h"] {
            assert!(svg.contains(value), "{value}");
        }
        // Three bars, the second series hatched.
        assert_eq!(svg.matches(r#"height="14""#).count(), 3 + 2);
        assert!(svg.contains("url(#demand-hatch)"));
    }
}
