//! The v1 request bodies as OpenAPI schemas.
//!
//! The bodies are read by hand ([`super::v1::parse_order`], [`crate::returns::parse_return_lines`])
//! so that every problem is reported at once; these types only describe them. A schema here must
//! never be narrower than its reader: a client generated from it must not be refused for
//! something the schema allows and the reader cannot tell it about, and schemathesis's negative
//! cases, which break a constraint here, must all be refused by the reader. So every
//! `pattern`, `maxLength` and `minimum` below is one the reader enforces, and rules the schema
//! cannot say exactly (a known currency, no control characters) are in the descriptions.
//! `tests` in this module read the documented example through the reader.

use serde::Deserialize;
use utoipa::ToSchema;

/// The body of `POST /v1/orders` and `POST /v1/orders/validate`. Fields not listed are ignored,
/// so that clients may send fields of newer contract versions.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "external_id": "PO-10001",
    "customer": {"account": "ACME-001", "name": "Acme Retail", "email": "buyer@acme.example"},
    "currency": "USD",
    "ship_to": {"name": "Acme DC 4", "line1": "31875 Solon Rd", "city": "Solon",
                "region": "OH", "postal_code": "44139", "country": "US"},
    "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25", "uom": "EA"}],
    "requested_ship_date": "2026-12-01"
}))]
pub struct OrderRequest {
    /// The channel's own order id: unique per channel; a second order with it is a `409`.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub external_id: String,
    /// The buyer.
    pub customer: CustomerRequest,
    /// ISO 4217 code of every price on the order; it must be a currency the standard knows.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    /// Where to ship.
    pub ship_to: AddressRequest,
    /// Where to invoice, when not the customer's default.
    pub bill_to: Option<AddressRequest>,
    /// What is ordered, in the channel's order: 1 to 500 lines. (The upper bound is not a
    /// schema keyword: generators that honour it build 500-line bodies for every boundary case.)
    #[schema(min_items = 1)]
    pub lines: Vec<LineRequest>,
    /// The day the buyer wants it shipped.
    #[schema(value_type = Option<String>, format = Date, max_length = 10)]
    pub requested_ship_date: Option<String>,
    /// Free text for the ERP order; may span lines.
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// The buyer of an [`OrderRequest`]. Text must not be blank nor hold control or bidirectional
/// override characters.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerRequest {
    /// The ERP customer code the order is sold to; when absent, the channel's default customer
    /// (required when the channel has none).
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub account: Option<String>,
    /// Display name.
    #[schema(max_length = 200)]
    pub name: String,
    /// Contact email (`local@domain.tld`, no spaces).
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// A postal address. Text must not be blank nor hold control or bidirectional override
/// characters.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddressRequest {
    /// Addressee (a person, a site).
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// First street line.
    #[schema(max_length = 200)]
    pub line1: String,
    /// Second street line.
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    /// City or locality.
    #[schema(max_length = 200)]
    pub city: String,
    /// State, province or region code.
    #[schema(max_length = 50)]
    pub region: Option<String>,
    /// Postal code.
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code of a real country.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
}

/// One line of an [`OrderRequest`].
#[derive(Debug, Deserialize, ToSchema)]
pub struct LineRequest {
    /// The ERP's product code.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub sku: String,
    /// How many: a JSON number or a decimal string, greater than 0, at most 1000000, at most 4
    /// decimal places; a whole number when the unit counts whole things (`EA`, `PC`, `CS`, …).
    pub quantity: QuantityValue,
    /// Price of one unit as a decimal string (`"9.25"`, never a JSON number, so no client
    /// rounds it through a float): 0 to 1000000000, at most 4 decimal places.
    pub unit_price: String,
    /// Unit of measure code; `EA` when absent.
    #[schema(pattern = "^[A-Za-z0-9]{1,8}$")]
    pub uom: Option<String>,
}

/// A quantity: a JSON number or a decimal string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum QuantityValue {
    /// As a JSON number.
    Number(serde_json::Number),
    /// As a decimal string (`"2.5"`).
    Text(String),
}

impl utoipa::PartialSchema for QuantityValue {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .exclusive_minimum(Some(0)),
            )
            .item(ObjectBuilder::new().schema_type(Type::String))
            .description(Some("a JSON number or a decimal string such as \"2.5\""))
            .into()
    }
}

impl ToSchema for QuantityValue {}

/// The body of `POST /v1/orders/{id}/returns`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"lines": [{"sku": "WIDGET-S", "quantity": 1, "reason": "damaged"}]}))]
pub struct ReturnRequest {
    /// What comes back: 1 to 500 shipped lines of the order.
    #[schema(min_items = 1)]
    pub lines: Vec<ReturnLineRequest>,
}

/// One line of a [`ReturnRequest`].
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnLineRequest {
    /// The product, as ordered.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub sku: String,
    /// How many come back: greater than 0, at most 4 decimal places, no more than shipped and not
    /// yet returned.
    pub quantity: QuantityValue,
    /// Why.
    pub reason: ReturnReason,
}

/// Why a line comes back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Arrived damaged.
    Damaged,
    /// Does not work.
    Defective,
    /// Not what was ordered.
    WrongItem,
    /// Not as the listing described it.
    NotAsDescribed,
    /// No longer wanted.
    Unwanted,
    /// Anything else.
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::v1::{CaptureContext, parse_order};
    use crate::returns::{RETURN_REASONS, parse_return_lines};
    use crate::{ChannelName, OrderId};
    use utoipa::PartialSchema;

    fn example_of<T: PartialSchema>() -> serde_json::Value {
        let schema = serde_json::to_value(T::schema()).unwrap();
        schema["example"].clone()
    }

    #[test]
    fn the_documented_order_example_is_an_order_the_reader_accepts() {
        let example = example_of::<OrderRequest>();
        let ctx = CaptureContext {
            order_id: OrderId::generate(),
            channel: ChannelName::try_from("demo-shop").unwrap(),
            default_customer: None,
        };
        let order = parse_order(&example, &ctx).expect("the example is valid");
        assert_eq!(order.external_id.as_str(), "PO-10001");
        let typed: OrderRequest = serde_json::from_value(example).unwrap();
        assert_eq!(typed.lines.len(), 1);
    }

    #[test]
    fn the_documented_return_example_reads_and_every_reason_is_documented() {
        let example = example_of::<ReturnRequest>();
        assert_eq!(parse_return_lines(&example).unwrap().len(), 1);
        let reasons = serde_json::to_value(ReturnReason::schema()).unwrap();
        let documented: Vec<&str> = reasons["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(documented, RETURN_REASONS);
    }
}
