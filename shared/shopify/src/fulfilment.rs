//! [`ShopifyFulfilment`]: an ERP shipment becomes one Shopify fulfillment.
//!
//! Per shipment it reads the order's fulfillment orders and earlier fulfillments in one query,
//! then:
//! - **recognises an earlier push of the same shipment**, so a crash after Shopify answered (or a
//!   timeout on an answer that did arrive there) never makes a second fulfillment. In 2026-04
//!   `fulfillmentCreate` takes no `@idempotent` key (Shopify's changelog makes idempotency
//!   mandatory for inventory and refund mutations only) and a fulfillment has no field of ours
//!   to carry the shipment id, so recognition is by what the fulfillment shows: a live
//!   fulfillment carrying any of the shipment's tracking numbers (a carrier never reuses one for
//!   another package) is this shipment. A shipment **without** tracking numbers is recognised by
//!   a live fulfillment without tracking numbers covering exactly the same SKUs and quantities.
//!   Its limit: two untracked shipments of identical lines on one order look the same, so the
//!   second would be taken for a repeat of the first (the pusher's own record of what it pushed
//!   is the first defence; this one only covers the crash window);
//! - maps each SKU onto the fulfillment-order line items that still have it to fulfil, splitting
//!   a quantity across several fulfillment orders when the order was split;
//! - calls `fulfillmentCreate` with `trackingInfo { company: carrier, numbers }` and
//!   `notifyCustomer: true`, all fulfillment orders in one call (they are at one location).
//!
//! Errors: `THROTTLED` past the in-line wait is [`PushError::Throttled`]; 5xx, timeouts and
//! unreachable shops are [`PushError::Unavailable`]; an order Shopify does not know, lines it
//! cannot fulfil and `userErrors` are [`PushError::Refused`].

use std::collections::BTreeMap;

use serde_json::{Value, json};
use switchyard_fulfilment::{ChannelFulfilment, ChannelShipment, FulfilOutcome};
use switchyard_inventory::PushError;

use crate::{BuildError, ShopifyConfig, ShopifyInventory};

/// Fulfillment orders read per order (Shopify splits an order per location and hold; five is
/// generous, and keeps the query's cost near 600 points).
const FULFILLMENT_ORDERS: usize = 5;
/// Line items read per fulfillment order.
const LINES_PER_FULFILLMENT_ORDER: usize = 100;
/// Earlier fulfillments read per order, and lines read per fulfillment.
const FULFILLMENTS: usize = 50;
const LINES_PER_FULFILLMENT: usize = 50;

/// What the query below costs at most, by Shopify's calculation (used to pace before sending).
const STATE_COST: f64 = 650.0;

const STATE_QUERY: &str = "query FulfilmentState($id: ID!) { order(id: $id) { id \
    fulfillmentOrders(first: 5) { nodes { id status \
      lineItems(first: 100) { nodes { id sku remainingQuantity totalQuantity } } } } \
    fulfillments(first: 50) { id status trackingInfo(first: 50) { company number } \
      fulfillmentLineItems(first: 50) { nodes { lineItem { sku } quantity } } } } }";

const CREATE_MUTATION: &str = "mutation Fulfil($fulfillment: FulfillmentInput!) { \
    fulfillmentCreate(fulfillment: $fulfillment) { \
      fulfillment { id status } userErrors { field message } } }";

/// [`ChannelFulfilment`] on one Shopify shop.
#[derive(Debug)]
pub struct ShopifyFulfilment {
    /// The GraphQL transport (token, pacing by the cost bucket) the inventory client uses.
    transport: ShopifyInventory,
}

/// One earlier fulfillment, as the state query shows it.
#[derive(Debug)]
struct Earlier {
    id: String,
    tracking: Vec<String>,
    lines: BTreeMap<String, i64>,
}

/// A fulfillment-order line item that still has something to fulfil.
#[derive(Debug)]
struct Open {
    fulfillment_order: String,
    line_item: String,
    sku: String,
    remaining: i64,
}

impl ShopifyFulfilment {
    /// A client for the shop in `config` (its `location_id` is not used: fulfillment orders
    /// carry their own location).
    pub fn new(config: ShopifyConfig) -> Result<Self, BuildError> {
        Ok(Self {
            transport: ShopifyInventory::new(config)?,
        })
    }

    /// Reads the order; `None` when Shopify does not know it.
    async fn state(&self, order_gid: &str) -> Result<Option<(Vec<Open>, Vec<Earlier>)>, PushError> {
        let data = self
            .transport
            .graphql(STATE_QUERY, json!({ "id": order_gid }), STATE_COST)
            .await?;
        let order = &data["order"];
        if order.is_null() {
            return Ok(None);
        }
        let nodes = |v: &Value| v["nodes"].as_array().cloned().unwrap_or_default();
        let fulfillment_orders = nodes(&order["fulfillmentOrders"]);
        if fulfillment_orders.len() >= FULFILLMENT_ORDERS {
            tracing::warn!(
                order = order_gid,
                "order has at least {FULFILLMENT_ORDERS} fulfillment orders; only those are considered"
            );
        }
        let mut open = Vec::new();
        for fo in &fulfillment_orders {
            // Closed, cancelled or on hold: nothing there can be fulfilled now.
            if !matches!(fo["status"].as_str(), Some("OPEN" | "IN_PROGRESS")) {
                continue;
            }
            let lines = nodes(&fo["lineItems"]);
            if lines.len() >= LINES_PER_FULFILLMENT_ORDER {
                tracing::warn!(
                    order = order_gid,
                    "a fulfillment order has at least {LINES_PER_FULFILLMENT_ORDER} lines; only those are considered"
                );
            }
            for line in lines {
                let remaining = line["remainingQuantity"].as_i64().unwrap_or(0);
                if remaining > 0 {
                    open.push(Open {
                        fulfillment_order: fo["id"].as_str().unwrap_or_default().to_string(),
                        line_item: line["id"].as_str().unwrap_or_default().to_string(),
                        sku: line["sku"].as_str().unwrap_or_default().to_string(),
                        remaining,
                    });
                }
            }
        }
        let fulfillments = order["fulfillments"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if fulfillments.len() >= FULFILLMENTS {
            tracing::warn!(
                order = order_gid,
                "order has at least {FULFILLMENTS} fulfillments; only those are compared"
            );
        }
        let earlier = fulfillments
            .iter()
            // A cancelled or failed fulfillment no longer stands for the shipment.
            .filter(|f| {
                !matches!(
                    f["status"].as_str(),
                    Some("CANCELLED" | "ERROR" | "FAILURE")
                )
            })
            .map(|f| {
                let mut lines = BTreeMap::new();
                for l in nodes(&f["fulfillmentLineItems"])
                    .iter()
                    .take(LINES_PER_FULFILLMENT)
                {
                    let sku = l["lineItem"]["sku"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    *lines.entry(sku).or_insert(0) += l["quantity"].as_i64().unwrap_or(0);
                }
                Earlier {
                    id: f["id"].as_str().unwrap_or_default().to_string(),
                    tracking: f["trackingInfo"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|t| t["number"].as_str().map(str::to_string))
                        .collect(),
                    lines,
                }
            })
            .collect();
        Ok(Some((open, earlier)))
    }
}

/// The order's GID from Switchyard's external id (the numeric id the webhook carried), or the
/// GID itself.
fn order_gid(channel_order_id: &str) -> Option<String> {
    let id = channel_order_id.trim();
    if let Some(n) = id.strip_prefix("gid://shopify/Order/") {
        return n.parse::<u64>().ok().map(|_| id.to_string());
    }
    id.parse::<u64>()
        .ok()
        .map(|n| format!("gid://shopify/Order/{n}"))
}

/// The shipment's lines per SKU (a SKU listed twice is one line of the sum).
fn wanted(shipment: &ChannelShipment) -> Result<BTreeMap<String, i64>, PushError> {
    let mut wanted = BTreeMap::new();
    for line in &shipment.lines {
        if line.quantity <= 0 {
            return Err(PushError::Refused(format!(
                "shipment {}: {} has quantity {}; a fulfilment ships whole positive units",
                shipment.shipment_id, line.sku, line.quantity
            )));
        }
        *wanted.entry(line.sku.clone()).or_insert(0) += line.quantity;
    }
    if wanted.is_empty() {
        return Err(PushError::Refused(format!(
            "shipment {} has no lines",
            shipment.shipment_id
        )));
    }
    Ok(wanted)
}

/// The earlier fulfillment that is this shipment, if any (see the module docs for the rule).
fn recognise<'a>(
    shipment: &ChannelShipment,
    wanted: &BTreeMap<String, i64>,
    earlier: &'a [Earlier],
) -> Option<&'a Earlier> {
    if shipment.tracking_numbers.is_empty() {
        earlier
            .iter()
            .find(|f| f.tracking.is_empty() && f.lines == *wanted)
    } else {
        earlier.iter().find(|f| {
            f.tracking
                .iter()
                .any(|t| shipment.tracking_numbers.contains(t))
        })
    }
}

/// Spreads each SKU's quantity over the open line items that have it, in Shopify's order:
/// `fulfillment order id → [(line item id, quantity)]`.
fn allocate(
    shipment: &ChannelShipment,
    wanted: &BTreeMap<String, i64>,
    open: &[Open],
) -> Result<BTreeMap<String, Vec<(String, i64)>>, PushError> {
    let mut plan: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for (sku, quantity) in wanted {
        let mut left = *quantity;
        for line in open.iter().filter(|l| &l.sku == sku) {
            if left == 0 {
                break;
            }
            let take = left.min(line.remaining);
            plan.entry(line.fulfillment_order.clone())
                .or_default()
                .push((line.line_item.clone(), take));
            left -= take;
        }
        if left > 0 {
            let available: i64 = open
                .iter()
                .filter(|l| &l.sku == sku)
                .map(|l| l.remaining)
                .sum();
            return Err(PushError::Refused(format!(
                "shipment {}: {quantity} × {sku} is more than the {available} Shopify still has to fulfil on order {}",
                shipment.shipment_id, shipment.channel_order_id
            )));
        }
    }
    Ok(plan)
}

/// The `FulfillmentInput` for a plan.
fn input(shipment: &ChannelShipment, plan: &BTreeMap<String, Vec<(String, i64)>>) -> Value {
    let groups: Vec<Value> = plan
        .iter()
        .map(|(fo, lines)| {
            json!({
                "fulfillmentOrderId": fo,
                "fulfillmentOrderLineItems": lines
                    .iter()
                    .map(|(id, quantity)| json!({ "id": id, "quantity": quantity }))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut fulfillment = json!({
        "lineItemsByFulfillmentOrder": groups,
        "notifyCustomer": true,
    });
    let mut tracking = serde_json::Map::new();
    if let Some(carrier) = &shipment.carrier {
        tracking.insert("company".into(), carrier.clone().into());
    }
    if !shipment.tracking_numbers.is_empty() {
        tracking.insert("numbers".into(), json!(shipment.tracking_numbers));
    }
    if !tracking.is_empty() {
        fulfillment["trackingInfo"] = Value::Object(tracking);
    }
    fulfillment
}

#[async_trait::async_trait]
impl ChannelFulfilment for ShopifyFulfilment {
    async fn fulfil(&self, shipment: &ChannelShipment) -> Result<FulfilOutcome, PushError> {
        let Some(gid) = order_gid(&shipment.channel_order_id) else {
            return Err(PushError::Refused(format!(
                "{:?} is not a Shopify order id",
                shipment.channel_order_id
            )));
        };
        let wanted = wanted(shipment)?;
        let Some((open, earlier)) = self.state(&gid).await? else {
            return Err(PushError::Refused(format!(
                "Shopify has no order {}",
                shipment.channel_order_id
            )));
        };
        if let Some(found) = recognise(shipment, &wanted, &earlier) {
            tracing::info!(
                shipment = %shipment.shipment_id,
                fulfillment = %found.id,
                "shipment already fulfilled on Shopify"
            );
            return Ok(FulfilOutcome::AlreadyThere {
                channel_fulfilment_id: found.id.clone(),
            });
        }
        let plan = allocate(shipment, &wanted, &open)?;
        let data = self
            .transport
            .graphql(
                CREATE_MUTATION,
                json!({ "fulfillment": input(shipment, &plan) }),
                10.0,
            )
            .await?;
        let payload = &data["fulfillmentCreate"];
        let errors = payload["userErrors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !errors.is_empty() {
            let summary: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!(
                        "{} ({})",
                        e["message"].as_str().unwrap_or("?"),
                        e["field"]
                            .as_array()
                            .map(|f| f
                                .iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join("."))
                            .unwrap_or_default()
                    )
                })
                .collect();
            return Err(PushError::Refused(format!(
                "Shopify refused the fulfillment of shipment {}: {}",
                shipment.shipment_id,
                summary.join("; ")
            )));
        }
        match payload["fulfillment"]["id"].as_str() {
            Some(id) => Ok(FulfilOutcome::Created {
                channel_fulfilment_id: id.to_string(),
            }),
            // No errors and no fulfillment: Shopify's answer is not one we can trust either way;
            // the retry reads the order first, so it cannot make a second fulfillment.
            None => Err(PushError::Unavailable(format!(
                "Shopify answered fulfillmentCreate for shipment {} without a fulfillment",
                shipment.shipment_id
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use switchyard_fulfilment::FulfilledLine;

    fn shipment(lines: &[(&str, i64)], tracking: &[&str]) -> ChannelShipment {
        ChannelShipment {
            channel_order_id: "1".into(),
            shipment_id: "CS1".into(),
            lines: lines
                .iter()
                .map(|(s, q)| FulfilledLine {
                    sku: s.to_string(),
                    quantity: *q,
                })
                .collect(),
            carrier: Some("UPS".into()),
            service: None,
            tracking_numbers: tracking.iter().map(|t| t.to_string()).collect(),
            shipped_at: Utc::now(),
            completes_order: false,
        }
    }

    fn open(fo: &str, line: &str, sku: &str, remaining: i64) -> Open {
        Open {
            fulfillment_order: fo.into(),
            line_item: line.into(),
            sku: sku.into(),
            remaining,
        }
    }

    #[test]
    fn a_quantity_is_split_across_fulfillment_orders_that_hold_the_sku() {
        let s = shipment(&[("A", 5)], &[]);
        let plan = allocate(
            &s,
            &wanted(&s).unwrap(),
            &[open("FO1", "L1", "A", 3), open("FO2", "L2", "A", 4)],
        )
        .unwrap();
        assert_eq!(plan["FO1"], vec![("L1".to_string(), 3)]);
        assert_eq!(plan["FO2"], vec![("L2".to_string(), 2)]);
    }

    #[test]
    fn more_than_remains_is_refused_before_anything_is_sent() {
        let s = shipment(&[("A", 5)], &[]);
        let error = allocate(&s, &wanted(&s).unwrap(), &[open("FO1", "L1", "A", 3)]).unwrap_err();
        assert!(matches!(error, PushError::Refused(_)), "{error:?}");
    }

    #[test]
    fn an_untracked_repeat_is_recognised_by_its_lines_and_a_tracked_one_by_any_number() {
        let earlier = vec![
            Earlier {
                id: "F1".into(),
                tracking: vec![],
                lines: BTreeMap::from([("A".to_string(), 2)]),
            },
            Earlier {
                id: "F2".into(),
                tracking: vec!["1Z1".into(), "1Z2".into()],
                lines: BTreeMap::from([("B".to_string(), 1)]),
            },
        ];
        let untracked = shipment(&[("A", 2)], &[]);
        let found = recognise(&untracked, &wanted(&untracked).unwrap(), &earlier);
        assert_eq!(found.map(|f| f.id.as_str()), Some("F1"));
        let other = shipment(&[("A", 1)], &[]);
        assert!(recognise(&other, &wanted(&other).unwrap(), &earlier).is_none());
        let tracked = shipment(&[("B", 1)], &["1Z2"]);
        let found = recognise(&tracked, &wanted(&tracked).unwrap(), &earlier);
        assert_eq!(found.map(|f| f.id.as_str()), Some("F2"));
    }

    #[test]
    fn order_ids_are_the_webhook_number_or_a_gid() {
        assert_eq!(
            order_gid("820982911946154508").as_deref(),
            Some("gid://shopify/Order/820982911946154508")
        );
        assert_eq!(
            order_gid("gid://shopify/Order/5").as_deref(),
            Some("gid://shopify/Order/5")
        );
        assert_eq!(order_gid("404-1"), None);
    }
}
