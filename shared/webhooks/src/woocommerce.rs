//! WooCommerce order webhooks (REST API v3 order payload) to canonical orders.
//!
//! Decisions, each because of what the ERP needs or what WooCommerce sends:
//!
//! - **External id** is the order `id` (an integer, read as `u64`). `number` is what the shopper
//!   sees and plugins may rewrite it, so it goes into the notes.
//! - **Prices** come from the line's `subtotal` and `total`, which are decimal strings. The line's
//!   `price` is a JSON number (a float in WooCommerce itself) and is never read. The unit price is
//!   `subtotal / quantity`, refused unless exact to 4 decimal places; the line discount
//!   `subtotal - total` is then spread over the units as for Shopify: applied when it divides
//!   exactly, otherwise the undiscounted price is kept and the notes say so. Both exclude tax.
//! - **Customer**: the account is the channel's default customer (shoppers are not ERP accounts);
//!   the name comes from the billing person or company, then shipping, then the email.
//! - **Ship-to** is `shipping`; for orders that need no shipping WooCommerce sends it with every
//!   field empty, and then `billing` is used. **Bill-to** is `billing` when complete.
//! - **Products without a SKU** are booked under the channel's `custom_item_sku` when configured,
//!   with their name in the notes; otherwise the line is refused.
//! - **Status** is not looked at by [`read_order`]; the handler decides with [`order_status`].
//! - Shipping lines, fees, coupons as separate lines and taxes are not mapped: the ERP prices
//!   freight and computes tax.

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use switchyard_model::{
    Currency, Customer, ExternalId, Order, OrderLine, Quantity,
    order::{OrderParts, check_unit_price},
};

use crate::mapping::{MapContext, MappingError, invalid, parse_object};
use crate::pricing::{Discounted, apply_discount, exact_share};
use crate::reader::{AddressShape, Reader, email, loose, notes, person_name, truncate};

/// The header naming the event, e.g. `order.created`.
pub const TOPIC_HEADER: &str = "X-WC-Webhook-Topic";
/// The header with the delivery's id: the de-duplication key.
pub const DELIVERY_ID_HEADER: &str = "X-WC-Webhook-Delivery-ID";

/// The WooCommerce events Switchyard acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WooTopic {
    /// `order.created`: a new order to capture.
    OrderCreated,
    /// `order.updated`: an order changed, its status included.
    OrderUpdated,
    /// `order.deleted`: the order was trashed or deleted; the body carries only its `id`.
    OrderDeleted,
    /// `order.restored`: a trashed order was restored.
    OrderRestored,
    /// Any other topic, as sent.
    Other(String),
}

impl From<&str> for WooTopic {
    fn from(topic: &str) -> Self {
        match topic.trim() {
            "order.created" => WooTopic::OrderCreated,
            "order.updated" => WooTopic::OrderUpdated,
            "order.deleted" => WooTopic::OrderDeleted,
            "order.restored" => WooTopic::OrderRestored,
            other => WooTopic::Other(other.to_string()),
        }
    }
}

impl WooTopic {
    /// The topic as WooCommerce writes it.
    pub fn as_str(&self) -> &str {
        match self {
            WooTopic::OrderCreated => "order.created",
            WooTopic::OrderUpdated => "order.updated",
            WooTopic::OrderDeleted => "order.deleted",
            WooTopic::OrderRestored => "order.restored",
            WooTopic::Other(t) => t,
        }
    }
}

/// A WooCommerce order status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WooStatus {
    /// `pending`: awaiting payment.
    Pending,
    /// `processing`: paid, to be fulfilled.
    Processing,
    /// `on-hold`: awaiting confirmation of payment (e.g. a bank transfer).
    OnHold,
    /// `completed`: fulfilled.
    Completed,
    /// `cancelled`: cancelled by the shop or the shopper.
    Cancelled,
    /// `refunded`: fully refunded.
    Refunded,
    /// `failed`: payment failed.
    Failed,
    /// Any other status (`trash`, `checkout-draft`, statuses added by plugins), as sent.
    Other(String),
}

impl From<&str> for WooStatus {
    fn from(status: &str) -> Self {
        match status.trim() {
            "pending" => WooStatus::Pending,
            "processing" => WooStatus::Processing,
            "on-hold" => WooStatus::OnHold,
            "completed" => WooStatus::Completed,
            "cancelled" => WooStatus::Cancelled,
            "refunded" => WooStatus::Refunded,
            "failed" => WooStatus::Failed,
            other => WooStatus::Other(other.to_string()),
        }
    }
}

impl WooStatus {
    /// The status as WooCommerce writes it.
    pub fn as_str(&self) -> &str {
        match self {
            WooStatus::Pending => "pending",
            WooStatus::Processing => "processing",
            WooStatus::OnHold => "on-hold",
            WooStatus::Completed => "completed",
            WooStatus::Cancelled => "cancelled",
            WooStatus::Refunded => "refunded",
            WooStatus::Failed => "failed",
            WooStatus::Other(s) => s,
        }
    }
}

/// True for the unsigned ping WooCommerce sends when a webhook is saved: a form-encoded
/// `webhook_id=<n>`. The handler answers it with a 2xx and does nothing else; since it is
/// unsigned it must never be treated as an order.
pub fn is_ping(content_type: Option<&str>, body: &[u8]) -> bool {
    let form = content_type.is_some_and(|ct| {
        ct.split(';').next().is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    let ping_body = body
        .strip_prefix(b"webhook_id=")
        .is_some_and(|id| !id.is_empty() && id.iter().all(u8::is_ascii_digit));
    form && ping_body
}

/// The keys of a WooCommerce address (`billing`, `shipping`).
const ADDRESS: AddressShape = AddressShape {
    line1: "address_1",
    line2: "address_2",
    city: "city",
    regions: &["state"],
    postal_code: "postcode",
    country: "country",
};

/// The rule reported for a line without a SKU on a channel without a custom-item SKU.
const NO_SKU_RULE: &str = "is empty; give the product a SKU in WooCommerce or configure the \
     channel's custom_item_sku to accept products without one";

/// Maps a WooCommerce order payload (`order.created`, `order.updated`) to a canonical order, or
/// reports every invalid field with its JSON path in the payload (`line_items[2].subtotal`).
pub fn read_order(body: &[u8], ctx: &MapContext) -> Result<Order, MappingError> {
    let root = parse_object(body)?;
    let mut r = Reader::default();
    let mut remarks = Vec::new();
    let number = match root.get("number") {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => loose(&root, "number"),
    };
    if let Some(number) = number {
        remarks.push(truncate(&format!("WooCommerce order #{number}"), 100));
    }

    let external_id = r.id(&root, "id", "id");
    let currency = r.currency(&root, "currency", "currency");

    // `billing` also carries the email, so it is kept whole for the customer; for addresses an
    // object whose address fields are all empty counts as absent.
    let billing = r.object(&root, "billing", "billing");
    let billing_address = billing.map(|b| b.filter(|b| !ADDRESS.is_blank(b)));
    let shipping = r
        .object(&root, "shipping", "shipping")
        .map(|s| s.filter(|s| !ADDRESS.is_blank(s)));
    let ship_to = match (shipping, billing_address) {
        (Some(Some(s)), _) => r.address(s, "shipping", &ADDRESS),
        (Some(None), Some(Some(b))) => r.address(b, "billing", &ADDRESS),
        (Some(None), Some(None)) => r.fail(
            "shipping",
            "is required: the order has neither a shipping nor a billing address",
        ),
        _ => None,
    };
    // A scratch reader: an incomplete billing address is dropped, not reported.
    let bill_to = billing_address
        .flatten()
        .and_then(|b| Reader::default().address(b, "billing", &ADDRESS));

    let customer = customer(&mut r, ctx, shipping.flatten(), billing.flatten());
    let lines = lines(&mut r, &root, currency, ctx, &mut remarks);
    if let Some(note) = r.text(&root, "customer_note", "customer_note", usize::MAX) {
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
    ctx: &MapContext,
    shipping: Option<&Map<String, Value>>,
    billing: Option<&Map<String, Value>>,
) -> Option<Customer> {
    let email = email(billing.and_then(|b| loose(b, "email")));
    let name = billing
        .and_then(person_name)
        .or_else(|| billing.and_then(|b| loose(b, "company")))
        .or_else(|| shipping.and_then(person_name))
        .or_else(|| shipping.and_then(|s| loose(s, "company")))
        .or_else(|| email.clone());
    let name = match name {
        Some(n) => Some(truncate(&n, 200)),
        None => r.fail(
            "billing",
            "needs a name: none of first_name/last_name, company or email is set in billing or \
             shipping",
        ),
    };
    let account = match &ctx.default_customer {
        Some(a) => Some(a.clone()),
        None => r.fail(
            "customer",
            "has no ERP account: WooCommerce customers are not ERP accounts, so the channel \
             needs a default customer",
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
        let sku = r
            .sku(m, &f("sku"), ctx.custom_item_sku.as_ref(), NO_SKU_RULE)
            .map(|(sku, custom)| {
                if custom {
                    let name = loose(m, "name");
                    let name = name.as_deref().unwrap_or("unnamed");
                    remarks.push(truncate(
                        &format!("Product without SKU \"{name}\" (line {i}) booked as {sku}."),
                        200,
                    ));
                }
                sku
            });
        let count = r.whole(m, "quantity", &f("quantity"));
        let quantity =
            count.and_then(|q| r.check(Quantity::try_from(Decimal::from(q)), &f("quantity")));
        let subtotal = r
            .decimal(m, "subtotal", &f("subtotal"), true)
            .and_then(|s| {
                if s.is_sign_negative() && !s.is_zero() {
                    r.fail(&f("subtotal"), "must not be negative")
                } else {
                    Some(s)
                }
            });
        let total = r.decimal(m, "total", &f("total"), false);
        let unit_price = match (subtotal, quantity.and(count)) {
            (Some(subtotal), Some(q)) => unit_price(r, i, subtotal, total, q, remarks),
            _ => None,
        }
        .and_then(|p| r.check(check_unit_price(p).map(|()| p), &f("subtotal")));
        Some((sku?, quantity?, unit_price?))
    })
}

/// The unit price of line `i` from its `subtotal` (before discounts) and `total` (after).
fn unit_price(
    r: &mut Reader,
    i: usize,
    subtotal: Decimal,
    total: Option<Decimal>,
    quantity: u64,
    remarks: &mut Vec<String>,
) -> Option<Decimal> {
    let f = |k: &str| format!("line_items[{i}].{k}");
    let Some(unit) = exact_share(subtotal, quantity) else {
        return r.fail(
            &f("subtotal"),
            &format!("divided by the quantity {quantity} is not exact to 4 decimal places"),
        );
    };
    let discount = match total {
        None => Decimal::ZERO,
        Some(total) if total > subtotal => {
            return r.fail(&f("total"), "must not be greater than subtotal");
        }
        Some(total) => subtotal.checked_sub(total).unwrap_or(Decimal::ZERO),
    };
    match apply_discount(unit, quantity, discount) {
        Ok(Discounted::Applied(price)) => Some(price),
        Ok(Discounted::NotExact) => {
            remarks.push(format!(
                "Line {i}: discount {discount} over {quantity} units does not divide exactly; \
                 unit price kept at {unit} without the discount."
            ));
            Some(unit)
        }
        Err(rule) => r.fail(&f("total"), rule),
    }
}

/// Reads the order's id and status, so the handler can act on cancellations and refunds.
pub fn order_status(body: &[u8]) -> Result<(ExternalId, WooStatus), MappingError> {
    let root = parse_object(body)?;
    let mut r = Reader::default();
    let external_id = r.id(&root, "id", "id");
    let status = r.required_text(&root, "status", "status", 64);
    match (external_id, status) {
        (Some(id), Some(status)) => Ok((id, WooStatus::from(status.as_str()))),
        _ => Err(MappingError::Invalid(invalid(r.errors))),
    }
}

/// Reads only the order's id: the whole body of an `order.deleted` delivery.
pub fn order_id(body: &[u8]) -> Result<ExternalId, MappingError> {
    let root = parse_object(body)?;
    let mut r = Reader::default();
    r.id(&root, "id", "id")
        .ok_or_else(|| MappingError::Invalid(invalid(r.errors)))
}
