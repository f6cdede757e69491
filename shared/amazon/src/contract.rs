//! The contract of the [`AmazonOrders`] port, written once and run against every backend: the
//! in-memory twin ([`InMemoryAmazonOrders`](crate::InMemoryAmazonOrders)) and
//! [`SpApiClient`](crate::SpApiClient) talking to the SP-API sandbox. Whatever a consumer test
//! learns from the twin then holds for the client too.
//!
//! Compiled only with the `contract` feature, which test crates turn on as a dev-dependency.
//!
//! The cases read the recorded orders in `local/sp-api` (named by [`Recorded`]); a backend is
//! expected to serve exactly those. Instantiate every case with
//! [`amazon_orders_contract!`](crate::amazon_orders_contract) rather than by hand, so a case
//! added here runs everywhere.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::client::{AmazonOrders, SpApiError};
use crate::orders::{AmazonMoney, AmazonOrderItem};

/// Runs every case of the contract as a `#[tokio::test]` of the calling module.
///
/// Each backend expression is pasted into each test's async body (so it may `.await`) and must
/// evaluate to an `Arc<dyn AmazonOrders>`: a fresh backend per test, so tests share nothing.
///
/// - `recorded`: the [`Recorded`](crate::contract::Recorded) orders the backends serve;
/// - `healthy`: a backend serving them;
/// - `throttled`: one whose every call is throttled beyond the client's retries;
/// - `unavailable`: one whose every call meets an outage.
///
/// The caller needs `tokio` (with `macros` and `rt-multi-thread`) as a dependency.
///
/// ```text
/// switchyard_amazon::amazon_orders_contract! {
///     recorded: Recorded::local_sp_api(),
///     healthy: Arc::new(twin()),
///     throttled: failing(Fault::Throttled),
///     unavailable: failing(Fault::Unavailable),
/// }
/// ```
///
/// (`shared/amazon/tests/contract.rs` in full; `tools/sp-api-sandbox/tests/contract.rs` builds
/// the client and sandbox the same way.)
#[macro_export]
macro_rules! amazon_orders_contract {
    (
        recorded: $recorded:expr,
        healthy: $healthy:expr,
        throttled: $throttled:expr,
        unavailable: $unavailable:expr $(,)?
    ) => {
        $crate::amazon_orders_contract!(@cases $recorded, $healthy, borrowed;
            an_order_is_found_with_its_fields,
            items_carry_exact_decimal_prices,
            paginated_items_are_all_returned_in_order,
            a_missing_order_is_not_found,
            a_pending_order_has_no_prices_yet,
            an_id_that_is_no_order_id_is_rejected_before_any_call,
        );
        $crate::amazon_orders_contract!(@cases $recorded, $healthy, shared;
            concurrent_calls_from_two_tasks_both_succeed,
        );
        $crate::amazon_orders_contract!(@cases $recorded, $throttled, borrowed;
            throttling_beyond_the_retries_is_rate_limited,
        );
        $crate::amazon_orders_contract!(@cases $recorded, $unavailable, borrowed;
            an_outage_is_unavailable,
        );
    };
    (@cases $recorded:expr, $backend:expr, $pass:ident; $($case:ident),+ $(,)?) => {
        $(
            // Two workers, so the concurrency case really runs its tasks in parallel.
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let recorded: $crate::contract::Recorded = $recorded;
                let api: $crate::contract::Backend = $backend;
                $crate::amazon_orders_contract!(@call $pass, $case, api, recorded);
            }
        )+
    };
    (@call borrowed, $case:ident, $api:ident, $recorded:ident) => {
        $crate::contract::$case(&*$api, &$recorded).await
    };
    (@call shared, $case:ident, $api:ident, $recorded:ident) => {
        $crate::contract::$case($api, &$recorded).await
    };
}
// END amazon_orders_contract (the test below reads the cases listed above this line)

/// The recorded orders in `local/sp-api/orders`, by what each is there to show.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The directory the sandbox serves and the twin loads (holding `orders/`).
    pub data_dir: PathBuf,
    /// `Unshipped`, full address, two priced lines on one page (`111-0000001-0000001`).
    pub unshipped: &'static str,
    /// `Unshipped`, five lines over three pages (`111-0000003-0000003`).
    pub paginated: &'static str,
    /// `Pending`: no order total, a line without prices (`111-0000004-0000004`).
    pub pending: &'static str,
    /// An id with no recording.
    pub missing: &'static str,
}

impl Recorded {
    /// The orders recorded in this repository's `local/sp-api`.
    pub fn local_sp_api() -> Self {
        Recorded {
            data_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../local/sp-api"),
            unshipped: "111-0000001-0000001",
            paginated: "111-0000003-0000003",
            pending: "111-0000004-0000004",
            missing: "111-9999999-9999999",
        }
    }
}

/// A backend as [`amazon_orders_contract!`](crate::amazon_orders_contract) builds it. Cases
/// borrow it as `&dyn AmazonOrders`, except the concurrency case, which must hand it to spawned
/// (`'static`) tasks.
pub type Backend = Arc<dyn AmazonOrders>;

/// How long any case may take; a backend that deadlocks fails instead of hanging the run.
const DEADLINE: Duration = Duration::from_secs(30);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(DEADLINE, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {DEADLINE:?}"),
    }
}

fn exact(amount: &str) -> Decimal {
    Decimal::from_str_exact(amount).unwrap_or_else(|e| panic!("{amount}: {e}"))
}

fn usd(amount: &str) -> Option<AmazonMoney> {
    Some(AmazonMoney {
        currency_code: "USD".into(),
        amount: exact(amount),
    })
}

fn at(timestamp: &str) -> DateTime<Utc> {
    timestamp
        .parse()
        .unwrap_or_else(|e| panic!("{timestamp}: {e}"))
}

/// `(OrderItemId, SellerSKU, QuantityOrdered, ItemPrice as written)` of each line.
fn lines(items: &[AmazonOrderItem]) -> Vec<(String, String, u64, Option<String>)> {
    items
        .iter()
        .map(|i| {
            (
                i.order_item_id.clone(),
                i.seller_sku.clone().unwrap_or_default(),
                i.quantity_ordered,
                // `to_string` keeps the scale, so "24.50" read as 24.5 would show here.
                i.item_price.as_ref().map(|p| p.amount.to_string()),
            )
        })
        .collect()
}

fn line(id: &str, sku: &str, quantity: u64, price: &str) -> (String, String, u64, Option<String>) {
    (id.into(), sku.into(), quantity, Some(price.into()))
}

/// `getOrder` returns the recorded order with every field the mapping reads.
pub async fn an_order_is_found_with_its_fields(api: &dyn AmazonOrders, recorded: &Recorded) {
    let order = within("getOrder", api.get_order(recorded.unshipped))
        .await
        .expect("the recorded order");
    assert_eq!(order.amazon_order_id, recorded.unshipped);
    assert_eq!(order.order_status, "Unshipped");
    assert_eq!(order.purchase_date, at("2025-03-14T09:12:04Z"));
    assert_eq!(order.last_update_date, Some(at("2025-03-14T09:26:51Z")));
    assert_eq!(order.fulfillment_channel.as_deref(), Some("MFN"));
    assert_eq!(order.marketplace_id.as_deref(), Some("ATVPDKIKX0DER"));
    assert_eq!(order.order_type.as_deref(), Some("StandardOrder"));
    assert_eq!(order.is_business_order, Some(false));
    assert_eq!(order.is_prime, Some(false));
    assert_eq!(order.order_total, usd("44.48"));
    let address = order.shipping_address.expect("a shipping address");
    assert_eq!(address.name.as_deref(), Some("Jane Doe"));
    assert_eq!(address.address_line1.as_deref(), Some("410 Terry Ave N"));
    assert_eq!(address.address_line2.as_deref(), Some("Suite 4"));
    assert_eq!(address.city.as_deref(), Some("Seattle"));
    assert_eq!(address.state_or_region.as_deref(), Some("WA"));
    assert_eq!(address.postal_code.as_deref(), Some("98109"));
    assert_eq!(address.country_code.as_deref(), Some("US"));
    assert_eq!(
        order.buyer_info.and_then(|b| b.buyer_email).as_deref(),
        Some("jdoe0001@marketplace.amazon.com")
    );
}

/// `getOrderItems` returns each line with its prices as the exact decimals recorded (line
/// totals, scale kept), and the lines add up to the order total.
pub async fn items_carry_exact_decimal_prices(api: &dyn AmazonOrders, recorded: &Recorded) {
    let items = within("getOrderItems", api.get_order_items(recorded.unshipped))
        .await
        .expect("the recorded lines");
    assert_eq!(
        lines(&items),
        [
            line("68828574383266", "WIDGET-S", 2, "19.98"),
            line("68828574383267", "WIDGET-M", 1, "24.50"),
        ]
    );
    for item in &items {
        assert_eq!(item.item_tax, usd("0.00"), "{}", item.order_item_id);
        assert_eq!(
            item.promotion_discount,
            usd("0.00"),
            "{}",
            item.order_item_id
        );
    }
    assert_eq!(items[0].asin, "B0SWITCH01");
    assert_eq!(items[0].title.as_deref(), Some("Widget, small"));
    assert_eq!(items[0].quantity_shipped, Some(0));
    let total: Decimal = items
        .iter()
        .filter_map(|i| i.item_price.as_ref())
        .map(|p| p.amount)
        .sum();
    assert_eq!(total, exact("44.48"));
}

/// An order whose lines span several `getOrderItems` pages comes back whole: every line of
/// every page, in page order, none twice.
pub async fn paginated_items_are_all_returned_in_order(
    api: &dyn AmazonOrders,
    recorded: &Recorded,
) {
    let items = within("getOrderItems", api.get_order_items(recorded.paginated))
        .await
        .expect("the recorded lines");
    assert_eq!(
        lines(&items),
        [
            line("80314627518901", "WIDGET-S", 1, "9.99"),
            line("80314627518902", "WIDGET-M", 2, "49.00"),
            line("80314627518903", "WIDGET-L", 1, "34.99"),
            line("80314627518904", "WIDGET-XL", 1, "59.95"),
            line("80314627518905", "WIDGET-S", 3, "29.97"),
        ]
    );
    let order = within("getOrder", api.get_order(recorded.paginated))
        .await
        .expect("the recorded order");
    let total: Decimal = items
        .iter()
        .filter_map(|i| i.item_price.as_ref())
        .map(|p| p.amount)
        .sum();
    assert_eq!(order.order_total, usd("183.90"));
    assert_eq!(total, exact("183.90"));
}

/// An order that does not exist is `NotFound` from both operations, and not worth a retry.
pub async fn a_missing_order_is_not_found(api: &dyn AmazonOrders, recorded: &Recorded) {
    let order = within("getOrder", api.get_order(recorded.missing)).await;
    assert_eq!(order.unwrap_err(), SpApiError::NotFound);
    let items = within("getOrderItems", api.get_order_items(recorded.missing)).await;
    let err = items.unwrap_err();
    assert_eq!(err, SpApiError::NotFound);
    assert!(!err.is_transient());
}

/// A `Pending` order is served although Amazon has not priced it yet: no order total, lines
/// without prices but with their SKU and quantity.
pub async fn a_pending_order_has_no_prices_yet(api: &dyn AmazonOrders, recorded: &Recorded) {
    let order = within("getOrder", api.get_order(recorded.pending))
        .await
        .expect("the recorded order");
    assert_eq!(order.amazon_order_id, recorded.pending);
    assert_eq!(order.order_status, "Pending");
    assert_eq!(order.order_total, None);
    let items = within("getOrderItems", api.get_order_items(recorded.pending))
        .await
        .expect("the recorded lines");
    assert_eq!(
        lines(&items),
        [("90417725310011".into(), "WIDGET-M".into(), 2, None)]
    );
    assert_eq!(items[0].item_tax, None);
    assert_eq!(items[0].promotion_discount, None);
}

/// An id that cannot be an Amazon order id (it would steer the request path) is `Rejected`
/// as `InvalidInput`, permanently.
pub async fn an_id_that_is_no_order_id_is_rejected_before_any_call(
    api: &dyn AmazonOrders,
    _recorded: &Recorded,
) {
    assert_rejected(api).await;
}

async fn assert_rejected(api: &dyn AmazonOrders) {
    for bad in [
        "",
        "../111-0000001-0000001",
        "111-0000001-0000001/orderItems",
    ] {
        let order = within("getOrder", api.get_order(bad)).await;
        let items = within("getOrderItems", api.get_order_items(bad)).await;
        for err in [order.unwrap_err(), items.unwrap_err()] {
            assert!(
                matches!(&err, SpApiError::Rejected { code, .. } if code == "InvalidInput"),
                "{bad:?}: {err:?}"
            );
            assert!(!err.is_transient(), "{bad:?}");
        }
    }
}

/// Two tasks on different threads use one backend at once (as the consumer's concurrent
/// messages do) and each gets its own answers.
pub async fn concurrent_calls_from_two_tasks_both_succeed(api: Backend, recorded: &Recorded) {
    let task = |first: &'static str, second: &'static str| {
        let api = api.clone();
        tokio::spawn(async move {
            let (order, items) = tokio::join!(api.get_order(first), api.get_order_items(second));
            (order.map(|o| o.amazon_order_id), items.map(|i| i.len()))
        })
    };
    let one = task(recorded.unshipped, recorded.paginated);
    let two = task(recorded.paginated, recorded.unshipped);
    let (one, two) = within("two concurrent tasks", async { tokio::join!(one, two) }).await;
    let (one, two) = (one.expect("task one"), two.expect("task two"));
    assert_eq!(one, (Ok(recorded.unshipped.to_string()), Ok(5)));
    assert_eq!(two, (Ok(recorded.paginated.to_string()), Ok(2)));
}

/// A backend throttled beyond the client's retries fails with `RateLimited`, which is
/// transient (the notification is retried, not dead-lettered); a malformed id is still
/// `Rejected`, since it is refused before any call.
pub async fn throttling_beyond_the_retries_is_rate_limited(
    api: &dyn AmazonOrders,
    recorded: &Recorded,
) {
    let order = within("getOrder", api.get_order(recorded.unshipped)).await;
    assert_eq!(order.unwrap_err(), SpApiError::RateLimited);
    let items = within("getOrderItems", api.get_order_items(recorded.unshipped)).await;
    let err = items.unwrap_err();
    assert_eq!(err, SpApiError::RateLimited);
    assert!(err.is_transient());
    assert_rejected(api).await;
}

/// A backend in an outage fails with `Unavailable`, which is transient; a malformed id is still
/// `Rejected`.
pub async fn an_outage_is_unavailable(api: &dyn AmazonOrders, recorded: &Recorded) {
    for result in [
        within("getOrder", api.get_order(recorded.unshipped))
            .await
            .map(|_| ()),
        within("getOrderItems", api.get_order_items(recorded.unshipped))
            .await
            .map(|_| ()),
    ] {
        let err = result.unwrap_err();
        assert!(matches!(err, SpApiError::Unavailable(_)), "{err:?}");
        assert!(err.is_transient());
    }
    assert_rejected(api).await;
}

#[cfg(test)]
mod tests {
    // Every `pub async fn` of this file must be listed in the macro, or a backend would
    // silently skip it.
    #[test]
    fn every_case_is_instantiated_by_the_macro() {
        let source = include_str!("contract.rs");
        let (_, rest) = source
            .split_once("macro_rules! amazon_orders_contract")
            .expect("the macro");
        let (listing, cases) = rest
            .split_once("// END amazon_orders_contract")
            .expect("the end marker of the macro");
        let names: Vec<&str> = cases
            .split("pub async fn ")
            .skip(1)
            .filter_map(|rest| {
                let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
                (end > 0).then(|| &rest[..end])
            })
            .collect();
        assert!(names.len() >= 9, "found only {names:?}");
        let listed = |name: &str| {
            listing
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|word| word == name)
        };
        let missing: Vec<_> = names.iter().filter(|n| !listed(n)).collect();
        assert!(missing.is_empty(), "cases not in the macro: {missing:?}");
    }
}
