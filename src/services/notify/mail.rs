//! A queued notice as an e-mail in the recipient's language: plain text and HTML, and for the
//! calendar an iCalendar attachment — `METHOD:REQUEST` with the event (tentative for a
//! proposal), or `METHOD:CANCEL` when it leaves the calendar. Time, place, language and kind
//! only.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use super::{Notice, NoticeKind};
use crate::domain::Locale;
use crate::domain::time::BERLIN;
use crate::i18n::Tr;
use crate::ical::{self, EventStatus};

/// The message to `to`, from `from`.
///
/// # Errors
/// An address that does not parse, or a message lettre refuses to build.
pub fn render(
    notice: &Notice,
    locale: Locale,
    from: &Mailbox,
    to: &str,
) -> Result<Message, String> {
    let t = Tr(locale);
    let to: Mailbox = to.parse().map_err(|e| format!("recipient address: {e}"))?;
    let Some(e) = &notice.event else {
        // A reminder of referrals to follow up: a count and a hint, no client.
        let n = notice.due.unwrap_or(0).to_string();
        let subject = t.fill("mail.subject.referrals_due", &[("count", &n)]);
        let text = format!(
            "{}\n\n{}\n",
            t.fill("mail.lead.referrals_due", &[("count", &n)]),
            t.get("mail.footer")
        );
        return Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| e.to_string());
    };
    let language = if locale == Locale::De { &e.language_de } else { &e.language_en };
    let local = e.start.with_timezone(&BERLIN);
    let when = format!(
        "{} {}–{}",
        t.date(local.date_naive()),
        local.format("%H:%M"),
        e.end.with_timezone(&BERLIN).format("%H:%M")
    );
    let kind = t.get(&format!("kind.{}", e.kind)).to_owned();
    let place = if e.place.is_empty() {
        t.get(&format!("mode.{}", e.mode)).to_owned()
    } else {
        e.place.clone()
    };
    let key = notice.kind.as_str();
    let subject =
        t.fill(&format!("mail.subject.{key}"), &[("language", language), ("when", &when)]);
    let lead = t.get(&format!("mail.lead.{key}")).to_owned();
    let facts = [
        (t.get("mail.when"), when.clone()),
        (t.get("mail.where"), place.clone()),
        (t.get("mail.language"), language.clone()),
        (t.get("mail.kind"), kind.clone()),
    ];
    let mut text = format!("{lead}\n\n");
    let mut html = format!("<p>{}</p><dl>", escape(&lead));
    for (label, value) in &facts {
        text.push_str(&format!("{label}: {value}\n"));
        html.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(label), escape(value)));
    }
    let footer = t.get("mail.footer");
    text.push_str(&format!("\n{footer}\n"));
    html.push_str(&format!("</dl><p>{}</p>", escape(footer)));
    let html = format!("<!doctype html><html lang=\"{}\"><body>{html}</body></html>", t.code());

    let status = match notice.kind {
        kind if kind.removes_event() => EventStatus::Cancelled,
        NoticeKind::Proposal => EventStatus::Tentative,
        _ if e.confirmed => EventStatus::Confirmed,
        _ => EventStatus::Tentative,
    };
    let method = if notice.kind.removes_event() { "CANCEL" } else { "REQUEST" };
    let event = ical::Event {
        uid: e.uid.clone(),
        sequence: e.sequence,
        start: e.start,
        end: e.end,
        summary: format!("{}: {language} ({kind})", t.get("calendar.interpreting")),
        location: place,
        description: String::new(),
        status,
        stamp: chrono::Utc::now(),
    };
    let ics = ical::calendar(t.get("calendar.name"), Some(method), &[event]);
    let calendar_type =
        ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
            .map_err(|e| e.to_string())?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .multipart(
            MultiPart::mixed()
                .multipart(
                    MultiPart::alternative()
                        .singlepart(SinglePart::plain(text))
                        .singlepart(SinglePart::html(html)),
                )
                .singlepart(Attachment::new("termin.ics".to_owned()).body(ics, calendar_type)),
        )
        .map_err(|e| e.to_string())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// A payload as `assignment_changed` writes it.
    fn payload() -> Value {
        json!({
            "kind": "proposal",
            "event": {
                "uid": "assignment-7@sprachpool",
                "sequence": 3,
                "start": "2026-03-29T07:00:00Z",
                "end": "2026-03-29T08:00:00Z",
                "language_de": "Arabisch",
                "language_en": "Arabic",
                "kind": "counselling",
                "place": "Jobcenter Mitte, Steinsche Gasse 26",
                "mode": "in_person",
                "confirmed": false
            },
            "due": null
        })
    }

    /// Text as it may reach a payload from what admins type in: breaks, headers, markup.
    fn odd_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::sample::select(vec![
                json!("\r\nBcc: eve@example.org"),
                json!("\nSubject: sale"),
                json!("x\r"),
                json!("<script>alert(1)</script>"),
                json!("ü".repeat(400)),
                json!(""),
                json!(i64::MIN),
                json!(i64::MAX),
                json!(u64::MAX),
                json!(null),
                json!({}),
                json!([]),
                json!("0000-01-01T00:00:00Z"),
                json!("9999-12-31T23:59:59Z"),
                json!("2026-10-25T00:30:00Z"),
                json!("referrals_due"),
                json!("cancelled"),
            ]),
            any::<String>().prop_map(Value::String),
        ]
    }

    fn leaves(value: &Value, at: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = value {
            for (key, child) in map {
                let pointer = format!("{at}/{key}");
                leaves(child, &pointer, out);
                out.push(pointer);
            }
        }
    }

    /// A payload is read or refused; a notice read is always a message, whose headers are
    /// the ones it sets and no more.
    fn read_and_render(payload: &str) -> Result<(), TestCaseError> {
        let notice = match Notice::from_payload(payload) {
            Ok(notice) => notice,
            Err(refusal) => {
                prop_assert!(refusal.starts_with("payload: "), "{refusal}");
                return Ok(());
            }
        };
        let from: Mailbox = "sprachpool <noreply@sprachpool.invalid>".parse().unwrap();
        for locale in [Locale::De, Locale::En] {
            let message = render(&notice, locale, &from, "ana@example.org")
                .map_err(|e| TestCaseError::fail(format!("not rendered: {e}")))?;
            let text = String::from_utf8_lossy(&message.formatted()).into_owned();
            let (head, _) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
            let names: Vec<&str> = head
                .split("\r\n")
                .filter(|l| !l.starts_with([' ', '\t']))
                .map(|header| header.split(':').next().unwrap_or_default())
                .collect();
            for name in &names {
                prop_assert!(
                    [
                        "From",
                        "To",
                        "Subject",
                        "Date",
                        "MIME-Version",
                        "Content-Type",
                        "Content-Transfer-Encoding"
                    ]
                    .contains(name),
                    "header {name:?} in {head:?}"
                );
            }
            for once in ["From", "To", "Subject"] {
                prop_assert_eq!(names.iter().filter(|n| **n == once).count(), 1, "{}", head);
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn any_payload_is_read_or_refused(payload in any::<String>()) {
            read_and_render(&payload)?;
        }

        #[test]
        fn a_changed_payload_is_refused_or_sent_with_its_own_headers(
            edits in prop::collection::vec((any::<prop::sample::Index>(), odd_value()), 1..4),
        ) {
            let mut payload = payload();
            for (at, value) in edits {
                let mut all = Vec::new();
                leaves(&payload, "", &mut all);
                let pointer: &String = at.get(&all);
                if let Some(slot) = payload.pointer_mut(pointer) {
                    *slot = value;
                }
            }
            read_and_render(&payload.to_string())?;
        }
    }

    #[test]
    fn recipient_addresses_are_refused_not_trusted() {
        let notice = Notice::from_payload(&payload().to_string()).unwrap();
        let from: Mailbox = "noreply@sprachpool.invalid".parse().unwrap();
        for to in ["", "ana", "ana@example.org\r\nBcc: eve@example.org", "<>"] {
            assert!(render(&notice, Locale::De, &from, to).is_err(), "{to:?}");
        }
    }
}
