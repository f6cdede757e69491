//! Order statuses and the transitions allowed between them.

use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// Some of it left the warehouse; the rest is still to ship.
    PartiallyShipped,
    /// Every line left the warehouse in full.
    Shipped,
    /// Shipped in full and invoiced in full.
    Invoiced,
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
        ) || self
            .fulfilment_rank()
            .zip(to.fulfilment_rank())
            .is_some_and(|(from, to)| to > from)
    }

    /// Where an accepted order is on its way to the customer: fulfilment only ever moves
    /// forward (ACCEPTED → PARTIALLY_SHIPPED → SHIPPED → INVOICED, skipping allowed), so a
    /// reordered or repeated ERP fact can never move an order back. `None` off that path.
    pub fn fulfilment_rank(self) -> Option<u8> {
        match self {
            OrderStatus::Accepted => Some(0),
            OrderStatus::PartiallyShipped => Some(1),
            OrderStatus::Shipped => Some(2),
            OrderStatus::Invoiced => Some(3),
            _ => None,
        }
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
        !matches!(self, OrderStatus::Received)
    }

    /// The wire name (`RECEIVED`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Received => "RECEIVED",
            OrderStatus::Accepted => "ACCEPTED",
            OrderStatus::Rejected => "REJECTED",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::PartiallyShipped => "PARTIALLY_SHIPPED",
            OrderStatus::Shipped => "SHIPPED",
            OrderStatus::Invoiced => "INVOICED",
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

    #[test]
    fn fulfilment_moves_forward_only_and_may_skip() {
        let path = [Accepted, PartiallyShipped, Shipped, Invoiced];
        for (i, from) in path.iter().enumerate() {
            for (j, to) in path.iter().enumerate() {
                assert_eq!(from.can_become(*to), j > i, "{from:?} -> {to:?}");
            }
        }
        for shipped in [PartiallyShipped, Shipped, Invoiced] {
            assert!(
                !shipped.can_become(Cancelled),
                "a shipped order is not cancelled"
            );
            assert!(
                !Received.can_become(shipped),
                "nothing ships before the ERP accepts"
            );
            assert!(!Rejected.can_become(shipped) && !Cancelled.can_become(shipped));
            assert!(shipped.is_final(), "the posting flow is over");
        }
    }

    #[test]
    fn wire_names_match_serde() {
        for status in [
            Received,
            Accepted,
            Rejected,
            Cancelled,
            PartiallyShipped,
            Shipped,
            Invoiced,
        ] {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, serde_json::json!(status.as_str()));
        }
    }
}
