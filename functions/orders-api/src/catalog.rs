//! What a channel reads before it sells: available-to-promise and prices, from the projections
//! (never the ERP: these answer on a storefront's hot path), and an order checked against both.
//!
//! Everything here is specific to the authenticated channel — its allocation of the stock, its
//! ERP customer's price list — so answers are `Cache-Control: private` and carry a strong ETag.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};
use switchyard_channels::{Allocation, Channel};
use switchyard_intake::{HttpRequest, HttpResponse, Problem};
use switchyard_inventory::prices::{Quote, SkuPricing};
use switchyard_model::catalog_events::{InventoryChanged, PriceBreak};
use switchyard_model::{FieldError, Order, Quantity, Sku};

/// Most SKUs one `GET /v1/inventory` or `GET /v1/prices` may ask for: one batched projection
/// read (DynamoDB `BatchGetItem` takes 100 keys) and a response that stays small.
pub const MAX_SKUS: usize = 100;

/// How long a channel (or the browser of its storefront) may reuse a read without asking again.
/// Five seconds lets a page that asks for the same SKUs several times, or a burst of shoppers
/// behind one storefront cache, share one answer, while staying well under the latency of the
/// ERP change feed itself, so caching adds almost nothing to how stale a level can be.
pub const CACHE_MAX_AGE_SECONDS: u32 = 5;

/// A 400 naming the query parameter and the rule it broke.
fn bad_parameter(field: &str, rule: impl Into<String>) -> Problem {
    let error = FieldError::new(field, rule);
    Problem::new(
        400,
        "invalid-parameter",
        "Invalid query parameter",
        error.to_string(),
    )
    .with_errors(vec![error])
}

/// The `sku` parameters, in the order asked: 1 to [`MAX_SKUS`], each a valid SKU.
///
/// API Gateway joins a repeated parameter with commas and the event reader splits it again, so
/// `sku=A&sku=B` and `sku=A,B` read the same (and a SKU containing a comma cannot be asked for).
pub fn skus_param(request: &HttpRequest) -> Result<Vec<Sku>, Problem> {
    let values: Vec<&str> = request
        .query
        .iter()
        .filter(|(k, _)| k == "sku")
        .flat_map(|(_, v)| v.split(','))
        .collect();
    if values.is_empty() {
        return Err(bad_parameter(
            "sku",
            "is required: ask with ?sku=A&sku=B (1 to 100 SKUs)",
        ));
    }
    if values.len() > MAX_SKUS {
        return Err(bad_parameter(
            "sku",
            format!(
                "must be given at most {MAX_SKUS} times, got {}",
                values.len()
            ),
        ));
    }
    let mut errors = vec![];
    let mut skus = Vec::with_capacity(values.len());
    for (n, value) in values.iter().enumerate() {
        match Sku::try_from(*value) {
            Ok(sku) => skus.push(sku),
            Err(e) => errors.push(FieldError::new(
                format!("sku[{n}]"),
                e.strip_prefix("sku ").unwrap_or(&e),
            )),
        }
    }
    if errors.is_empty() {
        Ok(skus)
    } else {
        Err(Problem::new(
            400,
            "invalid-parameter",
            "Invalid query parameter",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
        .with_errors(errors))
    }
}

/// The `quantity` parameter of `GET /v1/prices`: a positive decimal, 1 when absent.
pub fn quantity_param(request: &HttpRequest) -> Result<Decimal, Problem> {
    let values: Vec<&str> = request
        .query
        .iter()
        .filter(|(k, _)| k == "quantity")
        .map(|(_, v)| v.as_str())
        .collect();
    match values.as_slice() {
        [] => Ok(Decimal::ONE),
        [one] => {
            let parsed = one
                .trim()
                .parse::<Decimal>()
                .map_err(|_| bad_parameter("quantity", "must be a decimal number such as 12"))?;
            Quantity::try_from(parsed)
                .map(|q| q.value())
                .map_err(|rule| bad_parameter("quantity", rule))
        }
        _ => Err(bad_parameter("quantity", "must be given at most once")),
    }
}

/// The `by` parameter of `GET /v1/inventory`: `warehouse` adds the split; absent, the totals.
pub fn by_warehouse_param(request: &HttpRequest) -> Result<bool, Problem> {
    let given: Vec<&str> = request
        .query
        .iter()
        .filter(|(k, _)| k == "by")
        .map(|(_, v)| v.as_str())
        .collect();
    match given.as_slice() {
        [] => Ok(false),
        ["warehouse"] => Ok(true),
        [_] => Err(bad_parameter("by", "must be \"warehouse\" when given")),
        _ => Err(bad_parameter("by", "must be given at most once")),
    }
}

/// Decimals as the API writes them: a string, trailing zeros dropped (`"12"`, `"2.5"`).
fn text(d: Decimal) -> String {
    d.normalize().to_string()
}

/// The smallest quantity step a channel is shown: one unit, or the model's 4 decimal places
/// for measure units (a channel cannot order finer than that anyway).
fn step(whole_units: bool) -> Decimal {
    if whole_units {
        Decimal::ONE
    } else {
        Decimal::new(1, STEP_SCALE)
    }
}

/// Decimal places of the measure-unit step.
const STEP_SCALE: u32 = 4;

/// Down to a whole step (never up: a channel is never promised more than there is) of the
/// non-negative quantities it is given (where truncation is rounding down). Floor and truncation
/// rather than a division: this runs per SKU and warehouse on every read.
fn floor_to(value: Decimal, whole_units: bool) -> Decimal {
    debug_assert!(!value.is_sign_negative() || value.is_zero());
    if whole_units {
        value.floor()
    } else {
        value.trunc_with_scale(STEP_SCALE)
    }
}

/// What the channel may sell of a level: its allocation of the total available.
pub fn allocated(allocation: &Allocation, level: &InventoryChanged) -> Decimal {
    floor_to(
        allocation.apply(level.available, level.whole_units),
        level.whole_units,
    )
}

/// The channel's `total` split across the warehouses in proportion to what each has available,
/// in steps of [`step`], by largest remainder so the parts add up to exactly `total` and none
/// exceeds its warehouse's own available.
///
/// Why not the allocation rule applied per warehouse: a safety stock and a cap are per channel,
/// not per warehouse (three warehouses would keep back three safety stocks and allow three caps),
/// and the split would no longer add up to the total the channel was shown. Why not the raw
/// levels: they would show a marketplace the stock its allocation holds back.
pub fn split(total: Decimal, level: &InventoryChanged) -> Vec<Decimal> {
    let step = step(level.whole_units);
    let room: Vec<Decimal> = level
        .warehouses
        .iter()
        .map(|w| floor_to(w.available.max(Decimal::ZERO), level.whole_units))
        .collect();
    let pool: Decimal = room.iter().sum();
    if pool.is_zero() || total <= Decimal::ZERO {
        return vec![Decimal::ZERO; room.len()];
    }
    let total = total.min(pool);
    let exact: Vec<Decimal> = room.iter().map(|r| total * *r / pool).collect();
    let mut parts: Vec<Decimal> = exact
        .iter()
        .map(|e| floor_to(*e, level.whole_units))
        .collect();
    let mut left = total - parts.iter().sum::<Decimal>();
    let mut by_remainder: Vec<usize> = (0..parts.len()).collect();
    by_remainder.sort_by(|a, b| (exact[*b] - parts[*b]).cmp(&(exact[*a] - parts[*a])));
    for n in by_remainder {
        if left < step {
            break;
        }
        if parts[n] + step <= room[n] {
            parts[n] += step;
            left -= step;
        }
    }
    parts
}

/// The body of `GET /v1/inventory` and of `GET /v1/prices`' items: one entry per SKU asked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    /// In the order asked.
    pub items: Vec<T>,
}

/// One SKU of `GET /v1/inventory`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InventoryItem {
    /// As asked.
    pub sku: String,
    /// False when the ERP never reported the SKU; the other fields are then absent.
    pub known: bool,
    /// What this channel may sell: its allocation of the available-to-promise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<String>,
    /// Physically in stock, all warehouses together (not allocated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_hand: Option<String>,
    /// The ERP's unit for the quantities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Whether the unit counts whole units (then `available` is whole).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whole_units: Option<bool>,
    /// The ERP time of the newest change the level reflects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateTime<Utc>>,
    /// With `by=warehouse`: this channel's available split across the warehouses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouses: Option<Vec<WarehouseItem>>,
}

/// One warehouse of an [`InventoryItem`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WarehouseItem {
    /// The ERP warehouse code.
    pub warehouse: String,
    /// This warehouse's part of the channel's `available` (see [`split`]).
    pub available: String,
    /// Physically in stock there.
    pub on_hand: String,
    /// The ERP time of the newest change there.
    pub as_of: DateTime<Utc>,
}

/// The inventory answer for `skus` (levels read in the same order).
pub fn inventory_items(
    channel: &Channel,
    skus: &[Sku],
    levels: Vec<Option<InventoryChanged>>,
    by_warehouse: bool,
) -> Vec<InventoryItem> {
    let allocation = channel.allocation.clone().unwrap_or_default();
    skus.iter()
        .zip(levels)
        .map(|(sku, level)| match level {
            None => InventoryItem {
                sku: sku.to_string(),
                known: false,
                available: None,
                on_hand: None,
                unit: None,
                whole_units: None,
                as_of: None,
                warehouses: None,
            },
            Some(level) => {
                let available = allocated(&allocation, &level);
                let warehouses = by_warehouse.then(|| {
                    split(available, &level)
                        .into_iter()
                        .zip(&level.warehouses)
                        .map(|(part, w)| WarehouseItem {
                            warehouse: w.warehouse.clone(),
                            available: text(part),
                            on_hand: text(w.on_hand),
                            as_of: w.as_of,
                        })
                        .collect()
                });
                InventoryItem {
                    sku: sku.to_string(),
                    known: true,
                    available: Some(text(available)),
                    on_hand: Some(text(level.on_hand)),
                    unit: Some(level.unit.clone()),
                    whole_units: Some(level.whole_units),
                    as_of: Some(level.as_of),
                    warehouses,
                }
            }
        })
        .collect()
}

/// The body of `GET /v1/prices`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Prices {
    /// The ERP customer account the prices are for (the channel's default customer).
    pub customer: Option<String>,
    /// The quantity the prices are quoted at, as a decimal string.
    pub quantity: String,
    /// One entry per SKU asked, in the order asked.
    #[schema(value_type = Vec<PriceItemSchema>)]
    pub items: Vec<PriceItem>,
}

/// The schema of a [`PriceItem`]: the quote's fields are inline, present only when `known`.
/// (A flattened optional struct is not something a derived schema can say.)
#[derive(utoipa::ToSchema)]
#[schema(as = PriceItem)]
#[allow(dead_code)] // Describes the JSON only; `PriceItem` is what is serialised.
pub struct PriceItemSchema {
    /// As asked.
    sku: String,
    /// False when the SKU has no price for this customer (the ERP never priced it).
    known: bool,
    /// Per unit, excluding tax; when known.
    unit_price: Option<String>,
    /// ISO 4217 code; when known.
    currency: Option<String>,
    /// The price list it comes from, or `list_price`; when known.
    source: Option<String>,
    /// Last day it applies, if limited.
    valid_until: Option<NaiveDate>,
    /// Every quantity break of the source; when known.
    breaks: Option<Vec<BreakView>>,
}

/// One SKU of `GET /v1/prices`.
#[derive(Debug, Serialize)]
pub struct PriceItem {
    /// As asked.
    pub sku: String,
    /// False when the SKU has no price for this customer (the ERP never priced it).
    pub known: bool,
    /// The quote, when known.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub quote: Option<QuoteView>,
}

/// A [`Quote`] as the API writes it: decimal strings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuoteView {
    /// Per unit, excluding tax.
    pub unit_price: String,
    /// ISO 4217 code.
    pub currency: String,
    /// The price list it comes from, or `list_price`.
    pub source: String,
    /// Last day it applies, if limited.
    pub valid_until: Option<NaiveDate>,
    /// Every quantity break of the source.
    pub breaks: Vec<BreakView>,
}

/// One quantity break.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BreakView {
    /// From this quantity on.
    pub min_quantity: String,
    /// The unit price from there.
    pub unit_price: String,
}

impl From<Quote> for QuoteView {
    fn from(q: Quote) -> Self {
        QuoteView {
            unit_price: text(q.unit_price),
            currency: q.currency.to_string(),
            source: q.source,
            valid_until: q.valid_until,
            breaks: q
                .breaks
                .iter()
                .map(|b: &PriceBreak| BreakView {
                    min_quantity: text(b.min_quantity),
                    unit_price: text(b.unit_price),
                })
                .collect(),
        }
    }
}

/// The prices answer for `skus` (pricing read in the same order).
pub fn price_items(
    skus: &[Sku],
    pricing: &[SkuPricing],
    quantity: Decimal,
    today: NaiveDate,
) -> Vec<PriceItem> {
    skus.iter()
        .zip(pricing)
        .map(|(sku, pricing)| {
            let quote = pricing.quote(quantity, today).map(QuoteView::from);
            PriceItem {
                sku: sku.to_string(),
                known: quote.is_some(),
                quote,
            }
        })
        .collect()
}

/// A `200` JSON answer a channel may cache briefly, or a `304` when it already holds it.
///
/// The ETag is strong (a SHA-256 of the exact body bytes), so it changes with any change of the
/// answer and only then. `If-None-Match` is compared weakly, as RFC 9110 §13.1.2 asks.
pub fn cacheable(request: &HttpRequest, body: &impl Serialize) -> HttpResponse {
    let response = HttpResponse::json(200, body);
    let digest = Sha256::digest(response.body.as_bytes());
    let etag = format!("\"{}\"", hex::encode(&digest[..16]));
    let cache_control = format!("private, max-age={CACHE_MAX_AGE_SECONDS}");
    let matches = request.header("if-none-match").is_some_and(|header| {
        header.split(',').map(str::trim).any(|candidate| {
            candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
        })
    });
    let response = if matches {
        HttpResponse {
            status: 304,
            headers: vec![],
            body: String::new(),
        }
    } else {
        response
    };
    response
        .with_header("etag", etag)
        .with_header("cache-control", cache_control)
        // The answer depends on who asks (allocation, customer): never reuse it for another key.
        .with_header("vary", "authorization, x-api-key")
}

/// One finding of `POST /v1/orders/validate`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// Stable machine code; where the ERP would refuse the order for the same reason, the
    /// ERP's rejection code (`unknown_sku`, `unknown_customer`).
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
    /// What would be right (the price, the quantity available), when there is one answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
}

impl Finding {
    fn new(code: &'static str, message: String, expected: Option<String>) -> Self {
        Finding {
            code,
            message,
            expected,
        }
    }
}

/// One line of a validation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineFindings {
    /// The line's index in `lines`, as in the `lines[n]` of problem fields.
    pub line: usize,
    /// Its SKU.
    pub sku: String,
    /// True when nothing was found.
    pub valid: bool,
    /// What was found.
    pub problems: Vec<Finding>,
}

/// The body of `POST /v1/orders/validate`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Validation {
    /// True when the order and every line passed.
    pub valid: bool,
    /// Per line, in order.
    pub lines: Vec<LineFindings>,
    /// About the order as a whole (its customer).
    pub problems: Vec<Finding>,
}

/// What the projections know that a validation needs, read once for the whole order.
pub struct Known {
    /// Whether the ERP ever reported the order's customer account.
    pub customer_known: bool,
    /// Each line's SKU level, in line order.
    pub levels: Vec<Option<InventoryChanged>>,
    /// Each line's pricing for the customer, in line order.
    pub pricing: Vec<SkuPricing>,
}

/// Checks an order (already through the v1 reader) against what the projections know.
///
/// Available-to-promise is per SKU across lines: two lines of the same SKU together must fit in
/// this channel's allocation, and the line that overflows it is the one named.
pub fn validate(channel: &Channel, order: &Order, known: &Known, today: NaiveDate) -> Validation {
    let allocation = channel.allocation.clone().unwrap_or_default();
    let mut problems = vec![];
    if !known.customer_known {
        problems.push(Finding::new(
            "unknown_customer",
            format!(
                "the ERP has never reported customer account {:?}; the order would be refused",
                order.customer.account
            ),
            None,
        ));
    }
    let mut remaining: HashMap<&Sku, Decimal> = HashMap::new();
    let lines = order
        .lines
        .iter()
        .enumerate()
        .map(|(n, line)| {
            let mut found = vec![];
            let quantity = line.quantity.value();
            let level = known.levels.get(n).cloned().flatten();
            let quote = known
                .pricing
                .get(n)
                .and_then(|p| p.quote(quantity, today));
            if level.is_none() && quote.is_none() {
                found.push(Finding::new(
                    "unknown_sku",
                    format!("the ERP has never reported SKU {}", line.sku),
                    None,
                ));
            } else {
                match &quote {
                    None => found.push(Finding::new(
                        "no_price",
                        format!("SKU {} has no list price and no valid contract price", line.sku),
                        None,
                    )),
                    Some(q) if q.currency != order.currency => found.push(Finding::new(
                        "currency_mismatch",
                        format!(
                            "SKU {} is priced in {}, the order is in {}",
                            line.sku, q.currency, order.currency
                        ),
                        Some(q.currency.to_string()),
                    )),
                    Some(q) if q.unit_price != line.unit_price.amount => {
                        found.push(Finding::new(
                            "price_mismatch",
                            format!(
                                "lines[{n}].unit_price is {} but {} {} of {} cost {} {} each ({})",
                                text(line.unit_price.amount),
                                text(quantity),
                                line.uom.as_str(),
                                line.sku,
                                text(q.unit_price),
                                q.currency,
                                q.source
                            ),
                            Some(text(q.unit_price)),
                        ))
                    }
                    Some(_) => {}
                }
                match &level {
                    None => found.push(Finding::new(
                        "availability_unknown",
                        format!("the ERP has not reported the stock of SKU {}", line.sku),
                        None,
                    )),
                    Some(level) => {
                        if level.whole_units && !quantity.fract().is_zero() {
                            found.push(Finding::new(
                                "whole_units",
                                format!(
                                    "lines[{n}].quantity must be a whole number: the ERP counts {} in whole {}",
                                    line.sku, level.unit
                                ),
                                Some(text(quantity.floor())),
                            ));
                        }
                        let left = remaining
                            .entry(&line.sku)
                            .or_insert_with(|| allocated(&allocation, level));
                        if quantity > *left {
                            found.push(Finding::new(
                                "insufficient_stock",
                                format!(
                                    "lines[{n}] asks for {} of {}; {} available to this channel",
                                    text(quantity),
                                    line.sku,
                                    text(*left)
                                ),
                                Some(text(*left)),
                            ));
                        }
                        *left = (*left - quantity).max(Decimal::ZERO);
                    }
                }
            }
            LineFindings {
                line: n,
                sku: line.sku.to_string(),
                valid: found.is_empty(),
                problems: found,
            }
        })
        .collect::<Vec<_>>();
    Validation {
        valid: problems.is_empty() && lines.iter().all(|l| l.valid),
        lines,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_model::catalog_events::WarehouseLevel;

    fn level(whole_units: bool, warehouses: &[(&str, i64)]) -> InventoryChanged {
        let now = Utc::now();
        InventoryChanged {
            sku: Sku::try_from("S").unwrap(),
            on_hand: Decimal::ZERO,
            available: warehouses.iter().map(|(_, a)| Decimal::from(*a)).sum(),
            warehouses: warehouses
                .iter()
                .map(|(w, a)| WarehouseLevel {
                    warehouse: w.to_string(),
                    on_hand: Decimal::from(*a),
                    available: Decimal::from(*a),
                    as_of: now,
                })
                .collect(),
            unit: "u".into(),
            whole_units,
            as_of: now,
            erp_version: 1,
            observed_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn the_split_adds_up_to_the_total_and_fits_every_warehouse() {
        let l = level(true, &[("A", 7), ("B", 3), ("C", 0), ("D", -4)]);
        // 80 % of 6 available (10 - 4 backordered) → 4 whole units over A:B = 7:3.
        let total = allocated(&Allocation::new(80.into(), 0.into(), None).unwrap(), &l);
        assert_eq!(total, Decimal::from(4));
        let parts = split(total, &l);
        assert_eq!(parts.iter().sum::<Decimal>(), total);
        assert_eq!(parts, [3, 1, 0, 0].map(Decimal::from));
        // Everything shown: each warehouse's own.
        let all = split(Decimal::from(10), &level(true, &[("A", 7), ("B", 3)]));
        assert_eq!(all, [7, 3].map(Decimal::from));
        for total in 0..=10 {
            let parts = split(
                Decimal::from(total),
                &level(true, &[("A", 5), ("B", 3), ("C", 2)]),
            );
            assert_eq!(parts.iter().sum::<Decimal>(), Decimal::from(total));
            assert!(
                parts
                    .iter()
                    .zip([5, 3, 2])
                    .all(|(p, r)| *p <= Decimal::from(r))
            );
        }
        let measured = split(Decimal::new(1, 0), &level(false, &[("A", 1), ("B", 2)]));
        assert_eq!(measured.iter().sum::<Decimal>(), Decimal::ONE);
    }
}
