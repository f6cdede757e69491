//! Shipments back to the channels: the port each channel's fulfilment pusher implements.
//!
//! One ERP shipment becomes exactly one fulfilment on the channel, however often its event
//! arrives: the pusher remembers what it pushed, and each adapter also recognises a fulfilment it
//! made before (a crash between the channel's answer and the pusher's record must not make a
//! second one). Adapters speak the channel's own language: a Shopify fulfilment of fulfilment-order
//! lines with tracking info, a WooCommerce order note (and `completed` once fully shipped), an
//! Amazon `confirmShipment`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
mod memory;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use memory::InMemoryChannelFulfilment;
pub use switchyard_inventory::PushError;

/// One product and quantity a fulfilment covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfilledLine {
    /// The SKU, as the order line carried it.
    pub sku: String,
    /// Whole units shipped.
    pub quantity: i64,
}

/// One ERP shipment, as a channel should record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelShipment {
    /// The channel's id for the order (the order's external id).
    pub channel_order_id: String,
    /// The ERP shipment number: what makes a fulfilment the same one when pushed again.
    pub shipment_id: String,
    /// What it carries.
    pub lines: Vec<FulfilledLine>,
    /// The carrier's name, as the ERP has it.
    pub carrier: Option<String>,
    /// The carrier's service.
    pub service: Option<String>,
    /// Tracking numbers, one per package that has one.
    pub tracking_numbers: Vec<String>,
    /// When it left the warehouse.
    pub shipped_at: DateTime<Utc>,
    /// True when this shipment completes the order (every line shipped in full).
    pub completes_order: bool,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FulfilOutcome {
    /// The channel now records this shipment under `channel_fulfilment_id`.
    Created {
        /// The channel's id of the fulfilment (or of the note, or the shipment's package id).
        channel_fulfilment_id: String,
    },
    /// The channel already recorded this shipment; nothing was written.
    AlreadyThere {
        /// The channel's id of the earlier fulfilment.
        channel_fulfilment_id: String,
    },
}

impl FulfilOutcome {
    /// The channel's id of the fulfilment, new or earlier.
    pub fn channel_fulfilment_id(&self) -> &str {
        match self {
            Self::Created {
                channel_fulfilment_id,
            }
            | Self::AlreadyThere {
                channel_fulfilment_id,
            } => channel_fulfilment_id,
        }
    }
}

/// Tells one channel that an order (or part of it) shipped.
#[async_trait::async_trait]
pub trait ChannelFulfilment: Send + Sync {
    /// Records `shipment` on the channel once. On error nothing is half-written on the channel
    /// that a retry could duplicate: retrying the same shipment is always safe.
    /// [`PushError::Refused`] for an order the channel does not know or lines it cannot fulfil.
    async fn fulfil(&self, shipment: &ChannelShipment) -> Result<FulfilOutcome, PushError>;
}
