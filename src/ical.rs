//! iCalendar text (RFC 5545) for the volunteers' feeds and the e-mails' attachments: events in
//! local time of Europe/Berlin with its VTIMEZONE, so that phones and Outlook show the right
//! times on both sides of a daylight-saving change. Text is escaped and lines are folded at 75
//! octets, as the RFC asks.

use chrono::{DateTime, Utc};

use crate::domain::time::BERLIN;

/// How sure an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    /// A proposal not yet confirmed.
    Tentative,
    Cancelled,
}

impl EventStatus {
    fn as_str(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Tentative => "TENTATIVE",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// One event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable for the same assignment, whatever changes.
    pub uid: String,
    /// Raised on every change, so that calendars replace the old version.
    pub sequence: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub location: String,
    pub description: String,
    pub status: EventStatus,
    pub stamp: DateTime<Utc>,
}

/// Europe/Berlin since 1996: summer time from the last Sunday of March to the last of October.
const BERLIN_VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// TEXT values: backslash, semicolon, comma and line breaks escaped. A TEXT value holds no
/// other control character (RFC 5545, 3.3.11): a bare CR would end the line for some readers
/// and let the rest pass for a property of its own.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            // CR LF is one break: the LF writes it.
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line, folded after 75 octets without splitting a character.
fn line(out: &mut String, content: &str) {
    let mut used = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if used + len > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&BERLIN).format("%Y%m%dT%H%M%S").to_string()
}

/// A calendar of `events`; `method` (`REQUEST`, `CANCEL`) for invitations sent by e-mail.
pub fn calendar(name: &str, method: Option<&str>, events: &[Event]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//sprachpool//Dolmetschpool//DE");
    line(&mut out, "CALSCALE:GREGORIAN");
    if let Some(method) = method {
        line(&mut out, &format!("METHOD:{method}"));
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, "X-WR-TIMEZONE:Europe/Berlin");
    out.push_str(BERLIN_VTIMEZONE);
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(&e.uid)));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        line(&mut out, &format!("DTSTAMP:{}", e.stamp.format("%Y%m%dT%H%M%SZ")));
        line(&mut out, &format!("DTSTART;TZID=Europe/Berlin:{}", local(e.start)));
        line(&mut out, &format!("DTEND;TZID=Europe/Berlin:{}", local(e.end)));
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        if !e.location.is_empty() {
            line(&mut out, &format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        }
        line(&mut out, &format!("STATUS:{}", e.status.as_str()));
        line(&mut out, "TRANSP:OPAQUE");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_and_text_is_escaped() {
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", escape(&"Ü, Dolmetschen; Beratung\n".repeat(5))));
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{physical:?} has {} octets", physical.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert!(unfolded.starts_with("SUMMARY:Ü\\, Dolmetschen\\; Beratung\\nÜ"));
    }

    #[test]
    fn a_bare_carriage_return_cannot_start_a_property() {
        assert_eq!(
            escape("Mitte\rATTENDEE:mailto:eve@example.org"),
            "Mitte\\nATTENDEE:mailto:eve@example.org"
        );
        assert_eq!(escape("a\r\nb\nc\u{0}\u{7f}\td"), "a\\nb\\nc\td");
    }

    fn event(uid: String, summary: String, location: String, sequence: i64) -> Event {
        let at = DateTime::parse_from_rfc3339("2026-03-29T01:30:00Z").unwrap().to_utc();
        Event {
            uid,
            sequence,
            start: at,
            end: at + chrono::Duration::hours(1),
            summary,
            location,
            description: String::new(),
            status: EventStatus::Tentative,
            stamp: at,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Whatever the text, each physical line fits 75 octets, and unfolded, no content
        /// line holds a break or a control character: every property is one the feed writes.
        #[test]
        fn any_text_stays_inside_its_property(
            name in proptest::prelude::any::<String>(),
            uid in "[a-z0-9@.-]{0,20}|\\PC{0,30}",
            summary in proptest::prelude::any::<String>(),
            location in "[\r\n\t;,\\\\ a-zü]{0,200}",
            sequence in proptest::prelude::any::<i64>(),
        ) {
            let plain = calendar("x", Some("REQUEST"), &[event("u".into(), "s".into(), "l".into(), 0)]);
            let out = calendar(&name, Some("REQUEST"), &[event(uid, summary, location.clone(), sequence)]);
            for physical in out.split("\r\n") {
                proptest::prop_assert!(physical.len() <= 75, "{physical:?}");
            }
            let unfolded = out.replace("\r\n ", "");
            let names = |text: &str| -> Vec<String> {
                text.split("\r\n").map(|l| l.split([':', ';']).next().unwrap_or_default().to_owned()).collect()
            };
            for content in unfolded.split("\r\n") {
                proptest::prop_assert!(!content.chars().any(|c| c.is_control() && c != '\t'), "{content:?}");
            }
            let mut expected = names(&plain.replace("\r\n ", ""));
            if location.is_empty() {
                expected.retain(|n| n != "LOCATION");
            }
            proptest::prop_assert_eq!(names(&unfolded), expected);
        }
    }
}
