//! Posting a channel's return to the ERP, exactly once: found by its reference before it is
//! created, confirmed any number of times, and only then recorded on the order.

use chrono::Utc;
use switchyard_erp::{ErpError, ReturnLineRequest, ReturnRequest};
use switchyard_model::returns::{ReturnRequested, ReturnStatus};
use switchyard_orders::{OrderStoreError, flush_outbox};

use crate::posting::{Poster, PostingError};

/// How a return ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum PostedReturn {
    /// The ERP holds it as this confirmed return sale.
    Authorized {
        /// The return sale's number.
        erp_reference: String,
    },
    /// The ERP refused it.
    Rejected {
        /// Why, as a stable code.
        code: String,
    },
    /// It had moved on already (a redelivery).
    AlreadyDone,
}

/// Saves attempted while the tracker or the API save the same order.
const SAVE_ATTEMPTS: usize = 5;

impl Poster {
    /// Brings the requested return into the ERP and records the outcome on its order.
    pub async fn post_return(
        &self,
        request: &ReturnRequested,
    ) -> Result<PostedReturn, PostingError> {
        for _ in 0..SAVE_ATTEMPTS {
            let read = self.orders.get(request.order_id).await?.ok_or_else(|| {
                PostingError::Permanent(format!("no order record for {}", request.order_id))
            })?;
            let mut record = read.value;
            let Some(the_return) = record.return_of(&request.return_id).cloned() else {
                return Err(PostingError::Permanent(format!(
                    "order {} has no return {}",
                    request.order_id, request.return_id
                )));
            };
            if the_return.status != ReturnStatus::Requested {
                flush_outbox(
                    self.orders.as_ref(),
                    self.events.as_ref(),
                    record,
                    read.version,
                )
                .await
                .map_err(|e| PostingError::Transient(e.to_string()))?;
                return Ok(PostedReturn::AlreadyDone);
            }
            let original = record.erp_reference.clone().ok_or_else(|| {
                PostingError::Permanent("a return of an order the ERP never accepted".into())
            })?;
            let outcome = match self
                .post_return_to_erp(&ReturnRequest {
                    reference: the_return.erp_search_reference(),
                    return_id: the_return.id.clone(),
                    order_id: request.order_id.to_string(),
                    original_sale: original,
                    lines: the_return
                        .lines
                        .iter()
                        .map(|l| ReturnLineRequest {
                            sku: l.sku.to_string(),
                            quantity: l.quantity,
                            reason: l.reason.clone(),
                        })
                        .collect(),
                })
                .await
            {
                Ok(number) => {
                    record.authorize_return(&the_return.id, &number, Utc::now());
                    PostedReturn::Authorized {
                        erp_reference: number,
                    }
                }
                Err(ErpError::Rejected { code, message }) => {
                    record.reject_return(&the_return.id, code.as_str(), &message, Utc::now());
                    PostedReturn::Rejected {
                        code: code.as_str().to_string(),
                    }
                }
                Err(e) => return Err(PostingError::Transient(e.to_string())),
            };
            match self.orders.save(&record, read.version).await {
                Ok(()) => {
                    tracing::info!(return_id = %the_return.id, ?outcome, "return posted");
                    flush_outbox(
                        self.orders.as_ref(),
                        self.events.as_ref(),
                        record,
                        read.version + 1,
                    )
                    .await
                    .map_err(|e| PostingError::Transient(e.to_string()))?;
                    return Ok(outcome);
                }
                // The ERP side is idempotent: the next attempt finds the same return sale.
                Err(OrderStoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(PostingError::Transient(
            "the order record kept changing".into(),
        ))
    }

    /// The confirmed return sale's number: the live one with this reference, else a new one.
    async fn post_return_to_erp(&self, request: &ReturnRequest) -> Result<String, ErpError> {
        let erp_return = match self.erp.find_return(&request.reference).await? {
            Some(found) => found,
            None => self.erp.create_return(request).await?,
        };
        let confirmed = if erp_return.confirmed {
            erp_return
        } else {
            self.erp.confirm_return(erp_return.id).await?
        };
        Ok(confirmed
            .number
            .unwrap_or_else(|| format!("#{}", confirmed.id)))
    }
}
