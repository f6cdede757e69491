//! The v1 order contract of `POST /v1/orders` and `GET /v1/orders/{id}`.
//!
//! The request is read from a parsed JSON value by hand rather than by `serde` derive so that every
//! problem is reported at once, each with the JSON path of its field and the rule it broke.
//! Unknown fields are ignored so that clients may send fields from newer contract versions.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::money::{Currency, Money};
use crate::order::{
    ChannelName, ExternalId, Order, OrderId, OrderLine, OrderParts, Quantity, Sku, UnitOfMeasure,
    check_identifier, check_quantity_in_unit, check_unit_price,
};
use crate::party::{Address, CountryCode, Customer};
use crate::status::OrderStatus;
use crate::validation::FieldErrors;

/// What the API knows besides the body when it reads an order.
#[derive(Debug, Clone)]
pub struct CaptureContext {
    /// The id the new order gets.
    pub order_id: OrderId,
    /// The authenticated channel.
    pub channel: ChannelName,
    /// The ERP customer used when the body names no `customer.account`.
    pub default_customer: Option<String>,
}

/// Reads a v1 order body into a canonical [`Order`], or reports every invalid field.
pub fn parse_order(body: &Value, ctx: &CaptureContext) -> Result<Order, FieldErrors> {
    let mut r = Reader::default();
    let Some(root) = r.object(Some(body), "body") else {
        return Err(r.errors);
    };

    let external_id = r
        .required_str(root, "external_id", "external_id")
        .and_then(|s| r.check(ExternalId::try_from(s), "external_id"));
    let currency = r
        .required_str(root, "currency", "currency")
        .and_then(|code| match Currency::from_code(&code) {
            Some(c) => Some(c),
            None => r.fail(
                "currency",
                "must be a known ISO 4217 currency code such as \"USD\"",
            ),
        });
    let customer = r.customer(root.get("customer"), ctx.default_customer.as_deref());
    let ship_to = r.address(root.get("ship_to"), "ship_to", true);
    let bill_to = r.address(root.get("bill_to"), "bill_to", false);
    let lines = r.lines(root.get("lines"), currency);
    let requested_ship_date = r
        .optional_str(root, "requested_ship_date", "requested_ship_date", 10)
        .and_then(|s| match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => r.fail(
                "requested_ship_date",
                "must be a date in the form YYYY-MM-DD",
            ),
        });
    let notes = r.optional_str(root, "notes", "notes", 2000);

    let mut errors = r.errors;
    match (external_id, currency, customer, ship_to, lines) {
        (Some(external_id), Some(currency), Some(customer), Some(Some(ship_to)), Some(lines))
            if errors.is_empty() =>
        {
            Order::new(OrderParts {
                id: ctx.order_id,
                channel: ctx.channel.clone(),
                external_id,
                customer,
                currency,
                ship_to,
                bill_to: bill_to.flatten(),
                lines,
                requested_ship_date,
                notes,
            })
        }
        _ => {
            if errors.is_empty() {
                errors.push("body", "is not a valid order");
            }
            Err(errors)
        }
    }
}

/// The rule a text value breaks with characters that would reach the ERP, a label or an EDI
/// document as something else: control characters (a NUL ends a C string; a CR/LF splits a
/// segment or a header), and the bidirectional overrides that make text display other than it
/// reads ("Trojan Source"). Only multi-line fields keep tab, CR and LF.
fn suspicious_characters(text: &str, multiline: bool) -> Option<&'static str> {
    for c in text.chars() {
        if c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')) {
            return Some("must not contain control characters");
        }
        if matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            return Some("must not contain bidirectional override characters");
        }
    }
    None
}

#[derive(Default)]
struct Reader {
    errors: FieldErrors,
}

impl Reader {
    fn fail<T>(&mut self, field: &str, rule: &str) -> Option<T> {
        self.errors.fail(field, rule)
    }

    /// See [`FieldErrors::check`].
    fn check<T, E: std::fmt::Display>(&mut self, r: Result<T, E>, field: &str) -> Option<T> {
        self.errors.check(r, field)
    }

    fn object<'v>(&mut self, v: Option<&'v Value>, field: &str) -> Option<&'v Map<String, Value>> {
        match v {
            Some(Value::Object(m)) => Some(m),
            None | Some(Value::Null) => self.fail(field, "is required"),
            Some(_) => self.fail(field, "must be an object"),
        }
    }

    fn string(&mut self, v: &Value, field: &str, max: usize) -> Option<String> {
        match v {
            Value::String(s) if s.trim().is_empty() => self.fail(field, "must not be blank"),
            Value::String(s) if s.chars().count() > max => {
                self.fail(field, &format!("must be at most {max} characters"))
            }
            Value::String(s) => match suspicious_characters(s, field == "notes") {
                Some(rule) => self.fail(field, rule),
                None => Some(s.clone()),
            },
            _ => self.fail(field, "must be a string"),
        }
    }

    fn required_str(&mut self, m: &Map<String, Value>, key: &str, field: &str) -> Option<String> {
        match m.get(key) {
            None | Some(Value::Null) => self.fail(field, "is required"),
            Some(v) => self.string(v, field, 200),
        }
    }

    fn optional_str(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        field: &str,
        max: usize,
    ) -> Option<String> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => self.string(v, field, max),
        }
    }

    fn customer(&mut self, v: Option<&Value>, default_account: Option<&str>) -> Option<Customer> {
        let m = self.object(v, "customer")?;
        let account = match self.optional_str(m, "account", "customer.account", 64) {
            Some(a) => match check_identifier(&a) {
                Ok(()) => Some(a),
                Err(rule) => self.fail("customer.account", rule),
            },
            None if m.get("account").is_some_and(|a| !a.is_null()) => None,
            None => match default_account {
                Some(d) => Some(d.to_string()),
                None => self.fail(
                    "customer.account",
                    "is required: this channel has no default ERP customer",
                ),
            },
        };
        let name = self.required_str(m, "name", "customer.name");
        let email = self
            .optional_str(m, "email", "customer.email", 254)
            .and_then(|e| {
                let looks_like_email = e.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !e.contains(char::is_whitespace)
                });
                if looks_like_email {
                    Some(e)
                } else {
                    self.fail("customer.email", "must be an email address")
                }
            });
        Some(Customer {
            account: account?,
            name: name?,
            email,
        })
    }

    /// `Some(None)` for an absent optional address, `None` when invalid.
    fn address(
        &mut self,
        v: Option<&Value>,
        field: &str,
        required: bool,
    ) -> Option<Option<Address>> {
        if !required && matches!(v, None | Some(Value::Null)) {
            return Some(None);
        }
        let m = self.object(v, field)?;
        let f = |k: &str| format!("{field}.{k}");
        let name = self.optional_str(m, "name", &f("name"), 200);
        let line1 = self.required_str(m, "line1", &f("line1"));
        let line2 = self.optional_str(m, "line2", &f("line2"), 200);
        let city = self.required_str(m, "city", &f("city"));
        let region = self.optional_str(m, "region", &f("region"), 50);
        let postal_code = self.optional_str(m, "postal_code", &f("postal_code"), 20);
        let country = self
            .required_str(m, "country", &f("country"))
            .and_then(|c| self.check(CountryCode::try_from(c), &f("country")));
        Some(Some(Address {
            name,
            line1: line1?,
            line2,
            city: city?,
            region,
            postal_code,
            country: country?,
        }))
    }

    fn decimal(&mut self, v: Option<&Value>, field: &str, strings_only: bool) -> Option<Decimal> {
        let text = match v {
            None | Some(Value::Null) => return self.fail(field, "is required"),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) if !strings_only => n.to_string(),
            Some(Value::Number(_)) => {
                return self.fail(
                    field,
                    "must be a decimal string such as \"9.25\", not a JSON number",
                );
            }
            Some(_) if strings_only => {
                return self.fail(field, "must be a decimal string such as \"9.25\"");
            }
            Some(_) => return self.fail(field, "must be a number"),
        };
        match text
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(&text))
        {
            Ok(d) => Some(d),
            Err(_) => self.fail(field, "must be a decimal number"),
        }
    }

    fn lines(&mut self, v: Option<&Value>, currency: Option<Currency>) -> Option<Vec<OrderLine>> {
        let items = match v {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => return self.fail("lines", "is required"),
            Some(_) => return self.fail("lines", "must be an array"),
        };
        if items.is_empty() {
            return self.fail("lines", "must contain at least one line");
        }
        if items.len() > crate::order::MAX_LINES {
            return self.fail("lines", "must contain at most 500 lines");
        }
        let mut lines = Vec::with_capacity(items.len());
        let mut all_valid = true;
        for (i, item) in items.iter().enumerate() {
            let f = |k: &str| format!("lines[{i}].{k}");
            let Some(m) = self.object(Some(item), &format!("lines[{i}]")) else {
                all_valid = false;
                continue;
            };
            let sku = self
                .required_str(m, "sku", &f("sku"))
                .and_then(|s| self.check(Sku::try_from(s), &f("sku")));
            let quantity = self
                .decimal(m.get("quantity"), &f("quantity"), false)
                .and_then(|q| self.check(Quantity::try_from(q), &f("quantity")));
            let unit_price = self
                .decimal(m.get("unit_price"), &f("unit_price"), true)
                .and_then(|p| self.check(check_unit_price(p).map(|()| p), &f("unit_price")));
            let uom = match m.get("uom") {
                None | Some(Value::Null) => Some(UnitOfMeasure::each()),
                Some(v) => self
                    .string(v, &f("uom"), 8)
                    .and_then(|u| self.check(UnitOfMeasure::try_from(u), &f("uom"))),
            };
            // The whole-unit rule is also checked by `Order::new`; checking it here too reports it
            // together with the body's other errors rather than only once they are fixed.
            let quantity = match (quantity, &uom) {
                (Some(q), Some(u)) => match check_quantity_in_unit(q, u) {
                    Ok(()) => Some(q),
                    Err(rule) => self.fail(&f("quantity"), &rule),
                },
                (q, _) => q,
            };
            match (sku, quantity, unit_price, uom, currency) {
                (Some(sku), Some(quantity), Some(price), Some(uom), Some(currency)) => {
                    lines.push(OrderLine {
                        sku,
                        quantity,
                        unit_price: Money::new(price, currency),
                        uom,
                    })
                }
                _ => all_valid = false,
            }
        }
        all_valid.then_some(lines)
    }
}

/// One entry of an order's status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// The status entered.
    pub status: OrderStatus,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why the ERP refused an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rejection {
    /// Stable machine code, e.g. `unknown_sku`.
    pub code: String,
    /// Human explanation.
    pub message: String,
}

/// A channel's request to cancel an order, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cancellation {
    /// When the channel asked.
    pub requested_at: DateTime<Utc>,
    /// The channel's reason, when it gave one.
    pub reason: Option<String>,
    /// `PENDING` until the ERP was asked, then `CANCELLED` or `NEEDS_ATTENTION`.
    pub state: CancellationState,
    /// What an operator needs to know when the ERP could not cancel it.
    pub detail: Option<String>,
}

/// Where a cancellation request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CancellationState {
    /// Queued for the ERP.
    Pending,
    /// Done: the order and any ERP sale are cancelled.
    Cancelled,
    /// The ERP sale is already being fulfilled; an operator must cancel it in the ERP.
    NeedsAttention,
}

/// The body of `202 Accepted` for `POST /v1/orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderReceipt {
    /// Switchyard's order id.
    pub id: String,
    /// Always `RECEIVED` at this point.
    pub status: OrderStatus,
    /// Where to follow the order.
    pub status_url: String,
}

/// The body of `GET /v1/orders/{id}`: the order as accepted, plus where it is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderView {
    /// Switchyard's order id.
    pub id: String,
    /// The channel that submitted it.
    pub channel: String,
    /// The current status.
    pub status: OrderStatus,
    /// Every status the order entered, oldest first.
    pub history: Vec<StatusChange>,
    /// The ERP document number once accepted.
    pub erp_reference: Option<String>,
    /// Why it was rejected, when it was.
    pub rejection: Option<Rejection>,
    /// The channel's cancellation, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
    /// What left the warehouse, one entry per ERP shipment, oldest first.
    #[serde(default)]
    pub shipments: Vec<crate::fulfilment_events::Shipment>,
    /// Posted invoices and credit notes, oldest first.
    #[serde(default)]
    pub invoices: Vec<InvoiceSummary>,
    /// The order fields as accepted (v1 names).
    #[serde(flatten)]
    pub order: OrderBodyV1,
}

/// An invoice as `GET /v1/orders/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvoiceSummary {
    /// The ERP's invoice number.
    pub number: String,
    /// `invoice` or `credit_note`.
    pub kind: crate::fulfilment_events::InvoiceKind,
    /// The invoice date.
    pub date: chrono::NaiveDate,
    /// When payment is due, if the ERP says.
    pub due_date: Option<chrono::NaiveDate>,
    /// The currency of the totals.
    pub currency: Currency,
    /// Total excluding tax, as a decimal string.
    pub untaxed_amount: rust_decimal::Decimal,
    /// Total tax.
    pub tax_amount: rust_decimal::Decimal,
    /// Total including tax.
    pub total_amount: rust_decimal::Decimal,
}

impl From<&crate::fulfilment_events::Invoice> for InvoiceSummary {
    fn from(i: &crate::fulfilment_events::Invoice) -> Self {
        InvoiceSummary {
            number: i.invoice_id.clone(),
            kind: i.kind,
            date: i.invoice_date,
            due_date: i.due_date,
            currency: i.currency,
            untaxed_amount: i.untaxed_amount,
            tax_amount: i.tax_amount,
            total_amount: i.total_amount,
        }
    }
}

/// The v1 order fields, as returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderBodyV1 {
    /// The channel's order id.
    pub external_id: String,
    /// The buyer (with the ERP account actually used).
    pub customer: Customer,
    /// Currency code.
    pub currency: Currency,
    /// Ship-to address.
    pub ship_to: Address,
    /// Bill-to address.
    pub bill_to: Option<Address>,
    /// Lines.
    pub lines: Vec<LineV1>,
    /// Requested ship date.
    pub requested_ship_date: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<String>,
}

/// A v1 line, prices as decimal strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineV1 {
    /// SKU.
    pub sku: String,
    /// Quantity.
    pub quantity: Decimal,
    /// Unit price as a decimal string.
    pub unit_price: String,
    /// Unit of measure.
    pub uom: String,
}

impl From<&Order> for OrderBodyV1 {
    fn from(o: &Order) -> Self {
        OrderBodyV1 {
            external_id: o.external_id.to_string(),
            customer: o.customer.clone(),
            currency: o.currency,
            ship_to: o.ship_to.clone(),
            bill_to: o.bill_to.clone(),
            lines: o
                .lines
                .iter()
                .map(|l| LineV1 {
                    sku: l.sku.to_string(),
                    quantity: l.quantity.value(),
                    unit_price: l.unit_price.amount.to_string(),
                    uom: l.uom.as_str().to_string(),
                })
                .collect(),
            requested_ship_date: o.requested_ship_date,
            notes: o.notes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> CaptureContext {
        CaptureContext {
            order_id: OrderId::generate(),
            channel: ChannelName::try_from("demo-shop").unwrap(),
            default_customer: Some("DEMO-SHOP".into()),
        }
    }

    fn sample() -> Value {
        json!({"external_id": "PO-10001",
          "customer": {"account": "ACME-001", "name": "Acme Retail", "email": "buyer@acme.example"},
          "currency": "USD",
          "ship_to": {"name": "Acme DC 4", "line1": "31875 Solon Rd", "line2": null, "city": "Solon",
                      "region": "OH", "postal_code": "44139", "country": "US"},
          "bill_to": null,
          "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25", "uom": "EA"}],
          "requested_ship_date": "2026-12-01", "notes": null})
    }

    fn errors_of(body: Value) -> Vec<(String, String)> {
        parse_order(&body, &ctx())
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect()
    }

    #[test]
    fn the_documented_example_is_a_valid_order() {
        let order = parse_order(&sample(), &ctx()).unwrap();
        assert_eq!(order.external_id.as_str(), "PO-10001");
        assert_eq!(order.lines[0].unit_price.amount.to_string(), "9.25");
        assert_eq!(order.lines[0].quantity.value().to_string(), "2");
        assert_eq!(order.total().amount.to_string(), "18.50");
        assert_eq!(order.customer.account, "ACME-001");
    }

    #[test]
    fn control_and_bidi_override_characters_are_refused_in_text() {
        let mut body = sample();
        body["customer"]["name"] = json!("Acme\u{0}Retail");
        body["ship_to"]["line1"] = json!("31875 Solon Rd\r\nX-Injected: 1");
        body["ship_to"]["city"] = json!("Sol\u{202E}on");
        body["notes"] = json!("Leave at dock 4.\nCall first.");
        let errors = errors_of(body);
        assert_eq!(
            errors,
            vec![
                (
                    "customer.name".into(),
                    "must not contain control characters".into()
                ),
                (
                    "ship_to.line1".into(),
                    "must not contain control characters".into()
                ),
                (
                    "ship_to.city".into(),
                    "must not contain bidirectional override characters".into()
                ),
            ],
            "notes keep their line breaks"
        );
    }

    #[test]
    fn a_missing_account_falls_back_to_the_channel_default() {
        let mut body = sample();
        body["customer"].as_object_mut().unwrap().remove("account");
        assert_eq!(
            parse_order(&body, &ctx()).unwrap().customer.account,
            "DEMO-SHOP"
        );
        let no_default = CaptureContext {
            default_customer: None,
            ..ctx()
        };
        let errs = parse_order(&body, &no_default).unwrap_err();
        assert_eq!(errs.0[0].field, "customer.account");
    }

    #[test]
    fn every_bad_field_is_named_with_its_rule() {
        let mut body = sample();
        body["currency"] = json!("XXY");
        body["lines"] = json!([
            {"sku": "", "quantity": 0, "unit_price": 9.25},
            {"sku": "A", "quantity": "-1", "unit_price": "-2"},
            {"sku": 5, "quantity": true, "unit_price": "abc"}
        ]);
        body["ship_to"]["country"] = json!("USA");
        let errs = errors_of(body);
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "currency",
                "ship_to.country",
                "lines[0].sku",
                "lines[0].quantity",
                "lines[0].unit_price",
                "lines[1].quantity",
                "lines[1].unit_price",
                "lines[2].sku",
                "lines[2].quantity",
                "lines[2].unit_price",
            ]
        );
        assert!(errs.contains(&("lines[0].quantity".into(), "must be greater than 0".into())));
        assert!(errs.contains(&(
            "lines[0].unit_price".into(),
            "must be a decimal string such as \"9.25\", not a JSON number".into()
        )));
        assert!(errs.contains(&("lines[2].sku".into(), "must be a string".into())));
    }

    #[test]
    fn a_fraction_of_an_each_is_refused_with_the_other_errors_and_kilos_keep_theirs() {
        let mut body = sample();
        body["currency"] = json!("XXY");
        body["lines"] = json!([
            {"sku": "WIDGET-S", "quantity": 1.5, "unit_price": "9.25", "uom": "EA"},
            {"sku": "WIDGET-S", "quantity": "1.5", "unit_price": "9.25"},
            {"sku": "FLOUR", "quantity": "2.75", "unit_price": "1.10", "uom": "KG"}
        ]);
        let errs = errors_of(body);
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["currency", "lines[0].quantity", "lines[1].quantity"]
        );
        assert!(errs[1].1.contains("EA counts whole units"), "{errs:?}");
        let mut kilos = sample();
        kilos["lines"] =
            json!([{"sku": "FLOUR", "quantity": "2.75", "unit_price": "1.10", "uom": "kg"}]);
        let order = parse_order(&kilos, &ctx()).unwrap();
        assert_eq!(order.lines[0].quantity.value().to_string(), "2.75");
    }

    #[test]
    fn missing_required_fields_are_reported() {
        let errs = errors_of(json!({}));
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["external_id", "currency", "customer", "ship_to", "lines"]
        );
        assert!(errs.iter().all(|(_, rule)| rule == "is required"));
        assert_eq!(
            errors_of(json!([1, 2])),
            [("body".into(), "must be an object".into())]
        );
    }

    #[test]
    fn the_view_uses_v1_field_names() {
        let order = parse_order(&sample(), &ctx()).unwrap();
        let view = OrderView {
            id: order.id.to_string(),
            channel: "demo-shop".into(),
            status: OrderStatus::Received,
            history: vec![],
            erp_reference: None,
            rejection: None,
            cancellation: None,
            shipments: vec![],
            invoices: vec![],
            order: OrderBodyV1::from(&order),
        };
        let v = serde_json::to_value(&view).unwrap();
        assert_eq!(v["status"], "RECEIVED");
        assert_eq!(v["lines"][0]["unit_price"], "9.25");
        assert_eq!(v["ship_to"]["postal_code"], "44139");
        assert_eq!(v["customer"]["account"], "ACME-001");
    }
}
