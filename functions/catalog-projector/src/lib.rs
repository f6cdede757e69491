//! `catalog-projector`: the stock and price projections the channel APIs answer from.
//!
//! An EventBridge rule delivers every `InventoryChanged`, `PriceChanged` and
//! `CustomerPriceListChanged` to its queue. Each is written with its ERP version only if that is
//! newer than what is projected, so reordered and repeated events (a republishing feed, an SQS
//! redelivery) never move a projection back. A store failure leaves the message on the queue
//! (a batch item failure); an unreadable one too, so it ends in the DLQ as evidence.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use switchyard_events::BusEvent;
use switchyard_failures::{Classify, FailureClass, FailureRecorder, each_message};
use switchyard_inventory::prices::{project_customer_price_list, project_prices};
use switchyard_inventory::stock::project_stock;
use switchyard_model::catalog_events::{CustomerPriceListChanged, InventoryChanged, PriceChanged};
use switchyard_model::envelope::{Envelope, Message};
use switchyard_platform::ServiceError;
use switchyard_projections::{Applied, ProjectionStore};

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projected {
    /// The projection now shows it.
    Written,
    /// The projection already shows this version or a newer one.
    Stale,
    /// Not an event this projector keeps.
    Ignored,
}

/// Why an event could not be projected now.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// Not a readable event; it will never succeed.
    #[error("unreadable event: {0}")]
    Unreadable(String),
    /// The store failed; retry.
    #[error(transparent)]
    Store(#[from] ServiceError),
}

impl Classify for ProjectError {
    fn class(&self) -> FailureClass {
        match self {
            ProjectError::Unreadable(_) => FailureClass::Poison,
            ProjectError::Store(_) => FailureClass::Transient,
        }
    }
}

/// Writes events into the projections.
#[derive(Clone)]
pub struct Projector {
    store: Arc<dyn ProjectionStore>,
    failures: FailureRecorder,
}

/// The flow this consumer's failure records are filed under (its queue's name).
pub const FLOW: &str = "catalog-events";

impl Projector {
    /// A projector over the catalog projection store, recording failures with `failures`.
    pub fn new(store: Arc<dyn ProjectionStore>, failures: FailureRecorder) -> Self {
        Self { store, failures }
    }

    /// Handles a batch; failed messages stay on the queue (and reach its DLQ in the end). A
    /// projected event resolves its SKU's open failure: a newer level written after an older
    /// one failed settles it too.
    pub async fn process(&self, event: SqsEvent) -> SqsBatchResponse {
        each_message(event, &self.failures, |body| async move {
            self.project(&body).await
        })
        .await
    }

    /// Handles one queue message body.
    pub async fn project(&self, body: &str) -> Result<Projected, ProjectError> {
        let event =
            BusEvent::from_body(body).map_err(|e| ProjectError::Unreadable(e.to_string()))?;
        let applied = match event.detail_type.as_str() {
            InventoryChanged::TYPE => {
                project_stock(self.store.as_ref(), &parse::<InventoryChanged>(&event)?).await?
            }
            PriceChanged::TYPE => {
                project_prices(self.store.as_ref(), &parse::<PriceChanged>(&event)?).await?
            }
            CustomerPriceListChanged::TYPE => {
                project_customer_price_list(
                    self.store.as_ref(),
                    &parse::<CustomerPriceListChanged>(&event)?,
                )
                .await?
            }
            _ => return Ok(Projected::Ignored),
        };
        Ok(match applied {
            Applied::Written => Projected::Written,
            Applied::Stale => Projected::Stale,
        })
    }
}

fn parse<T: Message>(event: &BusEvent) -> Result<T, ProjectError> {
    Envelope::<T>::parse(&event.detail.to_string())
        .map(|e| e.payload)
        .map_err(|e| ProjectError::Unreadable(e.to_string()))
}
