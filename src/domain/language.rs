//! BCP 47 language tags, as used in the organisation's language list (`ar`, `apc`, `kmr`,
//! `sr-Latn`, …). Varieties are languages of their own; a variety may name its macrolanguage
//! as a fallback (Levantine Arabic → Arabic), which the language list holds.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A well-formed, canonically cased BCP 47 tag limited to what a language list needs:
/// a 2–3 letter language subtag, an optional 4-letter script and an optional region
/// (2 letters or 3 digits). Whether the tag is on the organisation's list is checked elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageTag(String);

/// Why a string is not a language tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a BCP 47 language tag such as \"ar\", \"apc\" or \"sr-Latn\"")]
pub struct InvalidTag;

impl LanguageTag {
    /// Parses and canonicalises case (`SR-latn` → `sr-Latn`, `pt-br` → `pt-BR`).
    ///
    /// # Errors
    /// [`InvalidTag`] when the text is not of the supported shape.
    pub fn parse(text: &str) -> Result<Self, InvalidTag> {
        let mut parts = text.trim().split(['-', '_']);
        let language = parts.next().ok_or(InvalidTag)?;
        if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(InvalidTag);
        }
        let mut canonical = language.to_ascii_lowercase();
        let mut seen_script = false;
        let mut seen_region = false;
        for part in parts {
            let alphabetic = part.chars().all(|c| c.is_ascii_alphabetic());
            let numeric = part.chars().all(|c| c.is_ascii_digit());
            if part.len() == 4 && alphabetic && !seen_script && !seen_region {
                seen_script = true;
                canonical.push('-');
                canonical.push_str(&part[..1].to_ascii_uppercase());
                canonical.push_str(&part[1..].to_ascii_lowercase());
            } else if ((part.len() == 2 && alphabetic) || (part.len() == 3 && numeric))
                && !seen_region
            {
                seen_region = true;
                canonical.push('-');
                canonical.push_str(&part.to_ascii_uppercase());
            } else {
                return Err(InvalidTag);
            }
        }
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for LanguageTag {
    type Err = InvalidTag;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for LanguageTag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LanguageTag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for LanguageTag {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$"))
            .description(Some("BCP 47 language tag, e.g. `ar`, `apc`, `kmr`, `sr-Latn`"))
            .examples(["apc"])
            .into()
    }
}

impl utoipa::ToSchema for LanguageTag {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonicalises_case() {
        assert_eq!(LanguageTag::parse("AR").unwrap().as_str(), "ar");
        assert_eq!(LanguageTag::parse("SR-latn").unwrap().as_str(), "sr-Latn");
        assert_eq!(LanguageTag::parse("pt_br").unwrap().as_str(), "pt-BR");
        assert_eq!(LanguageTag::parse("es-419").unwrap().as_str(), "es-419");
    }

    #[test]
    fn rejects_what_is_not_a_tag() {
        for bad in ["", "a", "arabic", "ar-", "ar-Latn-Cyrl", "ar-DE-SY", "1a", "ar x"] {
            assert_eq!(LanguageTag::parse(bad), Err(InvalidTag), "{bad:?}");
        }
    }

    /// The canonical shape the OpenAPI document promises:
    /// `^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$`, and canonically cased.
    fn canonical(tag: &str) -> bool {
        let mut parts = tag.split('-');
        let language = parts.next().unwrap_or_default();
        let lower = |p: &str| p.bytes().all(|b| b.is_ascii_lowercase());
        let upper = |p: &str| p.bytes().all(|b| b.is_ascii_uppercase());
        let rest: Vec<&str> = parts.collect();
        let script = |p: &str| {
            p.len() == 4
                && p.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
                && p.bytes().skip(1).all(|b| b.is_ascii_lowercase())
        };
        let region = |p: &str| {
            p.len() == 2 && upper(p) || p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit())
        };
        (2..=3).contains(&language.len())
            && lower(language)
            && match rest.as_slice() {
                [] => true,
                [one] => script(one) || region(one),
                [first, second] => script(first) && region(second),
                _ => false,
            }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the text, a tag is canonical, prints back to itself, and case and `_` do
        /// not matter.
        #[test]
        fn any_text_gives_a_canonical_tag_or_is_refused(
            text in prop_oneof![
                any::<String>(),
                "[A-Za-z0-9]{1,4}([-_][A-Za-z0-9]{1,5}){0,3}",
                "\\s?[a-z]{2,3}(-[A-Za-z]{4})?(-[A-Z]{2}|-[0-9]{3})?\\s?",
            ],
        ) {
            let parsed = LanguageTag::parse(&text);
            if let Ok(tag) = &parsed {
                prop_assert!(canonical(tag.as_str()), "{text:?} gave {tag}");
                let printed = LanguageTag::parse(&tag.to_string());
                prop_assert_eq!(printed.as_ref(), Ok(tag));
                let json = serde_json::to_string(tag).unwrap();
                let read = serde_json::from_str::<LanguageTag>(&json).ok();
                prop_assert_eq!(read.as_ref(), Some(tag));
            }
            prop_assert_eq!(LanguageTag::parse(&text.to_ascii_uppercase()), parsed.clone());
            prop_assert_eq!(LanguageTag::parse(&text.replace('-', "_")), parsed);
        }

        #[test]
        fn parsing_is_idempotent(text in "[A-Za-z]{2,3}(-[A-Za-z]{4})?(-[A-Za-z]{2})?") {
            let once = LanguageTag::parse(&text).unwrap();
            let twice = LanguageTag::parse(once.as_str()).unwrap();
            prop_assert_eq!(once, twice);
        }
    }
}
