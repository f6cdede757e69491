//! A new order and its idempotency key's result stored in one write.
//!
//! The general path claims the key, stores the order, queues it and records the result: three
//! writes before the answer. For the common case — a key never used, an external id never seen —
//! the result is known before anything is written (the 202 receipt names the order id the request
//! minted), so the claim can be written *completed*, in the same transaction as the order
//! (decision 0026). Anything else (a retry, a conflict, a duplicate) makes the write refuse with
//! nothing written, and the caller takes the general path, which answers it as before.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::TransactWriteItem;
use switchyard_idempotency::{
    Claim, DynamoDbIdempotencyStore, IdempotencyStore, Lease, NextAction,
};
use switchyard_orders::{Created, DynamoDbOrderStore, OrderRecord, OrderStore};
use switchyard_platform::ServiceError;

/// Stores a new order record together with its key's completed result, or nothing.
#[async_trait::async_trait]
pub trait OneWriteCapture: Send + Sync {
    /// Stores `record` and `claim.key` completed with `result`, if the key is free and the
    /// channel never sent the record's external id; `Some(lease)` then (it releases the key,
    /// should the queueing that follows fail), `None` when either was taken and nothing was
    /// written.
    async fn create_completed(
        &self,
        record: &OrderRecord,
        claim: Claim<'_>,
        result: &serde_json::Value,
    ) -> Result<Option<Lease>, ServiceError>;

    /// Gives the key up after a failure past the write, so that the client's retry captures
    /// (resumes) the order instead of replaying an answer whose work did not finish.
    async fn release(&self, lease: &Lease) -> Result<(), ServiceError>;
}

/// The same guarantees from any two stores, in separate writes: claim, create, complete (or
/// release). The in-memory twin, and a fallback for stores that cannot share a transaction.
#[derive(Clone)]
pub struct SeparateWrites {
    orders: Arc<dyn OrderStore>,
    idempotency: Arc<dyn IdempotencyStore>,
}

impl SeparateWrites {
    /// Over these stores.
    pub fn new(orders: Arc<dyn OrderStore>, idempotency: Arc<dyn IdempotencyStore>) -> Self {
        SeparateWrites {
            orders,
            idempotency,
        }
    }
}

fn service(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::new("store", e.to_string())
}

#[async_trait::async_trait]
impl OneWriteCapture for SeparateWrites {
    async fn create_completed(
        &self,
        record: &OrderRecord,
        claim: Claim<'_>,
        result: &serde_json::Value,
    ) -> Result<Option<Lease>, ServiceError> {
        let retention = claim.retention;
        let NextAction::Proceed(lease) = self.idempotency.claim(claim).await.map_err(service)?
        else {
            return Ok(None);
        };
        match self.orders.create(record).await {
            Ok(Created::New) => {
                self.idempotency
                    .complete(&lease, result, retention)
                    .await
                    .map_err(service)?;
                Ok(Some(lease))
            }
            Ok(Created::ExternalIdTaken { .. }) => {
                self.idempotency.release(&lease).await.map_err(service)?;
                Ok(None)
            }
            Err(e) => {
                let _ = self.idempotency.release(&lease).await;
                Err(service(e))
            }
        }
    }

    async fn release(&self, lease: &Lease) -> Result<(), ServiceError> {
        self.idempotency.release(lease).await.map_err(service)
    }
}

/// One DynamoDB transaction: the order, its external id and the completed key.
#[derive(Debug, Clone)]
pub struct DynamoDbOneWriteCapture {
    client: Client,
    orders: DynamoDbOrderStore,
    idempotency: DynamoDbIdempotencyStore,
}

impl DynamoDbOneWriteCapture {
    /// Over the stores' tables, written through `client`.
    pub fn new(
        client: Client,
        orders: DynamoDbOrderStore,
        idempotency: DynamoDbIdempotencyStore,
    ) -> Self {
        DynamoDbOneWriteCapture {
            client,
            orders,
            idempotency,
        }
    }
}

#[async_trait::async_trait]
impl OneWriteCapture for DynamoDbOneWriteCapture {
    async fn create_completed(
        &self,
        record: &OrderRecord,
        claim: Claim<'_>,
        result: &serde_json::Value,
    ) -> Result<Option<Lease>, ServiceError> {
        let (put, lease) = self.idempotency.completed_claim(&claim, result);
        let mut items = self.orders.create_items(record);
        items.push(TransactWriteItem::builder().put(put).build());
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(Some(lease)),
            // A condition failed (the key or the external id is taken): nothing was written.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_transaction_canceled_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(ServiceError::new("dynamodb", DisplayErrorContext(e))),
        }
    }

    async fn release(&self, lease: &Lease) -> Result<(), ServiceError> {
        self.idempotency
            .release(lease)
            .await
            .map_err(|e| ServiceError::new("dynamodb", e.to_string()))
    }
}

/// The contract both adapters pass: instantiate with
/// [`one_write_capture_contract_tests!`](crate::one_write_capture_contract_tests).
#[cfg(feature = "contract")]
pub mod contract {
    #![allow(clippy::missing_panics_doc)]
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use chrono::Utc;
    use switchyard_idempotency::{Claim, IdempotencyStore, NextAction};
    use switchyard_orders::{Created, OrderRecord, OrderStore};

    use super::OneWriteCapture;

    /// The adapter under test and the stores it writes to, for reading back.
    pub struct Subject {
        /// The adapter.
        pub capture: Arc<dyn OneWriteCapture>,
        /// Its order store.
        pub orders: Arc<dyn OrderStore>,
        /// Its idempotency store.
        pub idempotency: Arc<dyn IdempotencyStore>,
    }

    fn record(external_id: &str, key: &str) -> OrderRecord {
        let order = switchyard_orders::contract::order("shop-once", external_id);
        OrderRecord::received(order, key, Utc::now())
    }

    fn claim<'a>(key: &'a str, hash: &'a str) -> Claim<'a> {
        Claim {
            key,
            payload_hash: hash,
            lease_until: SystemTime::now() + Duration::from_secs(30),
            retention: Duration::from_secs(3600),
        }
    }

    fn unique(prefix: &str) -> String {
        format!("{prefix}-{}", ulid::Ulid::new())
    }

    /// A fresh key and external id: both are stored, the key replays the result for the same
    /// payload and refuses another; releasing the lease frees the key again.
    pub async fn a_fresh_order_and_its_result_are_stored_together(s: &Subject) {
        let (key, ext) = (unique("k"), unique("PO"));
        let r = record(&ext, &key);
        let result = serde_json::json!({"status": 202, "id": r.order.id.to_string()});
        let lease = s
            .capture
            .create_completed(&r, claim(&key, "h1"), &result)
            .await
            .unwrap()
            .expect("stored");
        let read = s.orders.get(r.order.id).await.unwrap().expect("the order");
        assert_eq!(read.value, r);
        assert_eq!(
            s.idempotency.claim(claim(&key, "h1")).await.unwrap(),
            NextAction::Replay(result)
        );
        assert_eq!(
            s.idempotency.claim(claim(&key, "h2")).await.unwrap(),
            NextAction::Conflict
        );
        s.capture.release(&lease).await.unwrap();
        assert!(matches!(
            s.idempotency.claim(claim(&key, "h1")).await.unwrap(),
            NextAction::Proceed(_)
        ));
    }

    /// A key already claimed: refused, and not a byte of the order is written.
    pub async fn a_used_key_refuses_and_writes_nothing(s: &Subject) {
        let (key, ext) = (unique("k"), unique("PO"));
        assert!(matches!(
            s.idempotency.claim(claim(&key, "h1")).await.unwrap(),
            NextAction::Proceed(_)
        ));
        let r = record(&ext, &key);
        let stored = s
            .capture
            .create_completed(&r, claim(&key, "h1"), &serde_json::json!({}))
            .await
            .unwrap();
        assert_eq!(stored, None);
        assert_eq!(s.orders.get(r.order.id).await.unwrap(), None);
        assert_eq!(
            s.orders
                .find_external(&r.order.channel, &r.order.external_id)
                .await
                .unwrap(),
            None
        );
    }

    /// An external id the channel already sent: refused, and the key stays free.
    pub async fn a_taken_external_id_refuses_and_leaves_the_key_free(s: &Subject) {
        let ext = unique("PO");
        let first = record(&ext, &unique("k"));
        assert_eq!(s.orders.create(&first).await.unwrap(), Created::New);
        let key = unique("k");
        let second = record(&ext, &key);
        let stored = s
            .capture
            .create_completed(&second, claim(&key, "h1"), &serde_json::json!({}))
            .await
            .unwrap();
        assert_eq!(stored, None);
        assert_eq!(s.orders.get(second.order.id).await.unwrap(), None);
        assert!(matches!(
            s.idempotency.claim(claim(&key, "h1")).await.unwrap(),
            NextAction::Proceed(_)
        ));
    }

    /// One `#[tokio::test]` per case, each on a fresh [`Subject`] made by `$subject`.
    #[macro_export]
    macro_rules! one_write_capture_contract_tests {
        ($subject:expr) => {
            $crate::one_write_capture_contract_tests!(@cases $subject;
                a_fresh_order_and_its_result_are_stored_together,
                a_used_key_refuses_and_writes_nothing,
                a_taken_external_id_refuses_and_leaves_the_key_free);
        };
        (@cases $subject:expr; $($case:ident),*) => {
            $(
                #[tokio::test]
                async fn $case() {
                    let subject = $subject;
                    $crate::one_write::contract::$case(&subject).await;
                }
            )*
        };
    }
}

#[cfg(all(test, feature = "contract"))]
mod tests {
    use super::*;
    use switchyard_idempotency::InMemoryIdempotencyStore;
    use switchyard_orders::InMemoryOrderStore;

    crate::one_write_capture_contract_tests!({
        let orders: Arc<dyn OrderStore> = Arc::new(InMemoryOrderStore::new());
        let idempotency: Arc<dyn IdempotencyStore> = Arc::new(InMemoryIdempotencyStore::new());
        contract::Subject {
            capture: Arc::new(SeparateWrites::new(orders.clone(), idempotency.clone())),
            orders,
            idempotency,
        }
    });
}
