//! Returns (RMAs): what a channel asks to send back, and where the ERP has the return.
//!
//! A return lives on its order's record, so one conditional write checks it against what was
//! shipped and what other returns already claim. Its id names the order (`<order id>-R<n>`), so
//! `GET /v1/returns/{id}` needs no index. Its status follows the ERP:
//! `REQUESTED → AUTHORIZED` (the return sale is confirmed) `→ RECEIVED` (the warehouse received
//! it) `→ CREDITED` (the credit note is posted), or `REJECTED` with the ERP's reason. It never
//! moves back.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::v1::Rejection;
use crate::envelope::Message;
use crate::order::{ChannelName, OrderId, Sku};
use crate::validation::FieldErrors;

/// Why a customer sends something back.
pub const RETURN_REASONS: [&str; 6] = [
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "unwanted",
    "other",
];

/// Where a return is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnStatus {
    /// Recorded, waiting for the ERP.
    Requested,
    /// The ERP holds it as a confirmed return.
    Authorized,
    /// The warehouse received the goods.
    Received,
    /// The customer is credited.
    Credited,
    /// The ERP refused it.
    Rejected,
}

impl ReturnStatus {
    fn rank(self) -> Option<u8> {
        match self {
            Self::Requested => Some(0),
            Self::Authorized => Some(1),
            Self::Received => Some(2),
            Self::Credited => Some(3),
            Self::Rejected => None,
        }
    }

    /// Forward only: a later stage (skipping allowed), or `REJECTED` while still requested.
    pub fn can_become(self, to: ReturnStatus) -> bool {
        match (self.rank(), to.rank()) {
            (Some(from), Some(to)) => to > from,
            (Some(0), None) => true,
            _ => false,
        }
    }
}

/// One line of a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnLine {
    /// The product, as ordered.
    pub sku: Sku,
    /// How many come back.
    pub quantity: Decimal,
    /// Why, one of [`RETURN_REASONS`].
    pub reason: String,
}

/// A status a return entered, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnStatusChange {
    /// The status entered.
    pub status: ReturnStatus,
    /// When.
    pub at: DateTime<Utc>,
}

/// A return as its order's record keeps it, and as `GET /v1/returns/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Return {
    /// `<order id>-R<n>`.
    pub id: String,
    /// The order it returns from.
    pub order_id: OrderId,
    /// Where it is.
    pub status: ReturnStatus,
    /// What comes back.
    pub lines: Vec<ReturnLine>,
    /// Every status entered, oldest first.
    pub history: Vec<ReturnStatusChange>,
    /// The ERP's return sale number, once posted.
    pub erp_reference: Option<String>,
    /// Why the ERP refused it.
    pub rejection: Option<Rejection>,
    /// The ERP's return shipment that received it.
    pub receipt: Option<String>,
    /// The credit note's number.
    pub credit_note: Option<String>,
    /// The `Idempotency-Key` it was requested with (not shown to channels).
    #[serde(default, skip_serializing)]
    pub idempotency_key: String,
}

impl Return {
    /// The ERP reference the return is posted under, searched before it is created.
    pub fn erp_search_reference(&self) -> String {
        format!("return:{}", self.id)
    }
}

/// The id of the `n`th return of `order`.
pub fn return_id(order: OrderId, n: usize) -> String {
    format!("{order}-R{n}")
}

/// The order a return id names, if it is one.
pub fn order_of_return(id: &str) -> Option<OrderId> {
    let (order, n) = id.rsplit_once("-R")?;
    n.parse::<u32>().ok()?;
    order.parse().ok()
}

/// Reads the body of `POST /v1/orders/{id}/returns`: `{"lines": [{"sku", "quantity",
/// "reason"}]}`, every error at its field path.
pub fn parse_return_lines(body: &Value) -> Result<Vec<ReturnLine>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let lines = match body.get("lines").and_then(Value::as_array) {
        Some(lines) if !lines.is_empty() && lines.len() <= 500 => lines,
        Some(_) => {
            errors.push("lines", "must hold 1 to 500 lines");
            return Err(errors);
        }
        None if body.is_object() => {
            errors.push("lines", "is required (an array of lines)");
            return Err(errors);
        }
        None => {
            errors.push("body", "must be an object");
            return Err(errors);
        }
    };
    let mut out = vec![];
    for (i, line) in lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{i}].{field}");
        let sku = match line.get("sku").and_then(Value::as_str) {
            Some(sku) => errors.check(Sku::try_from(sku), &at("sku")),
            None => errors.fail(&at("sku"), "is required"),
        };
        let quantity = match line.get("quantity") {
            Some(Value::Number(n)) => n.to_string().parse::<Decimal>().ok(),
            Some(Value::String(s)) => s.parse::<Decimal>().ok(),
            _ => None,
        };
        let quantity = match quantity {
            Some(q) if q > Decimal::ZERO && q.scale() <= 4 => Some(q),
            Some(_) => errors.fail(&at("quantity"), "must be positive, with at most 4 decimals"),
            None => errors.fail(&at("quantity"), "is required (a number)"),
        };
        let reason = match line.get("reason").and_then(Value::as_str) {
            Some(r) if RETURN_REASONS.contains(&r) => Some(r.to_string()),
            Some(_) | None => errors.fail(
                &at("reason"),
                &format!("must be one of {}", RETURN_REASONS.join(", ")),
            ),
        };
        if let (Some(sku), Some(quantity), Some(reason)) = (sku, quantity, reason) {
            out.push(ReturnLine {
                sku,
                quantity,
                reason,
            });
        }
    }
    if errors.0.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A channel asked for a return; it waits on the orders queue for the ERP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnRequested {
    /// The return.
    pub return_id: String,
    /// Its order.
    pub order_id: OrderId,
}

impl Message for ReturnRequested {
    const TYPE: &'static str = "ReturnRequested";
    const VERSION: u32 = 1;
}

/// A return moved (recorded in the order's outbox; source `switchyard.orders`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnStatusChanged {
    /// The order's channel.
    pub channel: ChannelName,
    /// The return as it is now.
    #[serde(rename = "return")]
    pub the_return: Return,
}

impl Message for ReturnStatusChanged {
    const TYPE: &'static str = "ReturnStatusChanged";
    const VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::ReturnStatus::*;
    use super::*;

    #[test]
    fn returns_move_forward_and_are_rejected_only_before_the_erp_holds_them() {
        assert!(Requested.can_become(Authorized) && Authorized.can_become(Received));
        assert!(Received.can_become(Credited) && Authorized.can_become(Credited));
        assert!(Requested.can_become(Rejected));
        assert!(!Authorized.can_become(Rejected) && !Rejected.can_become(Authorized));
        assert!(!Received.can_become(Authorized) && !Credited.can_become(Received));
    }

    #[test]
    fn ids_name_their_order() {
        let order = OrderId::generate();
        let id = return_id(order, 3);
        assert_eq!(order_of_return(&id), Some(order));
        assert_eq!(order_of_return("nope"), None);
        assert_eq!(order_of_return(&format!("{order}-Rx")), None);
    }

    #[test]
    fn lines_are_read_with_every_error_at_its_path() {
        let ok = parse_return_lines(
            &json!({"lines": [{"sku": "WIDGET-S", "quantity": 1, "reason": "damaged"}]}),
        )
        .unwrap();
        assert_eq!(ok[0].quantity, Decimal::ONE);
        let errors = parse_return_lines(&json!({"lines": [
            {"sku": "", "quantity": 0, "reason": "meh"},
            {"sku": "WIDGET-M", "quantity": "2"}]}))
        .unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "lines[0].sku",
                "lines[0].quantity",
                "lines[0].reason",
                "lines[1].reason"
            ]
        );
        assert_eq!(
            parse_return_lines(&json!({"lines": []})).unwrap_err().0[0].field,
            "lines"
        );
        assert_eq!(
            parse_return_lines(&json!([1])).unwrap_err().0[0].field,
            "body"
        );
    }
}
