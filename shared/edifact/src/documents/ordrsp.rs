//! Reading an ORDRSP back into an [`OrderResponse`]: a partner's response (when we buy), and
//! the round trip of what we write.

use super::orders::{ItemId, Party};
use super::values::{At, keep, parse_date};
use crate::delimiters::Delimiters;
use crate::error::{Location, SyntaxError};
use crate::interchange::Message;
use crate::write::ordrsp::{
    CONFIRMED_QUANTITY, LineStatus, OrderResponse, PROMISED_DELIVERY, ResponseLine, ResponseType,
};

/// Reads an ORDRSP message.
pub fn read(message: &Message, delimiters: &Delimiters) -> Result<OrderResponse, Vec<SyntaxError>> {
    let mut errors = Vec::new();
    let mut r = OrderResponse {
        response_number: String::new(),
        response_type: ResponseType::Accepted,
        issued: None,
        order_number: String::new(),
        order_date: None,
        seller_order_number: None,
        buyer: None,
        supplier: None,
        currency: None,
        release: message.identifier.release.clone(),
        association: message.identifier.association.clone(),
        lines: Vec::new(),
    };
    let mut saw_bgm = false;
    let mut after_on = false;
    for (index, segment) in message.segments.iter().enumerate() {
        let at = At {
            segment,
            index,
            decimal: delimiters.decimal,
        };
        let date = |errors: &mut Vec<SyntaxError>| match parse_date(at.text(1, 2), at.text(1, 3)) {
            Ok(d) => Some(d.date()),
            Err(_) => {
                errors.push(SyntaxError::invalid(
                    at.loc(1, Some(2)),
                    "must be a date",
                    at.text(1, 2),
                ));
                None
            }
        };
        let tag = segment.tag.as_str();
        if let Some(line) = r.lines.last_mut() {
            match tag {
                "PIA" => {
                    for e in 2..=6 {
                        if !at.text(e, 1).is_empty() {
                            line.item_ids.push(ItemId::pia(
                                at.text(1, 1),
                                at.text(e, 1),
                                at.text(e, 2),
                            ));
                        }
                    }
                    continue;
                }
                "QTY" => {
                    let value = keep(at.number(1, 2), &mut errors)
                        .flatten()
                        .unwrap_or_default();
                    if at.text(1, 1) == CONFIRMED_QUANTITY {
                        line.confirmed_quantity = Some(value);
                    } else if at.text(1, 1) == "21" {
                        line.quantity = value;
                        line.unit = at.string(1, 3);
                    }
                    continue;
                }
                "DTM" if at.text(1, 1) == PROMISED_DELIVERY => {
                    line.scheduled_delivery = date(&mut errors);
                    continue;
                }
                "PRI" if line.unit_price.is_none() => {
                    line.unit_price = keep(at.number(1, 2), &mut errors).flatten();
                    line.price_qualifier = at.string(1, 1);
                    continue;
                }
                _ => {}
            }
        }
        match tag {
            "BGM" => {
                saw_bgm = true;
                if at.text(1, 1) != "231" {
                    errors.push(SyntaxError::invalid(
                        at.loc(1, Some(1)),
                        "1001 must be 231",
                        at.text(1, 1),
                    ));
                }
                r.response_number = at.required(2, 1, "1004 document number", &mut errors);
                match ResponseType::from_code(at.text(3, 1)) {
                    Some(t) => r.response_type = t,
                    None => errors.push(SyntaxError::invalid(
                        at.loc(3, None),
                        "1225 must be 29, 4 or 27",
                        at.text(3, 1),
                    )),
                }
            }
            "DTM" if at.text(1, 1) == "137" => r.issued = date(&mut errors),
            "DTM" if at.text(1, 1) == "171" && after_on => r.order_date = date(&mut errors),
            "RFF" if at.text(1, 1) == "ON" => r.order_number = at.string(1, 2),
            "RFF" if at.text(1, 1) == "VN" => r.seller_order_number = Some(at.string(1, 2)),
            "NAD" if at.text(1, 1) == "BY" => r.buyer = Some(Party::read(at)),
            "NAD" if at.text(1, 1) == "SU" => r.supplier = Some(Party::read(at)),
            "CUX" => r.currency = Some(at.string(1, 2)),
            "LIN" => {
                let status = LineStatus::from_code(at.text(2, 1)).unwrap_or_else(|| {
                    errors.push(SyntaxError::invalid(
                        at.loc(2, None),
                        "1229 must be 5, 3 or 7",
                        at.text(2, 1),
                    ));
                    LineStatus::NotAccepted
                });
                let mut item_ids = Vec::new();
                if !at.text(3, 1).is_empty() {
                    item_ids.push(ItemId::lin(at.text(3, 1), at.text(3, 2)));
                }
                r.lines.push(ResponseLine {
                    line_number: at.string(1, 1),
                    item_ids,
                    quantity: Default::default(),
                    unit: String::new(),
                    unit_price: None,
                    price_qualifier: String::new(),
                    status,
                    confirmed_quantity: None,
                    scheduled_delivery: None,
                });
            }
            _ => {}
        }
        after_on = tag == "RFF" && at.text(1, 1) == "ON";
    }
    if !saw_bgm {
        errors.push(SyntaxError::missing(
            Location::segment("UNH", 1),
            "BGM beginning of message",
        ));
    }
    if errors.is_empty() {
        Ok(r)
    } else {
        Err(errors)
    }
}
