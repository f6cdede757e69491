//! The cases every [`ChannelFulfilment`] must pass, against its twin and against its channel's
//! sandbox. Each case places its own order, so cases share nothing.

use chrono::Utc;

use crate::{ChannelFulfilment, ChannelShipment, FulfilOutcome, FulfilledLine, PushError};

/// What one fulfilment looks like on the channel, read back through the channel's own API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenFulfilment {
    /// Its tracking numbers.
    pub tracking_numbers: Vec<String>,
    /// What it covers.
    pub lines: Vec<FulfilledLine>,
}

/// A channel under test, with the means to arrange orders and read back what it holds.
#[async_trait::async_trait]
pub trait FulfilmentUnderTest: Send + Sync {
    /// The adapter under test.
    fn channel(&self) -> &dyn ChannelFulfilment;
    /// Places a new order with these (SKU, quantity) lines; returns the channel's id for it.
    async fn place_order(&self, lines: &[(&str, i64)]) -> String;
    /// Every fulfilment the channel holds for the order, oldest first.
    async fn fulfilments(&self, channel_order_id: &str) -> Vec<SeenFulfilment>;
    /// Whether the channel shows the order as completely fulfilled.
    async fn completed(&self, channel_order_id: &str) -> bool;
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

fn shipment(
    order: &str,
    lines: &[(&str, i64)],
    tracking: &[&str],
    completes: bool,
) -> ChannelShipment {
    ChannelShipment {
        channel_order_id: order.to_string(),
        shipment_id: unique("CS"),
        lines: lines
            .iter()
            .map(|(sku, quantity)| FulfilledLine {
                sku: sku.to_string(),
                quantity: *quantity,
            })
            .collect(),
        carrier: Some("UPS".into()),
        service: Some("Ground".into()),
        tracking_numbers: tracking.iter().map(|t| t.to_string()).collect(),
        shipped_at: Utc::now(),
        completes_order: completes,
    }
}

fn lines_of(seen: &SeenFulfilment) -> Vec<(String, i64)> {
    let mut lines: Vec<_> = seen
        .lines
        .iter()
        .map(|l| (l.sku.clone(), l.quantity))
        .collect();
    lines.sort();
    lines
}

/// A full shipment becomes one fulfilment with its tracking number, and completes the order.
pub async fn a_shipment_becomes_one_fulfilment_with_its_tracking(c: &dyn FulfilmentUnderTest) {
    let order = c.place_order(&[("WIDGET-S", 2), ("WIDGET-M", 1)]).await;
    let tracking = unique("1Z");
    let s = shipment(
        &order,
        &[("WIDGET-S", 2), ("WIDGET-M", 1)],
        &[&tracking],
        true,
    );
    let outcome = c.channel().fulfil(&s).await.expect("fulfils");
    assert!(
        matches!(outcome, FulfilOutcome::Created { .. }),
        "{outcome:?}"
    );
    let seen = c.fulfilments(&order).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].tracking_numbers, vec![tracking]);
    assert_eq!(
        lines_of(&seen[0]),
        vec![("WIDGET-M".to_string(), 1), ("WIDGET-S".to_string(), 2)]
    );
    assert!(
        c.completed(&order).await,
        "a full shipment completes the order"
    );
}

/// The same shipment pushed again (a redelivered event, a crash before the pusher recorded it)
/// finds the earlier fulfilment and writes nothing.
pub async fn the_same_shipment_again_is_already_there(c: &dyn FulfilmentUnderTest) {
    let order = c.place_order(&[("WIDGET-S", 3)]).await;
    let s = shipment(&order, &[("WIDGET-S", 3)], &[&unique("1Z")], true);
    let first = c.channel().fulfil(&s).await.expect("fulfils");
    for _ in 0..2 {
        let again = c
            .channel()
            .fulfil(&s)
            .await
            .expect("a repeat is not an error");
        assert_eq!(
            again,
            FulfilOutcome::AlreadyThere {
                channel_fulfilment_id: first.channel_fulfilment_id().to_string()
            }
        );
    }
    assert_eq!(c.fulfilments(&order).await.len(), 1);
}

/// A partial shipment is a partial fulfilment that leaves the order open; the second shipment
/// completes it.
pub async fn a_partial_shipment_then_the_rest(c: &dyn FulfilmentUnderTest) {
    let order = c.place_order(&[("WIDGET-S", 2), ("WIDGET-L", 4)]).await;
    let first = shipment(&order, &[("WIDGET-L", 1)], &[&unique("1Z")], false);
    c.channel().fulfil(&first).await.expect("fulfils part");
    assert_eq!(c.fulfilments(&order).await.len(), 1);
    assert!(
        !c.completed(&order).await,
        "a partial shipment leaves it open"
    );
    let rest = shipment(
        &order,
        &[("WIDGET-S", 2), ("WIDGET-L", 3)],
        &[&unique("1Z"), &unique("1Z")],
        true,
    );
    c.channel().fulfil(&rest).await.expect("fulfils the rest");
    let seen = c.fulfilments(&order).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(lines_of(&seen[0]), vec![("WIDGET-L".to_string(), 1)]);
    assert_eq!(seen[1].tracking_numbers.len(), 2);
    assert_eq!(
        lines_of(&seen[1]),
        vec![("WIDGET-L".to_string(), 3), ("WIDGET-S".to_string(), 2)]
    );
    assert!(c.completed(&order).await);
}

/// A shipment without a tracking number is still exactly one fulfilment.
pub async fn a_shipment_without_tracking_is_one_fulfilment(c: &dyn FulfilmentUnderTest) {
    let order = c.place_order(&[("WIDGET-M", 1)]).await;
    let mut s = shipment(&order, &[("WIDGET-M", 1)], &[], true);
    s.carrier = None;
    s.service = None;
    c.channel().fulfil(&s).await.expect("fulfils");
    let again = c.channel().fulfil(&s).await.expect("a repeat is fine");
    assert!(
        matches!(again, FulfilOutcome::AlreadyThere { .. }),
        "{again:?}"
    );
    let seen = c.fulfilments(&order).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].tracking_numbers.is_empty());
}

/// An order the channel does not know is refused, not retried.
pub async fn an_unknown_order_is_refused(c: &dyn FulfilmentUnderTest) {
    let s = shipment(&unique("404"), &[("WIDGET-S", 1)], &[], true);
    match c.channel().fulfil(&s).await {
        Err(PushError::Refused(_)) => {}
        other => panic!("an unknown order must be refused, got {other:?}"),
    }
}

/// One `#[tokio::test]` per [`ChannelFulfilment`] case, each on the probe `$under` (an expression
/// evaluated, and awaited if it is a future, inside each test).
#[macro_export]
macro_rules! channel_fulfilment_contract_tests {
    ($under:expr) => {
        $crate::channel_fulfilment_contract_tests!(@cases $under;
            a_shipment_becomes_one_fulfilment_with_its_tracking,
            the_same_shipment_again_is_already_there,
            a_partial_shipment_then_the_rest,
            a_shipment_without_tracking_is_one_fulfilment,
            an_unknown_order_is_refused);
    };
    (@cases $under:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let under = $under;
                $crate::contract::$case(&under).await;
            }
        )*
    };
}
