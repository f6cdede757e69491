//! [`InMemoryAmazonOrders`]: the [`AmazonOrders`] port without a network, for the tests of
//! whatever depends on the port.
//!
//! A twin is only useful if it answers as the real adapter does, so it is held to the same
//! contract suite as [`SpApiClient`](crate::SpApiClient) talking to the SP-API sandbox (see
//! `contract`, behind the `contract` feature): the same [`SpApiError`] variant for the same
//! situation, the same lines in the same order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::client::{AmazonOrders, MAX_PAGES, SpApiError, check_order_id};
use crate::orders::{AmazonOrder, AmazonOrderItem, GetOrderItemsResponse, GetOrderResponse};

/// A failure [`InMemoryAmazonOrders`] can be told to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// SP-API cannot be reached or answers 5xx: calls fail with [`SpApiError::Unavailable`].
    Unavailable,
    /// SP-API keeps answering `429 QuotaExceeded`: calls fail with [`SpApiError::RateLimited`],
    /// which is what the client reports once its retries are spent.
    Throttled,
}

/// Why [`InMemoryAmazonOrders::from_dir`] could not load a directory.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// What was being read.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A file is not a `getOrder` / `getOrderItems` response.
    #[error("{path} is not the documented response shape: {message}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// serde's explanation.
        message: String,
    },
    /// The `NextToken` chain of an order's item pages is broken (a page is missing, a token
    /// repeats, or it never ends); the sandbox would serve the client an error part-way.
    #[error("the item pages of order {order} are broken: {message}")]
    Pages {
        /// The order.
        order: String,
        /// What is wrong.
        message: String,
    },
}

/// Orders and their lines held in memory, answering like SP-API through
/// [`SpApiClient`](crate::SpApiClient).
///
/// Orders and their lines are stored separately, as the sandbox stores `<id>.json` and
/// `<id>.items.json`: an order without recorded lines answers `getOrderItems` with
/// [`SpApiError::NotFound`], as the sandbox does.
#[derive(Debug, Default)]
pub struct InMemoryAmazonOrders {
    orders: Mutex<HashMap<String, AmazonOrder>>,
    items: Mutex<HashMap<String, Vec<AmazonOrderItem>>>,
    fault: Mutex<Option<Fault>>,
}

impl InMemoryAmazonOrders {
    /// A twin that knows no order.
    pub fn new() -> Self {
        Self::default()
    }

    /// A twin holding the recorded responses of a directory laid out like `local/sp-api`:
    /// `orders/<id>.json`, `orders/<id>.items.json` and further pages
    /// `orders/<id>.items.<NextToken>.json`.
    ///
    /// Orders are keyed by file name, as the sandbox serves them. Pages are joined by following
    /// `NextToken` from the first page, as the client does, so a page no token points at is
    /// left out here exactly as it is never fetched there. Reads the files synchronously: it is
    /// meant for test setup.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, LoadError> {
        let orders_dir = dir.as_ref().join("orders");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| LoadError::Io { path, source }
        };
        let twin = Self::new();
        for entry in std::fs::read_dir(&orders_dir).map_err(io(&orders_dir))? {
            let path = entry.map_err(io(&orders_dir))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(id) = name.strip_suffix(".items.json") {
                let items = read_pages(&orders_dir, id)?;
                lock(&twin.items).insert(id.to_string(), items);
            } else if let Some(id) = name.strip_suffix(".json")
                && !id.contains('.')
            {
                let response: GetOrderResponse = read_json(&path)?;
                lock(&twin.orders).insert(id.to_string(), response.payload);
            }
        }
        Ok(twin)
    }

    /// Adds (or replaces) an order and its lines, keyed by its `AmazonOrderId`.
    pub fn put(&self, order: AmazonOrder, items: Vec<AmazonOrderItem>) {
        let id = order.amazon_order_id.clone();
        lock(&self.items).insert(id.clone(), items);
        lock(&self.orders).insert(id, order);
    }

    /// Makes every later call fail with `fault` until [`recover`](Self::recover).
    pub fn fail_with(&self, fault: Fault) {
        *lock(&self.fault) = Some(fault);
    }

    /// Ends a simulated [`Fault`].
    pub fn recover(&self) {
        *lock(&self.fault) = None;
    }

    /// The client refuses a malformed id before it sends anything, so even during an outage a
    /// bad id is `Rejected`: the id is checked first, the fault second.
    fn admit(&self, id: &str) -> Result<(), SpApiError> {
        check_order_id(id)?;
        match *lock(&self.fault) {
            None => Ok(()),
            Some(Fault::Throttled) => Err(SpApiError::RateLimited),
            Some(Fault::Unavailable) => Err(SpApiError::Unavailable(
                "simulated outage (InMemoryAmazonOrders)".into(),
            )),
        }
    }
}

#[async_trait]
impl AmazonOrders for InMemoryAmazonOrders {
    async fn get_order(&self, id: &str) -> Result<AmazonOrder, SpApiError> {
        self.admit(id)?;
        lock(&self.orders)
            .get(id)
            .cloned()
            .ok_or(SpApiError::NotFound)
    }

    async fn get_order_items(&self, id: &str) -> Result<Vec<AmazonOrderItem>, SpApiError> {
        self.admit(id)?;
        lock(&self.items)
            .get(id)
            .cloned()
            .ok_or(SpApiError::NotFound)
    }
}

/// Every page of an order's lines, joined in the order the client would read them.
fn read_pages(orders_dir: &Path, id: &str) -> Result<Vec<AmazonOrderItem>, LoadError> {
    let broken = |message: String| LoadError::Pages {
        order: id.to_string(),
        message,
    };
    let mut items = Vec::new();
    let mut next_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let file = match &next_token {
            None => orders_dir.join(format!("{id}.items.json")),
            Some(token) => orders_dir.join(format!("{id}.items.{token}.json")),
        };
        if !file.is_file() {
            return Err(broken(format!("{} is missing", file.display())));
        }
        let page: GetOrderItemsResponse = read_json(&file)?;
        items.extend(page.payload.order_items);
        match page.payload.next_token.filter(|t| !t.is_empty()) {
            None => return Ok(items),
            Some(token) if Some(&token) == next_token.as_ref() => {
                return Err(broken(format!("NextToken {token} repeats")));
            }
            Some(token) => next_token = Some(token),
        }
    }
    Err(broken(format!("more than {MAX_PAGES} pages")))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| LoadError::Shape {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each map is replaced entry by entry; a panic elsewhere cannot leave one half-written.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str) -> AmazonOrder {
        serde_json::from_str(&format!(
            r#"{{"AmazonOrderId":"{id}","PurchaseDate":"2025-03-14T09:12:04Z","OrderStatus":"Unshipped"}}"#
        ))
        .unwrap()
    }

    fn item(id: &str) -> AmazonOrderItem {
        serde_json::from_str(&format!(
            r#"{{"ASIN":"B0{id}","OrderItemId":"{id}","QuantityOrdered":1}}"#
        ))
        .unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "switchyard-amazon-memory-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("orders")).unwrap();
        dir
    }

    #[tokio::test]
    async fn put_orders_are_served_and_a_fault_lasts_until_recovery() {
        let twin = InMemoryAmazonOrders::new();
        twin.put(order("111-1"), vec![item("2"), item("1")]);
        assert_eq!(
            twin.get_order("111-1").await.unwrap().amazon_order_id,
            "111-1"
        );
        let ids: Vec<_> = twin
            .get_order_items("111-1")
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.order_item_id)
            .collect();
        assert_eq!(ids, ["2", "1"]);

        twin.fail_with(Fault::Unavailable);
        assert!(matches!(
            twin.get_order("111-1").await,
            Err(SpApiError::Unavailable(_))
        ));
        twin.fail_with(Fault::Throttled);
        assert_eq!(
            twin.get_order_items("111-1").await,
            Err(SpApiError::RateLimited)
        );
        twin.recover();
        assert!(twin.get_order("111-1").await.is_ok());
    }

    #[tokio::test]
    async fn an_order_recorded_without_lines_has_no_lines_to_serve() {
        let dir = scratch("no-lines");
        std::fs::write(
            dir.join("orders/111-5.json"),
            r#"{"payload":{"AmazonOrderId":"111-5","PurchaseDate":"2025-03-14T09:12:04Z","OrderStatus":"Unshipped"}}"#,
        )
        .unwrap();
        let twin = InMemoryAmazonOrders::from_dir(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(twin.get_order("111-5").await.is_ok());
        assert_eq!(
            twin.get_order_items("111-5").await,
            Err(SpApiError::NotFound)
        );
    }

    #[test]
    fn a_broken_page_chain_is_refused_at_load() {
        let dir = scratch("broken-pages");
        std::fs::write(
            dir.join("orders/111-6.items.json"),
            r#"{"payload":{"AmazonOrderId":"111-6","OrderItems":[],"NextToken":"page-2"}}"#,
        )
        .unwrap();
        let result = InMemoryAmazonOrders::from_dir(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        match result {
            Err(LoadError::Pages { order, message }) => {
                assert_eq!(order, "111-6");
                assert!(message.contains("page-2"), "{message}");
            }
            other => panic!("expected a broken page chain, got {other:?}"),
        }
    }

    #[test]
    fn a_directory_without_orders_is_an_error() {
        let dir = std::env::temp_dir().join("switchyard-amazon-memory-does-not-exist");
        assert!(matches!(
            InMemoryAmazonOrders::from_dir(&dir),
            Err(LoadError::Io { .. })
        ));
    }
}
