//! [`InMemoryChannelFulfilment`]: a channel that keeps orders and their fulfilments in memory.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::{ChannelFulfilment, ChannelShipment, FulfilOutcome, FulfilledLine, PushError};

/// What the twin holds for one order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TwinOrder {
    /// What was ordered, per SKU.
    pub ordered: BTreeMap<String, i64>,
    /// Fulfilments in the order they were made: (id, shipment id, the shipment).
    pub fulfilments: Vec<(String, ChannelShipment)>,
    /// Whether the channel shows the order as complete.
    pub completed: bool,
}

/// A channel in memory that fulfils as the real ones do: only orders it knows, never more of
/// a line than is still unfulfilled, one fulfilment per shipment id.
#[derive(Debug, Default)]
pub struct InMemoryChannelFulfilment {
    orders: Mutex<BTreeMap<String, TwinOrder>>,
}

impl InMemoryChannelFulfilment {
    /// An empty channel.
    pub fn new() -> Self {
        Self::default()
    }

    /// Places an order the channel will know as `id`.
    pub fn place_order(&self, id: &str, lines: &[(&str, i64)]) {
        let mut orders = self.orders.lock().expect("twin lock");
        let order = orders.entry(id.to_string()).or_default();
        for (sku, quantity) in lines {
            *order.ordered.entry(sku.to_string()).or_default() += quantity;
        }
    }

    /// What the channel holds for order `id`.
    pub fn order(&self, id: &str) -> Option<TwinOrder> {
        self.orders.lock().expect("twin lock").get(id).cloned()
    }
}

#[async_trait::async_trait]
impl ChannelFulfilment for InMemoryChannelFulfilment {
    async fn fulfil(&self, shipment: &ChannelShipment) -> Result<FulfilOutcome, PushError> {
        let mut orders = self.orders.lock().expect("twin lock");
        let order = orders
            .get_mut(&shipment.channel_order_id)
            .ok_or_else(|| PushError::Refused(format!("no order {}", shipment.channel_order_id)))?;
        if let Some((id, _)) = order
            .fulfilments
            .iter()
            .find(|(_, s)| s.shipment_id == shipment.shipment_id)
        {
            return Ok(FulfilOutcome::AlreadyThere {
                channel_fulfilment_id: id.clone(),
            });
        }
        for FulfilledLine { sku, quantity } in &shipment.lines {
            let ordered = order.ordered.get(sku).copied().unwrap_or(0);
            let fulfilled: i64 = order
                .fulfilments
                .iter()
                .flat_map(|(_, s)| &s.lines)
                .filter(|l| &l.sku == sku)
                .map(|l| l.quantity)
                .sum();
            if *quantity <= 0 || fulfilled + quantity > ordered {
                return Err(PushError::Refused(format!(
                    "{sku}: {quantity} is more than the {} still to fulfil",
                    ordered - fulfilled
                )));
            }
        }
        let id = format!("F{}", order.fulfilments.len() + 1);
        order.fulfilments.push((id.clone(), shipment.clone()));
        if shipment.completes_order {
            order.completed = true;
        }
        Ok(FulfilOutcome::Created {
            channel_fulfilment_id: id,
        })
    }
}
