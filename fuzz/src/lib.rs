//! What every fuzz target checks beyond "does not panic": the canonical order's invariants and
//! the contexts the mappers run under.
//!
//! A mapper that returns `Ok` promises an order the rest of Switchyard can take as it is: the
//! order processor, the ERP adapter and the outbox never re-validate it. So every order a target
//! gets back is held to the rules [`switchyard_model::Order::new`] and the field types state,
//! and must survive the JSON trip through the orders queue unchanged.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use rust_decimal::Decimal;
use switchyard_model::order::{
    MAX_LINES, MAX_QUANTITY, MAX_UNIT_PRICE, check_identifier, check_quantity_in_unit,
};
use switchyard_model::{ChannelName, Order, OrderId, Sku};

/// The order id every target maps under: fixed, so a crash reproduces byte for byte.
pub fn order_id() -> OrderId {
    "01JD0000000000000000000000".parse().expect("a valid ULID")
}

/// The channel every target maps under.
pub fn channel() -> ChannelName {
    ChannelName::try_from("fuzz-channel").expect("a valid channel name")
}

/// The ERP customer storefront and marketplace channels sell to.
pub const DEFAULT_CUSTOMER: &str = "FUZZ-CUSTOMER";

/// The SKU configured for lines without one (Shopify custom items).
pub fn custom_item_sku() -> Sku {
    Sku::try_from("CUSTOM-ITEM").expect("a valid SKU")
}

/// Panics unless `order` satisfies every invariant of a canonical order, and survives the JSON
/// round trip the orders queue puts it through.
pub fn assert_canonical(order: &Order) {
    assert_eq!(order.id, order_id(), "the order id is the context's");
    assert_eq!(order.channel, channel(), "the channel is the context's");
    assert!(
        check_identifier(order.external_id.as_str()).is_ok(),
        "external id {:?} breaks the identifier rule",
        order.external_id
    );
    assert!(
        !order.lines.is_empty() && order.lines.len() <= MAX_LINES,
        "{} lines",
        order.lines.len()
    );
    for (i, line) in order.lines.iter().enumerate() {
        assert!(
            check_identifier(line.sku.as_str()).is_ok(),
            "line {i}: sku {:?}",
            line.sku
        );
        let q = line.quantity.value();
        assert!(
            q > Decimal::ZERO && q <= MAX_QUANTITY && q.normalize().scale() <= 4,
            "line {i}: quantity {q}"
        );
        assert!(
            check_quantity_in_unit(line.quantity, &line.uom).is_ok(),
            "line {i}: {q} {} breaks the whole-unit rule",
            line.uom.as_str()
        );
        let price = line.unit_price.amount;
        assert!(
            (price.is_zero() || !price.is_sign_negative())
                && price <= MAX_UNIT_PRICE
                && price.normalize().scale() <= 4,
            "line {i}: unit price {price}"
        );
        assert_eq!(
            line.unit_price.currency, order.currency,
            "line {i}: priced in another currency than the order"
        );
    }
    assert!(
        !order.customer.account.is_empty(),
        "the customer has no ERP account"
    );
    // The total must be computable: the price and quantity caps exist so that it never overflows.
    let _ = order.total();

    let json = serde_json::to_string(order).expect("an order always serialises");
    let back: Order = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("the order does not read back from its JSON ({e}): {json}"));
    assert_eq!(&back, order, "the order changed on its JSON round trip");
}
