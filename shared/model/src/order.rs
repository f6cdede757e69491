//! The canonical order and its lines.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};
use crate::party::{Address, Customer};
use crate::validation::{FieldError, FieldErrors};

/// Longest identifier (SKU, external id, channel name) accepted anywhere.
pub const MAX_ID_LEN: usize = 64;
/// Most lines one order may carry.
pub const MAX_LINES: usize = 500;

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                check_identifier(&value).map_err(|rule| format!("{} {}", $what, rule))?;
                Ok($name(value))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = String;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::try_from(value.to_string())
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// The rule every identifier follows: 1 to 64 printable ASCII characters, no spaces.
///
/// Identifiers end up in ERP references, DynamoDB keys and log lines, so they are kept to a
/// character set that needs no escaping anywhere.
pub fn check_identifier(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("must not be empty");
    }
    if value.len() > MAX_ID_LEN {
        return Err("must be at most 64 characters");
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must be printable ASCII without spaces");
    }
    Ok(())
}

identifier!(
    /// A stock-keeping unit code as the ERP knows it (`WIDGET-S`).
    Sku, "sku"
);
identifier!(
    /// The channel's own id for an order (a PO number, a storefront order id).
    ExternalId, "external id"
);
identifier!(
    /// The name of a sales channel (`demo-shop`).
    ChannelName, "channel name"
);

/// Switchyard's id for an order: a ULID, so ids sort by creation time.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[schema(value_type = String, example = "01JDQ6Y3ZK8V6M4N2P0R5S7T9W")]
pub struct OrderId(pub ulid::Ulid);

impl OrderId {
    /// A fresh id.
    pub fn generate() -> Self {
        OrderId(ulid::Ulid::new())
    }
}

impl std::str::FromStr for OrderId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(s).map(OrderId)
    }
}

impl std::fmt::Display for OrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A positive quantity with at most 4 decimal places.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Quantity(Decimal);

/// The largest quantity one line may order.
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

impl TryFrom<Decimal> for Quantity {
    type Error = &'static str;
    fn try_from(q: Decimal) -> Result<Self, Self::Error> {
        if q <= Decimal::ZERO {
            Err("must be greater than 0")
        } else if q > MAX_QUANTITY {
            Err("must be at most 1000000")
        } else if q.normalize().scale() > 4 {
            Err("must have at most 4 decimal places")
        } else {
            Ok(Quantity(q.normalize()))
        }
    }
}

impl From<Quantity> for Decimal {
    fn from(q: Quantity) -> Decimal {
        q.0
    }
}

impl Quantity {
    /// The quantity as a decimal.
    pub fn value(&self) -> Decimal {
        self.0
    }
}

/// A unit of measure code as the channel sent it (`EA`, `KG`); the ERP adapter maps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct UnitOfMeasure(String);

impl TryFrom<String> for UnitOfMeasure {
    type Error = &'static str;
    fn try_from(mut u: String) -> Result<Self, Self::Error> {
        if u.is_empty() || u.len() > 8 || !u.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Err("must be 1 to 8 letters or digits, such as \"EA\"")
        } else {
            // In place: the string is ours, and a second allocation per order line shows.
            u.make_ascii_uppercase();
            Ok(UnitOfMeasure(u))
        }
    }
}

impl From<UnitOfMeasure> for String {
    fn from(u: UnitOfMeasure) -> String {
        u.0
    }
}

impl UnitOfMeasure {
    /// "EA", the unit used when a channel does not say.
    pub fn each() -> Self {
        UnitOfMeasure("EA".into())
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the unit counts whole things (each, piece, case, box, …), so a quantity in it
    /// must be a whole number; false for measure units (KG, LB, M, L, FT, …) and for codes not in
    /// [`WHOLE_UNIT_CODES`], which keep their fractions (the ERP has the last word on those).
    pub fn counts_whole_units(&self) -> bool {
        WHOLE_UNIT_CODES.contains(&self.0.as_str())
    }
}

/// Units that count whole things, upper case: the count units of ANSI X12 element 355 (`EA`
/// each, `PC` piece, `CA` case, `BX` box, `PK` package, `DZ` dozen, `PR` pair, `RL` roll, `ST`
/// set, `CT` carton, `BG` bag, `KT` kit, `PL` pallet, `BO` bottle, `CN` can, `UN` unit), those of
/// UN/ECE Recommendation 20 (`C62` one, `H87` piece, `EA`, `DZN` dozen, `PR`/`NPR` pair(s),
/// `SET`, `NAR` number of articles, and the Rec 21 package codes it carries with an `X` prefix:
/// `XBX`, `XCS`, `XCT`, `XPK`, `XBG`), `PCE`/`CS` (older EDIFACT usage), and the spelled-out
/// aliases the ERP adapter already maps to Tryton's unit (`EACH`, `PIECE`, `UNIT`, …).
/// Deliberately left out: codes that are ambiguous between X12 and Rec 20 (X12 `GR` is gram).
pub const WHOLE_UNIT_CODES: &[&str] = &[
    // X12 355 count units.
    "EA", "PC", "CA", "BX", "PK", "DZ", "PR", "RL", "ST", "CT", "BG", "KT", "PL", "BO", "CN", "UN",
    // UN/ECE Rec 20 count units (and Rec 21 packages as X-codes).
    "C62", "H87", "DZN", "NPR", "SET", "NAR", "XBX", "XCS", "XCT", "XPK", "XBG",
    // Older EDIFACT codes and spelled-out aliases channels send.
    "PCE", "PCS", "CS", "EACH", "PIECE", "PIECES", "UNIT", "UNITS", "U", "CASE", "BOX", "PACK",
    "DOZEN", "PAIR", "ROLL", "KIT",
];

/// The whole-unit rule, for every channel: a quantity in a unit that counts whole things
/// ([`UnitOfMeasure::counts_whole_units`]) must be a whole number. Without it `1.5 EA` is
/// accepted here and refused later by the ERP, after the channel was told "received".
pub fn check_quantity_in_unit(quantity: Quantity, uom: &UnitOfMeasure) -> Result<(), String> {
    if uom.counts_whole_units() && !quantity.value().fract().is_zero() {
        Err(format!(
            "must be a whole number: {} counts whole units, so {} {} cannot be shipped",
            uom.as_str(),
            quantity.value(),
            uom.as_str()
        ))
    } else {
        Ok(())
    }
}

/// One order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The product ordered.
    pub sku: Sku,
    /// How many.
    pub quantity: Quantity,
    /// Price of one unit, in the order's currency.
    pub unit_price: Money,
    /// The unit the quantity and price are in.
    pub uom: UnitOfMeasure,
}

impl OrderLine {
    /// The line's extended amount, quantity × unit price.
    pub fn amount(&self) -> Money {
        Money::new(
            self.quantity.value() * self.unit_price.amount,
            self.unit_price.currency,
        )
    }
}

/// The largest unit price accepted. With at most 500 lines of at most 1,000,000 units, every
/// order total stays far inside `Decimal`'s range, so totals never overflow.
pub const MAX_UNIT_PRICE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// A unit price must be zero or more, at most [`MAX_UNIT_PRICE`], with at most 4 decimal places.
pub fn check_unit_price(price: Decimal) -> Result<(), &'static str> {
    if price.is_sign_negative() && !price.is_zero() {
        Err("must not be negative")
    } else if price > MAX_UNIT_PRICE {
        Err("must be at most 1000000000")
    } else if price.normalize().scale() > 4 {
        Err("must have at most 4 decimal places")
    } else {
        Ok(())
    }
}

/// A canonical order. Construct it with [`Order::new`], which enforces the cross-field rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Switchyard's id.
    pub id: OrderId,
    /// The channel that submitted it.
    pub channel: ChannelName,
    /// The channel's own id; unique per channel.
    pub external_id: ExternalId,
    /// The buyer.
    pub customer: Customer,
    /// The currency of every price on the order.
    pub currency: Currency,
    /// Where to ship.
    pub ship_to: Address,
    /// Where to invoice, when not the customer's default.
    pub bill_to: Option<Address>,
    /// The lines, in the channel's order.
    pub lines: Vec<OrderLine>,
    /// When the buyer wants it shipped.
    pub requested_ship_date: Option<NaiveDate>,
    /// Free text from the buyer.
    pub notes: Option<String>,
}

/// Everything an order is made of, before the cross-field rules are checked.
#[derive(Debug, Clone)]
pub struct OrderParts {
    /// See [`Order::id`].
    pub id: OrderId,
    /// See [`Order::channel`].
    pub channel: ChannelName,
    /// See [`Order::external_id`].
    pub external_id: ExternalId,
    /// See [`Order::customer`].
    pub customer: Customer,
    /// See [`Order::currency`].
    pub currency: Currency,
    /// See [`Order::ship_to`].
    pub ship_to: Address,
    /// See [`Order::bill_to`].
    pub bill_to: Option<Address>,
    /// See [`Order::lines`].
    pub lines: Vec<OrderLine>,
    /// See [`Order::requested_ship_date`].
    pub requested_ship_date: Option<NaiveDate>,
    /// See [`Order::notes`].
    pub notes: Option<String>,
}

impl Order {
    /// Builds an order, refusing one without lines, with too many lines, with a fractional
    /// quantity in a unit that counts whole units ([`check_quantity_in_unit`]), or with a line
    /// priced in another currency than the order's. Every connector builds its orders here, so
    /// these rules hold for every channel.
    pub fn new(parts: OrderParts) -> Result<Order, FieldErrors> {
        let mut errors = FieldErrors::default();
        if parts.lines.is_empty() {
            errors.push("lines", "must contain at least one line");
        }
        if parts.lines.len() > MAX_LINES {
            errors.push("lines", "must contain at most 500 lines");
        }
        for (i, line) in parts.lines.iter().enumerate() {
            if let Err(rule) = check_quantity_in_unit(line.quantity, &line.uom) {
                errors.push(format!("lines[{i}].quantity"), rule);
            }
            if line.unit_price.currency != parts.currency {
                errors.0.push(FieldError::new(
                    format!("lines[{i}].unit_price"),
                    format!("must be in the order currency {}", parts.currency),
                ));
            }
        }
        errors.into_result(|| Order {
            id: parts.id,
            channel: parts.channel,
            external_id: parts.external_id,
            customer: parts.customer,
            currency: parts.currency,
            ship_to: parts.ship_to,
            bill_to: parts.bill_to,
            lines: parts.lines,
            requested_ship_date: parts.requested_ship_date,
            notes: parts.notes,
        })
    }

    /// The order total, Σ quantity × unit price.
    pub fn total(&self) -> Money {
        let amount = self.lines.iter().map(|l| l.amount().amount).sum();
        Money::new(amount, self.currency)
    }

    /// The reference the ERP document carries, unique per channel and external id.
    pub fn erp_reference(&self) -> String {
        format!("{}:{}", self.channel, self.external_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::party::CountryCode;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    pub(crate) fn line(sku: &str, qty: &str, price: &str, currency: Currency) -> OrderLine {
        OrderLine {
            sku: Sku::try_from(sku).unwrap(),
            quantity: Quantity::try_from(qty.parse::<Decimal>().unwrap()).unwrap(),
            unit_price: Money::new(price.parse().unwrap(), currency),
            uom: UnitOfMeasure::each(),
        }
    }

    fn parts(lines: Vec<OrderLine>) -> OrderParts {
        OrderParts {
            id: OrderId::generate(),
            channel: ChannelName::try_from("demo-shop").unwrap(),
            external_id: ExternalId::try_from("PO-1").unwrap(),
            customer: Customer {
                account: "ACME-001".into(),
                name: "Acme".into(),
                email: None,
            },
            currency: usd(),
            ship_to: Address {
                name: None,
                line1: "1 Main St".into(),
                line2: None,
                city: "Solon".into(),
                region: Some("OH".into()),
                postal_code: Some("44139".into()),
                country: CountryCode::try_from("US".to_string()).unwrap(),
            },
            bill_to: None,
            lines,
            requested_ship_date: None,
            notes: None,
        }
    }

    #[test]
    fn quantities_must_be_positive_and_bounded() {
        for bad in ["0", "-1", "1000001", "0.00001"] {
            assert!(
                Quantity::try_from(bad.parse::<Decimal>().unwrap()).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            Quantity::try_from("2.50".parse::<Decimal>().unwrap())
                .unwrap()
                .value()
                .to_string(),
            "2.5"
        );
    }

    #[test]
    fn identifiers_refuse_empty_long_and_spaced_values() {
        assert!(Sku::try_from("").is_err());
        assert!(Sku::try_from("A B").is_err());
        assert!(Sku::try_from("x".repeat(65).as_str()).is_err());
        assert!(Sku::try_from("WIDGET-S").is_ok());
        assert!(serde_json::from_str::<Sku>("\"\"").is_err());
    }

    #[test]
    fn a_line_in_another_currency_is_refused() {
        let eur = Currency::from_code("EUR").unwrap();
        let err = Order::new(parts(vec![
            line("A", "1", "1.00", usd()),
            line("B", "1", "2.00", eur),
        ]))
        .unwrap_err();
        assert_eq!(
            err.0,
            vec![FieldError::new(
                "lines[1].unit_price",
                "must be in the order currency USD"
            )]
        );
    }

    #[test]
    fn a_fraction_of_a_counted_unit_is_refused_and_a_fraction_of_a_measure_is_kept() {
        let mut half_each = line("A", "1.5", "1.00", usd());
        half_each.uom = UnitOfMeasure::try_from("ea".to_string()).unwrap();
        let mut two_cases = line("B", "2", "1.00", usd());
        two_cases.uom = UnitOfMeasure::try_from("CS".to_string()).unwrap();
        let mut kilos = line("C", "1.25", "1.00", usd());
        kilos.uom = UnitOfMeasure::try_from("KG".to_string()).unwrap();
        let err = Order::new(parts(vec![half_each, two_cases.clone(), kilos.clone()])).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].field, "lines[0].quantity");
        assert!(err.0[0].rule.starts_with("must be a whole number"), "{err}");
        assert!(err.0[0].rule.contains("EA counts whole units"), "{err}");
        assert!(Order::new(parts(vec![two_cases, kilos])).is_ok());
        for code in ["EA", "PCE", "C62", "DZ", "PR", "RL", "ST", "BX", "PK", "CA"] {
            assert!(
                UnitOfMeasure::try_from(code.to_string())
                    .unwrap()
                    .counts_whole_units(),
                "{code}"
            );
        }
        for code in ["KG", "LB", "M", "L", "FT", "GR", "MTR"] {
            assert!(
                !UnitOfMeasure::try_from(code.to_string())
                    .unwrap()
                    .counts_whole_units(),
                "{code}"
            );
        }
    }

    #[test]
    fn an_order_needs_lines_and_totals_exactly() {
        assert!(Order::new(parts(vec![])).is_err());
        let order = Order::new(parts(vec![
            line("A", "2", "9.25", usd()),
            line("B", "3", "0.10", usd()),
        ]))
        .unwrap();
        assert_eq!(order.total().amount.to_string(), "18.80");
        assert_eq!(order.erp_reference(), "demo-shop:PO-1");
    }

    #[test]
    fn orders_round_trip_through_json() {
        let order = Order::new(parts(vec![line("A", "2", "9.25", usd())])).unwrap();
        let json = serde_json::to_string(&order).unwrap();
        let back: Order = serde_json::from_str(&json).unwrap();
        assert_eq!(back, order);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}
