//! Order statuses and the transitions allowed between them.

use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// Captured and queued for the ERP.
    Received,
    /// The ERP holds it as a confirmed sales order.
    Accepted,
    /// The ERP refused it for a business reason; it will not be retried.
    Rejected,
    /// The channel cancelled it, and the ERP holds no live sale for it.
    Cancelled,
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order cannot go from {from:?} to {to:?}")]
pub struct TransitionError {
    /// The current status.
    pub from: OrderStatus,
    /// The refused target.
    pub to: OrderStatus,
}

impl OrderStatus {
    /// Whether an order in this status may move to `to`.
    pub fn can_become(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (Received, Accepted)
                | (Received, Rejected)
                | (Received, Cancelled)
                | (Accepted, Cancelled)
        )
    }

    /// Checks the transition to `to`.
    pub fn transition(self, to: OrderStatus) -> Result<OrderStatus, TransitionError> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(TransitionError { from: self, to })
        }
    }

    /// True once nothing more will happen to the order in the ERP posting flow.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Accepted | OrderStatus::Rejected | OrderStatus::Cancelled
        )
    }

    /// The wire name (`RECEIVED`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Received => "RECEIVED",
            OrderStatus::Accepted => "ACCEPTED",
            OrderStatus::Rejected => "REJECTED",
            OrderStatus::Cancelled => "CANCELLED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;

    #[test]
    fn only_received_orders_move_and_final_states_stay() {
        assert!(Received.can_become(Accepted));
        assert!(Received.can_become(Rejected));
        assert!(Accepted.transition(Rejected).is_err());
        assert!(Rejected.transition(Accepted).is_err());
        assert!(Accepted.transition(Received).is_err());
        assert!(Accepted.is_final() && Rejected.is_final() && !Received.is_final());
        assert!(Received.can_become(Cancelled) && Accepted.can_become(Cancelled));
        assert!(Rejected.transition(Cancelled).is_err());
        assert!(Cancelled.transition(Accepted).is_err());
    }
}
