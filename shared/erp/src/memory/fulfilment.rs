//! The twin of the fulfilment side: what Tryton does when a sale is confirmed (a waiting
//! shipment and a draft invoice), what the warehouse and accounting helpers do
//! (`local/tryton/warehouse.py`: ship, invoice, receive a return), and return sales.
//!
//! Like Tryton: a partial shipment ships what was asked and leaves the rest on a new waiting
//! shipment; an invoice gets its number when posted, dated today and due 30 days later (the
//! demo's "Net 30"); a return sale is a sale of negative quantities whose confirmation plans a
//! return shipment and a draft credit note; the change feed names a shipment, invoice or return
//! shipment whenever it changes.

use chrono::{Days, Utc};
use rust_decimal::Decimal;

use super::{Changed, InMemoryErp, Stamp, State};
use crate::catalog::ErpVersion;
use crate::fulfilment::{
    ErpInvoice, ErpInvoiceLine, ErpReturn, ErpReturnReceipt, ErpShipment, Fulfilments, InvoiceKind,
    ReturnRequest, SaleLink, SaleReturns, ShipmentLine, ShipmentState,
};
use crate::{ErpError, RejectionCode};

/// The demo's carrier (`local/tryton/demo_data.py`): its party and its service.
pub const DEMO_CARRIER: (&str, &str) = ("UPS", "UPS Ground");

/// Days from invoice date to due date (the demo's payment term "Net 30").
const PAYMENT_DAYS: u64 = 30;

/// Return sales get ids from here, apart from sales'.
const RETURN_IDS: i64 = 1_000_000;

#[derive(Debug, Clone)]
pub(super) struct TwinShipment {
    number: String,
    sale: SaleLink,
    state: ShipmentState,
    lines: Vec<ShipmentLine>,
    carrier: Option<(String, String)>,
    tracking: Vec<String>,
    shipped_at: Option<chrono::DateTime<Utc>>,
    stamp: Stamp,
}

#[derive(Debug, Clone)]
pub(super) struct TwinInvoice {
    number: Option<String>,
    sale: SaleLink,
    kind: InvoiceKind,
    currency: String,
    lines: Vec<ErpInvoiceLine>,
    dates: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    stamp: Stamp,
}

#[derive(Debug, Clone)]
pub(super) struct TwinReceipt {
    number: String,
    sale: SaleLink,
    received: bool,
    lines: Vec<ShipmentLine>,
    received_at: Option<chrono::DateTime<Utc>>,
    stamp: Stamp,
}

#[derive(Debug, Clone)]
pub(super) struct TwinReturn {
    ret: ErpReturn,
    reference: String,
    request: ReturnRequest,
    currency: String,
    /// (SKU, quantity, unit price) of each line.
    lines: Vec<(String, Decimal, Decimal)>,
}

/// The fulfilment state of the twin.
#[derive(Debug, Default)]
pub(super) struct Fulfilment {
    shipments: Vec<TwinShipment>,
    invoices: Vec<TwinInvoice>,
    receipts: Vec<TwinReceipt>,
    returns: Vec<TwinReturn>,
    numbers: usize,
}

fn rejected(message: String) -> ErpError {
    ErpError::rejected(RejectionCode::ErpRule, message)
}

impl State {
    fn next_number(&mut self, prefix: &str) -> String {
        self.fulfilment.numbers += 1;
        format!("{prefix}{}", self.fulfilment.numbers)
    }

    fn log_shipment(&mut self, index: usize) {
        let stamp = self.catalog.tick();
        let shipment = &mut self.fulfilment.shipments[index];
        shipment.stamp = stamp;
        let number = shipment.number.clone();
        self.catalog.log.push(Changed::Shipment(number));
    }

    /// What Tryton does on confirming a sale: a waiting shipment and a draft invoice.
    pub(super) fn plan_fulfilment(&mut self, sale_id: i64) {
        let Some(stored) = self.sales.iter().find(|s| s.sale.id == sale_id) else {
            return;
        };
        let link = SaleLink {
            number: stored.sale.number.clone().unwrap_or_default(),
            reference: stored.sale.reference.clone(),
            order_id: Some(stored.request.order_id.clone()),
            return_id: None,
        };
        let lines: Vec<ShipmentLine> = stored
            .request
            .lines
            .iter()
            .map(|l| ShipmentLine {
                sku: l.sku.clone(),
                quantity: l.quantity.normalize(),
            })
            .collect();
        let invoice_lines = stored
            .request
            .lines
            .iter()
            .map(|l| ErpInvoiceLine {
                sku: Some(l.sku.clone()),
                description: l.sku.clone(),
                quantity: l.quantity.normalize(),
                unit_price: l.unit_price.normalize(),
                amount: (l.quantity * l.unit_price).round_dp(2).normalize(),
            })
            .collect();
        let currency = stored.request.currency.trim().to_ascii_uppercase();
        let number = self.next_number("CS");
        self.fulfilment.shipments.push(TwinShipment {
            number,
            sale: link.clone(),
            state: ShipmentState::Pending,
            lines,
            carrier: None,
            tracking: Vec::new(),
            shipped_at: None,
            stamp: Stamp::default(),
        });
        let index = self.fulfilment.shipments.len() - 1;
        self.log_shipment(index);
        self.draft_invoice(link, InvoiceKind::Invoice, currency, invoice_lines);
    }

    fn draft_invoice(
        &mut self,
        sale: SaleLink,
        kind: InvoiceKind,
        currency: String,
        lines: Vec<ErpInvoiceLine>,
    ) {
        let stamp = self.catalog.tick();
        self.fulfilment.invoices.push(TwinInvoice {
            number: None,
            sale,
            kind,
            currency,
            lines,
            dates: None,
            stamp,
        });
    }

    fn read_shipment(shipment: &TwinShipment) -> ErpShipment {
        ErpShipment {
            id: shipment.number.clone(),
            sale: shipment.sale.clone(),
            state: shipment.state,
            lines: shipment.lines.clone(),
            carrier: shipment.carrier.as_ref().map(|c| c.0.clone()),
            service: shipment.carrier.as_ref().map(|c| c.1.clone()),
            tracking_numbers: shipment.tracking.clone(),
            shipped_at: shipment.shipped_at,
            version: ErpVersion(shipment.stamp.version),
        }
    }

    fn read_invoice(invoice: &TwinInvoice) -> Option<ErpInvoice> {
        let number = invoice.number.clone()?;
        let (invoice_date, due_date) = invoice.dates?;
        let untaxed: Decimal = invoice.lines.iter().map(|l| l.amount).sum();
        Some(ErpInvoice {
            id: number,
            sale: invoice.sale.clone(),
            kind: invoice.kind,
            invoice_date,
            due_date: Some(due_date),
            currency: invoice.currency.clone(),
            lines: invoice.lines.clone(),
            taxes: Vec::new(),
            untaxed_amount: untaxed.normalize(),
            tax_amount: Decimal::ZERO,
            total_amount: untaxed.normalize(),
            version: ErpVersion(invoice.stamp.version),
        })
    }
}

impl InMemoryErp {
    /// Ships the sale's waiting shipment, as the warehouse does (`warehouse.py ship`): with
    /// `lines`, only those quantities, the rest staying on a new waiting shipment. `carrier` is
    /// the carrier's or its service's name ([`DEMO_CARRIER`]). Returns the shipment number.
    pub fn ship(
        &self,
        sale_number: &str,
        lines: Option<&[ShipmentLine]>,
        carrier: &str,
        tracking: &str,
    ) -> Result<String, ErpError> {
        let mut state = self.lock();
        state.check_available()?;
        let wanted = carrier.trim().to_lowercase();
        if wanted != DEMO_CARRIER.0.to_lowercase() && wanted != DEMO_CARRIER.1.to_lowercase() {
            return Err(rejected(format!("no carrier {carrier:?}")));
        }
        let index = state
            .fulfilment
            .shipments
            .iter()
            .position(|s| s.sale.number == sale_number && s.state == ShipmentState::Pending)
            .ok_or_else(|| {
                rejected(format!(
                    "sale {sale_number} has no shipment waiting to ship"
                ))
            })?;
        let holds = state.fulfilment.shipments[index].lines.clone();
        let (shipped, rest) = match lines {
            None => (holds, Vec::new()),
            Some(asked) => {
                let mut shipped = Vec::new();
                let mut rest = Vec::new();
                for line in &holds {
                    let take: Decimal = asked
                        .iter()
                        .filter(|a| a.sku == line.sku)
                        .map(|a| a.quantity)
                        .sum();
                    if take > line.quantity {
                        return Err(rejected(format!(
                            "the shipment holds {} of {}, cannot ship {take}",
                            line.quantity, line.sku
                        )));
                    }
                    if !take.is_zero() {
                        shipped.push(ShipmentLine {
                            sku: line.sku.clone(),
                            quantity: take.normalize(),
                        });
                    }
                    if take < line.quantity {
                        rest.push(ShipmentLine {
                            sku: line.sku.clone(),
                            quantity: (line.quantity - take).normalize(),
                        });
                    }
                }
                if let Some(unknown) = asked.iter().find(|a| !holds.iter().any(|h| h.sku == a.sku))
                {
                    return Err(rejected(format!(
                        "the shipment holds no {}, cannot ship it",
                        unknown.sku
                    )));
                }
                (shipped, rest)
            }
        };
        if shipped.is_empty() {
            return Err(rejected("nothing to ship".into()));
        }
        // The goods leave the first warehouse: on hand and the promise both drop.
        if let Some(warehouse) = state.catalog.warehouses.first().cloned() {
            for line in &shipped {
                state.catalog.change_stock(&line.sku, &warehouse, |cell| {
                    cell.on_hand -= line.quantity;
                    cell.reserved -= line.quantity;
                });
            }
        }
        let number = {
            let shipment = &mut state.fulfilment.shipments[index];
            shipment.lines = shipped;
            shipment.state = ShipmentState::Dispatched;
            shipment.carrier = Some((DEMO_CARRIER.0.into(), DEMO_CARRIER.1.into()));
            shipment.tracking = vec![tracking.trim().to_owned()];
            shipment.shipped_at = Some(Utc::now());
            shipment.number.clone()
        };
        state.log_shipment(index);
        if !rest.is_empty() {
            let sale = state.fulfilment.shipments[index].sale.clone();
            let rest_number = state.next_number("CS");
            state.fulfilment.shipments.push(TwinShipment {
                number: rest_number,
                sale,
                state: ShipmentState::Pending,
                lines: rest,
                carrier: None,
                tracking: Vec::new(),
                shipped_at: None,
                stamp: Stamp::default(),
            });
            let last = state.fulfilment.shipments.len() - 1;
            state.log_shipment(last);
        }
        Ok(number)
    }

    /// Posts the sale's draft invoices (a return sale's credit note), as accounting does
    /// (`warehouse.py invoice`). Returns the numbers of its posted invoices.
    pub fn post_invoices(&self, sale_number: &str) -> Result<Vec<String>, ErpError> {
        let mut state = self.lock();
        state.check_available()?;
        let today = Utc::now().date_naive();
        let mut numbers = Vec::new();
        for index in 0..state.fulfilment.invoices.len() {
            if state.fulfilment.invoices[index].sale.number != sale_number {
                continue;
            }
            if state.fulfilment.invoices[index].number.is_none() {
                let number = state.next_number("INV");
                let stamp = state.catalog.tick();
                let invoice = &mut state.fulfilment.invoices[index];
                invoice.number = Some(number.clone());
                invoice.dates = Some((today, today + Days::new(PAYMENT_DAYS)));
                invoice.stamp = stamp;
                state.catalog.log.push(Changed::Invoice(number));
            }
            numbers.extend(state.fulfilment.invoices[index].number.clone());
        }
        if numbers.is_empty() {
            return Err(rejected(format!(
                "sale {sale_number} has no invoice to post"
            )));
        }
        Ok(numbers)
    }

    /// Every return sale with `reference`, live or not (a test counts them: there must be one).
    pub fn returns_with_reference(&self, reference: &str) -> Vec<ErpReturn> {
        self.lock()
            .fulfilment
            .returns
            .iter()
            .filter(|r| r.reference == reference)
            .map(|r| r.ret.clone())
            .collect()
    }

    /// Receives a return sale's return shipment (by the return sale's number or the Switchyard
    /// return id), as the warehouse does (`warehouse.py receive-return`). Returns its number.
    pub fn receive_return(&self, which: &str) -> Result<String, ErpError> {
        let mut state = self.lock();
        state.check_available()?;
        let index = state
            .fulfilment
            .receipts
            .iter()
            .position(|r| r.sale.number == which || r.sale.return_id.as_deref() == Some(which))
            .ok_or_else(|| {
                rejected(format!(
                    "no return shipment for {which:?} (is the return confirmed?)"
                ))
            })?;
        if !state.fulfilment.receipts[index].received {
            let lines = state.fulfilment.receipts[index].lines.clone();
            if let Some(warehouse) = state.catalog.warehouses.first().cloned() {
                for line in &lines {
                    state
                        .catalog
                        .change_stock(&line.sku, &warehouse, |cell| cell.on_hand += line.quantity);
                }
            }
            let stamp = state.catalog.tick();
            let receipt = &mut state.fulfilment.receipts[index];
            receipt.received = true;
            receipt.received_at = Some(stamp.at);
            receipt.stamp = stamp;
            let number = receipt.number.clone();
            state.catalog.log.push(Changed::Return(number));
        }
        Ok(state.fulfilment.receipts[index].number.clone())
    }
}

#[async_trait::async_trait]
impl Fulfilments for InMemoryErp {
    async fn shipments(&self, ids: &[String]) -> Result<Vec<ErpShipment>, ErpError> {
        let state = self.lock();
        state.check_available()?;
        Ok(state
            .fulfilment
            .shipments
            .iter()
            .filter(|s| ids.contains(&s.number))
            .map(State::read_shipment)
            .collect())
    }

    async fn invoices(&self, ids: &[String]) -> Result<Vec<ErpInvoice>, ErpError> {
        let state = self.lock();
        state.check_available()?;
        Ok(state
            .fulfilment
            .invoices
            .iter()
            .filter(|i| i.number.as_ref().is_some_and(|n| ids.contains(n)))
            .filter_map(State::read_invoice)
            .collect())
    }

    async fn return_receipts(&self, ids: &[String]) -> Result<Vec<ErpReturnReceipt>, ErpError> {
        let state = self.lock();
        state.check_available()?;
        Ok(state
            .fulfilment
            .receipts
            .iter()
            .filter(|r| ids.contains(&r.number))
            .map(|r| ErpReturnReceipt {
                id: r.number.clone(),
                sale: r.sale.clone(),
                received: r.received,
                lines: r.lines.clone(),
                received_at: r.received_at,
                version: ErpVersion(r.stamp.version),
            })
            .collect())
    }

    async fn of_sale(&self, number: &str) -> Result<(Vec<ErpShipment>, Vec<ErpInvoice>), ErpError> {
        let state = self.lock();
        state.check_available()?;
        let shipments = state
            .fulfilment
            .shipments
            .iter()
            .filter(|s| s.sale.number == number && s.state == ShipmentState::Dispatched)
            .map(State::read_shipment)
            .collect();
        let invoices = state
            .fulfilment
            .invoices
            .iter()
            .filter(|i| i.sale.number == number)
            .filter_map(State::read_invoice)
            .collect();
        Ok((shipments, invoices))
    }
}

#[async_trait::async_trait]
impl SaleReturns for InMemoryErp {
    async fn find_return(&self, reference: &str) -> Result<Option<ErpReturn>, ErpError> {
        let state = self.lock();
        state.check_available()?;
        let reference = reference.trim();
        Ok(state
            .fulfilment
            .returns
            .iter()
            .find(|r| r.reference == reference)
            .map(|r| r.ret.clone()))
    }

    async fn create_return(&self, request: &ReturnRequest) -> Result<ErpReturn, ErpError> {
        let mut state = self.lock();
        state.check_available()?;
        if request.lines.is_empty() {
            return Err(rejected("a return needs at least one line".into()));
        }
        let original = state
            .sales
            .iter()
            .find(|s| s.sale.number.as_deref() == Some(request.original_sale.as_str()))
            .ok_or_else(|| {
                rejected(format!(
                    "no sale numbered {:?} to return",
                    request.original_sale
                ))
            })?;
        if !original.sale.state.is_confirmed() {
            return Err(rejected(format!(
                "sale {} is not confirmed: nothing to return",
                request.original_sale
            )));
        }
        let mut unknown: Vec<&str> = Vec::new();
        let mut lines = Vec::new();
        for line in &request.lines {
            if line.quantity <= Decimal::ZERO {
                return Err(rejected(format!("return of {} must be positive", line.sku)));
            }
            let sold: Vec<_> = original
                .request
                .lines
                .iter()
                .filter(|l| l.sku == line.sku)
                .collect();
            let Some(first) = sold.first() else {
                if !unknown.contains(&line.sku.as_str()) {
                    unknown.push(&line.sku);
                }
                continue;
            };
            let sold_quantity: Decimal = sold.iter().map(|l| l.quantity).sum();
            let asked: Decimal = request
                .lines
                .iter()
                .filter(|l| l.sku == line.sku)
                .map(|l| l.quantity)
                .sum();
            if asked > sold_quantity {
                return Err(rejected(format!(
                    "cannot return {} of {}: sale {} sold {}",
                    asked.normalize(),
                    line.sku,
                    request.original_sale,
                    sold_quantity.normalize()
                )));
            }
            lines.push((line.sku.clone(), line.quantity, first.unit_price));
        }
        if !unknown.is_empty() {
            return Err(ErpError::rejected(
                RejectionCode::UnknownSku,
                format!(
                    "not on sale {}: {}",
                    request.original_sale,
                    unknown.join(", ")
                ),
            ));
        }
        let currency = original.request.currency.trim().to_ascii_uppercase();
        let id = RETURN_IDS + state.fulfilment.returns.len() as i64 + 1;
        let ret = ErpReturn {
            id,
            number: None,
            confirmed: false,
        };
        state.fulfilment.returns.push(TwinReturn {
            ret: ret.clone(),
            reference: request.reference.trim().to_owned(),
            request: request.clone(),
            currency,
            lines,
        });
        Ok(ret)
    }

    async fn confirm_return(&self, id: i64) -> Result<ErpReturn, ErpError> {
        let mut state = self.lock();
        state.check_available()?;
        let index = state
            .fulfilment
            .returns
            .iter()
            .position(|r| r.ret.id == id)
            .ok_or_else(|| rejected(format!("return sale {id} does not exist")))?;
        if state.fulfilment.returns[index].ret.confirmed {
            return Ok(state.fulfilment.returns[index].ret.clone());
        }
        let number = state.next_number("SR");
        let receipt_number = state.next_number("CR");
        let stored = &mut state.fulfilment.returns[index];
        stored.ret.confirmed = true;
        stored.ret.number = Some(number.clone());
        let link = SaleLink {
            number,
            reference: stored.reference.clone(),
            order_id: Some(stored.request.order_id.clone()),
            return_id: Some(stored.request.return_id.clone()),
        };
        let lines: Vec<ShipmentLine> = stored
            .lines
            .iter()
            .map(|(sku, quantity, _)| ShipmentLine {
                sku: sku.clone(),
                quantity: quantity.normalize(),
            })
            .collect();
        let invoice_lines = stored
            .lines
            .iter()
            .map(|(sku, quantity, price)| ErpInvoiceLine {
                sku: Some(sku.clone()),
                description: sku.clone(),
                quantity: quantity.normalize(),
                unit_price: price.normalize(),
                amount: (quantity * price).round_dp(2).normalize(),
            })
            .collect();
        let currency = stored.currency.clone();
        let ret = stored.ret.clone();
        let stamp = state.catalog.tick();
        state.fulfilment.receipts.push(TwinReceipt {
            number: receipt_number.clone(),
            sale: link.clone(),
            received: false,
            lines,
            received_at: None,
            stamp,
        });
        state.catalog.log.push(Changed::Return(receipt_number));
        state.draft_invoice(link, InvoiceKind::CreditNote, currency, invoice_lines);
        Ok(ret)
    }
}
