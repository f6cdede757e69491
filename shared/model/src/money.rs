//! Money: an exact decimal amount in an ISO 4217 currency. Never a float.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// ISO 4217 codes that are not a currency an order is priced in.
const NOT_MONEY: [&str; 13] = [
    "XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA",
];

/// An ISO 4217 currency, known to the standard (e.g. `USD`, `EUR`, `JPY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(value_type = String, example = "USD", pattern = "^[A-Z]{3}$")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// Parses an upper-case ISO 4217 alphabetic code; unknown codes are refused, and so are the
    /// codes ISO 4217 lists that are not money an order can be priced in (`XXX` "no currency",
    /// `XTS` testing, precious metals, bond-market and settlement units).
    pub fn from_code(code: &str) -> Option<Self> {
        if NOT_MONEY.contains(&code) {
            return None;
        }
        iso_currency::Currency::from_code(code).map(Currency)
    }

    /// The three-letter code, e.g. `USD`.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point of the currency's minor unit (2 for USD, 0 for JPY).
    pub fn minor_unit_digits(&self) -> u32 {
        self.0.exponent().map(u32::from).unwrap_or(0)
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown ISO 4217 currency {code:?}")))
    }
}

/// An exact amount of money in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// The amount, serialised as a decimal string (`"9.25"`).
    pub amount: Decimal,
    /// The currency the amount is in.
    pub currency: Currency,
}

impl Money {
    /// Money of `amount` in `currency`.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_parse_and_unknown_codes_are_refused() {
        assert_eq!(Currency::from_code("USD").unwrap().code(), "USD");
        assert_eq!(Currency::from_code("JPY").unwrap().minor_unit_digits(), 0);
        assert!(Currency::from_code("XYZ").is_none());
        assert!(Currency::from_code("usd").is_none());
        for not_money in ["XXX", "XTS", "XAU"] {
            assert!(Currency::from_code(not_money).is_none(), "{not_money}");
        }
        assert_eq!(
            Currency::from_code("XOF").unwrap().code(),
            "XOF",
            "CFA francs are money"
        );
    }

    #[test]
    fn money_round_trips_as_decimal_strings() {
        let m = Money::new("9.25".parse().unwrap(), Currency::from_code("EUR").unwrap());
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"9.25","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }
}
