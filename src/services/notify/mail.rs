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
