//! Form errors for the pages: the use cases name the fields that are wrong; the pages show a
//! message in the user's language next to each field and a summary at the top.

use super::i18n::Tr;
use crate::error::AppError;

/// One wrong field of a form.
pub struct FieldError {
    /// The form control's `id`, for the summary's link.
    pub field: String,
    pub message: String,
}

/// What was wrong with a submitted form.
#[derive(Default)]
pub struct FormErrors {
    pub items: Vec<FieldError>,
}

impl FormErrors {
    /// Translates a refusal of a use case. `form` prefixes the text keys (`availability` →
    /// `availability.error.end`); `control` maps the use case's field path to the form
    /// control. Returns `None` for failures that are not about the input.
    pub fn from_refusal(
        t: Tr,
        form: &str,
        error: &AppError,
        control: impl Fn(&str) -> String,
    ) -> Option<Self> {
        let errors = match error {
            AppError::Validation(errors) => errors,
            AppError::Conflict { errors, .. } if !errors.is_empty() => errors,
            _ => return None,
        };
        let items = errors
            .fields()
            .map(|path| {
                let field = control(path);
                let key = format!("{form}.error.{field}");
                let message = match t.get(&key) {
                    text if text == key => errors.messages(path).join("; "),
                    text => text.to_owned(),
                };
                FieldError { field, message }
            })
            .collect();
        Some(Self { items })
    }

    /// An error for a control the page itself found wrong (a date that does not parse).
    pub fn add(&mut self, field: &str, message: &str) {
        self.items.push(FieldError { field: field.to_owned(), message: message.to_owned() });
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message for a control, if it is wrong.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// `true` if the control is wrong, for `aria-invalid`.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
}

/// A checkbox sends a value only when ticked.
pub fn ticked(value: &Option<String>) -> bool {
    value.is_some()
}
