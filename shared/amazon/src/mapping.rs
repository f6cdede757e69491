//! Amazon order → canonical [`Order`], and which order statuses deserve an ERP document.
//!
//! # Decisions
//!
//! - **Unit price.** Amazon's `ItemPrice` is the *line* total (unit price × quantity). The unit
//!   price is `ItemPrice.Amount / QuantityOrdered`. The canonical model allows 4 decimal places;
//!   when the division is not exact at 4 places (`10.00 / 3`), the quotient is rounded half-even
//!   (banker's rounding, no drift over many lines) to 4 places and the order's `notes` say so,
//!   with the line total Amazon charged, so whoever reconciles the ERP invoice with the Amazon
//!   settlement sees why they differ by a fraction of a cent. Refusing such orders would stop
//!   real sales over a rounding artefact.
//! - **Currency** is `OrderTotal.CurrencyCode`; when `OrderTotal` is absent, the first priced
//!   line's, else the marketplace's ([`crate::marketplaces`]). Every line must be in that currency.
//! - **Cancelled lines** (`QuantityOrdered` 0) are skipped; an order with no line left is refused.
//! - **Customer.** Amazon buyers are not ERP accounts: every order is sold to the channel's
//!   default customer ([`MapContext::default_customer`], required), named after the recipient.
//! - **Address withheld.** Without a Restricted Data Token Amazon omits `Name` and
//!   `AddressLine1`. The order is still mapped (shipping can be arranged from Seller Central):
//!   `line1` says where to look, city/region/postal code/country are kept where present, a missing
//!   city becomes `(withheld)`, and a missing country falls back to the marketplace's country.
//! - **Field paths** in errors name Amazon's fields (`OrderItems[1].ItemPrice`), so the error
//!   points into the payload that was actually received.

use rust_decimal::{Decimal, RoundingStrategy};
use switchyard_model::order::OrderParts;
use switchyard_model::order::check_unit_price;
use switchyard_model::{
    Address, ChannelName, CountryCode, Currency, Customer, ExternalId, FieldErrors, Money, Order,
    OrderId, OrderLine, Quantity, Sku, UnitOfMeasure,
};

use crate::marketplaces::marketplace;

use crate::orders::{AmazonAddress, AmazonOrder, AmazonOrderItem};

/// Decimal places the canonical model accepts on a unit price.
const PRICE_DP: u32 = 4;
/// Name given to the customer when Amazon withholds the recipient's.
const DEFAULT_CUSTOMER_NAME: &str = "Amazon customer";

/// What the mapping needs beyond Amazon's payload.
#[derive(Debug, Clone)]
pub struct MapContext {
    /// Switchyard's id for the new order.
    pub order_id: OrderId,
    /// The channel the Amazon seller account is configured as (`amazon-us`).
    pub channel: ChannelName,
    /// The ERP customer account Amazon orders are sold to; required.
    pub default_customer: Option<String>,
}

/// What to do in the ERP about an order in a given `OrderStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    /// Create (or find) the ERP sale: payment is authorised and prices are known.
    CreateSale,
    /// Cancel the ERP sale if one was created.
    Cancel,
    /// Not yet: a later notification will bring the order to an actionable status.
    Wait,
    /// Nothing to do in the ERP (Amazon could not fulfil it, or an unknown status).
    Ignore,
}

/// Which ERP action an Amazon `OrderStatus` calls for.
///
/// - `Unshipped`, `PartiallyShipped`, `Shipped` and `InvoiceUnconfirmed` (shipped, invoice pending
///   in BR/IN) → [`OrderAction::CreateSale`]: the payment is authorised and the goods must be (or
///   were) picked.
/// - `Pending` and `PendingAvailability` → [`OrderAction::Wait`]: payment is not authorised yet
///   and Amazon sends no prices, so there is nothing reliable to post; it may never be paid.
/// - `Canceled` → [`OrderAction::Cancel`].
/// - `Unfulfillable` and anything unknown → [`OrderAction::Ignore`].
pub fn action_for_status(status: &str) -> OrderAction {
    match status {
        "Unshipped" | "PartiallyShipped" | "Shipped" | "InvoiceUnconfirmed" => {
            OrderAction::CreateSale
        }
        "Pending" | "PendingAvailability" => OrderAction::Wait,
        "Canceled" => OrderAction::Cancel,
        _ => OrderAction::Ignore,
    }
}

/// True when an order in this status should create an ERP sale (see [`action_for_status`]).
pub fn is_actionable(status: &str) -> bool {
    action_for_status(status) == OrderAction::CreateSale
}

/// Maps an Amazon order and its lines to a canonical order, reporting every invalid field.
pub fn to_order(
    order: &AmazonOrder,
    items: &[AmazonOrderItem],
    ctx: &MapContext,
) -> Result<Order, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut notes = Vec::new();

    let external_id = ExternalId::try_from(order.amazon_order_id.as_str())
        .map_err(|rule| errors.push("AmazonOrderId", rule))
        .ok();
    let currency = order_currency(order, items, &mut errors);

    let customer = match ctx.default_customer.as_deref().map(str::trim) {
        Some(account) if !account.is_empty() => Some(Customer {
            account: account.to_string(),
            name: recipient_name(order)
                .unwrap_or(DEFAULT_CUSTOMER_NAME)
                .to_string(),
            email: order
                .buyer_info
                .as_ref()
                .and_then(|b| b.buyer_email.clone())
                .filter(|e| !e.trim().is_empty()),
        }),
        _ => {
            errors.push(
                "customer",
                "is required: configure the default ERP customer for this Amazon channel",
            );
            None
        }
    };

    let ship_to = ship_to(order, &mut errors, &mut notes);

    let mut lines = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.quantity_ordered == 0 {
            // Cancelled line: nothing to sell.
            continue;
        }
        if let Some(line) = to_line(i, item, currency, &mut errors, &mut notes) {
            lines.push(line);
        }
    }
    if lines.is_empty() && !items.iter().any(|i| i.quantity_ordered > 0) {
        errors.push(
            "OrderItems",
            "must contain at least one item with QuantityOrdered > 0",
        );
    }

    if order.fulfillment_channel.as_deref() == Some("AFN") {
        notes
            .push("Fulfilled by Amazon (AFN): Amazon ships this order, not the seller".to_string());
    }

    let (Some(external_id), Some(currency), Some(customer), Some(ship_to), true) =
        (external_id, currency, customer, ship_to, errors.is_empty())
    else {
        return Err(errors);
    };
    Order::new(OrderParts {
        id: ctx.order_id,
        channel: ctx.channel.clone(),
        external_id,
        customer,
        currency,
        ship_to,
        bill_to: None,
        lines,
        requested_ship_date: None,
        notes: (!notes.is_empty()).then(|| notes.join("; ")),
    })
}

/// The order's currency: `OrderTotal`'s, else the first priced line's, else the marketplace's.
fn order_currency(
    order: &AmazonOrder,
    items: &[AmazonOrderItem],
    errors: &mut FieldErrors,
) -> Option<Currency> {
    let (field, code) = match &order.order_total {
        Some(total) => (
            "OrderTotal.CurrencyCode".to_string(),
            total.currency_code.as_str(),
        ),
        None => match items
            .iter()
            .enumerate()
            .find_map(|(i, item)| item.item_price.as_ref().map(|p| (i, p)))
        {
            Some((i, price)) => (
                format!("OrderItems[{i}].ItemPrice.CurrencyCode"),
                price.currency_code.as_str(),
            ),
            None => match order.marketplace_id.as_deref().and_then(marketplace) {
                Some(m) => ("MarketplaceId".to_string(), m.currency),
                None => {
                    errors.push(
                        "OrderTotal",
                        "is required: no currency on the order, its items or its marketplace",
                    );
                    return None;
                }
            },
        },
    };
    let currency = Currency::from_code(code);
    if currency.is_none() {
        errors.push(field, "must be a known ISO 4217 currency code");
    }
    currency
}

fn recipient_name(order: &AmazonOrder) -> Option<&str> {
    order
        .shipping_address
        .as_ref()
        .and_then(|a| a.name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty())
}

fn non_blank(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn ship_to(
    order: &AmazonOrder,
    errors: &mut FieldErrors,
    notes: &mut Vec<String>,
) -> Option<Address> {
    let empty = AmazonAddress::default();
    let address = order.shipping_address.as_ref().unwrap_or(&empty);
    let line1 = non_blank(&address.address_line1);
    let withheld = line1.is_none();

    let country = match non_blank(&address.country_code) {
        Some(code) => match CountryCode::try_from(code) {
            Ok(country) => Some(country),
            Err(rule) => {
                errors.push("ShippingAddress.CountryCode", rule);
                None
            }
        },
        None => match order
            .marketplace_id
            .as_deref()
            .and_then(marketplace)
            .and_then(|m| CountryCode::try_from(m.country.to_string()).ok())
        {
            Some(country) => Some(country),
            None => {
                errors.push(
                    "ShippingAddress.CountryCode",
                    "is required (and the MarketplaceId names no known country)",
                );
                None
            }
        },
    };

    let region = non_blank(&address.state_or_region);
    let city = match non_blank(&address.city) {
        Some(city) => Some(city),
        // Japanese addresses often carry the city inside the lines and only the prefecture here.
        None if !withheld => region.clone(),
        None => Some("(withheld)".to_string()),
    };
    let Some(city) = city else {
        errors.push("ShippingAddress.City", "is required");
        return None;
    };

    let line2 = [&address.address_line2, &address.address_line3]
        .into_iter()
        .filter_map(non_blank)
        .collect::<Vec<_>>();
    let line1 = match line1 {
        Some(line1) => line1,
        None => {
            notes
                .push("shipping address withheld by Amazon (no Restricted Data Token)".to_string());
            format!(
                "Amazon order {} (address withheld; see Seller Central)",
                order.amazon_order_id
            )
        }
    };
    Some(Address {
        name: recipient_name(order).map(str::to_string),
        line1,
        line2: (!line2.is_empty()).then(|| line2.join(", ")),
        city,
        region,
        postal_code: non_blank(&address.postal_code),
        country: country?,
    })
}

fn to_line(
    i: usize,
    item: &AmazonOrderItem,
    currency: Option<Currency>,
    errors: &mut FieldErrors,
    notes: &mut Vec<String>,
) -> Option<OrderLine> {
    let path = |field: &str| format!("OrderItems[{i}].{field}");
    let before = errors.0.len();

    let sku = match item.seller_sku.as_deref() {
        None => {
            errors.push(path("SellerSKU"), "is required");
            None
        }
        Some(sku) => Sku::try_from(sku)
            .map_err(|rule| errors.push(path("SellerSKU"), rule))
            .ok(),
    };
    let quantity = Quantity::try_from(Decimal::from(item.quantity_ordered))
        .map_err(|rule| errors.push(path("QuantityOrdered"), rule))
        .ok();

    let unit_price = match &item.item_price {
        None => {
            errors.push(
                path("ItemPrice"),
                "is required on an item with QuantityOrdered > 0",
            );
            None
        }
        Some(price) => {
            let line_currency = Currency::from_code(&price.currency_code);
            match (line_currency, currency) {
                (None, _) => {
                    errors.push(
                        path("ItemPrice.CurrencyCode"),
                        "must be a known ISO 4217 currency code",
                    );
                    None
                }
                (Some(c), Some(order_currency)) if c != order_currency => {
                    errors.push(
                        path("ItemPrice.CurrencyCode"),
                        format!("must be in the order currency {order_currency}"),
                    );
                    None
                }
                (Some(c), _) => unit_price(i, item, price.amount, errors, notes)
                    .map(|amount| Money::new(amount, c)),
            }
        }
    };

    if errors.0.len() != before {
        return None;
    }
    Some(OrderLine {
        sku: sku?,
        quantity: quantity?,
        unit_price: unit_price?,
        uom: UnitOfMeasure::each(),
    })
}

/// `line_total / QuantityOrdered`, rounded half-even to 4 places when not exact (with a note).
fn unit_price(
    i: usize,
    item: &AmazonOrderItem,
    line_total: Decimal,
    errors: &mut FieldErrors,
    notes: &mut Vec<String>,
) -> Option<Decimal> {
    let field = format!("OrderItems[{i}].ItemPrice");
    if line_total.is_sign_negative() && !line_total.is_zero() {
        errors.push(field, "must not be negative");
        return None;
    }
    let quantity = Decimal::from(item.quantity_ordered);
    let Some(exact) = line_total.checked_div(quantity) else {
        errors.push(field, "cannot be divided by QuantityOrdered");
        return None;
    };
    let unit = exact.round_dp_with_strategy(PRICE_DP, RoundingStrategy::MidpointNearestEven);
    if let Err(rule) = check_unit_price(unit) {
        errors.push(
            field,
            format!("unit price (ItemPrice / QuantityOrdered) {rule}"),
        );
        return None;
    }
    if unit.checked_mul(quantity) != Some(line_total) {
        notes.push(format!(
            "OrderItems[{i}] ({}): unit price {unit} is ItemPrice {line_total} / {quantity} \
             rounded half-even to {PRICE_DP} places; Amazon's line total is {line_total}",
            item.seller_sku.as_deref().unwrap_or("?"),
        ));
    }
    Some(unit)
}
