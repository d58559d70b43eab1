//! Free text as requests send it: names, notes, reasons, addresses. Each field has a maximum
//! length, stated in the OpenAPI schema beside the rules here, so that a client knows before
//! sending what is accepted. Control characters are refused: no form sends them, a log or a
//! CSV line would carry them on, and PostgreSQL refuses a NUL in text.
//!
//! The schema states the same rules as patterns, written out at each field because utoipa
//! takes only string literals there: [`REQUIRED_PATTERN`] and [`OPTIONAL_PATTERN`].

use crate::domain::FieldErrors;

/// The schema pattern of a required text: no control characters, something besides spaces.
pub const REQUIRED_PATTERN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// The schema pattern of an optional text: no control characters (blank means none).
pub const OPTIONAL_PATTERN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// Checks a required text as it will be stored, trimmed: refused (naming `field`) when blank,
/// longer than `max` characters, or holding control characters.
pub fn required(text: &str, field: &str, max: usize, errors: &mut FieldErrors) {
    let text = text.trim();
    if text.is_empty() {
        errors.add(field, "must not be empty");
    } else {
        check(text, field, max, errors);
    }
}

/// Checks an optional text as it will be stored, trimmed; blank means none and is accepted.
pub fn optional(text: Option<&str>, field: &str, max: usize, errors: &mut FieldErrors) {
    if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
        check(text, field, max, errors);
    }
}

/// Checks a text of lines and paragraphs: as [`optional`], but tabs and line breaks are
/// taken. The schema's pattern at such a field says so.
pub fn lines(text: &str, field: &str, max: usize, errors: &mut FieldErrors) {
    if text.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        errors.add(field, "must not contain control characters");
    }
}

fn check(text: &str, field: &str, max: usize, errors: &mut FieldErrors) {
    if text.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        errors.add(field, "must not contain control characters");
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn blank_is_refused_when_required_and_accepted_when_optional() {
        let mut errors = FieldErrors::new();
        required("  ", "title", 10, &mut errors);
        assert_eq!(errors.messages("title"), ["must not be empty"]);
        let mut errors = FieldErrors::new();
        optional(Some(" \t"), "note", 10, &mut errors);
        assert!(errors.is_empty());
    }

    #[test]
    fn length_counts_characters_after_trimming() {
        let mut errors = FieldErrors::new();
        required("  Größe  ", "name", 5, &mut errors);
        assert!(errors.is_empty());
        required("Größen", "name", 5, &mut errors);
        assert_eq!(errors.messages("name"), ["must be at most 5 characters"]);
    }

    proptest! {
        /// A text is accepted exactly when its trimmed form is 1..=max characters without
        /// control characters: the rule the schema states.
        #[test]
        fn accepted_exactly_as_documented(text in "\\PC{0,12}|[\\x00-\\x1f a]{1,4}") {
            let mut errors = FieldErrors::new();
            required(&text, "t", 8, &mut errors);
            let trimmed = text.trim();
            let documented = !trimmed.is_empty()
                && trimmed.chars().count() <= 8
                && !trimmed.chars().any(char::is_control);
            prop_assert_eq!(errors.is_empty(), documented, "{:?}", text);
        }
    }
}
