//! The ORDRSP order response, built from what was stored when the ORDERS was captured and the
//! decision taken on it (the EDIFACT counterpart of the X12 855).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::envelope::OutboundEnvelope;
use super::render::{MessageOut, Out, interchange, number};
use crate::documents::{ItemId, Orders, Party};
use crate::interchange::MessageIdentifier;

/// BGM 1225 of the ORDRSP: what happened to the order as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseType {
    /// `29`: accepted without amendment.
    Accepted,
    /// `4`: change (some lines changed or not accepted; detailed per line).
    AcceptedWithChanges,
    /// `27`: not accepted.
    NotAccepted,
}

impl ResponseType {
    /// The 1225 code.
    pub fn code(self) -> &'static str {
        match self {
            ResponseType::Accepted => "29",
            ResponseType::AcceptedWithChanges => "4",
            ResponseType::NotAccepted => "27",
        }
    }

    /// The type written as `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Accepted, Self::AcceptedWithChanges, Self::NotAccepted]
            .into_iter()
            .find(|t| t.code() == code)
    }

    /// The type the line statuses imply: every line accepted as ordered → `29`; every line
    /// not accepted (or none) → `27`; anything else → `4`.
    pub fn from_lines(lines: &[ResponseLine]) -> Self {
        let unchanged = |l: &ResponseLine| {
            l.status == LineStatus::Accepted && l.confirmed_quantity.is_none_or(|q| q == l.quantity)
        };
        if !lines.is_empty() && lines.iter().all(unchanged) {
            ResponseType::Accepted
        } else if lines.iter().all(|l| l.status == LineStatus::NotAccepted) {
            ResponseType::NotAccepted
        } else {
            ResponseType::AcceptedWithChanges
        }
    }
}

/// LIN 1229: what happened to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineStatus {
    /// `5`: accepted without amendment.
    Accepted,
    /// `3`: changed (the confirmed quantity or date differs).
    Changed,
    /// `7`: not accepted.
    NotAccepted,
}

impl LineStatus {
    /// The 1229 code.
    pub fn code(self) -> &'static str {
        match self {
            LineStatus::Accepted => "5",
            LineStatus::Changed => "3",
            LineStatus::NotAccepted => "7",
        }
    }

    /// The status written as `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Accepted, Self::Changed, Self::NotAccepted]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// QTY 6063 113: quantity to be delivered (the confirmed quantity of a changed line).
pub const CONFIRMED_QUANTITY: &str = "113";
/// DTM 2005 69: delivery date/time, promised for.
pub const PROMISED_DELIVERY: &str = "69";

/// One answered line: the LIN as received, and the seller's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseLine {
    /// LIN 1082 as the partner sent it.
    pub line_number: String,
    /// The item ids as received (the first in LIN, the rest in PIA), so the partner can match
    /// the line.
    pub item_ids: Vec<ItemId>,
    /// QTY 21 as ordered.
    pub quantity: Decimal,
    /// QTY 6411 as ordered; empty when none was sent.
    pub unit: String,
    /// PRI 5118, the unit price.
    pub unit_price: Option<Decimal>,
    /// PRI 5125 of `unit_price`: `AAA` net or `AAB` gross, as the ORDERS priced the line.
    pub price_qualifier: String,
    /// LIN 1229.
    pub status: LineStatus,
    /// QTY 113 when it differs from the ordered quantity.
    pub confirmed_quantity: Option<Decimal>,
    /// DTM 69, the promised delivery date.
    pub scheduled_delivery: Option<NaiveDate>,
}

/// The content of an ORDRSP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderResponse {
    /// BGM 1004: the response's number (the order number unless the seller has its own).
    pub response_number: String,
    /// BGM 1225.
    pub response_type: ResponseType,
    /// DTM 137, the response date; the envelope's date when `None`.
    pub issued: Option<NaiveDate>,
    /// RFF ON: the ORDERS BGM number being answered.
    pub order_number: String,
    /// DTM 171 after RFF ON: the order's document date (DTM 137 of the ORDERS).
    pub order_date: Option<NaiveDate>,
    /// RFF VN: the seller's order number (the ERP sale).
    pub seller_order_number: Option<String>,
    /// NAD BY, as the ORDERS named it.
    pub buyer: Option<Party>,
    /// NAD SU, as the ORDERS named it.
    pub supplier: Option<Party>,
    /// CUX 2:…:9, the order currency, when the ORDERS had one.
    pub currency: Option<String>,
    /// UNH 0054 of the ORDRSP: the ORDERS's release, so the partner reads it in the same
    /// directory.
    pub release: String,
    /// UNH 0057 of the ORDRSP (`EAN005` for EANCOM …); empty for none.
    pub association: String,
    /// The lines.
    pub lines: Vec<ResponseLine>,
}

impl OrderResponse {
    /// The response to `orders` with every line accepted as ordered: what to store when the
    /// order is captured, so that the decision only has to set statuses.
    pub fn for_order(orders: &Orders) -> Self {
        let lines = orders
            .lines
            .iter()
            .map(|l| ResponseLine {
                line_number: l.line_number.clone(),
                item_ids: l.item_ids.clone(),
                quantity: l.ordered().map(|q| q.value).unwrap_or_default(),
                unit: l.ordered().map(|q| q.unit.clone()).unwrap_or_default(),
                unit_price: l.price().and_then(|p| p.unit_price()),
                price_qualifier: l
                    .price()
                    .map_or_else(|| "AAA".into(), |p| p.qualifier.clone()),
                status: LineStatus::Accepted,
                confirmed_quantity: None,
                scheduled_delivery: None,
            })
            .collect();
        OrderResponse {
            response_number: orders.number.clone(),
            response_type: ResponseType::Accepted,
            issued: None,
            order_number: orders.number.clone(),
            order_date: orders.document_date().map(|d| d.date()),
            seller_order_number: None,
            buyer: orders.party("BY").cloned(),
            supplier: orders.party("SU").cloned(),
            currency: orders.currency.clone(),
            release: orders.release.clone(),
            association: String::new(),
            lines,
        }
    }

    /// Marks every line with `status` and sets the response type from the lines.
    pub fn decide_all(&mut self, status: LineStatus) {
        for line in &mut self.lines {
            line.status = status;
        }
        self.response_type = ResponseType::from_lines(&self.lines);
    }
}

/// The NAD of a party: function, C082, C058, C080, C059, city, region, postcode, country.
pub(crate) fn nad(p: &Party) -> Out {
    Out::new("NAD")
        .s(p.function.clone())
        .el([p.id.clone(), p.code_list.clone(), p.agency.clone()])
        .el(p.name_and_address.clone())
        .el(p.name.clone())
        .el(p.street.clone())
        .s(p.city.clone())
        .s(p.region.clone())
        .s(p.postal_code.clone())
        .s(p.country.clone())
}

/// Writes an ORDRSP interchange (one message), as the bytes to send (encoded in the envelope's
/// character set).
pub fn order_response(envelope: &OutboundEnvelope, response: &OrderResponse) -> Vec<u8> {
    let mark = envelope.delimiters.decimal;
    let day = |d: NaiveDate| d.format("%Y%m%d").to_string();
    let issued = response.issued.unwrap_or(envelope.now.date());
    let mut body = vec![
        Out::new("BGM")
            .s("231")
            .s(response.response_number.clone())
            .s(response.response_type.code()),
        Out::new("DTM").el(["137".to_string(), day(issued), "102".into()]),
        Out::new("RFF").el(["ON".to_string(), response.order_number.clone()]),
    ];
    if let Some(date) = response.order_date {
        body.push(Out::new("DTM").el(["171".to_string(), day(date), "102".into()]));
    }
    if let Some(number) = &response.seller_order_number {
        body.push(Out::new("RFF").el(["VN".to_string(), number.clone()]));
    }
    body.extend(response.buyer.iter().map(nad));
    body.extend(response.supplier.iter().map(nad));
    if let Some(currency) = &response.currency {
        body.push(Out::new("CUX").el(["2".to_string(), currency.clone(), "9".into()]));
    }
    for (i, line) in response.lines.iter().enumerate() {
        let number_text = if line.line_number.is_empty() {
            (i + 1).to_string()
        } else {
            line.line_number.clone()
        };
        let (lin_id, pia_ids) = match line.item_ids.split_first() {
            Some((first, rest)) if first.function.is_none() => (Some(first), rest),
            _ => (None, line.item_ids.as_slice()),
        };
        let mut lin = Out::new("LIN").s(number_text).s(line.status.code());
        if let Some(id) = lin_id {
            lin = lin.el([id.id.clone(), id.type_code.clone()]);
        }
        body.push(lin);
        for id in pia_ids {
            body.push(
                Out::new("PIA")
                    .s(id.function.clone().unwrap_or_else(|| "5".into()))
                    .el([id.id.clone(), id.type_code.clone()]),
            );
        }
        body.push(Out::new("QTY").el([
            "21".to_string(),
            number(line.quantity, mark),
            line.unit.clone(),
        ]));
        if let Some(q) = line.confirmed_quantity {
            body.push(Out::new("QTY").el([
                CONFIRMED_QUANTITY.to_string(),
                number(q, mark),
                line.unit.clone(),
            ]));
        }
        if let Some(date) = line.scheduled_delivery {
            body.push(Out::new("DTM").el([PROMISED_DELIVERY.to_string(), day(date), "102".into()]));
        }
        if let Some(price) = line.unit_price {
            let qualifier = match line.price_qualifier.as_str() {
                "" => "AAA".to_string(),
                q => q.to_string(),
            };
            body.push(Out::new("PRI").el([qualifier, number(price, mark)]));
        }
    }
    body.push(Out::new("UNS").s("S"));
    body.push(Out::new("CNT").el(["2".to_string(), response.lines.len().to_string()]));
    interchange(
        envelope,
        &[MessageOut {
            reference: "1".into(),
            identifier: MessageIdentifier {
                association: response.association.clone(),
                ..MessageIdentifier::un("ORDRSP", "D", &response.release)
            },
            body,
        }],
    )
}
