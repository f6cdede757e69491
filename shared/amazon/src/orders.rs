//! Typed responses of the SP-API Orders API v0 (`getOrder`, `getOrderItems`).
//!
//! Field names follow Amazon's documented JSON (PascalCase, `SellerSKU`, `ASIN`). Money amounts
//! are strings on the wire (`"19.98"`) and are read straight into `Decimal`; a JSON number is
//! refused rather than passed through a float. Fields Amazon documents as optional are `Option`,
//! and unknown fields are ignored so new ones do not break the reader.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

/// SP-API's `Money`: an amount as a decimal string and an ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AmazonMoney {
    /// Three-letter currency code (`USD`).
    pub currency_code: String,
    /// The amount, exact.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

/// SP-API's `Address`. Without a Restricted Data Token Amazon withholds the personal parts
/// (`Name`, `AddressLine1`…), leaving city, region, postal code and country.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AmazonAddress {
    /// Recipient name.
    pub name: Option<String>,
    /// First street line.
    pub address_line1: Option<String>,
    /// Second street line.
    pub address_line2: Option<String>,
    /// Third street line.
    pub address_line3: Option<String>,
    /// City.
    pub city: Option<String>,
    /// County.
    pub county: Option<String>,
    /// District.
    pub district: Option<String>,
    /// State, province or region.
    pub state_or_region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: Option<String>,
    /// Phone number (personal data).
    pub phone: Option<String>,
    /// `Residential` or `Commercial`.
    pub address_type: Option<String>,
}

/// SP-API's `BuyerInfo` (personal data; Amazon gives an anonymised relay email).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuyerInfo {
    /// The buyer's (relay) email.
    pub buyer_email: Option<String>,
    /// The buyer's name.
    pub buyer_name: Option<String>,
}

/// An order as `getOrder` returns it (the `payload` of `GetOrderResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AmazonOrder {
    /// Amazon's order id (`113-2646919-3481020`).
    pub amazon_order_id: String,
    /// When the buyer placed the order.
    pub purchase_date: DateTime<Utc>,
    /// When the order last changed.
    pub last_update_date: Option<DateTime<Utc>>,
    /// `Pending`, `Unshipped`, `PartiallyShipped`, `Shipped`, `Canceled`, …
    pub order_status: String,
    /// `MFN` (the seller ships) or `AFN` (Amazon ships).
    pub fulfillment_channel: Option<String>,
    /// The marketplace (`ATVPDKIKX0DER` is amazon.com).
    pub marketplace_id: Option<String>,
    /// The order total; often absent while the order is `Pending`.
    pub order_total: Option<AmazonMoney>,
    /// `StandardOrder`, `Preorder`, …
    pub order_type: Option<String>,
    /// True for business (B2B) orders.
    pub is_business_order: Option<bool>,
    /// True for Prime orders.
    pub is_prime: Option<bool>,
    /// Where to ship; partly withheld without a Restricted Data Token.
    pub shipping_address: Option<AmazonAddress>,
    /// The buyer; withheld without a Restricted Data Token.
    pub buyer_info: Option<BuyerInfo>,
}

/// One line as `getOrderItems` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AmazonOrderItem {
    /// Amazon's product id.
    #[serde(rename = "ASIN")]
    pub asin: String,
    /// The seller's SKU; the ERP's item code.
    #[serde(rename = "SellerSKU")]
    pub seller_sku: Option<String>,
    /// Amazon's id for the line.
    #[serde(rename = "OrderItemId")]
    pub order_item_id: String,
    /// Product title.
    #[serde(rename = "Title")]
    pub title: Option<String>,
    /// Units ordered; 0 once the line was cancelled.
    #[serde(rename = "QuantityOrdered")]
    pub quantity_ordered: u64,
    /// Units shipped so far.
    #[serde(rename = "QuantityShipped")]
    pub quantity_shipped: Option<u64>,
    /// The LINE total (unit price × quantity), not the unit price.
    #[serde(rename = "ItemPrice")]
    pub item_price: Option<AmazonMoney>,
    /// Tax on the line total.
    #[serde(rename = "ItemTax")]
    pub item_tax: Option<AmazonMoney>,
    /// Discount on the line total.
    #[serde(rename = "PromotionDiscount")]
    pub promotion_discount: Option<AmazonMoney>,
}

/// `getOrderItems`' payload: one page of lines.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItemsPage {
    /// The order the lines belong to.
    pub amazon_order_id: String,
    /// The lines on this page.
    pub order_items: Vec<AmazonOrderItem>,
    /// Present when more pages follow; pass it back as the `NextToken` query parameter.
    pub next_token: Option<String>,
}

/// `GetOrderResponse`: `{"payload": {…}}` on success.
#[derive(Debug, Clone, Deserialize)]
pub struct GetOrderResponse {
    /// The order.
    pub payload: AmazonOrder,
}

/// `GetOrderItemsResponse`: `{"payload": {…}}` on success.
#[derive(Debug, Clone, Deserialize)]
pub struct GetOrderItemsResponse {
    /// One page of lines.
    pub payload: OrderItemsPage,
}

/// One entry of SP-API's `ErrorList`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    /// A code such as `InvalidInput`, `NotFound`, `QuotaExceeded`, `Unauthorized`.
    pub code: String,
    /// A human description.
    #[serde(default)]
    pub message: String,
    /// Extra detail.
    pub details: Option<String>,
}

/// SP-API's error body: `{"errors": [{"code", "message", "details"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorList {
    /// The errors, most relevant first.
    pub errors: Vec<ApiError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_strings_and_numbers_are_refused() {
        let m: AmazonMoney =
            serde_json::from_str(r#"{"CurrencyCode":"USD","Amount":"19.98"}"#).unwrap();
        assert_eq!(m.amount.to_string(), "19.98");
        assert!(
            serde_json::from_str::<AmazonMoney>(r#"{"CurrencyCode":"USD","Amount":19.98}"#)
                .is_err()
        );
    }

    #[test]
    fn a_get_order_response_with_unknown_fields_reads() {
        let body = r#"{"payload":{"AmazonOrderId":"111-0000001-0000001","PurchaseDate":"2025-03-14T09:12:04Z",
            "OrderStatus":"Unshipped","SomethingNew":{"x":1},
            "OrderTotal":{"CurrencyCode":"USD","Amount":"44.48"}}}"#;
        let r: GetOrderResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.payload.order_total.unwrap().amount.to_string(), "44.48");
        assert!(r.payload.shipping_address.is_none());
    }
}
