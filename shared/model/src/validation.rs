//! Field-level validation errors, shaped for RFC 9457 problem details.

use serde::{Deserialize, Serialize};

/// One invalid field: where it is (a JSON path such as `lines[0].quantity`) and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `ship_to.country`.
    pub field: String,
    /// The rule, as a short human sentence, e.g. `must be greater than 0`.
    pub rule: String,
}

impl FieldError {
    /// A field error for `field` breaking `rule`.
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// Every field error found in one payload; validation reports all of them, not just the first.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Records one more error.
    pub fn push(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.0.push(FieldError::new(field, rule));
    }

    /// Records that `field` broke `rule`; `None`, so a reader can `return errors.fail(…)`.
    pub fn fail<T>(&mut self, field: &str, rule: &str) -> Option<T> {
        self.push(field, rule);
        None
    }

    /// The value, or records the error against `field` and gives `None`. Domain errors read
    /// "sku must not be empty"; only the rule ("must not be empty") is kept, since the path
    /// already names the field.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        result: Result<T, E>,
        field: &str,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                let text = e.to_string();
                let rule = text
                    .find(" must ")
                    .map(|i| text[i + 1..].to_string())
                    .unwrap_or(text);
                self.fail(field, &rule)
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, otherwise every error.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        FieldErrors(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_keeps_the_rule_and_names_the_path() {
        let mut errors = FieldErrors::default();
        assert_eq!(errors.check(Ok::<_, String>(3), "a"), Some(3));
        let missing: Option<u8> = errors.check(Err("sku must not be empty"), "lines[0].sku");
        assert_eq!(missing, None);
        let other: Option<u8> = errors.check(Err("unparseable"), "b");
        assert_eq!(other, None);
        assert_eq!(
            errors.0,
            vec![
                FieldError::new("lines[0].sku", "must not be empty"),
                FieldError::new("b", "unparseable")
            ]
        );
    }
}
