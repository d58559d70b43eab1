//! Field-level validation messages, collected so that one answer names every bad field.

use std::collections::BTreeMap;

/// Messages per field path (`languages[1].tag`, `end`, …), in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One field, one message.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    /// Adds every message of `other`, with its field paths put under `prefix`
    /// (`availability[2]` + `end` = `availability[2].end`).
    pub fn extend_under(&mut self, prefix: &str, other: FieldErrors) {
        for (field, messages) in other.0 {
            let path = if prefix.is_empty() { field } else { format!("{prefix}.{field}") };
            self.0.entry(path).or_default().extend(messages);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn messages(&self, field: &str) -> &[String] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn into_map(self) -> BTreeMap<String, Vec<String>> {
        self.0
    }

    /// `Ok(value)` when nothing was collected, the errors otherwise.
    ///
    /// # Errors
    /// Returns `self` when it holds at least one message.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }
}
