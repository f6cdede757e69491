//! Amazon Selling Partner API (SP-API) connector.
//!
//! Amazon does not push orders: it pushes an `ORDER_CHANGE` notification (through SQS) that says
//! *which* order changed, and the order itself must then be read from the Orders API v0. This
//! crate holds every piece of that path:
//!
//! - [`notification`] parses the SQS message body into an [`OrderChangeNotification`];
//! - [`orders`] types the Orders API v0 responses (`getOrder`, `getOrderItems`);
//! - [`client`] is the [`AmazonOrders`] port and its reqwest adapter [`SpApiClient`]
//!   (Login-with-Amazon tokens, rate limits, retries on 429);
//! - [`memory`] is [`InMemoryAmazonOrders`], the port's in-memory twin for tests, held to the
//!   same contract as the client (`contract`, behind the `contract` feature);
//! - [`listings`] is [`SpApiListings`], the inventory pusher's client: it sets MFN quantities
//!   through the Listings Items API (`getListingsItem`, `patchListingsItem`) and implements
//!   [`switchyard_inventory::ChannelStock`];
//! - [`shipments`] is [`SpApiShipments`], the fulfilment pusher's client: it confirms shipments
//!   (`confirmShipment`, one package per tracking number) and implements
//!   [`switchyard_fulfilment::ChannelFulfilment`];
//! - [`rate_limit`] is the [`TokenBucket`] that keeps calls inside SP-API's usage plans;
//! - [`credentials`] keeps secrets out of logs and `Debug` output;
//! - [`mapping`] turns an Amazon order into a canonical [`switchyard_model::Order`] and decides
//!   which order statuses are worth an ERP document.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
#[cfg(feature = "contract")]
pub mod contract;
pub mod credentials;
pub mod listings;
pub mod mapping;
pub mod marketplaces;
pub mod memory;
pub mod notification;
pub mod orders;
pub mod rate_limit;
pub mod shipments;
mod transport;

pub use client::{AmazonOrders, SpApiClient, SpApiConfig, SpApiError};
pub use credentials::{LwaCredentials, Secret};
pub use listings::SpApiListings;
pub use mapping::{MapContext, OrderAction, action_for_status, is_actionable, to_order};
pub use marketplaces::{MARKETPLACES, Marketplace, marketplace};
pub use memory::{Fault, InMemoryAmazonOrders};
pub use notification::{NotificationError, OrderChangeNotification, parse_notification};
pub use orders::{AmazonAddress, AmazonMoney, AmazonOrder, AmazonOrderItem};
pub use rate_limit::{InvalidRate, TokenBucket};
pub use shipments::SpApiShipments;
