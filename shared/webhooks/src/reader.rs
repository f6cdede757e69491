//! A field-by-field reader over storefront JSON that records every problem with its JSON path,
//! in the manner of the v1 contract reader, so that a refused webhook names all its faults.
//!
//! Storefronts write "absent" as a missing key, `null` or `""` interchangeably, so all three read
//! as absent here. Prices are read from decimal strings only, never from JSON numbers, which
//! would have passed through a float.

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use switchyard_model::order::MAX_LINES;
use switchyard_model::{
    Address, CountryCode, Currency, ExternalId, FieldErrors, Money, OrderLine, Quantity, Sku,
    UnitOfMeasure,
};

/// Most characters of a street line, city or name, as in the v1 contract.
const MAX_TEXT: usize = 200;
/// Most characters of a region.
const MAX_REGION: usize = 50;
/// Most characters of a postal code.
const MAX_POSTAL: usize = 20;
/// Most characters of the notes on a canonical order.
pub(crate) const MAX_NOTES: usize = 2000;

/// The keys a storefront uses for the parts of an address.
pub(crate) struct AddressShape {
    pub line1: &'static str,
    pub line2: &'static str,
    pub city: &'static str,
    /// Tried in order; the first present one is the region.
    pub regions: &'static [&'static str],
    pub postal_code: &'static str,
    pub country: &'static str,
}

impl AddressShape {
    /// True when none of the address's own fields is filled in: WooCommerce sends a shipping
    /// object of empty strings for orders that need no shipping.
    pub fn is_blank(&self, m: &Map<String, Value>) -> bool {
        [
            self.line1,
            self.line2,
            self.city,
            self.postal_code,
            self.country,
        ]
        .iter()
        .chain(self.regions)
        .all(|k| loose(m, k).is_none())
    }
}

#[derive(Default)]
pub(crate) struct Reader {
    pub errors: FieldErrors,
}

impl Reader {
    pub fn fail<T>(&mut self, field: &str, rule: &str) -> Option<T> {
        self.errors.fail(field, rule)
    }

    /// See [`FieldErrors::check`].
    pub fn check<T, E: std::fmt::Display>(&mut self, r: Result<T, E>, field: &str) -> Option<T> {
        self.errors.check(r, field)
    }

    /// Reads `line_items`: required, a non-empty array of at most 500 objects. `item` reads one
    /// (its index and object) into SKU, quantity and unit price, recording its own errors; every
    /// line is read even after a bad one, so all faults are reported. `None` when any was invalid.
    pub fn line_items(
        &mut self,
        root: &Map<String, Value>,
        currency: Option<Currency>,
        mut item: impl FnMut(
            &mut Reader,
            usize,
            &Map<String, Value>,
        ) -> Option<(Sku, Quantity, Decimal)>,
    ) -> Option<Vec<OrderLine>> {
        let items = match root.get("line_items") {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => return self.fail("line_items", "is required"),
            Some(_) => return self.fail("line_items", "must be an array"),
        };
        if items.is_empty() {
            return self.fail("line_items", "must contain at least one line");
        }
        if items.len() > MAX_LINES {
            return self.fail("line_items", "must contain at most 500 lines");
        }
        let mut lines = Vec::with_capacity(items.len());
        let mut all_valid = true;
        for (i, value) in items.iter().enumerate() {
            let Some(m) = value.as_object() else {
                self.fail::<()>(&format!("line_items[{i}]"), "must be an object");
                all_valid = false;
                continue;
            };
            match (item(self, i, m), currency) {
                (Some((sku, quantity, price)), Some(currency)) => lines.push(OrderLine {
                    sku,
                    quantity,
                    unit_price: Money::new(price, currency),
                    uom: UnitOfMeasure::each(),
                }),
                _ => all_valid = false,
            }
        }
        all_valid.then_some(lines)
    }

    /// `Some(None)` when absent, `Some(Some(object))` when an object, `None` (recorded) otherwise.
    pub fn object<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        field: &str,
    ) -> Option<Option<&'v Map<String, Value>>> {
        match m.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(Value::Object(o)) => Some(Some(o)),
            Some(_) => self.fail(field, "must be an object"),
        }
    }

    /// A trimmed, non-blank string of at most `max` characters; `None` when absent or invalid.
    pub fn text(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        field: &str,
        max: usize,
    ) -> Option<String> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) if s.trim().chars().count() > max => {
                self.fail(field, &format!("must be at most {max} characters"))
            }
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(_) => self.fail(field, "must be a string"),
        }
    }

    /// Like [`Reader::text`], but absence is an error.
    pub fn required_text(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        field: &str,
        max: usize,
    ) -> Option<String> {
        if loose_absent(m.get(key)) {
            return self.fail(field, "is required");
        }
        self.text(m, key, field, max)
    }

    /// A decimal read from a string such as `"9.25"`. Absent reads as `None` without an error
    /// unless `required`.
    pub fn decimal(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        field: &str,
        required: bool,
    ) -> Option<Decimal> {
        match m.get(key) {
            None | Some(Value::Null) if required => self.fail(field, "is required"),
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => match parse_decimal(s.trim()) {
                Some(d) => Some(d),
                None => self.fail(field, "must be a decimal number such as \"9.25\""),
            },
            Some(Value::Number(_)) => self.fail(
                field,
                "must be a decimal string such as \"9.25\", not a JSON number",
            ),
            Some(_) => self.fail(field, "must be a decimal string such as \"9.25\""),
        }
    }

    /// A JSON whole number (never read through a float).
    pub fn whole(&mut self, m: &Map<String, Value>, key: &str, field: &str) -> Option<u64> {
        match m.get(key) {
            None | Some(Value::Null) => self.fail(field, "is required"),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(q) => Some(q),
                None => self.fail(field, "must be a whole number"),
            },
            Some(_) => self.fail(field, "must be a whole number"),
        }
    }

    /// A storefront's numeric id (read as `u64`: Shopify ids exceed 2^53 and would be corrupted
    /// by a float) or an id string, as an external id.
    pub fn id(&mut self, m: &Map<String, Value>, key: &str, field: &str) -> Option<ExternalId> {
        match m.get(key) {
            None | Some(Value::Null) => self.fail(field, "is required"),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(id) => self.check(ExternalId::try_from(id.to_string()), field),
                None => self.fail(field, "must be a positive whole number"),
            },
            Some(Value::String(s)) => self.check(ExternalId::try_from(s.trim()), field),
            Some(_) => self.fail(field, "must be a whole number"),
        }
    }

    /// An ISO 4217 currency code.
    pub fn currency(&mut self, m: &Map<String, Value>, key: &str, field: &str) -> Option<Currency> {
        let code = self.required_text(m, key, field, 3)?;
        match Currency::from_code(&code) {
            Some(c) => Some(c),
            None => self.fail(
                field,
                "must be a known ISO 4217 currency code such as \"USD\"",
            ),
        }
    }

    /// A line's SKU, or the channel's custom-item SKU for a line without one. The `bool` says
    /// whether the custom-item SKU was used.
    pub fn sku(
        &mut self,
        m: &Map<String, Value>,
        field: &str,
        custom: Option<&Sku>,
        empty_rule: &str,
    ) -> Option<(Sku, bool)> {
        match m.get("sku") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.trim().is_empty() => {}
            Some(Value::String(s)) => {
                return self
                    .check(Sku::try_from(s.trim()), field)
                    .map(|s| (s, false));
            }
            Some(_) => return self.fail(field, "must be a string"),
        }
        match custom {
            Some(sku) => Some((sku.clone(), true)),
            None => self.fail(field, empty_rule),
        }
    }

    /// An address; `field` is its path, used as the prefix of every error.
    pub fn address(
        &mut self,
        m: &Map<String, Value>,
        field: &str,
        shape: &AddressShape,
    ) -> Option<Address> {
        let f = |k: &str| format!("{field}.{k}");
        let line1 = self.required_text(m, shape.line1, &f(shape.line1), MAX_TEXT);
        let line2 = self.text(m, shape.line2, &f(shape.line2), MAX_TEXT);
        let city = self.required_text(m, shape.city, &f(shape.city), MAX_TEXT);
        let region = shape
            .regions
            .iter()
            .find(|k| !loose_absent(m.get(**k)))
            .and_then(|k| self.text(m, k, &f(k), MAX_REGION));
        let postal_code = self.text(m, shape.postal_code, &f(shape.postal_code), MAX_POSTAL);
        let country = self
            .required_text(m, shape.country, &f(shape.country), 2)
            .and_then(|c| {
                // Storefronts send upper case; accept lower case rather than refuse a paid order.
                self.check(
                    CountryCode::try_from(c.to_ascii_uppercase()),
                    &f(shape.country),
                )
            });
        let name = join(&[person_name(m), loose(m, "company")], ", ");
        Some(Address {
            name: name.map(|n| truncate(&n, MAX_TEXT)),
            line1: line1?,
            line2,
            city: city?,
            region,
            postal_code,
            country: country?,
        })
    }
}

/// True for a missing key, `null`, or a blank string.
fn loose_absent(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// A non-blank string field, trimmed, without recording anything: for fields that are only ever
/// one of several sources of a value (names, emails).
pub(crate) fn loose(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// A person's name: `name` when the storefront sends one, else first and last name joined.
pub(crate) fn person_name(m: &Map<String, Value>) -> Option<String> {
    loose(m, "name").or_else(|| join(&[loose(m, "first_name"), loose(m, "last_name")], " "))
}

/// The present parts joined by `sep`; `None` when none is present.
pub(crate) fn join(parts: &[Option<String>], sep: &str) -> Option<String> {
    let present: Vec<&str> = parts.iter().flatten().map(String::as_str).collect();
    (!present.is_empty()).then(|| present.join(sep))
}

/// At most `max` characters of `s` (never splitting a character).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// An email address when the text plausibly is one. Webhook orders were already accepted by the
/// storefront, so a doubtful contact address is dropped rather than refusing the order.
pub(crate) fn email(text: Option<String>) -> Option<String> {
    text.filter(|e| {
        e.chars().count() <= 254
            && !e.contains(char::is_whitespace)
            && e.split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
    })
}

/// The notes of a canonical order: one entry per line, cut to the model's 2000 characters.
pub(crate) fn notes(entries: &[String]) -> Option<String> {
    (!entries.is_empty()).then(|| truncate(&entries.join("\n"), MAX_NOTES))
}

/// A plain decimal: optional minus sign, digits, optional fraction. Stricter than
/// `Decimal::from_str`, which also takes `1_000`; exact, so a value with more digits than
/// `Decimal` holds is refused instead of rounded.
fn parse_decimal(s: &str) -> Option<Decimal> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    Decimal::from_str_exact(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_decimals_parse_exactly() {
        assert_eq!(parse_decimal("9.25"), Some("9.25".parse().unwrap()));
        assert_eq!(parse_decimal("-0.10"), Some("-0.10".parse().unwrap()));
        assert_eq!(parse_decimal("12"), Some(Decimal::from(12)));
        for bad in [
            "", "-", ".5", "5.", "1_000", "1e3", "+1", "NaN", "1.2.3", "١٢",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(parse_decimal("0.00000000000000000000000000001"), None);
    }

    #[test]
    fn notes_are_cut_at_2000_characters() {
        let long = "é".repeat(3000);
        let n = notes(&[long]).unwrap();
        assert_eq!(n.chars().count(), 2000);
        assert_eq!(notes(&[]), None);
    }

    #[test]
    fn doubtful_emails_are_dropped() {
        assert_eq!(
            email(Some("a@b.example".into())).as_deref(),
            Some("a@b.example")
        );
        for bad in ["", "nobody", "@b.example", "a@b", "a b@c.example"] {
            assert_eq!(email(Some(bad.into())), None, "{bad:?}");
        }
    }
}
