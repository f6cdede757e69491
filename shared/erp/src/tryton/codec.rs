//! The pure parts of the Tryton JSON-RPC adapter: value encoding and error classification.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::{ErpError, RejectionCode};

/// Encodes a decimal the way Tryton's JSON encoder does: `{"__class__":"Decimal","decimal":"…"}`.
pub(crate) fn decimal(value: Decimal) -> Value {
    json!({"__class__": "Decimal", "decimal": value.normalize().to_string()})
}

/// Encodes a date the way Tryton's JSON encoder does.
pub(crate) fn date(value: chrono::NaiveDate) -> Value {
    use chrono::Datelike;
    json!({"__class__": "date", "year": value.year(), "month": value.month(), "day": value.day()})
}

/// Encodes a UTC instant as Tryton's naive datetime (the server keeps UTC: trytond sets
/// `TZ=UTC`), to the microsecond.
pub(crate) fn datetime(value: chrono::DateTime<chrono::Utc>) -> Value {
    use chrono::{Datelike, Timelike};
    json!({
        "__class__": "datetime",
        "year": value.year(), "month": value.month(), "day": value.day(),
        "hour": value.hour(), "minute": value.minute(), "second": value.second(),
        "microsecond": value.nanosecond() / 1_000,
    })
}

/// Reads a `{"__class__":"datetime",…}` Tryton sent (a naive UTC time) as a UTC instant.
pub(crate) fn parse_datetime(value: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let map = value.as_object()?;
    if map.get("__class__").and_then(Value::as_str) != Some("datetime") {
        return None;
    }
    let part = |name: &str| map.get(name).and_then(Value::as_u64).unwrap_or(0) as u32;
    let year = i32::try_from(map.get("year")?.as_i64()?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, part("month"), part("day"))?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        part("hour"),
        part("minute"),
        part("second"),
        part("microsecond"),
    )?;
    Some(date.and_time(time).and_utc())
}

/// Reads a `{"__class__":"date",…}` Tryton sent.
pub(crate) fn parse_date(value: &Value) -> Option<chrono::NaiveDate> {
    let map = value.as_object()?;
    if map.get("__class__").and_then(Value::as_str) != Some("date") {
        return None;
    }
    let part = |name: &str| map.get(name).and_then(Value::as_u64).map(|v| v as u32);
    let year = i32::try_from(map.get("year")?.as_i64()?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, part("month")?, part("day")?)
}

/// Reads a number Tryton sent: a `Decimal` object (Numeric fields), a JSON number (Float and
/// Integer fields) or a string. JSON numbers are parsed from their text, never through `f64`
/// arithmetic, so `2.0` reads as exactly 2.
pub(crate) fn parse_decimal(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::Object(map) if map.get("__class__").and_then(Value::as_str) == Some("Decimal") => {
            map.get("decimal")?.as_str()?.to_owned()
        }
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.clone(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

/// What a Tryton `{"error": …}` says, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// `["UserError", [message, description, domain]]`: a business rule.
    User { message: String },
    /// `["UserWarning", [name, message, description]]`: skippable with `res.user.warning.skip`.
    Warning { name: String, message: String },
    /// Concurrency, lock, timeout, rate limit: try again later.
    Transient { message: String },
    /// `LoginException`: the credentials do not work (configuration, not the document).
    Login { message: String },
    /// Anything else: a server-side exception (`[str(exc), traceback]`).
    Server { message: String },
}

impl Fault {
    /// Classifies the `error` member of a JSON-RPC response.
    pub(crate) fn from_error(error: &Value) -> Self {
        let kind = error.get(0).and_then(Value::as_str).unwrap_or_default();
        let args = error.get(1).cloned().unwrap_or(Value::Null);
        let text = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        match kind {
            "UserError" => {
                let message = text(args.get(0));
                let description = text(args.get(1));
                let message = if description.is_empty() {
                    message
                } else {
                    format!("{message} {description}")
                };
                Self::User {
                    message: clean(&message),
                }
            }
            "UserWarning" => Self::Warning {
                name: text(args.get(0)),
                message: clean(&text(args.get(1))),
            },
            "ConcurrencyException" => Self::Transient {
                message: format!("concurrency: {}", text_or_json(&args)),
            },
            "RateLimitException" | "TimeOutException" => Self::Transient {
                message: kind.to_owned(),
            },
            "LoginException" => Self::Login {
                message: text_or_json(&args),
            },
            _ => {
                // Not a TrytonException: `[str(exception), traceback]`.
                let message = first_line(kind);
                if is_transient_text(kind) {
                    Self::Transient { message }
                } else {
                    Self::Server { message }
                }
            }
        }
    }

    /// The error the port reports for this fault. Warnings not handled by the caller are
    /// business refusals; unknown server exceptions count as transient (so the message is
    /// retried and, if it keeps failing, ends in a DLQ for an operator) rather than rejecting a
    /// customer's order because of an ERP bug.
    pub(crate) fn into_error(self, method: &str) -> ErpError {
        match self {
            Self::User { message } | Self::Warning { message, .. } => {
                ErpError::rejected(RejectionCode::ErpRule, message)
            }
            Self::Transient { message } => ErpError::unavailable(format!("{method}: {message}")),
            Self::Login { message } => {
                ErpError::unavailable(format!("{method}: login refused: {message}"))
            }
            Self::Server { message } => {
                ErpError::unavailable(format!("{method}: server error: {message}"))
            }
        }
    }
}

/// The error for an HTTP status that is not 200 (401/403 are handled by the session logic).
pub(crate) fn status_error(method: &str, status: u16, body: &str) -> ErpError {
    let detail = first_line(body);
    let what = match status {
        401 | 403 => "not authorised (check the ERP user and password)",
        404 => "not found (check the ERP URL and database name)",
        429 => "rate limited",
        500..=599 => "server error",
        _ => "unexpected HTTP status",
    };
    if detail.is_empty() {
        ErpError::unavailable(format!("{method}: HTTP {status} {what}"))
    } else {
        ErpError::unavailable(format!("{method}: HTTP {status} {what}: {detail}"))
    }
}

/// True for server messages that describe a transient condition.
fn is_transient_text(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "database is locked",
        "could not serialize",
        "deadlock",
        "lock",
        "timeout",
        "timed out",
        "too many",
        "operationalerror",
        "connection",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

fn text_or_json(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// Tryton formats quantities with non-breaking spaces; keep messages plain and short.
fn clean(text: &str) -> String {
    let text = text.replace(['\u{a0}', '\u{202f}'], " ");
    let text = text.trim();
    if text.chars().count() > 1000 {
        text.chars().take(1000).collect::<String>() + "…"
    } else {
        text.to_owned()
    }
}

fn first_line(text: &str) -> String {
    clean(
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_encoded_as_tryton_decimal_objects() {
        assert_eq!(
            decimal(Decimal::new(925, 2)),
            json!({"__class__": "Decimal", "decimal": "9.25"})
        );
        assert_eq!(
            decimal(Decimal::new(1450, 2)),
            json!({"__class__": "Decimal", "decimal": "14.5"})
        );
        assert_eq!(
            decimal(Decimal::new(3, 0)),
            json!({"__class__": "Decimal", "decimal": "3"})
        );
        assert_eq!(
            date(chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()),
            json!({"__class__": "date", "year": 2026, "month": 3, "day": 9})
        );
    }

    #[test]
    fn datetimes_round_trip_to_the_microsecond() {
        let instant = chrono::DateTime::from_timestamp_micros(1_796_040_564_948_291).unwrap();
        let encoded = datetime(instant);
        assert_eq!(encoded["microsecond"], 948_291);
        assert_eq!(parse_datetime(&encoded), Some(instant));
        assert_eq!(
            parse_datetime(&json!({"__class__": "date", "year": 2026})),
            None
        );
        let day = json!({"__class__": "date", "year": 2026, "month": 1, "day": 31});
        assert_eq!(
            parse_date(&day),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 31)
        );
        assert_eq!(parse_date(&Value::Null), None);
    }

    #[test]
    fn decimals_are_read_exactly() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(
            parse_decimal(&json!({"__class__": "Decimal", "decimal": "9.25"})),
            Some(d("9.25"))
        );
        assert_eq!(parse_decimal(&json!(2.0)), Some(d("2")));
        assert_eq!(parse_decimal(&json!(0.1)), Some(d("0.1")));
        assert_eq!(parse_decimal(&json!(7)), Some(d("7")));
        assert_eq!(parse_decimal(&json!(1e-7)), Some(d("0.0000001")));
        assert_eq!(parse_decimal(&json!("12.30")), Some(d("12.30")));
        assert_eq!(parse_decimal(&json!(null)), None);
        assert_eq!(parse_decimal(&json!({"__class__": "date"})), None);
    }

    #[test]
    fn user_errors_are_rejections_with_the_message() {
        let error = json!([
            "UserError",
            [
                "The number of digits in \"1.5\" exceeds\u{a0}the limit.",
                "",
                null
            ]
        ]);
        let fault = Fault::from_error(&error);
        assert_eq!(
            fault.clone().into_error("model.sale.sale.create"),
            ErpError::rejected(
                RejectionCode::ErpRule,
                "The number of digits in \"1.5\" exceeds the limit."
            )
        );
        let with_description = json!(["UserError", ["Bad.", "Fix it.", null]]);
        assert_eq!(
            Fault::from_error(&with_description)
                .into_error("m")
                .message(),
            "Bad. Fix it."
        );
    }

    #[test]
    fn warnings_keep_their_name_for_skipping() {
        let error = json!([
            "UserWarning",
            [
                "stock_quantity_warning_3",
                "The forcast quantity (498\u{a0}u) is lower.",
                ""
            ]
        ]);
        assert_eq!(
            Fault::from_error(&error),
            Fault::Warning {
                name: "stock_quantity_warning_3".into(),
                message: "The forcast quantity (498 u) is lower.".into()
            }
        );
    }

    #[test]
    fn transient_faults_are_unavailable() {
        for error in [
            json!([
                "ConcurrencyException",
                "Records were modified in the meanwhile"
            ]),
            json!([
                "database is locked",
                "Traceback (most recent call last):\n ..."
            ]),
            json!(["RateLimitException", []]),
        ] {
            let err = Fault::from_error(&error).into_error("model.sale.sale.quote");
            assert!(err.is_retryable(), "{error} -> {err:?}");
        }
        // An unknown server exception is not the customer's fault: retry, then DLQ.
        let err = Fault::from_error(&json!([
            "'NoneType' object has no attribute 'id'",
            "Traceback"
        ]))
        .into_error("m");
        assert!(err.is_retryable());
        assert!(err.message().contains("NoneType"), "{err}");
        let err = Fault::from_error(&json!([
            "LoginException",
            ["password", "Password", "password"]
        ]))
        .into_error("m");
        assert!(err.is_retryable());
    }

    #[test]
    fn http_statuses_are_unavailable_with_a_hint() {
        for status in [400, 401, 403, 404, 429, 500, 502, 503, 504] {
            let err = status_error("common.db.login", status, "");
            assert!(err.is_retryable(), "{status}");
            assert!(err.message().contains(&status.to_string()));
        }
        let err = status_error("m", 503, "<p>database is locked</p>\nmore");
        assert!(err.message().contains("database is locked"), "{err}");
    }
}
