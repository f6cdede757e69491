//! [`SpApiShipments`]: tells Amazon that a merchant-fulfilled order shipped, as a
//! [`ChannelFulfilment`] for one seller in one marketplace.
//!
//! One ERP shipment becomes one or more Amazon *packages* (`confirmShipment`, Orders v0): Amazon
//! takes one tracking number per package, so a shipment with several tracking numbers is several
//! packages of the same order. Each package's `packageReferenceId` is derived from the ERP
//! shipment id ([`package_reference_id`]): Amazon only accepts positive numbers there, treats the
//! id as unique within the order, and documents that confirming an existing id again *edits*
//! that package rather than adding one. So a repeat can never make a second package on Amazon.
//!
//! Before confirming, the order is read once with the Orders v2026-01-01 `getOrder`
//! (`includedData=PACKAGES`): its items map each SKU onto Amazon's `orderItemId` (the v0
//! `getOrderItems` answer, `SellerSKU` → `OrderItemId`, holds the same, but not the packages),
//! and its packages tell whether this shipment was confirmed before. Every package of the
//! shipment already there → [`FulfilOutcome::AlreadyThere`] and nothing is sent; otherwise the
//! missing packages are confirmed (after a crash between two packages, only the rest is sent).
//!
//! The limit of that recognition: it sees what Amazon's read shows. If Amazon's read lagged
//! behind a confirmation just made, a repeat would confirm the same `packageReferenceId` again,
//! which Amazon applies as an edit with the same details: still one package, but reported
//! `Created` instead of `AlreadyThere`.
//!
//! Both operations are paced by their own [`TokenBucket`] at the documented default plans
//! (`confirmShipment` 2 requests/s, burst 10; v2026-01-01 `getOrder` 0.5 requests/s, burst 30)
//! and share the other clients' LWA token handling and 429 retries. Errors map onto
//! [`PushError`]: still throttled after the retries → `Throttled`, `5xx` and transport failures
//! → `Unavailable`, `400`/`403`/`404` → `Refused`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use chrono::SecondsFormat;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use switchyard_fulfilment::{ChannelFulfilment, ChannelShipment, FulfilOutcome};
use switchyard_inventory::PushError;

use crate::client::{SpApiConfig, SpApiError};
use crate::rate_limit::TokenBucket;
use crate::transport::Transport;

/// Amazon's carrier code for a carrier it does not list; `carrierName` then names it.
pub const OTHER_CARRIER: &str = "Other";
/// Most packages one shipment becomes: the package index takes the last two digits of the
/// reference id.
const MAX_PACKAGES: usize = 99;

/// The Orders client that confirms shipments for one seller in one marketplace.
pub struct SpApiShipments {
    transport: Transport,
    marketplace_id: String,
    get_order_bucket: TokenBucket,
    confirm_bucket: TokenBucket,
}

impl std::fmt::Debug for SpApiShipments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config's secrets are `Secret`s; the cached access token is left out altogether.
        f.debug_struct("SpApiShipments")
            .field("config", &self.transport.config)
            .field("marketplace_id", &self.marketplace_id)
            .field("get_order_bucket", &self.get_order_bucket)
            .field("confirm_bucket", &self.confirm_bucket)
            .finish_non_exhaustive()
    }
}

/// One package to confirm: what `packageDetail` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPackage {
    /// `packageReferenceId`.
    pub package_reference_id: String,
    /// `trackingNumber` (empty when the shipment has none).
    pub tracking_number: String,
    /// (`orderItemId`, quantity), in the order's item order.
    pub items: Vec<(String, i64)>,
}

#[derive(Deserialize)]
struct GetOrderResponse {
    order: Order,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Order {
    #[serde(default)]
    order_items: Vec<OrderItem>,
    #[serde(default)]
    packages: Vec<Package>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderItem {
    order_item_id: String,
    quantity_ordered: i64,
    #[serde(default)]
    product: Option<Product>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Product {
    seller_sku: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    package_reference_id: String,
    #[serde(default)]
    package_items: Vec<PackageItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageItem {
    order_item_id: String,
    quantity: i64,
}

impl SpApiShipments {
    /// A client for the seller whose refresh token `config` holds, in `marketplace_id` (e.g.
    /// `ATVPDKIKX0DER`, amazon.com), with the documented default usage plans.
    pub fn new(config: SpApiConfig, marketplace_id: impl Into<String>) -> Result<Self, SpApiError> {
        Ok(SpApiShipments {
            transport: Transport::new(config)?,
            marketplace_id: marketplace_id.into(),
            get_order_bucket: TokenBucket::get_order_v2026_default(),
            confirm_bucket: TokenBucket::confirm_shipment_default(),
        })
    }

    /// Replaces the rate limits (a seller with a higher usage plan, or tests).
    pub fn with_rate_limits(mut self, get_order: TokenBucket, confirm: TokenBucket) -> Self {
        self.get_order_bucket = get_order;
        self.confirm_bucket = confirm;
        self
    }

    fn order_url(
        &self,
        prefix: &str,
        order_id: &str,
        suffix: &[&str],
    ) -> Result<reqwest::Url, SpApiError> {
        let mut url = self.transport.url(prefix)?;
        url.path_segments_mut()
            .map_err(|()| SpApiError::Unavailable("SP-API endpoint cannot take a path".into()))?
            .push(order_id)
            .extend(suffix);
        Ok(url)
    }

    /// v2026-01-01 `getOrder` with its packages.
    async fn read(&self, order_id: &str) -> Result<Order, SpApiError> {
        let body = self
            .transport
            .send(
                "getOrder",
                &self.get_order_bucket,
                Method::GET,
                self.order_url("/orders/2026-01-01/orders", order_id, &[])?,
                &[("includedData", "PACKAGES")],
                None,
            )
            .await?;
        let answer: GetOrderResponse = serde_json::from_str(&body)
            .map_err(|e| SpApiError::InvalidResponse(format!("getOrder: {e}")))?;
        Ok(answer.order)
    }

    async fn confirm(&self, order_id: &str, body: &Value) -> Result<(), SpApiError> {
        self.transport
            .send(
                "confirmShipment",
                &self.confirm_bucket,
                Method::POST,
                self.order_url("/orders/v0/orders", order_id, &["shipmentConfirmation"])?,
                &[],
                Some(body),
            )
            .await
            .map(|_| ())
    }

    fn push_error(&self, order_id: &str, error: SpApiError) -> PushError {
        match error {
            // At least one token's worth of the plan: the soonest a retry can be let through.
            SpApiError::RateLimited => PushError::Throttled {
                retry_after: Duration::try_from_secs_f64(
                    1.0 / self.get_order_bucket.rate_per_second(),
                )
                .unwrap_or(Duration::from_secs(1))
                .max(Duration::from_secs(1)),
            },
            SpApiError::Unavailable(why) | SpApiError::InvalidResponse(why) => {
                PushError::Unavailable(why)
            }
            SpApiError::Rejected { code, message } => PushError::Refused(format!(
                "SP-API refused order {order_id}: {code}: {message}"
            )),
            SpApiError::NotFound => {
                PushError::Refused(format!("Amazon has no order {order_id} for this seller"))
            }
        }
    }
}

#[async_trait]
impl ChannelFulfilment for SpApiShipments {
    async fn fulfil(&self, shipment: &ChannelShipment) -> Result<FulfilOutcome, PushError> {
        let order_id = shipment.channel_order_id.as_str();
        let order = self
            .read(order_id)
            .await
            .map_err(|e| self.push_error(order_id, e))?;
        let planned = plan_packages(shipment, &order)?;
        let first = planned
            .first()
            .map(|p| p.package_reference_id.clone())
            .ok_or_else(|| PushError::Refused("a shipment with no lines".into()))?;
        let existing: HashSet<&str> = order
            .packages
            .iter()
            .map(|p| p.package_reference_id.as_str())
            .collect();
        let missing: Vec<&PlannedPackage> = planned
            .iter()
            .filter(|p| !existing.contains(p.package_reference_id.as_str()))
            .collect();
        if missing.is_empty() {
            tracing::info!(order_id, shipment = %shipment.shipment_id, "already confirmed on Amazon");
            return Ok(FulfilOutcome::AlreadyThere {
                channel_fulfilment_id: first,
            });
        }
        for package in missing {
            let body = confirm_shipment_body(&self.marketplace_id, shipment, package);
            self.confirm(order_id, &body)
                .await
                .map_err(|e| self.push_error(order_id, e))?;
        }
        Ok(FulfilOutcome::Created {
            channel_fulfilment_id: first,
        })
    }
}

/// The packages `shipment` becomes on `order`: one per tracking number (one when it has none),
/// each with its share of the lines, the SKUs mapped onto the order's items.
fn plan_packages(
    shipment: &ChannelShipment,
    order: &Order,
) -> Result<Vec<PlannedPackage>, PushError> {
    let count = shipment.tracking_numbers.len().clamp(1, MAX_PACKAGES);
    let ids: Vec<String> = (1..=count)
        .map(|k| package_reference_id(&shipment.shipment_id, k))
        .collect();
    // What other shipments already took of each item: this shipment's own packages, if some are
    // there, are edited in place and do not count against it.
    let mine: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut taken: HashMap<&str, i64> = HashMap::new();
    for package in order
        .packages
        .iter()
        .filter(|p| !mine.contains(p.package_reference_id.as_str()))
    {
        for item in &package.package_items {
            *taken.entry(item.order_item_id.as_str()).or_default() += item.quantity;
        }
    }
    // The SKU's units spread over its order items (an SKU can be on more than one line).
    let mut allocated: Vec<(String, String, i64)> = Vec::new(); // (sku, orderItemId, quantity)
    for line in &shipment.lines {
        if line.quantity < 1 {
            return Err(PushError::Refused(format!(
                "{}: a quantity of {} cannot be confirmed",
                line.sku, line.quantity
            )));
        }
        let items: Vec<&OrderItem> = order
            .order_items
            .iter()
            .filter(|i| {
                i.product.as_ref().and_then(|p| p.seller_sku.as_deref()) == Some(line.sku.as_str())
            })
            .collect();
        if items.is_empty() {
            return Err(PushError::Refused(format!(
                "Amazon order {} has no item with SKU {}",
                shipment.channel_order_id, line.sku
            )));
        }
        let mut left = line.quantity;
        for item in items {
            let room = item.quantity_ordered
                - taken.get(item.order_item_id.as_str()).copied().unwrap_or(0)
                - allocated
                    .iter()
                    .filter(|(_, id, _)| *id == item.order_item_id)
                    .map(|(_, _, q)| q)
                    .sum::<i64>();
            let take = left.min(room.max(0));
            if take > 0 {
                allocated.push((line.sku.clone(), item.order_item_id.clone(), take));
                left -= take;
            }
            if left == 0 {
                break;
            }
        }
        if left > 0 {
            return Err(PushError::Refused(format!(
                "Amazon order {}: {} more of {} than are left to ship",
                shipment.channel_order_id, left, line.sku
            )));
        }
    }
    let groups = split(&allocated, count);
    Ok(ids
        .into_iter()
        .zip(groups)
        .enumerate()
        .map(|(k, (package_reference_id, items))| PlannedPackage {
            package_reference_id,
            tracking_number: shipment
                .tracking_numbers
                .get(k)
                .cloned()
                .unwrap_or_default(),
            items,
        })
        .collect())
}

/// `count` groups of (orderItemId, quantity): whole lines when there are enough lines,
/// otherwise units, so every package carries something. The ERP does not say which line went
/// into which box; this split is deterministic, so a repeat plans the same packages.
fn split(allocated: &[(String, String, i64)], count: usize) -> Vec<Vec<(String, i64)>> {
    let units: i64 = allocated.iter().map(|(_, _, q)| q).sum();
    let count = count
        .min(usize::try_from(units).unwrap_or(usize::MAX))
        .max(1);
    let mut groups: Vec<Vec<(String, i64)>> = vec![Vec::new(); count];
    let push = |group: &mut Vec<(String, i64)>, id: &str, q: i64| match group
        .iter_mut()
        .find(|(known, _)| known == id)
    {
        Some((_, existing)) => *existing += q,
        None => group.push((id.to_string(), q)),
    };
    if allocated.len() >= count {
        // Contiguous runs of lines, the first groups one line larger when it does not divide.
        let per = allocated.len() / count;
        let extra = allocated.len() % count;
        let mut at = 0;
        for (g, group) in groups.iter_mut().enumerate() {
            let take = per + usize::from(g < extra);
            for (_, id, q) in &allocated[at..at + take] {
                push(group, id, *q);
            }
            at += take;
        }
    } else {
        let per = units / count as i64;
        let extra = units % count as i64;
        let mut sizes: Vec<i64> = (0..count as i64)
            .map(|g| per + i64::from(g < extra))
            .collect();
        let mut g = 0;
        for (_, id, q) in allocated {
            let mut left = *q;
            while left > 0 {
                let take = left.min(sizes[g]);
                push(&mut groups[g], id, take);
                sizes[g] -= take;
                left -= take;
                if sizes[g] == 0 && g + 1 < count {
                    g += 1;
                }
            }
        }
    }
    groups
}

/// The `packageReferenceId` of package `k` (1-based) of ERP shipment `shipment_id`.
///
/// Amazon takes only positive numbers here, unique within the order, so the ERP's shipment
/// number (`CS7`) cannot be sent as it is. The id is a stable hash of the shipment id folded into
/// seven digits (never a leading zero), followed by the package index in two: nine digits, within
/// a 32-bit integer in case Amazon stores it as one. Two shipments of one order collide with a
/// chance of about one in nine million; a collision would make the second shipment edit the
/// first's package.
pub fn package_reference_id(shipment_id: &str, k: usize) -> String {
    // FNV-1a, 64 bits: stable across builds and platforms, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in shipment_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let base = 1_000_000 + hash % 9_000_000;
    format!("{base}{:02}", k.min(MAX_PACKAGES))
}

/// The shipment a `packageReferenceId` made by [`package_reference_id`] belongs to: every
/// package of one shipment shares it.
pub fn shipment_key_of(package_reference_id: &str) -> &str {
    let cut = package_reference_id.len().saturating_sub(2);
    &package_reference_id[..cut]
}

/// Amazon's carrier code for the ERP's carrier name, and the name to send alongside when the
/// code is [`OTHER_CARRIER`]. Amazon lists its codes in Seller Central's shipping confirmation
/// template; the common ones are recognised here whatever their spelling in the ERP.
pub fn carrier_code(carrier: Option<&str>) -> (&'static str, Option<String>) {
    let Some(name) = carrier.map(str::trim).filter(|n| !n.is_empty()) else {
        // carrierCode is required; with no carrier known, say so rather than guess one.
        return (OTHER_CARRIER, Some("Unknown".into()));
    };
    let key: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let code = match key.as_str() {
        "ups" | "unitedparcelservice" => "UPS",
        "upsmi" | "upsmailinnovations" => "UPS Mail Innovations",
        "usps" | "unitedstatespostalservice" => "USPS",
        "fedex" | "federalexpress" => "FedEx",
        "fedexsmartpost" => "FedEx SmartPost",
        "dhl" => "DHL",
        "dhlexpress" => "DHL Express",
        "dhlecommerce" => "DHL eCommerce",
        "dhlglobalmail" => "DHL Global Mail",
        "ontrac" => "OnTrac",
        "lasership" => "Lasership",
        "canadapost" => "Canada Post",
        "royalmail" => "Royal Mail",
        "parcelforce" => "Parcelforce",
        "dpd" => "DPD",
        "gls" => "GLS",
        "tnt" => "TNT",
        "hermes" => "Hermes",
        "yodel" => "Yodel",
        "australiapost" => "Australia Post",
        "chinapost" => "China Post",
        "aramex" => "Aramex",
        _ => return (OTHER_CARRIER, Some(name.to_string())),
    };
    (code, None)
}

/// The `confirmShipment` body for one package of `shipment`.
pub fn confirm_shipment_body(
    marketplace_id: &str,
    shipment: &ChannelShipment,
    package: &PlannedPackage,
) -> Value {
    let (code, name) = carrier_code(shipment.carrier.as_deref());
    let mut detail = json!({
        "packageReferenceId": package.package_reference_id,
        "carrierCode": code,
        // Required by the schema; a shipment without one sends it empty.
        "trackingNumber": package.tracking_number,
        "shipDate": shipment.shipped_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "orderItems": package.items.iter()
            .map(|(id, q)| json!({"orderItemId": id, "quantity": q}))
            .collect::<Vec<_>>(),
    });
    if let Some(name) = name {
        detail["carrierName"] = json!(name);
    }
    if let Some(service) = shipment.service.as_deref().filter(|s| !s.trim().is_empty()) {
        detail["shippingMethod"] = json!(service);
    }
    json!({ "marketplaceId": marketplace_id, "packageDetail": detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(groups: &[Vec<(String, i64)>]) -> Vec<Vec<(&str, i64)>> {
        groups
            .iter()
            .map(|g| g.iter().map(|(id, q)| (id.as_str(), *q)).collect())
            .collect()
    }

    fn alloc(lines: &[(&str, i64)]) -> Vec<(String, String, i64)> {
        lines
            .iter()
            .map(|(id, q)| (format!("SKU-{id}"), id.to_string(), *q))
            .collect()
    }

    #[test]
    fn one_package_carries_every_line() {
        let groups = split(&alloc(&[("A", 2), ("B", 1)]), 1);
        assert_eq!(ids(&groups), vec![vec![("A", 2), ("B", 1)]]);
    }

    #[test]
    fn whole_lines_go_to_packages_when_there_are_enough_lines() {
        let groups = split(&alloc(&[("A", 2), ("B", 3), ("C", 1)]), 2);
        assert_eq!(ids(&groups), vec![vec![("A", 2), ("B", 3)], vec![("C", 1)]]);
    }

    #[test]
    fn units_are_spread_when_there_are_more_packages_than_lines() {
        let groups = split(&alloc(&[("A", 5)]), 3);
        assert_eq!(
            ids(&groups),
            vec![vec![("A", 2)], vec![("A", 2)], vec![("A", 1)]]
        );
        // Never an empty package: more tracking numbers than units gives one package per unit.
        let groups = split(&alloc(&[("A", 2)]), 4);
        assert_eq!(ids(&groups), vec![vec![("A", 1)], vec![("A", 1)]]);
    }

    #[test]
    fn package_reference_ids_are_positive_numbers_stable_per_shipment() {
        let first = package_reference_id("CS7", 1);
        assert_eq!(first.len(), 9);
        assert!(first.bytes().all(|b| b.is_ascii_digit()) && !first.starts_with('0'));
        assert!(first.parse::<i32>().is_ok(), "fits a 32-bit integer");
        assert_eq!(first, package_reference_id("CS7", 1), "the same every time");
        let second = package_reference_id("CS7", 2);
        assert_ne!(first, second);
        assert_eq!(shipment_key_of(&first), shipment_key_of(&second));
        assert_ne!(
            shipment_key_of(&first),
            shipment_key_of(&package_reference_id("CS8", 1))
        );
    }

    #[test]
    fn carriers_map_onto_amazon_codes_or_other_with_the_name() {
        assert_eq!(carrier_code(Some("UPS")), ("UPS", None));
        assert_eq!(carrier_code(Some("United Parcel Service")), ("UPS", None));
        assert_eq!(carrier_code(Some("fedex")), ("FedEx", None));
        assert_eq!(carrier_code(Some("Fed-Ex")), ("FedEx", None));
        assert_eq!(carrier_code(Some("U.S.P.S.")), ("USPS", None));
        assert_eq!(carrier_code(Some("DHL")), ("DHL", None));
        assert_eq!(
            carrier_code(Some("Acme Couriers")),
            ("Other", Some("Acme Couriers".to_string()))
        );
        assert_eq!(carrier_code(None), ("Other", Some("Unknown".to_string())));
        assert_eq!(
            carrier_code(Some("  ")),
            ("Other", Some("Unknown".to_string()))
        );
    }

    #[test]
    fn a_shipment_without_carrier_or_tracking_still_sends_every_required_field() {
        let shipment = ChannelShipment {
            channel_order_id: "902-3159896-1390916".into(),
            shipment_id: "CS9".into(),
            lines: vec![],
            carrier: None,
            service: None,
            tracking_numbers: vec![],
            shipped_at: chrono::DateTime::parse_from_rfc3339("2026-12-01T09:30:00+02:00")
                .unwrap()
                .with_timezone(&chrono::Utc),
            completes_order: true,
        };
        let package = PlannedPackage {
            package_reference_id: package_reference_id("CS9", 1),
            tracking_number: String::new(),
            items: vec![("53208257374106".into(), 1)],
        };
        let body = confirm_shipment_body("ATVPDKIKX0DER", &shipment, &package);
        assert_eq!(
            body,
            json!({
                "marketplaceId": "ATVPDKIKX0DER",
                "packageDetail": {
                    "packageReferenceId": package.package_reference_id,
                    "carrierCode": "Other",
                    "carrierName": "Unknown",
                    "trackingNumber": "",
                    "shipDate": "2026-12-01T07:30:00Z",
                    "orderItems": [{"orderItemId": "53208257374106", "quantity": 1}],
                }
            })
        );
    }
}
