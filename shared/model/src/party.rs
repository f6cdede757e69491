//! Parties (the customer) and postal addresses.

use serde::{Deserialize, Serialize};

/// An ISO 3166-1 alpha-2 country code that names a real country (`US`, `DE`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl TryFrom<String> for CountryCode {
    type Error = &'static str;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        let well_formed = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
        if well_formed && code.parse::<iso_currency::Country>().is_ok() {
            Ok(CountryCode(code))
        } else {
            Err("must be an ISO 3166-1 alpha-2 country code such as \"US\"")
        }
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.0
    }
}

impl CountryCode {
    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal address, as a channel gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Address {
    /// Addressee (a person, a site such as "Acme DC 4").
    pub name: Option<String>,
    /// First street line.
    pub line1: String,
    /// Second street line.
    pub line2: Option<String>,
    /// City or locality.
    pub city: String,
    /// State, province or region code (`OH`).
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: CountryCode,
}

/// The buyer. `account` is the ERP customer code the order is sold to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    /// The ERP customer account; when the channel sent none, the channel's default customer.
    pub account: String,
    /// Display name.
    pub name: String,
    /// Contact email. Personal data: never logged.
    pub email: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_must_name_a_country() {
        assert!(CountryCode::try_from("US".to_string()).is_ok());
        assert!(CountryCode::try_from("us".to_string()).is_err());
        assert!(CountryCode::try_from("USA".to_string()).is_err());
        assert!(CountryCode::try_from("QQ".to_string()).is_err());
    }
}
