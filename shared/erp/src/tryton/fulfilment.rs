//! The fulfilment side of the ERP port on Tryton: customer shipments, invoices, return
//! shipments, and return sales.
//!
//! - **Shipments** are `stock.shipment.out`; their carrier is `carrier` (module
//!   `stock_shipment_cost`: party name, service product name), their tracking numbers the
//!   `shipping_reference` of their packages (`stock.package`, module `stock_package_shipping`),
//!   in package order; a shipment without packaged references falls back to its own
//!   `shipping_reference`. Each outgoing move's origin is a `sale.line`, which names the sale.
//! - **Invoices** are customer `account.invoice`s (`type = out`) once posted. Tryton has no
//!   separate credit note: a return sale's invoice is an `out` invoice with negative lines, read
//!   here as [`InvoiceKind::CreditNote`] with positive amounts. The due date is the earliest
//!   maturity of its receivable lines (`lines_to_pay`).
//! - **Returns** are sales with negative quantities (what Tryton's own "return sale" wizard
//!   makes); confirming one creates a `stock.shipment.out.return`.
//!
//! The version of each record is its `last_modified_at` (with its packages' or lines'), in
//! microseconds, like the catalogue's.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{TrytonClient, codec, id_of};
use crate::catalog::ErpVersion;
use crate::fulfilment::{
    ErpInvoice, ErpInvoiceLine, ErpInvoiceTax, ErpReturn, ErpReturnReceipt, ErpShipment,
    Fulfilments, InvoiceKind, ReturnRequest, SaleLink, SaleReturns, ShipmentLine, ShipmentState,
};
use crate::{ErpError, ErpSale, RejectionCode, SaleState, SalesOrders};

/// What `create_sale` writes into a sale's description, before the order id.
const ORDER_PREFIX: &str = "Switchyard order ";
/// What `create_return` writes into a return sale's description, before the return id.
const RETURN_PREFIX: &str = "Switchyard return ";

/// The order and return ids a sale description carries: `Switchyard order <ULID>`, or
/// `Switchyard return <return id> of order <ULID>`.
pub(crate) fn parse_description(description: &str) -> (Option<String>, Option<String>) {
    let description = description.trim();
    if let Some(order) = description.strip_prefix(ORDER_PREFIX) {
        let order = order.trim();
        return ((!order.is_empty()).then(|| order.to_owned()), None);
    }
    if let Some(rest) = description.strip_prefix(RETURN_PREFIX)
        && let Some((return_id, order)) = rest.rsplit_once(" of order ")
    {
        let (return_id, order) = (return_id.trim(), order.trim());
        return (
            (!order.is_empty()).then(|| order.to_owned()),
            (!return_id.is_empty()).then(|| return_id.to_owned()),
        );
    }
    (None, None)
}

/// The description of a return sale, which [`parse_description`] reads back.
pub(crate) fn return_description(return_id: &str, order_id: &str) -> String {
    format!("{RETURN_PREFIX}{return_id} of order {order_id}")
}

fn text(row: &Value, field: &str) -> Option<String> {
    row.get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn nested<'a>(row: &'a Value, field: &str) -> Option<&'a Value> {
    row.get(format!("{field}.")).filter(|v| !v.is_null())
}

fn number(row: &Value, field: &str) -> Result<Decimal, ErpError> {
    row.get(field)
        .and_then(codec::parse_decimal)
        .map(|d| d.normalize())
        .ok_or_else(|| ErpError::unavailable(format!("Tryton sent no number {field} in {row}")))
}

fn stamp(row: &Value) -> Option<DateTime<Utc>> {
    row.get("last_modified_at").and_then(codec::parse_datetime)
}

fn ids(row: &Value, field: &str) -> Vec<i64> {
    row.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect()
}

/// The id in a Reference value `model,id` when it is of `model`.
fn reference_id(row: &Value, field: &str, model: &str) -> Option<i64> {
    let value = row.get(field)?.as_str()?;
    let (m, id) = value.split_once(',')?;
    (m == model).then(|| id.parse().ok()).flatten()
}

/// One stock move of a shipment: the sale line it comes from, SKU, quantity, when written.
struct MoveLine {
    origin: Option<i64>,
    sku: String,
    quantity: Decimal,
    written: Option<DateTime<Utc>>,
}

/// A sale as the links need it.
#[derive(Debug, Clone)]
struct SaleRow {
    link: SaleLink,
}

/// A version from the newest of several stamps.
fn version(stamps: impl IntoIterator<Item = DateTime<Utc>>) -> (ErpVersion, DateTime<Utc>) {
    let newest = stamps.into_iter().max().unwrap_or_default();
    (ErpVersion(newest.timestamp_micros()), newest)
}

/// When a done record left or arrived: its effective date, at the time it was last written
/// when that was the same day (the transition that finished it), else at midnight UTC.
fn effective_at(date: Option<NaiveDate>, written: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let date = date?;
    if written.date_naive() == date {
        Some(written)
    } else {
        date.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
    }
}

impl TrytonClient {
    /// Sales by id, with their links.
    async fn sale_rows(&self, ids: &BTreeSet<i64>) -> Result<HashMap<i64, SaleRow>, ErpError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self
            .search_read(
                "sale.sale",
                json!([["id", "in", ids]]),
                None,
                &["id", "number", "reference", "description"],
            )
            .await?;
        let mut sales = HashMap::new();
        for row in &rows {
            let (order_id, return_id) =
                parse_description(&text(row, "description").unwrap_or_default());
            sales.insert(
                id_of(row, "id")?,
                SaleRow {
                    link: SaleLink {
                        number: text(row, "number").unwrap_or_default(),
                        reference: text(row, "reference").unwrap_or_default(),
                        order_id,
                        return_id,
                    },
                },
            );
        }
        Ok(sales)
    }

    /// Sale line id → sale id.
    async fn line_sales(&self, lines: &BTreeSet<i64>) -> Result<HashMap<i64, i64>, ErpError> {
        if lines.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self
            .search_read(
                "sale.line",
                json!([["id", "in", lines]]),
                None,
                &["id", "sale"],
            )
            .await?;
        let mut out = HashMap::new();
        for row in &rows {
            if let Some(sale) = row.get("sale").and_then(Value::as_i64) {
                out.insert(id_of(row, "id")?, sale);
            }
        }
        Ok(out)
    }

    /// Moves by id: (sale line, SKU, quantity), cancelled and empty ones left out.
    async fn move_lines(&self, moves: &[i64]) -> Result<Vec<MoveLine>, ErpError> {
        if moves.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .search_read(
                "stock.move",
                json!([["id", "in", moves], ["state", "!=", "cancelled"]]),
                None,
                &[
                    "id",
                    "origin",
                    "product.code",
                    "quantity",
                    "last_modified_at",
                ],
            )
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let quantity = number(row, "quantity")?;
            if quantity.is_zero() {
                continue;
            }
            let sku = nested(row, "product")
                .and_then(|p| text(p, "code"))
                .unwrap_or_default();
            out.push(MoveLine {
                origin: reference_id(row, "origin", "sale.line"),
                sku,
                quantity,
                written: stamp(row),
            });
        }
        Ok(out)
    }

    /// Groups move lines by the sale their origin names, in first-seen order.
    async fn by_sale(
        &self,
        lines: Vec<MoveLine>,
    ) -> Result<Vec<(SaleLink, Vec<ShipmentLine>)>, ErpError> {
        let sale_lines: BTreeSet<i64> = lines.iter().filter_map(|l| l.origin).collect();
        let line_sale = self.line_sales(&sale_lines).await?;
        let sales = self
            .sale_rows(&line_sale.values().copied().collect())
            .await?;
        let mut groups: Vec<(i64, SaleLink, BTreeMap<String, Decimal>)> = Vec::new();
        for MoveLine {
            origin,
            sku,
            quantity,
            ..
        } in lines
        {
            let Some(sale) = origin.and_then(|l| line_sale.get(&l)) else {
                continue;
            };
            let Some(row) = sales.get(sale) else { continue };
            let index = match groups.iter().position(|g| g.0 == *sale) {
                Some(index) => index,
                None => {
                    groups.push((*sale, row.link.clone(), BTreeMap::new()));
                    groups.len() - 1
                }
            };
            *groups[index].2.entry(sku).or_default() += quantity;
        }
        Ok(groups
            .into_iter()
            .map(|(_, link, skus)| {
                let lines = skus
                    .into_iter()
                    .map(|(sku, quantity)| ShipmentLine {
                        sku,
                        quantity: quantity.normalize(),
                    })
                    .collect();
                (link, lines)
            })
            .collect())
    }

    async fn read_shipments(&self, domain: Value) -> Result<Vec<ErpShipment>, ErpError> {
        let rows = self
            .search_read(
                "stock.shipment.out",
                domain,
                None,
                &[
                    "id",
                    "number",
                    "state",
                    "carrier.party.name",
                    "carrier.carrier_product.name",
                    "shipping_reference",
                    "effective_date",
                    "outgoing_moves",
                    "last_modified_at",
                ],
            )
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let Some(id) = text(row, "number") else {
                continue;
            };
            let shipment = id_of(row, "id")?;
            let state = match row.get("state").and_then(Value::as_str).unwrap_or_default() {
                "picked" | "packed" => ShipmentState::Preparing,
                "shipped" | "done" => ShipmentState::Dispatched,
                "cancelled" => ShipmentState::Cancelled,
                _ => ShipmentState::Pending,
            };
            let packages = self
                .search_read(
                    "stock.package",
                    json!([["shipment", "=", format!("stock.shipment.out,{shipment}")]]),
                    None,
                    &["id", "shipping_reference", "last_modified_at"],
                )
                .await?;
            let mut tracking: Vec<String> = packages
                .iter()
                .filter_map(|p| text(p, "shipping_reference"))
                .collect();
            if tracking.is_empty() {
                tracking.extend(text(row, "shipping_reference"));
            }
            let moves = self.move_lines(&ids(row, "outgoing_moves")).await?;
            let (version, written) = version(
                stamp(row)
                    .into_iter()
                    .chain(packages.iter().filter_map(stamp))
                    .chain(moves.iter().filter_map(|m| m.written)),
            );
            let carrier = nested(row, "carrier");
            let shipped_at = if state == ShipmentState::Dispatched {
                effective_at(
                    row.get("effective_date").and_then(codec::parse_date),
                    written,
                )
            } else {
                None
            };
            for (sale, lines) in self.by_sale(moves).await? {
                out.push(ErpShipment {
                    id: id.clone(),
                    sale,
                    state,
                    lines,
                    carrier: carrier
                        .and_then(|c| nested(c, "party"))
                        .and_then(|p| text(p, "name")),
                    service: carrier
                        .and_then(|c| nested(c, "carrier_product"))
                        .and_then(|p| text(p, "name")),
                    tracking_numbers: tracking.clone(),
                    shipped_at,
                    version,
                });
            }
        }
        Ok(out)
    }

    async fn read_invoices(&self, domain: Value) -> Result<Vec<ErpInvoice>, ErpError> {
        let rows = self
            .search_read(
                "account.invoice",
                domain,
                None,
                &[
                    "id",
                    "number",
                    "invoice_date",
                    "currency.code",
                    "untaxed_amount",
                    "tax_amount",
                    "total_amount",
                    "lines_to_pay.maturity_date",
                    "last_modified_at",
                ],
            )
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let Some(id) = text(row, "number") else {
                continue;
            };
            let invoice = id_of(row, "id")?;
            let total = number(row, "total_amount")?;
            let untaxed = number(row, "untaxed_amount")?;
            // Tryton's credit note is an invoice whose total is negative.
            let (kind, sign) = if total < Decimal::ZERO || untaxed < Decimal::ZERO {
                (InvoiceKind::CreditNote, Decimal::NEGATIVE_ONE)
            } else {
                (InvoiceKind::Invoice, Decimal::ONE)
            };
            let lines = self
                .search_read(
                    "account.invoice.line",
                    json!([["invoice", "=", invoice], ["type", "=", "line"]]),
                    None,
                    &[
                        "id",
                        "origin",
                        "product.code",
                        "description",
                        "quantity",
                        "unit_price",
                        "amount",
                        "last_modified_at",
                    ],
                )
                .await?;
            let taxes = self
                .search_read(
                    "account.invoice.tax",
                    json!([["invoice", "=", invoice]]),
                    None,
                    &["description", "base", "amount"],
                )
                .await?;
            let sale_lines: BTreeSet<i64> = lines
                .iter()
                .filter_map(|l| reference_id(l, "origin", "sale.line"))
                .collect();
            let line_sale = self.line_sales(&sale_lines).await?;
            let sales = self
                .sale_rows(&line_sale.values().copied().collect())
                .await?;
            let (version, _) =
                version(stamp(row).into_iter().chain(lines.iter().filter_map(stamp)));
            let due_date = nested(row, "lines_to_pay")
                .or_else(|| row.get("lines_to_pay."))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|l| l.get("maturity_date").and_then(codec::parse_date))
                .min();
            let invoice_date = row
                .get("invoice_date")
                .and_then(codec::parse_date)
                .ok_or_else(|| ErpError::unavailable(format!("invoice {id} has no date")))?;
            let currency = nested(row, "currency")
                .and_then(|c| text(c, "code"))
                .unwrap_or_default();
            let taxes: Vec<ErpInvoiceTax> = taxes
                .iter()
                .map(|t| {
                    Ok(ErpInvoiceTax {
                        name: text(t, "description").unwrap_or_default(),
                        base: number(t, "base")? * sign,
                        amount: number(t, "amount")? * sign,
                    })
                })
                .collect::<Result<_, ErpError>>()?;
            let mut groups: Vec<(i64, Vec<ErpInvoiceLine>)> = Vec::new();
            for line in &lines {
                let Some(sale) =
                    reference_id(line, "origin", "sale.line").and_then(|l| line_sale.get(&l))
                else {
                    continue;
                };
                let parsed = ErpInvoiceLine {
                    sku: nested(line, "product").and_then(|p| text(p, "code")),
                    description: text(line, "description").unwrap_or_default(),
                    quantity: (number(line, "quantity")? * sign).normalize(),
                    unit_price: number(line, "unit_price")?,
                    amount: (number(line, "amount")? * sign).normalize(),
                };
                match groups.iter_mut().find(|g| g.0 == *sale) {
                    Some(group) => group.1.push(parsed),
                    None => groups.push((*sale, vec![parsed])),
                }
            }
            for (sale, lines) in groups {
                let Some(sale) = sales.get(&sale) else {
                    continue;
                };
                out.push(ErpInvoice {
                    id: id.clone(),
                    sale: sale.link.clone(),
                    kind,
                    invoice_date,
                    due_date,
                    currency: currency.clone(),
                    lines,
                    taxes: taxes.clone(),
                    untaxed_amount: (untaxed * sign).normalize(),
                    tax_amount: (number(row, "tax_amount")? * sign).normalize(),
                    total_amount: (total * sign).normalize(),
                    version,
                });
            }
        }
        Ok(out)
    }

    async fn read_return_receipts(&self, domain: Value) -> Result<Vec<ErpReturnReceipt>, ErpError> {
        let rows = self
            .search_read(
                "stock.shipment.out.return",
                domain,
                None,
                &[
                    "id",
                    "number",
                    "state",
                    "effective_date",
                    "incoming_moves",
                    "last_modified_at",
                ],
            )
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let Some(id) = text(row, "number") else {
                continue;
            };
            let received = matches!(
                row.get("state").and_then(Value::as_str),
                Some("received" | "done")
            );
            let moves = self.move_lines(&ids(row, "incoming_moves")).await?;
            let (version, written) = version(
                stamp(row)
                    .into_iter()
                    .chain(moves.iter().filter_map(|m| m.written)),
            );
            let received_at = if received {
                effective_at(
                    row.get("effective_date").and_then(codec::parse_date),
                    written,
                )
                .or(Some(written))
            } else {
                None
            };
            for (sale, lines) in self.by_sale(moves).await? {
                out.push(ErpReturnReceipt {
                    id: id.clone(),
                    sale,
                    received,
                    lines,
                    received_at,
                    version,
                });
            }
        }
        Ok(out)
    }
}

#[async_trait::async_trait]
impl Fulfilments for TrytonClient {
    async fn shipments(&self, ids: &[String]) -> Result<Vec<ErpShipment>, ErpError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.read_shipments(json!([["number", "in", ids]])).await
    }

    async fn invoices(&self, ids: &[String]) -> Result<Vec<ErpInvoice>, ErpError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.read_invoices(json!([
            ["number", "in", ids],
            ["type", "=", "out"],
            ["state", "in", ["posted", "paid"]]
        ]))
        .await
    }

    async fn return_receipts(&self, ids: &[String]) -> Result<Vec<ErpReturnReceipt>, ErpError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.read_return_receipts(json!([["number", "in", ids]]))
            .await
    }

    async fn of_sale(&self, number: &str) -> Result<(Vec<ErpShipment>, Vec<ErpInvoice>), ErpError> {
        let sales = self
            .search_read(
                "sale.sale",
                json!([["number", "=", number]]),
                Some(1),
                &["id", "shipments", "invoices"],
            )
            .await?;
        let Some(sale) = sales.first() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let shipments = self
            .read_shipments(json!([
                ["id", "in", ids(sale, "shipments")],
                ["state", "in", ["shipped", "done"]]
            ]))
            .await?
            .into_iter()
            .filter(|s| s.sale.number == number)
            .collect();
        let invoices = self
            .read_invoices(json!([
                ["id", "in", ids(sale, "invoices")],
                ["type", "=", "out"],
                ["state", "in", ["posted", "paid"]]
            ]))
            .await?
            .into_iter()
            .filter(|i| i.sale.number == number)
            .collect();
        Ok((shipments, invoices))
    }
}

fn as_return(sale: ErpSale) -> ErpReturn {
    ErpReturn {
        id: sale.id,
        number: sale.number,
        confirmed: sale.state.is_confirmed(),
    }
}

#[async_trait::async_trait]
impl SaleReturns for TrytonClient {
    async fn find_return(&self, reference: &str) -> Result<Option<ErpReturn>, ErpError> {
        Ok(self.find_sale(reference.trim()).await?.map(as_return))
    }

    async fn create_return(&self, request: &ReturnRequest) -> Result<ErpReturn, ErpError> {
        let rule = |message: String| ErpError::rejected(RejectionCode::ErpRule, message);
        if request.lines.is_empty() {
            return Err(rule("a return needs at least one line".into()));
        }
        let originals = self
            .search_read(
                "sale.sale",
                json!([["number", "=", request.original_sale]]),
                Some(1),
                &[
                    "id",
                    "party",
                    "invoice_address",
                    "shipment_address",
                    "payment_term",
                    "currency",
                    "state",
                ],
            )
            .await?;
        let original = originals.first().ok_or_else(|| {
            rule(format!(
                "no sale numbered {:?} to return",
                request.original_sale
            ))
        })?;
        if !SaleState::parse(
            original
                .get("state")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
        .is_confirmed()
        {
            return Err(rule(format!(
                "sale {} is not confirmed: nothing to return",
                request.original_sale
            )));
        }
        let lines = self
            .search_read(
                "sale.line",
                json!([["sale", "=", id_of(original, "id")?], ["type", "=", "line"]]),
                None,
                &[
                    "id",
                    "product",
                    "product.code",
                    "quantity",
                    "unit",
                    "unit_price",
                    "description",
                ],
            )
            .await?;
        // What the original sold of each SKU, and the line a return takes its price from.
        let mut sold: BTreeMap<String, (Decimal, &Value)> = BTreeMap::new();
        for line in &lines {
            let Some(sku) = nested(line, "product").and_then(|p| text(p, "code")) else {
                continue;
            };
            let quantity = number(line, "quantity")?;
            sold.entry(sku)
                .and_modify(|entry| entry.0 += quantity)
                .or_insert((quantity, line));
        }
        let mut asked: BTreeMap<&str, Decimal> = BTreeMap::new();
        for line in &request.lines {
            if line.quantity <= Decimal::ZERO {
                return Err(rule(format!("return of {} must be positive", line.sku)));
            }
            *asked.entry(line.sku.as_str()).or_default() += line.quantity;
        }
        let unknown: Vec<&str> = asked
            .keys()
            .copied()
            .filter(|sku| !sold.contains_key(*sku))
            .collect();
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
        for (sku, quantity) in &asked {
            let (sold_quantity, _) = sold[*sku];
            if *quantity > sold_quantity {
                return Err(rule(format!(
                    "cannot return {} of {sku}: sale {} sold {}",
                    quantity.normalize(),
                    request.original_sale,
                    sold_quantity.normalize()
                )));
            }
        }
        let new_lines: Vec<Value> = request
            .lines
            .iter()
            .map(|line| {
                let (_, original_line) = sold[&line.sku];
                let description = text(original_line, "description").unwrap_or_default();
                json!({
                    "type": "line",
                    "product": original_line.get("product").cloned().unwrap_or(Value::Null),
                    "quantity": codec::decimal(-line.quantity),
                    "unit": original_line.get("unit").cloned().unwrap_or(Value::Null),
                    "unit_price": original_line.get("unit_price").cloned().unwrap_or(Value::Null),
                    "description": format!("{description} (return: {})", line.reason),
                })
            })
            .collect();
        let field = |name: &str| original.get(name).cloned().unwrap_or(Value::Null);
        let mut values = json!({
            "party": field("party"),
            "reference": request.reference.trim(),
            "description": return_description(&request.return_id, &request.order_id),
            "currency": field("currency"),
            "invoice_address": field("invoice_address"),
            "shipment_address": field("shipment_address"),
            "lines": [["create", new_lines]],
        });
        if !field("payment_term").is_null() {
            values["payment_term"] = field("payment_term");
        }
        let id = self.create("sale.sale", values).await?;
        tracing::info!(sale_id = id, reference = %request.reference, "created Tryton return sale");
        self.read_sale(id).await?.map(as_return).ok_or_else(|| {
            ErpError::unavailable(format!("return sale {id} vanished right after create"))
        })
    }

    async fn confirm_return(&self, id: i64) -> Result<ErpReturn, ErpError> {
        self.confirm_sale(id).await.map(as_return)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_parse_back() {
        assert_eq!(
            parse_description("Switchyard order 01J00000000000000000000000"),
            (Some("01J00000000000000000000000".into()), None)
        );
        let written = return_description("ret-7", "01J00000000000000000000000");
        assert_eq!(
            parse_description(&written),
            (
                Some("01J00000000000000000000000".into()),
                Some("ret-7".into())
            )
        );
        assert_eq!(parse_description("typed by a person"), (None, None));
        assert_eq!(parse_description("Switchyard order "), (None, None));
    }
}
