//! Taking a channel's return request: recorded on the order (checked against what shipped in
//! the same conditional write), then queued for the ERP.

use chrono::Utc;
use switchyard_model::envelope::Envelope;
use switchyard_model::returns::{ReturnLine, ReturnRequested};
use switchyard_model::{ChannelName, OrderId};
use switchyard_orders::{OrderStoreError, RequestedReturn};

use crate::Intake;
use crate::problem::{Problem, unavailable};

/// Saves attempted while another writer (the tracker, the processor) keeps saving the order.
const SAVE_ATTEMPTS: usize = 5;

impl Intake {
    /// Records a return of `lines` against `channel`'s order `order_id` under `key`, and queues
    /// it. The same key again queues the same return again (the processor posts it once), so a
    /// retry after a crash between the save and the queue completes it.
    pub async fn request_return(
        &self,
        channel: &ChannelName,
        order_id: OrderId,
        lines: Vec<ReturnLine>,
        key: &str,
    ) -> Result<RequestedReturn, Problem> {
        let not_found = || {
            Problem::new(
                404,
                "order-not-found",
                "Order not found",
                format!("no order {order_id} for this channel"),
            )
        };
        for _ in 0..SAVE_ATTEMPTS {
            let read = self
                .orders()
                .get(order_id)
                .await
                .map_err(unavailable)?
                .ok_or_else(not_found)?;
            let mut record = read.value;
            if &record.order.channel != channel {
                return Err(not_found());
            }
            let requested = record
                .request_return(lines.clone(), key, Utc::now())
                .map_err(|errors| {
                    Problem::new(
                        422,
                        "validation-failed",
                        "The return is not valid",
                        errors.to_string(),
                    )
                    .with_errors(errors.0)
                })?;
            if requested.new {
                match self.orders().save(&record, read.version).await {
                    Ok(()) => {}
                    Err(OrderStoreError::VersionConflict) => continue,
                    Err(e) => return Err(unavailable(e)),
                }
            }
            let envelope = Envelope::new(
                channel.to_string(),
                order_id.to_string(),
                ReturnRequested {
                    return_id: requested.id.clone(),
                    order_id,
                },
            );
            self.queue
                .request_return(&envelope)
                .await
                .map_err(unavailable)?;
            tracing::info!(%order_id, return_id = %requested.id, "return requested");
            return Ok(requested);
        }
        Err(unavailable("the order record kept changing"))
    }
}
