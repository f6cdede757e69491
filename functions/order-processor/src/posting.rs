//! Posting one order to the ERP: find by external reference, create if absent, confirm, read the
//! state back, record the outcome, publish the event.

use std::sync::Arc;

use chrono::Utc;
use switchyard_erp::{ErpError, ErpSale, SaleAddress, SaleLine, SaleRequest, SaleState};
use switchyard_events::EventPublisher;
use switchyard_model::contract::v1::CancellationState;
use switchyard_model::events::OrderCancellationRequested;
use switchyard_model::{Address, Order, OrderStatus};
use switchyard_orders::{OrderRecord, OrderStore, OrderStoreError, Versioned, flush_outbox};

/// How posting one order ended; stored as the idempotency result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Posted {
    /// The ERP holds it as `erp_reference`.
    Accepted {
        /// The ERP document number.
        erp_reference: String,
    },
    /// The ERP refused it.
    Rejected {
        /// Machine code.
        code: String,
    },
    /// The channel cancelled it (and its ERP sale, if it had one).
    Cancelled,
    /// The channel cancelled it, but its ERP sale is being fulfilled: an operator must act.
    CancellationNeedsAttention {
        /// The live ERP sale.
        erp_reference: String,
    },
}

/// Why posting could not finish now.
#[derive(Debug, thiserror::Error)]
pub enum PostingError {
    /// Worth retrying later (ERP down, store or bus failure).
    #[error("transient: {0}")]
    Transient(String),
    /// Will never succeed; the message belongs in the dead-letter queue.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<OrderStoreError> for PostingError {
    fn from(e: OrderStoreError) -> Self {
        PostingError::Transient(e.to_string())
    }
}

/// Posts orders using these ports.
#[derive(Clone)]
pub struct Poster {
    /// Order records.
    pub orders: Arc<dyn OrderStore>,
    /// The ERP.
    pub erp: Arc<dyn switchyard_erp::Erp>,
    /// The event bus.
    pub events: Arc<dyn EventPublisher>,
}

/// How often a record is re-read when someone else saved it in between.
const SAVE_ATTEMPTS: usize = 3;

impl Poster {
    /// Brings the order to a final status in the ERP and in its record, and publishes the event.
    /// Safe to call any number of times for the same order.
    pub async fn post(&self, order: &Order) -> Result<Posted, PostingError> {
        let record = self.read(order).await?;
        self.post_leased(order, record).await
    }

    /// [`Self::post`] from the record as the lease read it (no second read unless someone else
    /// saved it in between).
    pub async fn post_leased(
        &self,
        order: &Order,
        mut read: Versioned<OrderRecord>,
    ) -> Result<Posted, PostingError> {
        for attempt in 0..SAVE_ATTEMPTS {
            if attempt > 0 {
                read = self.read(order).await?;
            }
            let Versioned {
                value: mut record,
                version,
            } = read.clone();
            if !record.status.is_final() {
                match self.post_to_erp(order).await {
                    Ok(sale) => {
                        let reference = sale
                            .number
                            .clone()
                            .unwrap_or_else(|| format!("#{}", sale.id));
                        record
                            .accept(&reference, Utc::now())
                            .map_err(|e| PostingError::Permanent(e.to_string()))?;
                        tracing::info!(order_id = %order.id, erp_reference = %reference, state = sale.state.as_str(), "order accepted by the ERP");
                    }
                    Err(ErpError::Rejected { code, message }) => {
                        record
                            .reject(code.as_str(), &message, Utc::now())
                            .map_err(|e| PostingError::Permanent(e.to_string()))?;
                        tracing::info!(order_id = %order.id, code = code.as_str(), "order rejected by the ERP");
                    }
                    Err(ErpError::Unavailable { message }) => {
                        return Err(PostingError::Transient(message));
                    }
                }
                match self.orders.save(&record, version).await {
                    Ok(()) => {}
                    Err(OrderStoreError::VersionConflict) => continue,
                    Err(e) => return Err(e.into()),
                }
                return self.flush_outbox(record, version + 1).await;
            }
            return self.flush_outbox(record, version).await;
        }
        Err(PostingError::Transient(
            "the order record kept changing".into(),
        ))
    }

    /// Publishes what a final record still has in its outbox (a delivery after the order was
    /// decided).
    pub async fn finish(&self, read: Versioned<OrderRecord>) -> Result<Posted, PostingError> {
        self.flush_outbox(read.value, read.version).await
    }

    async fn read(&self, order: &Order) -> Result<Versioned<OrderRecord>, PostingError> {
        self.orders
            .get(order.id)
            .await?
            .ok_or_else(|| PostingError::Permanent(format!("no order record for {}", order.id)))
    }

    async fn post_to_erp(&self, order: &Order) -> Result<ErpSale, ErpError> {
        let reference = order.erp_reference();
        // Look before creating: a crash after the ERP created the sale must not make a second one.
        let sale = match self.erp.find_sale(&reference).await? {
            Some(sale) => sale,
            None => self.erp.create_sale(&sale_request(order)).await?,
        };
        if sale.state == SaleState::Cancelled {
            return Err(ErpError::rejected(
                switchyard_erp::RejectionCode::ErpRule,
                format!(
                    "the ERP sale {} for {reference} was cancelled",
                    sale.number.as_deref().unwrap_or("?")
                ),
            ));
        }
        let sale = if sale.state.is_confirmed() {
            sale
        } else {
            self.erp.confirm_sale(sale.id).await?
        };
        if !sale.state.is_confirmed() {
            return Err(ErpError::unavailable(format!(
                "the sale is still {} after confirm",
                sale.state.as_str()
            )));
        }
        Ok(sale)
    }

    /// Carries out a channel's cancellation: cancels the ERP sale when the ERP still can, and
    /// otherwise marks the order for an operator. Safe to call any number of times.
    pub async fn cancel(
        &self,
        request: &OrderCancellationRequested,
    ) -> Result<Posted, PostingError> {
        for _ in 0..SAVE_ATTEMPTS {
            let Versioned {
                value: mut record,
                version,
            } = self.orders.get(request.order_id).await?.ok_or_else(|| {
                PostingError::Permanent(format!("no order record for {}", request.order_id))
            })?;
            let settled = record
                .cancellation
                .as_ref()
                .is_some_and(|c| c.state != CancellationState::Pending);
            if record.status == OrderStatus::Rejected
                || record.status == OrderStatus::Cancelled
                || settled
            {
                // Nothing (more) to do in the ERP: a rejected order never reached it.
                return self.flush_outbox(record, version).await;
            }
            record.request_cancellation(request.reason.clone(), request.requested_at);
            let reference = record.order.erp_reference();
            let sale = match self.erp.find_sale(&reference).await {
                Ok(Some(sale)) => Some(self.erp.cancel_sale(sale.id).await),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            };
            let now = Utc::now();
            match sale {
                // Not in the ERP yet: cancelling the record is enough; posting skips it.
                None => record
                    .cancel(now)
                    .map_err(|e| PostingError::Permanent(e.to_string()))?,
                Some(Ok(sale)) => {
                    let number = sale
                        .number
                        .clone()
                        .unwrap_or_else(|| format!("#{}", sale.id));
                    record.erp_reference.get_or_insert(number.clone());
                    if sale.state == SaleState::Cancelled {
                        record
                            .cancel(now)
                            .map_err(|e| PostingError::Permanent(e.to_string()))?;
                        tracing::info!(order_id = %request.order_id, erp_reference = %number, "ERP sale cancelled");
                    } else {
                        let message = format!(
                            "the ERP sale {number} is already {} (shipments exist); cancel it in the ERP",
                            sale.state
                        );
                        tracing::warn!(order_id = %request.order_id, erp_reference = %number, "cancellation needs an operator");
                        record.cancellation_needs_attention(&message, now);
                    }
                }
                Some(Err(ErpError::Unavailable { message })) => {
                    return Err(PostingError::Transient(message));
                }
                Some(Err(ErpError::Rejected { message, .. })) => {
                    record.cancellation_needs_attention(
                        &format!("the ERP refused to cancel the sale: {message}"),
                        now,
                    );
                }
            }
            match self.orders.save(&record, version).await {
                Ok(()) => return self.flush_outbox(record, version + 1).await,
                Err(OrderStoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(PostingError::Transient(
            "the order record kept changing".into(),
        ))
    }

    /// Publishes the events recorded with the status change, then clears them.
    async fn flush_outbox(
        &self,
        record: OrderRecord,
        version: u64,
    ) -> Result<Posted, PostingError> {
        let outcome = match record.status {
            OrderStatus::Accepted
            | OrderStatus::PartiallyShipped
            | OrderStatus::Shipped
            | OrderStatus::Invoiced => Posted::Accepted {
                erp_reference: record.erp_reference.clone().unwrap_or_default(),
            },
            OrderStatus::Rejected => Posted::Rejected {
                code: record
                    .rejection
                    .as_ref()
                    .map(|r| r.code.clone())
                    .unwrap_or_default(),
            },
            OrderStatus::Cancelled => Posted::Cancelled,
            OrderStatus::Received => {
                return Err(PostingError::Permanent(
                    "flush before a final status".into(),
                ));
            }
        };
        let outcome = match (&outcome, &record.cancellation) {
            (Posted::Accepted { erp_reference }, Some(c))
                if c.state == CancellationState::NeedsAttention =>
            {
                Posted::CancellationNeedsAttention {
                    erp_reference: erp_reference.clone(),
                }
            }
            _ => outcome,
        };
        // Published but not cleared on error: the next delivery republishes with the same ids.
        flush_outbox(self.orders.as_ref(), self.events.as_ref(), record, version)
            .await
            .map_err(|e| PostingError::Transient(e.to_string()))?;
        Ok(outcome)
    }

    /// Notes a transient failure on the record for operators (best effort).
    pub async fn note_failure(&self, order: &Order, message: &str) {
        let Ok(Some(Versioned {
            value: mut record,
            version,
        })) = self.orders.get(order.id).await
        else {
            return;
        };
        if record.status.is_final() {
            return;
        }
        record.last_error = Some(message.to_string());
        if let Err(e) = self.orders.save(&record, version).await {
            tracing::warn!(order_id = %order.id, error = %e, "could not record the failure on the order");
        }
    }
}

fn sale_address(a: &Address) -> SaleAddress {
    SaleAddress {
        name: a.name.clone(),
        line1: a.line1.clone(),
        line2: a.line2.clone(),
        city: a.city.clone(),
        region: a.region.clone(),
        postal_code: a.postal_code.clone(),
        country: a.country.as_str().to_string(),
    }
}

/// The ERP request for a canonical order.
pub fn sale_request(order: &Order) -> SaleRequest {
    SaleRequest {
        reference: order.erp_reference(),
        order_id: order.id.to_string(),
        customer_account: order.customer.account.clone(),
        currency: order.currency.code().to_string(),
        ship_to: Some(sale_address(&order.ship_to)),
        bill_to: order.bill_to.as_ref().map(sale_address),
        lines: order
            .lines
            .iter()
            .map(|l| SaleLine {
                sku: l.sku.to_string(),
                quantity: l.quantity.value(),
                unit_price: l.unit_price.amount,
                uom: l.uom.as_str().to_string(),
            })
            .collect(),
        requested_ship_date: order.requested_ship_date,
        notes: order.notes.clone(),
    }
}
