//! Mapping an 850 into Switchyard's canonical order.
//!
//! Field error paths name X12 positions (`PO1[2].PO104`, `N1[ST].N401`) rather than canonical
//! JSON paths: the partner who must fix the order knows their EDI, not our model.

use rust_decimal::Decimal;
use switchyard_model::order::{OrderParts, check_unit_price};
use switchyard_model::{
    Address, ChannelName, CountryCode, Currency, Customer, ExternalId, FieldErrors, Money, Order,
    OrderId, OrderLine, Quantity, Sku, UnitOfMeasure,
};

use crate::documents::line_item::LineItem;
use crate::documents::purchase_order::{Party, PurchaseOrder};

/// The country assumed when an N4 has no N404: X12 is overwhelmingly a North American standard,
/// and domestic US partners routinely leave the country out.
pub const DEFAULT_COUNTRY: &str = "US";

/// What the channel configuration adds to an 850 to make an order.
#[derive(Debug, Clone)]
pub struct OrderContext {
    /// Switchyard's id for the new order.
    pub order_id: OrderId,
    /// The EDI partner's channel.
    pub channel: ChannelName,
    /// The ERP customer this partner's orders are sold to. Preferred over the N104 of the BY or
    /// BT party when set, because a trading partner is usually one ERP customer and its N1 ids
    /// are its own store/DC codes, not ours.
    pub default_customer: Option<String>,
    /// PO1 product id qualifiers that carry our SKU, tried in this order.
    pub sku_qualifiers: Vec<String>,
    /// The currency when the 850 has no CUR segment.
    pub currency: Currency,
}

impl OrderContext {
    /// A context with the usual SKU qualifiers: `VN` (vendor's item number) then `VP` (vendor's
    /// part number), the two ways a buyer quotes the seller's own code.
    pub fn new(order_id: OrderId, channel: ChannelName, currency: Currency) -> Self {
        OrderContext {
            order_id,
            channel,
            default_customer: None,
            sku_qualifiers: vec!["VN".into(), "VP".into()],
            currency,
        }
    }
}

/// Maps a purchase order to a canonical order, reporting every field that cannot be mapped.
pub fn to_order(po: &PurchaseOrder, ctx: &OrderContext) -> Result<Order, FieldErrors> {
    let mut errors = FieldErrors::default();
    let external_id = ExternalId::try_from(po.number.as_str())
        .map_err(|rule| errors.push("BEG03", rule))
        .ok();
    let currency = match po.currency.as_deref() {
        Some(code) => Currency::from_code(code)
            .ok_or_else(|| errors.push("CUR02", format!("{code:?} is not an ISO 4217 currency")))
            .ok(),
        None => Some(ctx.currency),
    };
    let customer = customer(po, ctx, &mut errors);
    let ship_to = match po.party("ST") {
        Some(party) => address(party, &mut errors),
        None => {
            errors.push(
                "N1[ST]",
                "a ship-to party (N1*ST with N3 and N4) is required",
            );
            None
        }
    };
    let bill_to = po.party("BT").and_then(|p| {
        // A bill-to given only by id (no N3/N4) is the ERP's default billing address.
        (!p.address_lines.is_empty() || !p.city.is_empty())
            .then(|| address(p, &mut errors))
            .flatten()
    });
    // With an unusable CUR02 the lines are still checked (priced in the channel currency, and
    // then discarded) so the partner learns about every problem at once.
    let line_currency = currency.unwrap_or(ctx.currency);
    // A line that cannot be mapped is left out; its errors make the order an error anyway.
    let mut lines = Vec::with_capacity(po.lines.len());
    for (i, line) in po.lines.iter().enumerate() {
        lines.extend(order_line(line, i, line_currency, ctx, &mut errors));
    }
    let (Some(external_id), Some(currency), Some(customer), Some(ship_to)) =
        (external_id, currency, customer, ship_to)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Order::new(OrderParts {
        id: ctx.order_id,
        channel: ctx.channel.clone(),
        external_id,
        customer,
        currency,
        ship_to,
        bill_to,
        lines,
        requested_ship_date: po.requested_ship_date(),
        notes: None,
    })
    .map_err(|e| {
        // The model names its own paths (`lines`); point the partner at the PO1 segments.
        FieldErrors(
            e.0.into_iter()
                .map(|mut f| {
                    f.field = f.field.replacen("lines", "PO1", 1);
                    f
                })
                .collect(),
        )
    })
}

fn customer(po: &PurchaseOrder, ctx: &OrderContext, errors: &mut FieldErrors) -> Option<Customer> {
    let buyer = po
        .party("BY")
        .filter(|p| !p.id.is_empty() || !p.name.is_empty())
        .or_else(|| po.party("BT"));
    let account = match &ctx.default_customer {
        Some(account) => account.clone(),
        None => match buyer.map(|p| p.id.as_str()).filter(|id| !id.is_empty()) {
            Some(id) => id.to_string(),
            None => {
                errors.push(
                    "N1[BY].N104",
                    "the buyer's id (N104 of N1*BY or N1*BT) is required when the channel has no default customer",
                );
                return None;
            }
        },
    };
    let name = buyer
        .map(|p| p.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| account.clone());
    Some(Customer {
        account,
        name,
        email: None,
    })
}

fn address(party: &Party, errors: &mut FieldErrors) -> Option<Address> {
    let at = |element: &str| format!("N1[{}].{element}", party.entity);
    let mut lines = party.address_lines.iter();
    let line1 = lines.next().cloned();
    let line2 = {
        let rest: Vec<&str> = lines.map(String::as_str).collect();
        (!rest.is_empty()).then(|| rest.join(", "))
    };
    if line1.is_none() {
        errors.push(at("N301"), "a street address (N3) is required");
    }
    if party.city.is_empty() {
        errors.push(at("N401"), "a city (N4) is required");
    }
    let country_code = if party.country.is_empty() {
        DEFAULT_COUNTRY
    } else {
        party.country.as_str()
    };
    let country = CountryCode::try_from(country_code.to_string())
        .map_err(|rule| errors.push(at("N404"), rule))
        .ok();
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Some(Address {
        name: non_empty(&party.name),
        line1: line1?,
        line2,
        city: non_empty(&party.city)?,
        region: non_empty(&party.state),
        postal_code: non_empty(&party.postal_code),
        country: country?,
    })
}

fn order_line(
    line: &LineItem,
    index: usize,
    currency: Currency,
    ctx: &OrderContext,
    errors: &mut FieldErrors,
) -> Option<OrderLine> {
    // The partner's own line number when it sent one, else the line's ordinal.
    // Only errors name the line, so the label is made only for them.
    let label = || {
        let number = line.line_number();
        if number.is_empty() {
            (index + 1).to_string()
        } else {
            number.to_string()
        }
    };
    let at = |element: &str| format!("PO1[{}].{element}", label());
    let sku = ctx
        .sku_qualifiers
        .iter()
        .find_map(|q| line.product_id(q))
        .map(|value| {
            Sku::try_from(value)
                .map_err(|rule| errors.push(at("PO107"), rule))
                .ok()
        });
    let sku = match sku {
        Some(sku) => sku,
        None => {
            errors.push(
                format!("PO1[{}]", label()),
                format!(
                    "no product id with qualifier {} carries our SKU",
                    ctx.sku_qualifiers.join(" or ")
                ),
            );
            None
        }
    };
    let quantity = Quantity::try_from(line.quantity)
        .map_err(|rule| errors.push(at("PO102"), rule))
        .ok();
    let uom = if line.uom().is_empty() {
        Some(UnitOfMeasure::each())
    } else {
        UnitOfMeasure::try_from(line.uom().to_string())
            .map_err(|rule| errors.push(at("PO103"), rule))
            .ok()
    };
    let price: Option<Decimal> = match line.unit_price {
        Some(price) => check_unit_price(price)
            .map(|()| price)
            .map_err(|rule| errors.push(at("PO104"), rule))
            .ok(),
        None => {
            errors.push(at("PO104"), "a unit price is required");
            None
        }
    };
    Some(OrderLine {
        sku: sku?,
        quantity: quantity?,
        unit_price: Money::new(price?, currency),
        uom: uom?,
    })
}

#[cfg(test)]
mod tests;
