//! Every SP-API marketplace: its id, the country it sells in, and the currency it prices in.
//!
//! From the SP-API documentation's "Marketplace IDs" page (North America, Europe, Far East; 23
//! marketplaces). Amazon writes the United Kingdom as `UK`; the canonical model keeps ISO 3166-1
//! alpha-2 codes, so it is `GB` here. A new marketplace is a new row: an order from a marketplace
//! not in the table still maps when its address carries a country, and says so when it does not.

/// One Amazon marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marketplace {
    /// SP-API `MarketplaceId` (`ATVPDKIKX0DER`).
    pub id: &'static str,
    /// ISO 3166-1 alpha-2 country it ships to by default.
    pub country: &'static str,
    /// ISO 4217 currency its prices are in.
    pub currency: &'static str,
}

const fn m(id: &'static str, country: &'static str, currency: &'static str) -> Marketplace {
    Marketplace {
        id,
        country,
        currency,
    }
}

/// Every marketplace in the SP-API documentation.
pub const MARKETPLACES: [Marketplace; 23] = [
    // North America
    m("A2EUQ1WTGCTBG2", "CA", "CAD"),
    m("ATVPDKIKX0DER", "US", "USD"),
    m("A1AM78C64UM0Y8", "MX", "MXN"),
    m("A2Q3Y263D00KWC", "BR", "BRL"),
    // Europe
    m("A28R8C7NBKEWEA", "IE", "EUR"),
    m("A1RKKUPIHCS9HS", "ES", "EUR"),
    m("A1F83G8C2ARO7P", "GB", "GBP"),
    m("A13V1IB3VIYZZH", "FR", "EUR"),
    m("AMEN7PMS3EDWL", "BE", "EUR"),
    m("A1805IZSGTT6HS", "NL", "EUR"),
    m("A1PA6795UKMFR9", "DE", "EUR"),
    m("APJ6JRA9NG5V4", "IT", "EUR"),
    m("A2NODRKZP88ZB9", "SE", "SEK"),
    m("AE08WJ6YKNBMC", "ZA", "ZAR"),
    m("A1C3SOZRARQ6R3", "PL", "PLN"),
    m("ARBP9OOSHTCHU", "EG", "EGP"),
    m("A33AVAJ2PDY3EV", "TR", "TRY"),
    m("A17E79C6D8DWNP", "SA", "SAR"),
    m("A2VIGQ35RCS4UG", "AE", "AED"),
    m("A21TJRUUN4KGV", "IN", "INR"),
    // Far East
    m("A19VAU5U5O7RUS", "SG", "SGD"),
    m("A39IBJ37TRP1C6", "AU", "AUD"),
    m("A1VC38T7YXB528", "JP", "JPY"),
];

/// The marketplace with this id, if SP-API documents it.
pub fn marketplace(id: &str) -> Option<&'static Marketplace> {
    MARKETPLACES.iter().find(|m| m.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_model::{CountryCode, Currency};

    #[test]
    fn every_row_is_a_valid_country_and_currency_and_ids_are_unique() {
        let mut ids: Vec<&str> = MARKETPLACES.iter().map(|m| m.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), MARKETPLACES.len());
        for m in MARKETPLACES {
            assert!(
                CountryCode::try_from(m.country.to_string()).is_ok(),
                "{m:?}"
            );
            assert!(Currency::from_code(m.currency).is_some(), "{m:?}");
            assert_eq!(marketplace(m.id), Some(&m));
        }
        assert_eq!(marketplace("XXXX"), None);
    }
}
