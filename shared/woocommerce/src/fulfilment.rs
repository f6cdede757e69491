//! [`WooFulfilment`]: an ERP shipment becomes one customer note on the WooCommerce order, and
//! the order `completed` once the last shipment is out.
//!
//! WooCommerce core has no fulfilments or tracking fields (those come from plugins that differ
//! per store), so the shipment is told the way every store supports: a customer note, which
//! WooCommerce emails to the customer. Its first line names the shipment and its lines
//! (`Shipment CS7: 2 × WIDGET-S, 1 × WIDGET-M`), then the carrier and service and the tracking
//! numbers, one line each. Per shipment it:
//! - reads the order (`GET /orders/{id}`; `404` is [`PushError::Refused`], as is a cancelled,
//!   refunded or failed order) and its customer notes;
//! - recognises an earlier push by a note whose first line starts `Shipment {id}:` — the
//!   shipment id is in the note itself, so a crash after WooCommerce answered finds it; then it
//!   only finishes what may be left (the `completed` status);
//! - refuses SKUs the order does not have, or more of one than the order holds less what earlier
//!   shipment notes already covered (before writing anything);
//! - adds the note (`customer_note: true`), then, when the shipment completes the order, `PUT`s
//!   `status: completed` unless the order already is.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use switchyard_fulfilment::{ChannelFulfilment, ChannelShipment, FulfilOutcome, FulfilledLine};
use switchyard_inventory::PushError;

use crate::{WooConfig, WooInventory};

/// [`ChannelFulfilment`] on one WooCommerce store.
pub struct WooFulfilment {
    /// The REST transport (credentials, retries on `429`) the inventory client uses.
    transport: WooInventory,
}

impl std::fmt::Debug for WooFulfilment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport prints its config with the secret redacted.
        f.debug_struct("WooFulfilment")
            .field("transport", &self.transport)
            .finish()
    }
}

/// A shipment as one of its notes tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentNote {
    /// The ERP shipment number.
    pub shipment_id: String,
    /// The lines it covers.
    pub lines: Vec<FulfilledLine>,
    /// Its tracking numbers.
    pub tracking_numbers: Vec<String>,
}

const PREFIX: &str = "Shipment ";
const TRACKING: &str = "Tracking: ";
const CARRIER: &str = "Carrier: ";

/// The note text for a shipment.
pub fn note_text(shipment: &ChannelShipment) -> String {
    let lines: Vec<String> = shipment
        .lines
        .iter()
        .map(|l| format!("{} × {}", l.quantity, l.sku))
        .collect();
    let mut text = format!("{PREFIX}{}: {}", shipment.shipment_id, lines.join(", "));
    let carrier = match (&shipment.carrier, &shipment.service) {
        (Some(c), Some(s)) => Some(format!("{c} {s}")),
        (Some(c), None) => Some(c.clone()),
        (None, Some(s)) => Some(s.clone()),
        (None, None) => None,
    };
    if let Some(carrier) = carrier {
        text.push_str(&format!("\n{CARRIER}{carrier}"));
    }
    if !shipment.tracking_numbers.is_empty() {
        text.push_str(&format!(
            "\n{TRACKING}{}",
            shipment.tracking_numbers.join(", ")
        ));
    }
    text
}

/// Reads a note written by [`note_text`]; `None` for any other note.
pub fn parse_note(text: &str) -> Option<ShipmentNote> {
    let mut rows = text.lines();
    let first = rows.next()?.strip_prefix(PREFIX)?;
    let (shipment_id, lines) = first.split_once(": ")?;
    let lines = lines
        .split(", ")
        .map(|part| {
            let (quantity, sku) = part.split_once(" × ")?;
            Some(FulfilledLine {
                sku: sku.to_string(),
                quantity: quantity.parse().ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let tracking_numbers = rows
        .find_map(|r| r.strip_prefix(TRACKING))
        .map(|t| t.split(", ").map(str::to_string).collect())
        .unwrap_or_default();
    Some(ShipmentNote {
        shipment_id: shipment_id.to_string(),
        lines,
        tracking_numbers,
    })
}

impl WooFulfilment {
    /// A client for the store in `config`.
    pub fn new(config: WooConfig) -> Result<Self, PushError> {
        Ok(Self {
            transport: WooInventory::new(config)?,
        })
    }

    /// The order, or `None` when the store does not have it.
    async fn order(&self, id: u64) -> Result<Option<Value>, PushError> {
        let answer = self
            .transport
            .call(Method::GET, &format!("/orders/{id}"), &[], None)
            .await?;
        Ok((answer.status != StatusCode::NOT_FOUND).then_some(answer.body))
    }

    /// The order's customer notes, as (note id, text).
    async fn customer_notes(&self, id: u64) -> Result<Vec<(u64, String)>, PushError> {
        let path = format!("/orders/{id}/notes");
        let answer = self
            .transport
            .call(Method::GET, &path, &[("type", "customer".into())], None)
            .await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(PushError::Refused(format!("WooCommerce has no order {id}")));
        }
        let notes = answer.body.as_array().ok_or_else(|| {
            PushError::Unavailable(format!("GET {path} did not answer a list of notes"))
        })?;
        Ok(notes
            .iter()
            .filter_map(|n| Some((n["id"].as_u64()?, n["note"].as_str()?.to_string())))
            .collect())
    }

    /// Sets `completed` unless the order already shows it.
    async fn complete(&self, id: u64, status: &str) -> Result<(), PushError> {
        if status == "completed" {
            return Ok(());
        }
        let answer = self
            .transport
            .call(
                Method::PUT,
                &format!("/orders/{id}"),
                &[],
                Some(&json!({ "status": "completed" })),
            )
            .await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(PushError::Refused(format!("WooCommerce has no order {id}")));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl ChannelFulfilment for WooFulfilment {
    async fn fulfil(&self, shipment: &ChannelShipment) -> Result<FulfilOutcome, PushError> {
        let Ok(id) = shipment.channel_order_id.trim().parse::<u64>() else {
            return Err(PushError::Refused(format!(
                "{:?} is not a WooCommerce order id",
                shipment.channel_order_id
            )));
        };
        let Some(order) = self.order(id).await? else {
            return Err(PushError::Refused(format!("WooCommerce has no order {id}")));
        };
        let status = order["status"].as_str().unwrap_or_default().to_string();
        let notes = self.customer_notes(id).await?;
        let earlier: Vec<(u64, ShipmentNote)> = notes
            .iter()
            .filter_map(|(note_id, text)| Some((*note_id, parse_note(text)?)))
            .collect();
        if let Some((note_id, _)) = earlier
            .iter()
            .find(|(_, n)| n.shipment_id == shipment.shipment_id)
        {
            // The note is there; a crash may have come before the status was set.
            if shipment.completes_order {
                self.complete(id, &status).await?;
            }
            return Ok(FulfilOutcome::AlreadyThere {
                channel_fulfilment_id: note_id.to_string(),
            });
        }
        if matches!(
            status.as_str(),
            "cancelled" | "refunded" | "failed" | "trash"
        ) {
            return Err(PushError::Refused(format!(
                "WooCommerce order {id} is {status}; a shipment is not added to it"
            )));
        }
        let mut left: BTreeMap<String, i64> = BTreeMap::new();
        for line in order["line_items"].as_array().into_iter().flatten() {
            if let Some(sku) = line["sku"].as_str() {
                *left.entry(sku.to_string()).or_insert(0) += line["quantity"].as_i64().unwrap_or(0);
            }
        }
        for (_, note) in &earlier {
            for line in &note.lines {
                if let Some(l) = left.get_mut(&line.sku) {
                    *l -= line.quantity;
                }
            }
        }
        let mut wanted: BTreeMap<&str, i64> = BTreeMap::new();
        for line in &shipment.lines {
            *wanted.entry(line.sku.as_str()).or_insert(0) += line.quantity;
        }
        if wanted.is_empty() {
            return Err(PushError::Refused(format!(
                "shipment {} has no lines",
                shipment.shipment_id
            )));
        }
        for (sku, quantity) in &wanted {
            let remaining = left.get(*sku).copied().unwrap_or(0);
            if *quantity <= 0 || *quantity > remaining {
                return Err(PushError::Refused(format!(
                    "shipment {}: {quantity} × {sku} is more than the {remaining} order {id} still has to ship",
                    shipment.shipment_id
                )));
            }
        }
        let path = format!("/orders/{id}/notes");
        let answer = self
            .transport
            .call(
                Method::POST,
                &path,
                &[],
                Some(&json!({ "note": note_text(shipment), "customer_note": true })),
            )
            .await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(PushError::Refused(format!("WooCommerce has no order {id}")));
        }
        let Some(note_id) = answer.body["id"].as_u64() else {
            return Err(PushError::Unavailable(format!(
                "POST {path} answered without a note id"
            )));
        };
        if shipment.completes_order {
            self.complete(id, &status).await?;
        }
        Ok(FulfilOutcome::Created {
            channel_fulfilment_id: note_id.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_reads_back_as_the_shipment_it_tells() {
        let shipment = ChannelShipment {
            channel_order_id: "101".into(),
            shipment_id: "CS7".into(),
            lines: vec![
                FulfilledLine {
                    sku: "WIDGET-S".into(),
                    quantity: 2,
                },
                FulfilledLine {
                    sku: "WIDGET-M".into(),
                    quantity: 1,
                },
            ],
            carrier: Some("UPS".into()),
            service: Some("Ground".into()),
            tracking_numbers: vec!["1Z1".into(), "1Z2".into()],
            shipped_at: chrono::Utc::now(),
            completes_order: true,
        };
        let text = note_text(&shipment);
        assert!(
            text.starts_with("Shipment CS7: 2 × WIDGET-S, 1 × WIDGET-M\n"),
            "{text}"
        );
        assert!(text.contains("Carrier: UPS Ground"));
        let read = parse_note(&text).unwrap();
        assert_eq!(read.shipment_id, "CS7");
        assert_eq!(read.lines, shipment.lines);
        assert_eq!(read.tracking_numbers, shipment.tracking_numbers);
        assert_eq!(
            parse_note("Order status changed from Processing to Completed."),
            None
        );
    }
}
