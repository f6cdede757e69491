//! Shopify order webhooks (Admin REST order payload) to canonical orders.
//!
//! Decisions, each because of what the ERP needs or what Shopify sends:
//!
//! - **External id** is the order `id`, a 64-bit integer above 2^53, read as `u64` and written in
//!   decimal; never through a float, which would silently change it. The shopper-facing `name`
//!   (`#1001`) is not unique across shops and may be renamed, so it goes into the notes.
//! - **Currency** is `currency`, the shop currency: `price` and `total_discount` are in it.
//!   `presentment_currency` (what the shopper saw) is ignored; the ERP books in the shop currency.
//! - **Customer**: Shopify customers are not ERP accounts, so the account is always the channel's
//!   default customer; the name comes from `customer`, then the addresses, then the email.
//! - **Ship-to** is `shipping_address`; digital or pickup orders have none, and then the billing
//!   address is used. **Bill-to** is the billing address when it is complete (Shopify may send a
//!   partial one); otherwise the ERP invoices the customer's default address.
//! - **Custom items** (`sku` null or empty) are booked under the channel's `custom_item_sku`
//!   when one is configured, with their title in the notes; otherwise the line is refused.
//!   `variant_id` (null for custom items) is not used.
//! - **Discounts**: a line's `total_discount` is spread evenly over its units when that is exact
//!   to 4 decimal places; otherwise the undiscounted price is kept and the notes say so.
//! - **Shipping lines and taxes** are not mapped: the ERP prices freight and computes tax. When
//!   `taxes_included` is true the notes say that the prices include tax.
//! - **Quantity** is `quantity` as ordered; order edits that remove units are not reflected.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use switchyard_model::{
    Currency, Customer, ExternalId, Order, OrderLine, Quantity,
    order::{OrderParts, check_unit_price},
};

use crate::mapping::{MapContext, MappingError, invalid, parse_object};
use crate::pricing::{Discounted, apply_discount};
use crate::reader::{AddressShape, Reader, email, join, loose, notes, person_name, truncate};

/// The header naming the event, e.g. `orders/create`.
pub const TOPIC_HEADER: &str = "X-Shopify-Topic";
/// The header with the delivery's id, the same on every retry: the de-duplication key.
pub const WEBHOOK_ID_HEADER: &str = "X-Shopify-Webhook-Id";

/// The Shopify events Switchyard acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShopifyTopic {
    /// `orders/create`: a new order to capture.
    OrdersCreate,
    /// `orders/updated`: an order changed after creation.
    OrdersUpdated,
    /// `orders/cancelled`: the order was cancelled in Shopify.
    OrdersCancelled,
    /// Any other topic, as sent.
    Other(String),
}

impl From<&str> for ShopifyTopic {
    fn from(topic: &str) -> Self {
        match topic.trim() {
            "orders/create" => ShopifyTopic::OrdersCreate,
            "orders/updated" => ShopifyTopic::OrdersUpdated,
            "orders/cancelled" => ShopifyTopic::OrdersCancelled,
            other => ShopifyTopic::Other(other.to_string()),
        }
    }
}

impl ShopifyTopic {
    /// The topic as Shopify writes it.
    pub fn as_str(&self) -> &str {
        match self {
            ShopifyTopic::OrdersCreate => "orders/create",
            ShopifyTopic::OrdersUpdated => "orders/updated",
            ShopifyTopic::OrdersCancelled => "orders/cancelled",
            ShopifyTopic::Other(t) => t,
        }
    }
}

/// What identifies an order in an `orders/updated` or `orders/cancelled` delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopifyOrderRef {
    /// The order `id`, as the external id [`read_order`] gives the order.
    pub external_id: ExternalId,
    /// The shopper-facing order name (`#1001`), when sent.
    pub name: Option<String>,
    /// When the order was cancelled; `None` for an order that is not.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Shopify's reason code (`customer`, `fraud`, `inventory`, `declined`, `other`).
    pub cancel_reason: Option<String>,
}

/// The keys of a Shopify address.
const ADDRESS: AddressShape = AddressShape {
    line1: "address1",
    line2: "address2",
    city: "city",
    regions: &["province_code", "province"],
    postal_code: "zip",
    country: "country_code",
};

/// The rule reported for a custom item on a channel without a custom-item SKU.
const CUSTOM_ITEM_RULE: &str =
    "is empty (a custom item); configure the channel's custom_item_sku to accept custom items";

/// Maps a Shopify order payload (`orders/create`, `orders/updated`) to a canonical order, or
/// reports every invalid field with its JSON path in the payload (`line_items[2].sku`).
pub fn read_order(body: &[u8], ctx: &MapContext) -> Result<Order, MappingError> {
    let root = parse_object(body)?;
    let mut r = Reader::default();
    let mut remarks = Vec::new();
    if let Some(name) = loose(&root, "name") {
        remarks.push(truncate(&format!("Shopify order {name}"), 100));
    }
    if root.get("taxes_included") == Some(&Value::Bool(true)) {
        remarks.push("Prices include tax (Shopify taxes_included).".to_string());
    }

    let external_id = r.id(&root, "id", "id");
    let currency = r.currency(&root, "currency", "currency");

    let shipping = r.object(&root, "shipping_address", "shipping_address");
    let billing = r.object(&root, "billing_address", "billing_address");
    let ship_to = match (shipping, billing) {
        (Some(Some(s)), _) => r.address(s, "shipping_address", &ADDRESS),
        (Some(None), Some(Some(b))) => r.address(b, "billing_address", &ADDRESS),
        (Some(None), Some(None)) => r.fail(
            "shipping_address",
            "is required: the order has neither a shipping nor a billing address",
        ),
        // Already reported as not an object.
        _ => None,
    };
    // A scratch reader: a partial billing address is dropped, not reported.
    let bill_to = billing
        .flatten()
        .and_then(|b| Reader::default().address(b, "billing_address", &ADDRESS));

    let customer = customer(&mut r, &root, ctx, shipping.flatten(), billing.flatten());
    let lines = lines(&mut r, &root, currency, ctx, &mut remarks);
    if let Some(note) = r.text(&root, "note", "note", usize::MAX) {
        remarks.push(format!("Note from buyer: {note}"));
    }

    let errors = std::mem::take(&mut r.errors);
    match (external_id, currency, customer, ship_to, lines) {
        (Some(external_id), Some(currency), Some(customer), Some(ship_to), Some(lines))
            if errors.is_empty() =>
        {
            Ok(Order::new(OrderParts {
                id: ctx.order_id,
                channel: ctx.channel.clone(),
                external_id,
                customer,
                currency,
                ship_to,
                bill_to,
                lines,
                requested_ship_date: None,
                notes: notes(&remarks),
            })?)
        }
        _ => Err(MappingError::Invalid(invalid(errors))),
    }
}

fn customer(
    r: &mut Reader,
    root: &Map<String, Value>,
    ctx: &MapContext,
    shipping: Option<&Map<String, Value>>,
    billing: Option<&Map<String, Value>>,
) -> Option<Customer> {
    let shopper = match root.get("customer") {
        Some(Value::Object(c)) => Some(c),
        _ => None,
    };
    let email = email(
        loose(root, "email")
            .or_else(|| loose(root, "contact_email"))
            .or_else(|| shopper.and_then(|c| loose(c, "email"))),
    );
    let name = shopper
        .and_then(|c| join(&[loose(c, "first_name"), loose(c, "last_name")], " "))
        .or_else(|| shipping.and_then(person_name))
        .or_else(|| billing.and_then(person_name))
        .or_else(|| billing.and_then(|b| loose(b, "company")))
        .or_else(|| shipping.and_then(|s| loose(s, "company")))
        .or_else(|| email.clone());
    let name = match name {
        Some(n) => Some(truncate(&n, 200)),
        None => r.fail(
            "customer",
            "needs a name: none of customer.first_name/last_name, the addresses' names or \
             companies, or email is set",
        ),
    };
    let account = match &ctx.default_customer {
        Some(a) => Some(a.clone()),
        None => r.fail(
            "customer",
            "has no ERP account: Shopify customers are not ERP accounts, so the channel needs a \
             default customer",
        ),
    };
    Some(Customer {
        account: account?,
        name: name?,
        email,
    })
}

fn lines(
    r: &mut Reader,
    root: &Map<String, Value>,
    currency: Option<Currency>,
    ctx: &MapContext,
    remarks: &mut Vec<String>,
) -> Option<Vec<OrderLine>> {
    r.line_items(root, currency, |r, i, m| {
        let f = |k: &str| format!("line_items[{i}].{k}");
        let title = loose(m, "title").or_else(|| loose(m, "name"));
        let sku = r
            .sku(m, &f("sku"), ctx.custom_item_sku.as_ref(), CUSTOM_ITEM_RULE)
            .map(|(sku, custom)| {
                if custom {
                    let title = title.as_deref().unwrap_or("untitled");
                    remarks.push(truncate(
                        &format!("Custom item \"{title}\" (line {i}) booked as {sku}."),
                        200,
                    ));
                }
                sku
            });
        let count = r.whole(m, "quantity", &f("quantity"));
        let quantity =
            count.and_then(|q| r.check(Quantity::try_from(Decimal::from(q)), &f("quantity")));
        // Checked before the discount so that a bad price is reported even when the quantity
        // is bad too; a valid price minus an exact share of a discount stays valid.
        let price = r
            .decimal(m, "price", &f("price"), true)
            .and_then(|p| r.check(check_unit_price(p).map(|()| p), &f("price")));
        let discount = r
            .decimal(m, "total_discount", &f("total_discount"), false)
            .unwrap_or(Decimal::ZERO);
        let unit_price = match (price, quantity.and(count)) {
            (Some(price), Some(q)) => match apply_discount(price, q, discount) {
                Ok(Discounted::Applied(unit)) => Some(unit),
                Ok(Discounted::NotExact) => {
                    remarks.push(format!(
                        "Line {i}: discount {discount} over {q} units does not divide exactly; \
                         unit price kept at {price} without the discount."
                    ));
                    Some(price)
                }
                Err(rule) => r.fail(&f("total_discount"), rule),
            },
            _ => None,
        };
        Some((sku?, quantity?, unit_price?))
    })
}

/// Reads what identifies the order in a delivery, plus its cancellation, for
/// `orders/cancelled` (and `orders/updated` when only the reference is needed).
pub fn order_reference(body: &[u8]) -> Result<ShopifyOrderRef, MappingError> {
    let root = parse_object(body)?;
    let mut r = Reader::default();
    let external_id = r.id(&root, "id", "id");
    let cancelled_at = r
        .text(&root, "cancelled_at", "cancelled_at", 64)
        .and_then(|t| match DateTime::parse_from_rfc3339(&t) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => r.fail("cancelled_at", "must be an RFC 3339 date-time"),
        });
    let cancel_reason = r.text(&root, "cancel_reason", "cancel_reason", 64);
    let name = loose(&root, "name").map(|n| truncate(&n, 100));
    match external_id {
        Some(external_id) if r.errors.is_empty() => Ok(ShopifyOrderRef {
            external_id,
            name,
            cancelled_at,
            cancel_reason,
        }),
        _ => Err(MappingError::Invalid(invalid(r.errors))),
    }
}
