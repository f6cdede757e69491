//! [`SpApiListings`]: merchant-fulfilled (MFN) quantities on Amazon through the Listings Items
//! API v2021-08-01, as a [`ChannelStock`] for one seller in one marketplace.
//!
//! Per SKU it reads the listing (`getListingsItem` with `summaries,fulfillmentAvailability`):
//! a `404` is [`LevelOutcome::NotListed`], a `DEFAULT` quantity equal to the level is
//! [`LevelOutcome::Unchanged`]; otherwise it patches `/attributes/fulfillment_availability`
//! (`patchListingsItem`, JSON Patch `replace`) with the product type the read returned, which
//! the patch body requires. A listing that only Amazon fulfils (FBA: a fulfilment channel other
//! than `DEFAULT` and no `DEFAULT` entry) is left alone and reported not listed: Amazon counts
//! that stock itself.
//!
//! Both operations are paced by their own [`TokenBucket`] at the documented default plan (5
//! requests/s, burst 5 each) and share the Orders client's LWA token handling and 429 retries.
//! Errors map onto [`PushError`]: still throttled after the retries → `Throttled`, `5xx` and
//! transport failures → `Unavailable`, `400`/`403` and an `INVALID` submission → `Refused`.
//!
//! Amazon applies an `ACCEPTED` patch asynchronously (usually within minutes): a read right
//! after a patch can still show the old quantity, so the next push may write the same level
//! again, which is harmless.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use switchyard_inventory::{ChannelLevel, ChannelStock, LevelOutcome, PushError};

use crate::client::{SpApiConfig, SpApiError};
use crate::rate_limit::TokenBucket;
use crate::transport::Transport;

/// The Listings Items API version this client speaks.
const LISTINGS_PATH: &str = "/listings/2021-08-01/items";
/// Amazon's fulfilment channel code for merchant-fulfilled stock.
const MERCHANT_FULFILLED: &str = "DEFAULT";

/// The Listings Items client for one seller and marketplace.
pub struct SpApiListings {
    transport: Transport,
    seller_id: String,
    marketplace_id: String,
    get_bucket: TokenBucket,
    patch_bucket: TokenBucket,
}

impl std::fmt::Debug for SpApiListings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config's secrets are `Secret`s; the cached access token is left out altogether.
        f.debug_struct("SpApiListings")
            .field("config", &self.transport.config)
            .field("seller_id", &self.seller_id)
            .field("marketplace_id", &self.marketplace_id)
            .field("get_bucket", &self.get_bucket)
            .field("patch_bucket", &self.patch_bucket)
            .finish_non_exhaustive()
    }
}

/// The listing as far as a stock push cares.
#[derive(Debug)]
struct Listing {
    product_type: String,
    /// The `DEFAULT` (merchant-fulfilled) quantity, if the listing has one.
    quantity: Option<i64>,
    /// Only Amazon fulfils it.
    fba_only: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    summaries: Vec<Summary>,
    #[serde(default)]
    fulfillment_availability: Vec<Availability>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    marketplace_id: String,
    product_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Availability {
    fulfillment_channel_code: String,
    #[serde(default)]
    quantity: Option<i64>,
}

#[derive(Deserialize)]
struct Submission {
    status: String,
    #[serde(default)]
    issues: Vec<Issue>,
}

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    severity: String,
}

impl SpApiListings {
    /// A client for `seller_id` in `marketplace_id` (e.g. `ATVPDKIKX0DER`, amazon.com), with
    /// the documented default usage plans.
    pub fn new(
        config: SpApiConfig,
        seller_id: impl Into<String>,
        marketplace_id: impl Into<String>,
    ) -> Result<Self, SpApiError> {
        Ok(SpApiListings {
            transport: Transport::new(config)?,
            seller_id: seller_id.into(),
            marketplace_id: marketplace_id.into(),
            get_bucket: TokenBucket::get_listings_item_default(),
            patch_bucket: TokenBucket::patch_listings_item_default(),
        })
    }

    /// Replaces the rate limits (a seller with a higher usage plan, or tests).
    pub fn with_rate_limits(mut self, get: TokenBucket, patch: TokenBucket) -> Self {
        self.get_bucket = get;
        self.patch_bucket = patch;
        self
    }

    /// `/listings/2021-08-01/items/{sellerId}/{sku}`, each segment percent-encoded (SKUs may
    /// hold `/`, spaces and other characters SP-API asks callers to encode).
    fn item_url(&self, sku: &str) -> Result<reqwest::Url, SpApiError> {
        let mut url = self.transport.url(LISTINGS_PATH)?;
        url.path_segments_mut()
            .map_err(|()| SpApiError::Unavailable("SP-API endpoint cannot take a path".into()))?
            .push(&self.seller_id)
            .push(sku);
        Ok(url)
    }

    /// `getListingsItem`; `None` when the seller has no such listing in the marketplace.
    async fn read(&self, sku: &str) -> Result<Option<Listing>, SpApiError> {
        let body = match self
            .transport
            .send(
                "getListingsItem",
                &self.get_bucket,
                Method::GET,
                self.item_url(sku)?,
                &[
                    ("marketplaceIds", self.marketplace_id.as_str()),
                    ("includedData", "summaries,fulfillmentAvailability"),
                ],
                None,
            )
            .await
        {
            Ok(body) => body,
            Err(SpApiError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let item: Item = serde_json::from_str(&body)
            .map_err(|e| SpApiError::InvalidResponse(format!("getListingsItem: {e}")))?;
        let summary = item
            .summaries
            .iter()
            .find(|s| s.marketplace_id == self.marketplace_id)
            .or(item.summaries.first())
            .ok_or_else(|| {
                SpApiError::InvalidResponse("getListingsItem: no summaries for the listing".into())
            })?;
        let merchant = item
            .fulfillment_availability
            .iter()
            .find(|a| a.fulfillment_channel_code == MERCHANT_FULFILLED);
        Ok(Some(Listing {
            product_type: summary.product_type.clone(),
            quantity: merchant.and_then(|a| a.quantity),
            fba_only: merchant.is_none() && !item.fulfillment_availability.is_empty(),
        }))
    }

    /// `patchListingsItem`: replaces the merchant-fulfilled quantity. `false` when the listing
    /// disappeared since it was read.
    async fn patch(&self, sku: &str, product_type: &str, quantity: i64) -> Result<bool, PushError> {
        let body = fulfillment_availability_patch(product_type, quantity);
        let answer = match self
            .transport
            .send(
                "patchListingsItem",
                &self.patch_bucket,
                Method::PATCH,
                self.item_url(sku).map_err(|e| self.push_error(e))?,
                &[("marketplaceIds", self.marketplace_id.as_str())],
                Some(&body),
            )
            .await
        {
            Ok(answer) => answer,
            Err(SpApiError::NotFound) => return Ok(false),
            Err(e) => return Err(self.push_error(e)),
        };
        let submission: Submission = serde_json::from_str(&answer).map_err(|e| {
            PushError::Unavailable(format!(
                "patchListingsItem answered an unexpected body: {e}"
            ))
        })?;
        if submission.status == "ACCEPTED" {
            return Ok(true);
        }
        let issues: Vec<String> = submission
            .issues
            .iter()
            .map(|i| format!("{} {}: {}", i.severity, i.code, i.message))
            .collect();
        Err(PushError::Refused(format!(
            "patchListingsItem {sku}: {} ({})",
            submission.status,
            issues.join("; ")
        )))
    }

    fn push_error(&self, error: SpApiError) -> PushError {
        match error {
            // At least one token's worth of the plan: the soonest a retry can be let through.
            SpApiError::RateLimited => PushError::Throttled {
                retry_after: Duration::try_from_secs_f64(1.0 / self.patch_bucket.rate_per_second())
                    .unwrap_or(Duration::from_secs(1))
                    .max(Duration::from_secs(1)),
            },
            SpApiError::Unavailable(why) | SpApiError::InvalidResponse(why) => {
                PushError::Unavailable(why)
            }
            SpApiError::Rejected { code, message } => {
                PushError::Refused(format!("SP-API refused: {code}: {message}"))
            }
            SpApiError::NotFound => PushError::Refused("SP-API: not found".into()),
        }
    }
}

#[async_trait]
impl ChannelStock for SpApiListings {
    async fn set_levels(&self, levels: &[ChannelLevel]) -> Result<Vec<LevelOutcome>, PushError> {
        let mut outcomes = Vec::with_capacity(levels.len());
        for level in levels {
            let sku = level.sku.clone();
            let listing = self.read(&sku).await.map_err(|e| self.push_error(e))?;
            let outcome = match listing {
                None => LevelOutcome::NotListed { sku },
                Some(listing) if listing.fba_only => {
                    tracing::info!(
                        sku,
                        "listing is fulfilled by Amazon only; not setting MFN stock"
                    );
                    LevelOutcome::NotListed { sku }
                }
                Some(listing) if listing.quantity == Some(level.quantity) => {
                    LevelOutcome::Unchanged { sku }
                }
                Some(listing) => {
                    if self
                        .patch(&sku, &listing.product_type, level.quantity)
                        .await?
                    {
                        LevelOutcome::Set {
                            sku,
                            previous: listing.quantity,
                        }
                    } else {
                        LevelOutcome::NotListed { sku }
                    }
                }
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }
}

/// The `patchListingsItem` body that sets the merchant-fulfilled quantity: one JSON Patch
/// `replace` of the top-level `fulfillment_availability` attribute.
pub fn fulfillment_availability_patch(product_type: &str, quantity: i64) -> Value {
    json!({
        "productType": product_type,
        "patches": [{
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": MERCHANT_FULFILLED, "quantity": quantity}],
        }],
    })
}
