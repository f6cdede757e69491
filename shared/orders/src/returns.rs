//! Returns on the order record: requested against what shipped, then following the ERP.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use switchyard_model::contract::v1::Rejection;
use switchyard_model::fulfilment_events::ReturnReceived;
use switchyard_model::returns::{
    Return, ReturnLine, ReturnStatus, ReturnStatusChange, ReturnStatusChanged, return_id,
};
use switchyard_model::{FieldErrors, Sku};

use crate::{Applied, OrderRecord};

/// A return request the record accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedReturn {
    /// Its id.
    pub id: String,
    /// False when the same `Idempotency-Key` had already requested it.
    pub new: bool,
}

impl OrderRecord {
    /// Records a return of `lines` requested under `key`. Every line must be of a SKU that
    /// shipped, and no more than shipped minus what other returns claim; a refusal names each
    /// line that broke the rule, and nothing is recorded. The same key again finds its return.
    pub fn request_return(
        &mut self,
        lines: Vec<ReturnLine>,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<RequestedReturn, FieldErrors> {
        if let Some(existing) = self.returns.iter().find(|r| r.idempotency_key == key) {
            return Ok(RequestedReturn {
                id: existing.id.clone(),
                new: false,
            });
        }
        let mut left = self.returnable();
        let mut errors = FieldErrors::default();
        for (i, line) in lines.iter().enumerate() {
            let can = left.get(&line.sku).copied().unwrap_or(Decimal::ZERO);
            if line.quantity > can {
                errors.push(
                    format!("lines[{i}].quantity"),
                    format!(
                        "must not exceed {can} (shipped minus already returned) for {}",
                        line.sku
                    ),
                );
            } else {
                left.insert(line.sku.clone(), can - line.quantity);
            }
        }
        if !errors.0.is_empty() {
            return Err(errors);
        }
        let id = return_id(self.order.id, self.returns.len() + 1);
        self.returns.push(Return {
            id: id.clone(),
            order_id: self.order.id,
            status: ReturnStatus::Requested,
            lines,
            history: vec![ReturnStatusChange {
                status: ReturnStatus::Requested,
                at: now,
            }],
            erp_reference: None,
            rejection: None,
            receipt: None,
            credit_note: None,
            idempotency_key: key.to_string(),
        });
        Ok(RequestedReturn { id, new: true })
    }

    /// The return `id`, if this order has it.
    pub fn return_of(&self, id: &str) -> Option<&Return> {
        self.returns.iter().find(|r| r.id == id)
    }

    /// The ERP holds the return as `erp_reference`.
    pub fn authorize_return(&mut self, id: &str, erp_reference: &str, now: DateTime<Utc>) -> bool {
        self.move_return(id, ReturnStatus::Authorized, now, |r| {
            r.erp_reference = Some(erp_reference.to_string());
        })
    }

    /// The ERP refused the return.
    pub fn reject_return(
        &mut self,
        id: &str,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> bool {
        self.move_return(id, ReturnStatus::Rejected, now, |r| {
            r.rejection = Some(Rejection {
                code: code.to_string(),
                message: message.to_string(),
            });
        })
    }

    /// The warehouse received the return (applied once per ERP version of the receipt).
    pub fn receive_return(&mut self, fact: &ReturnReceived, now: DateTime<Utc>) -> Applied {
        let key = format!("receipt:{}", fact.receipt_id);
        if self
            .erp_versions
            .get(&key)
            .is_some_and(|seen| fact.erp_version <= *seen)
        {
            return Applied::AlreadyKnown;
        }
        self.erp_versions.insert(key, fact.erp_version);
        let erp_reference = fact.erp_reference.clone();
        self.move_return(&fact.return_id, ReturnStatus::Received, now, |r| {
            r.receipt = Some(fact.receipt_id.clone());
            r.erp_reference.get_or_insert(erp_reference);
        });
        Applied::Changed
    }

    /// The credit note `number` for return `id` is posted.
    pub(crate) fn credit_return(&mut self, id: &str, number: &str, now: DateTime<Utc>) -> bool {
        self.move_return(id, ReturnStatus::Credited, now, |r| {
            r.credit_note = Some(number.to_string());
        })
    }

    /// What can still be returned per SKU: shipped, minus what live returns claim.
    fn returnable(&self) -> BTreeMap<Sku, Decimal> {
        let mut left = self.shipped_quantities();
        let claimed = self
            .returns
            .iter()
            .filter(|r| r.status != ReturnStatus::Rejected)
            .flat_map(|r| &r.lines);
        for line in claimed {
            if let Some(q) = left.get_mut(&line.sku) {
                *q -= line.quantity;
            }
        }
        left
    }

    fn move_return(
        &mut self,
        id: &str,
        to: ReturnStatus,
        now: DateTime<Utc>,
        update: impl FnOnce(&mut Return),
    ) -> bool {
        let Some(r) = self.returns.iter_mut().find(|r| r.id == id) else {
            tracing::warn!(return_id = %id, "no such return on the order");
            return false;
        };
        if !r.status.can_become(to) {
            return false;
        }
        r.status = to;
        r.history.push(ReturnStatusChange {
            status: to,
            at: now,
        });
        update(r);
        let changed = ReturnStatusChanged {
            channel: self.order.channel.clone(),
            the_return: r.clone(),
        };
        self.record_event(changed);
        true
    }
}

#[cfg(test)]
mod tests {
    use switchyard_model::contract::v1::{CaptureContext, parse_order};
    use switchyard_model::fulfilment_events::{Shipment, ShipmentDispatched, ShippedLine};
    use switchyard_model::{ChannelName, OrderId};

    use super::*;

    /// 3 × WIDGET-S ordered, 2 shipped.
    fn shipped_two() -> OrderRecord {
        let body = serde_json::json!({"external_id": "PO-1", "currency": "USD",
            "customer": {"name": "Acme"},
            "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
            "lines": [{"sku": "WIDGET-S", "quantity": 3, "unit_price": "9.25"}]});
        let ctx = CaptureContext {
            order_id: OrderId::generate(),
            channel: ChannelName::try_from("shop").unwrap(),
            default_customer: Some("DEMO-SHOP".into()),
        };
        let mut r = OrderRecord::received(parse_order(&body, &ctx).unwrap(), "k", Utc::now());
        r.accept("SO1", Utc::now()).unwrap();
        let fact = ShipmentDispatched {
            order_id: r.order.id,
            erp_reference: "SO1".into(),
            shipment: Shipment {
                shipment_id: "CS1".into(),
                lines: vec![ShippedLine {
                    sku: Sku::try_from("WIDGET-S").unwrap(),
                    quantity: Decimal::from(2),
                }],
                carrier: None,
                service: None,
                tracking_numbers: vec![],
                shipped_at: Utc::now(),
            },
            erp_version: 1,
            observed_at: Utc::now(),
        };
        r.record_shipment(&fact, "api", Utc::now()).unwrap();
        r.outbox.clear();
        r
    }

    fn line(sku: &str, q: i64) -> ReturnLine {
        ReturnLine {
            sku: Sku::try_from(sku).unwrap(),
            quantity: Decimal::from(q),
            reason: "damaged".into(),
        }
    }

    #[test]
    fn no_more_than_shipped_minus_returned_and_the_refusal_names_the_line() {
        let mut r = shipped_two();
        let first = r
            .request_return(vec![line("WIDGET-S", 1)], "a", Utc::now())
            .unwrap();
        assert!(first.new);
        let before = r.clone();
        let refused = r
            .request_return(
                vec![line("WIDGET-S", 1), line("WIDGET-S", 1)],
                "b",
                Utc::now(),
            )
            .unwrap_err();
        assert_eq!(refused.0.len(), 1);
        assert_eq!(refused.0[0].field, "lines[1].quantity");
        assert!(
            refused.0[0].rule.contains("must not exceed 0"),
            "{}",
            refused.0[0].rule
        );
        assert_eq!(r, before, "a refusal records nothing");
        let unshipped = r.request_return(vec![line("WIDGET-M", 1)], "c", Utc::now());
        assert_eq!(unshipped.unwrap_err().0[0].field, "lines[0].quantity");
    }

    #[test]
    fn the_same_key_finds_its_return_and_a_rejected_return_frees_its_quantity() {
        let mut r = shipped_two();
        let first = r
            .request_return(vec![line("WIDGET-S", 2)], "a", Utc::now())
            .unwrap();
        let again = r
            .request_return(vec![line("WIDGET-S", 2)], "a", Utc::now())
            .unwrap();
        assert_eq!(
            again,
            RequestedReturn {
                id: first.id.clone(),
                new: false
            }
        );
        assert_eq!(r.returns.len(), 1);
        assert!(r.reject_return(&first.id, "erp_rule", "no", Utc::now()));
        assert!(
            r.request_return(vec![line("WIDGET-S", 2)], "b", Utc::now())
                .is_ok()
        );
    }

    #[test]
    fn a_return_follows_the_erp_forward_only_and_announces_each_move() {
        let mut r = shipped_two();
        let id = r
            .request_return(vec![line("WIDGET-S", 1)], "a", Utc::now())
            .unwrap()
            .id;
        assert!(r.authorize_return(&id, "SO2", Utc::now()));
        assert!(!r.authorize_return(&id, "SO2", Utc::now()), "once");
        let received = ReturnReceived {
            return_id: id.clone(),
            order_id: r.order.id,
            erp_reference: "SO2".into(),
            receipt_id: "CR1".into(),
            lines: vec![],
            received_at: Utc::now(),
            erp_version: 5,
            observed_at: Utc::now(),
        };
        assert_eq!(r.receive_return(&received, Utc::now()), Applied::Changed);
        assert_eq!(
            r.receive_return(&received, Utc::now()),
            Applied::AlreadyKnown
        );
        assert!(r.credit_return(&id, "CN1", Utc::now()));
        assert!(!r.reject_return(&id, "late", "too late", Utc::now()));
        let ret = r.return_of(&id).unwrap();
        assert_eq!(ret.status, ReturnStatus::Credited);
        assert_eq!(ret.credit_note.as_deref(), Some("CN1"));
        let kinds: Vec<_> = r.outbox.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["ReturnStatusChanged"; 3]);
    }
}
