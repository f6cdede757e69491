//! Mapping an ORDERS message into Switchyard's canonical order: the same [`Order`] an X12 850
//! with the same business content maps to.
//!
//! Problems name EDIFACT positions (`LIN[2].PRI.5118`, `NAD[DP].3164`) rather than canonical
//! JSON paths, and carry the segment position and CONTRL code, so the partner who must fix the
//! order can find it in their EDI.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use switchyard_model::order::{OrderParts, check_unit_price};
use switchyard_model::{
    Address, ChannelName, CountryCode, Currency, Customer, ExternalId, FieldErrors, Money, Order,
    OrderId, OrderLine, Quantity, Sku, UnitOfMeasure,
};

use crate::documents::orders::{OrderLine as EdiLine, Orders, Party};
use crate::error::{Location, SyntaxErrorCode};

/// What the channel configuration adds to an ORDERS to make an order.
#[derive(Debug, Clone)]
pub struct OrderContext {
    /// Switchyard's id for the new order.
    pub order_id: OrderId,
    /// The EDI partner's channel.
    pub channel: ChannelName,
    /// The ERP customer this partner's orders are sold to. Preferred over the NAD BY id when
    /// set, because a trading partner is usually one ERP customer and its GLNs are its own
    /// stores and warehouses, not our accounts.
    pub default_customer: Option<String>,
    /// Item id types (7143) that carry our SKU, tried in this order on LIN and PIA ids.
    pub sku_types: Vec<String>,
    /// The currency when the ORDERS has no CUX.
    pub currency: Currency,
    /// Addresses of the partner's locations by GLN: a delivery party sent only by its GLN
    /// (common in EANCOM) is shipped to the address kept here.
    pub locations: BTreeMap<String, Address>,
}

impl OrderContext {
    /// A context with the usual SKU types: `SA` (the supplier's article number: our own code)
    /// then the GTIN as `EN` (EANCOM 97) or `SRV` (EANCOM 2002).
    pub fn new(order_id: OrderId, channel: ChannelName, currency: Currency) -> Self {
        OrderContext {
            order_id,
            channel,
            default_customer: None,
            sku_types: vec!["SA".into(), "EN".into(), "SRV".into()],
            currency,
            locations: BTreeMap::new(),
        }
    }
}

/// One field of an ORDERS that cannot be mapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderProblem {
    /// The EDIFACT path, such as `LIN[2].QTY[21].6060`.
    pub field: String,
    /// The rule broken.
    pub rule: String,
    /// Where in the message (UNH is 1), when there is a place.
    pub at: Option<Location>,
    /// The CONTRL code it is reported with: 13 missing, 12 invalid.
    pub code: SyntaxErrorCode,
}

/// Every problem found mapping one ORDERS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} problem(s): {}", .0.len(), .0.iter().map(|p| format!("{}: {}", p.field, p.rule)).collect::<Vec<_>>().join("; "))]
pub struct OrderProblems(pub Vec<OrderProblem>);

impl OrderProblems {
    fn push(
        &mut self,
        field: impl Into<String>,
        rule: impl Into<String>,
        at: Option<Location>,
        code: SyntaxErrorCode,
    ) {
        self.0.push(OrderProblem {
            field: field.into(),
            rule: rule.into(),
            at,
            code,
        });
    }

    fn missing(&mut self, field: impl Into<String>, rule: impl Into<String>, at: Option<Location>) {
        self.push(field, rule, at, SyntaxErrorCode::Missing);
    }

    fn invalid(&mut self, field: impl Into<String>, rule: impl Into<String>, at: Option<Location>) {
        self.push(field, rule, at, SyntaxErrorCode::InvalidValue);
    }

    /// The problems as field errors, for a problem-details response.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for p in &self.0 {
            errors.push(p.field.clone(), p.rule.clone());
        }
        errors
    }
}

fn at(tag: &str, position: usize, element: Option<(usize, Option<usize>)>) -> Option<Location> {
    let l = Location::segment(tag, position);
    Some(match element {
        Some((e, c)) => l.element(e, c),
        None => l,
    })
}

/// Maps an ORDERS message to a canonical order, reporting every field that cannot be mapped.
pub fn to_order(orders: &Orders, ctx: &OrderContext) -> Result<Order, OrderProblems> {
    let mut p = OrderProblems::default();
    let external_id = ExternalId::try_from(orders.number.as_str())
        .map_err(|rule| {
            p.invalid(
                "BGM.1004",
                rule,
                at("BGM", orders.bgm_position, Some((2, Some(1)))),
            )
        })
        .ok();
    let currency = match orders.currency.as_deref() {
        Some(code) => Currency::from_code(code)
            .ok_or_else(|| {
                p.invalid(
                    "CUX.C504.6345",
                    format!("{code:?} is not an ISO 4217 currency"),
                    at(
                        "CUX",
                        orders.currency_position.unwrap_or(orders.header_end),
                        Some((1, Some(2))),
                    ),
                )
            })
            .ok(),
        None => Some(ctx.currency),
    };
    let customer = customer(orders, ctx, &mut p);
    let ship_to = match orders.party("DP") {
        Some(party) => address(party, ctx, &mut p),
        None => {
            p.missing(
                "NAD[DP]",
                "a delivery party (NAD+DP with street, city and country, or a GLN whose address is configured) is required",
                at("NAD", orders.header_end, None),
            );
            None
        }
    };
    // An invoicee given only by id is the ERP's default billing address.
    let bill_to = orders
        .party("IV")
        .filter(|party| party.has_address())
        .and_then(|party| address(party, ctx, &mut p));
    // With an unusable CUX the lines are still checked (priced in the channel currency, then
    // discarded) so the partner learns about every problem at once.
    let line_currency = currency.unwrap_or(ctx.currency);
    let lines: Vec<Option<OrderLine>> = orders
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| order_line(line, i, line_currency, ctx, &mut p))
        .collect();
    let (Some(external_id), Some(currency), Some(customer), Some(ship_to)) =
        (external_id, currency, customer, ship_to)
    else {
        return Err(p);
    };
    if !p.0.is_empty() {
        return Err(p);
    }
    Order::new(OrderParts {
        id: ctx.order_id,
        channel: ctx.channel.clone(),
        external_id,
        customer,
        currency,
        ship_to,
        bill_to,
        lines: lines.into_iter().flatten().collect(),
        requested_ship_date: orders.requested_date().map(|d| d.date()),
        notes: None,
    })
    .map_err(|e| {
        // The model names its own paths (`lines[1].quantity`); point the partner at the LIN.
        let mut p = OrderProblems::default();
        for f in e.0 {
            let index = f
                .field
                .strip_prefix("lines[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok());
            match index.and_then(|i| orders.lines.get(i).map(|l| (i, l))) {
                Some((i, line)) => {
                    let label = label(line, i);
                    let field =
                        f.field
                            .replacen(&format!("lines[{i}]"), &format!("LIN[{label}]"), 1);
                    p.invalid(field, f.rule, at("LIN", line.position, None));
                }
                None => p.invalid(f.field.replacen("lines", "LIN", 1), f.rule, None),
            }
        }
        p
    })
}

fn customer(orders: &Orders, ctx: &OrderContext, p: &mut OrderProblems) -> Option<Customer> {
    let buyer = orders.party("BY");
    let account = match &ctx.default_customer {
        Some(account) => account.clone(),
        None => match buyer.map(|b| b.id.as_str()).filter(|id| !id.is_empty()) {
            Some(id) => id.to_string(),
            None => {
                p.missing(
                    "NAD[BY].C082.3039",
                    "the buyer's id (NAD+BY C082, a GLN) is required when the channel has no default customer",
                    match buyer {
                        Some(b) => at("NAD", b.position, Some((2, Some(1)))),
                        None => at("NAD", orders.header_end, None),
                    },
                );
                return None;
            }
        },
    };
    let name = buyer
        .map(Party::display_name)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| account.clone());
    Some(Customer {
        account,
        name,
        email: None,
    })
}

fn address(party: &Party, ctx: &OrderContext, p: &mut OrderProblems) -> Option<Address> {
    if !party.has_address()
        && let Some(known) = ctx.locations.get(&party.id)
    {
        return Some(known.clone());
    }
    let field = |element: &str| format!("NAD[{}].{element}", party.function);
    let place = |e: usize, c: usize| at("NAD", party.position, Some((e, Some(c))));
    let mut street = party.street.iter();
    let line1 = street.next().cloned();
    let line2 = {
        let rest: Vec<&str> = street.map(String::as_str).collect();
        (!rest.is_empty()).then(|| rest.join(", "))
    };
    if line1.is_none() {
        let rule = if party.id.is_empty() {
            "a street (C059 3042) is required".to_string()
        } else {
            format!(
                "a street (C059 3042) is required: no address is configured for location {}",
                party.id
            )
        };
        p.missing(field("C059.3042"), rule, place(5, 1));
    }
    if party.city.is_empty() {
        p.missing(field("3164"), "a city is required", place(6, 1));
    }
    let country = if party.country.is_empty() {
        p.missing(field("3207"), "a country code is required", place(9, 1));
        None
    } else {
        CountryCode::try_from(party.country.clone())
            .map_err(|rule| p.invalid(field("3207"), rule, place(9, 1)))
            .ok()
    };
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let name = non_empty(&party.display_name()).or_else(|| party.name_and_address.first().cloned());
    Some(Address {
        name,
        line1: line1?,
        line2,
        city: non_empty(&party.city)?,
        region: non_empty(&party.region),
        postal_code: non_empty(&party.postal_code),
        country: country?,
    })
}

/// The partner's line number when it sent one, else the line's ordinal.
fn label(line: &EdiLine, index: usize) -> String {
    if line.line_number.is_empty() {
        (index + 1).to_string()
    } else {
        line.line_number.clone()
    }
}

fn order_line(
    line: &EdiLine,
    index: usize,
    currency: Currency,
    ctx: &OrderContext,
    p: &mut OrderProblems,
) -> Option<OrderLine> {
    let label = label(line, index);
    let field = |element: &str| format!("LIN[{label}].{element}");
    let lin = |element: Option<(usize, Option<usize>)>| at("LIN", line.position, element);
    let sku = match ctx.sku_types.iter().find_map(|t| line.item_id(t)) {
        Some(item) => Sku::try_from(item.id.as_str())
            .map_err(|rule| {
                p.invalid(
                    field(&format!("C212[{}].7140", item.type_code)),
                    rule,
                    item.at.clone(),
                )
            })
            .ok(),
        None => {
            p.missing(
                format!("LIN[{label}]"),
                format!(
                    "no item id of type {} (LIN or PIA C212) carries our SKU",
                    ctx.sku_types.join(" or ")
                ),
                lin(Some((3, Some(1)))),
            );
            None
        }
    };
    let ordered = line.ordered();
    let quantity = match ordered {
        Some(q) => Quantity::try_from(q.value)
            .map_err(|rule| {
                p.invalid(
                    field("QTY[21].6060"),
                    rule,
                    at("QTY", q.position, Some((1, Some(2)))),
                )
            })
            .ok(),
        None => {
            p.missing(
                field("QTY[21]"),
                "an ordered quantity (QTY+21) is required",
                lin(None),
            );
            None
        }
    };
    let uom = match ordered.map(|q| q.unit.as_str()).filter(|u| !u.is_empty()) {
        None => Some(UnitOfMeasure::each()),
        Some(unit) => UnitOfMeasure::try_from(unit.to_string())
            .map_err(|rule| {
                p.invalid(
                    field("QTY[21].6411"),
                    rule,
                    ordered.and_then(|q| at("QTY", q.position, Some((1, Some(3))))),
                )
            })
            .ok(),
    };
    let price: Option<Decimal> = match line.price() {
        Some(price) => {
            let place = at("PRI", price.position, Some((1, Some(2))));
            match price.unit_price() {
                Some(unit) => check_unit_price(unit)
                    .map(|()| unit)
                    .map_err(|rule| {
                        p.invalid(
                            field(&format!("PRI[{}].5118", price.qualifier)),
                            rule,
                            place,
                        )
                    })
                    .ok(),
                None => {
                    p.invalid(
                        field("PRI.5284"),
                        "the unit price basis gives no representable unit price",
                        place,
                    );
                    None
                }
            }
        }
        None => {
            p.missing(
                field("PRI"),
                "a unit price (PRI+AAA net or PRI+AAB gross) is required",
                lin(None),
            );
            None
        }
    };
    Some(OrderLine {
        sku: sku?,
        quantity: quantity?,
        unit_price: Money::new(price?, currency),
        uom: uom?,
    })
}

#[cfg(test)]
mod tests;
