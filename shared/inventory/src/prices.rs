//! The price projection: per SKU, its list price and every price list's prices; per customer,
//! the price list it buys on. And [`quote`]: the price a customer pays for a quantity.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use switchyard_model::catalog_events::{CustomerPriceListChanged, PriceBreak, PriceChanged};
use switchyard_model::{Currency, Sku};
use switchyard_platform::ServiceError;
use switchyard_projections::{Applied, Key, ProjectionStore, Version};

/// The `price_list` name of a product's own list price.
pub const LIST_PRICE: &str = "list_price";

/// Where one price list's prices for a SKU live.
pub fn price_key(sku: &Sku, price_list: &str) -> Key {
    Key::new(format!("price#{sku}"), format!("list#{price_list}"))
}

/// Where a customer's price list assignment lives.
pub fn customer_key(account: &str) -> Key {
    Key::new(format!("customer#{account}"), "price-list")
}

/// Keeps `prices` unless a newer (or the same) ERP version is already projected.
pub async fn project_prices(
    store: &dyn ProjectionStore,
    prices: &PriceChanged,
) -> Result<Applied, ServiceError> {
    let doc = serde_json::to_value(prices).expect("prices serialise");
    store
        .put_if_newer(
            &price_key(&prices.sku, &prices.price_list),
            Version::observed(prices.erp_version, prices.observed_at),
            &doc,
        )
        .await
}

/// Keeps `assignment` unless a newer (or the same) ERP version is already projected.
pub async fn project_customer_price_list(
    store: &dyn ProjectionStore,
    assignment: &CustomerPriceListChanged,
) -> Result<Applied, ServiceError> {
    let doc = serde_json::to_value(assignment).expect("assignments serialise");
    store
        .put_if_newer(
            &customer_key(&assignment.customer_account),
            Version::observed(assignment.erp_version, assignment.observed_at),
            &doc,
        )
        .await
}

fn decode<T: DeserializeOwned>(doc: serde_json::Value) -> Result<T, ServiceError> {
    serde_json::from_value(doc)
        .map_err(|e| ServiceError::new("projections", format!("a stored price is unreadable: {e}")))
}

/// The price list `account` buys on: `Ok(None)` when it buys at list price or the ERP never
/// reported the customer.
pub async fn customer_price_list(
    store: &dyn ProjectionStore,
    account: &str,
) -> Result<Option<CustomerPriceListChanged>, ServiceError> {
    let stored = store.get_many(&[customer_key(account)]).await?;
    stored
        .into_iter()
        .next()
        .flatten()
        .map(|s| decode(s.doc))
        .transpose()
}

/// What one SKU costs: its list price and, when the customer has one, its contract prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuPricing {
    /// The product's list price; `None` when the ERP never reported the SKU.
    pub list: Option<PriceChanged>,
    /// The customer's price list's prices for the SKU, if the list prices it.
    pub contract: Option<PriceChanged>,
}

/// The pricing of each SKU, in order, for a customer on `price_list` (or at list price).
pub async fn read_pricing(
    store: &dyn ProjectionStore,
    price_list: Option<&str>,
    skus: &[Sku],
) -> Result<Vec<SkuPricing>, ServiceError> {
    let mut keys: Vec<Key> = skus.iter().map(|s| price_key(s, LIST_PRICE)).collect();
    if let Some(list) = price_list {
        keys.extend(skus.iter().map(|s| price_key(s, list)));
    }
    let mut stored = store.get_many(&keys).await?.into_iter();
    let lists: Vec<Option<PriceChanged>> = stored
        .by_ref()
        .take(skus.len())
        .map(|s| s.map(|s| decode(s.doc)).transpose())
        .collect::<Result<_, _>>()?;
    let contracts: Vec<Option<PriceChanged>> = stored
        .map(|s| s.map(|s| decode(s.doc)).transpose())
        .collect::<Result<_, _>>()?;
    Ok(lists
        .into_iter()
        .enumerate()
        .map(|(n, list)| SkuPricing {
            list,
            contract: contracts.get(n).cloned().flatten(),
        })
        .collect())
}

/// The price a customer pays for a quantity of one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Per unit, excluding tax.
    pub unit_price: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// The price list it comes from, or `list_price`.
    pub source: String,
    /// Last day it applies, if limited.
    pub valid_until: Option<NaiveDate>,
    /// Every break of the source, so a channel can show "from 50: …".
    pub breaks: Vec<PriceBreak>,
}

impl SkuPricing {
    /// The price for `quantity` on `today`: the contract price when the customer's list prices
    /// the SKU and is valid today, otherwise the list price; `None` when the SKU has no price.
    pub fn quote(&self, quantity: Decimal, today: NaiveDate) -> Option<Quote> {
        let valid = |p: &&PriceChanged| {
            p.valid_from.is_none_or(|from| from <= today)
                && p.valid_until.is_none_or(|until| today <= until)
        };
        let source = self
            .contract
            .as_ref()
            .filter(valid)
            .or(self.list.as_ref())?;
        let unit_price = source
            .breaks
            .iter()
            .filter(|b| b.min_quantity <= quantity)
            .max_by_key(|b| b.min_quantity)
            .or_else(|| source.breaks.first())?
            .unit_price;
        Some(Quote {
            unit_price,
            currency: source.currency,
            source: source.price_list.clone(),
            valid_until: source.valid_until,
            breaks: source.breaks.clone(),
        })
    }
}
