//! The ORDERS purchase order message (D.96A, D.96B, D.01B and their EANCOM subsets).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::values::{At, DATE_FORMATS, DateValue, keep, parse_date};
use crate::delimiters::Delimiters;
use crate::error::{Location, SyntaxError};
use crate::interchange::Message;
use crate::segment::Segment;

/// The directory releases (UNH 0054, version `D`) read.
pub const SUPPORTED_RELEASES: [&str; 3] = ["96A", "96B", "01B"];
/// BGM 1001 codes read as an order: 220 order, 221 blanket order, 224 rush order, 226 call
/// off order, 227 consignment order.
pub const ORDER_DOCUMENT_CODES: [&str; 5] = ["220", "221", "224", "226", "227"];

/// DTM 2005 137: document/message date.
pub const DOCUMENT_DATE: &str = "137";
/// DTM 2005 2: delivery date/time, requested.
pub const DELIVERY_REQUESTED: &str = "2";
/// DTM 2005 10: shipment date/time, requested.
pub const SHIPMENT_REQUESTED: &str = "10";
/// QTY 6063 21: ordered quantity.
pub const ORDERED_QUANTITY: &str = "21";
/// PRI 5125 AAA: calculation net price.
pub const NET_PRICE: &str = "AAA";
/// PRI 5125 AAB: calculation gross price.
pub const GROSS_PRICE: &str = "AAB";

/// A DTM: qualifier (2005) and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateReference {
    /// 2005, such as `137` or `2`.
    pub qualifier: String,
    /// 2380 read with its format 2379.
    pub value: DateValue,
}

/// An RFF reference: qualifier (1153) and value (1154).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// 1153, such as `ON` (order number) or `CT` (contract).
    pub qualifier: String,
    /// 1154.
    pub value: String,
}

/// A party from a NAD segment. Equality ignores `position`, which says only where it was read.
#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
pub struct Party {
    /// 3035, the role: `BY` buyer, `DP` delivery party, `SU` supplier, `IV` invoicee …
    pub function: String,
    /// C082 3039, the party's id (a GLN when `agency` is `9`).
    pub id: String,
    /// C082 1131, the code list.
    pub code_list: String,
    /// C082 3055, who assigned the id: `9` GS1 (EAN), `91` the supplier, `92` the buyer.
    pub agency: String,
    /// C058 3124 lines, the unstructured name and address.
    pub name_and_address: Vec<String>,
    /// C080 3036 name parts, in order.
    pub name: Vec<String>,
    /// C059 3042 street lines, in order.
    pub street: Vec<String>,
    /// 3164.
    pub city: String,
    /// 3229 (D.96A) or C819 3229 (D.01B): the region.
    pub region: String,
    /// 3251.
    pub postal_code: String,
    /// 3207, ISO 3166-1 alpha-2.
    pub country: String,
    /// The NAD's position in the message (UNH is 1); 0 for a party not read from a message.
    #[serde(default)]
    pub position: usize,
}

impl Party {
    /// A party known only by its GLN (`agency` 9).
    pub fn gln(function: &str, gln: &str) -> Self {
        Party {
            function: function.to_string(),
            id: gln.to_string(),
            code_list: String::new(),
            agency: "9".into(),
            name_and_address: Vec::new(),
            name: Vec::new(),
            street: Vec::new(),
            city: String::new(),
            region: String::new(),
            postal_code: String::new(),
            country: String::new(),
            position: 0,
        }
    }

    /// The C080 name parts joined by spaces; empty when none.
    pub fn display_name(&self) -> String {
        self.name.join(" ")
    }

    /// True when the NAD carries a structured address (C059 street or 3164 city).
    pub fn has_address(&self) -> bool {
        !self.street.is_empty() || !self.city.is_empty()
    }

    pub(crate) fn read(at: At<'_>) -> Party {
        let components = |e: usize, n: usize| -> Vec<String> {
            (1..=n)
                .map(|c| at.string(e, c))
                .filter(|s| !s.is_empty())
                .collect()
        };
        Party {
            function: at.string(1, 1),
            id: at.string(2, 1),
            code_list: at.string(2, 2),
            agency: at.string(2, 3),
            name_and_address: components(3, 5),
            name: components(4, 5),
            street: components(5, 4),
            city: at.string(6, 1),
            region: at.string(7, 1),
            postal_code: at.string(8, 1),
            country: at.string(9, 1),
            position: at.position(),
        }
    }
}

/// An item id from LIN C212 or PIA C212. Equality ignores `at`, which says only where it was
/// read.
#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
pub struct ItemId {
    /// 7140, the id.
    pub id: String,
    /// 7143, its type: `EN` EAN/GTIN (EANCOM 97), `SRV` GTIN (EANCOM 2002), `SA` supplier's
    /// article number, `IN` buyer's item number, `BP` buyer's part number …
    pub type_code: String,
    /// PIA 4347 (`1` additional identification, `5` product identification); `None` for LIN.
    pub function: Option<String>,
    /// Where it was read (segment position in the message, element), for error reports.
    #[serde(skip)]
    pub at: Option<Location>,
}

impl PartialEq for Party {
    fn eq(&self, other: &Self) -> bool {
        let key = |p: &Party| {
            (
                p.function.clone(),
                p.id.clone(),
                p.code_list.clone(),
                p.agency.clone(),
                p.name_and_address.clone(),
                p.name.clone(),
                p.street.clone(),
                [
                    p.city.clone(),
                    p.region.clone(),
                    p.postal_code.clone(),
                    p.country.clone(),
                ],
            )
        };
        key(self) == key(other)
    }
}

impl PartialEq for ItemId {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.type_code == other.type_code && self.function == other.function
    }
}

impl ItemId {
    /// An id of `type_code` as LIN carries it.
    pub fn lin(id: &str, type_code: &str) -> Self {
        ItemId {
            id: id.to_string(),
            type_code: type_code.to_string(),
            function: None,
            at: None,
        }
    }

    /// An id of `type_code` as PIA carries it, with function `function` (4347).
    pub fn pia(function: &str, id: &str, type_code: &str) -> Self {
        ItemId {
            function: Some(function.to_string()),
            ..ItemId::lin(id, type_code)
        }
    }
}

/// A QTY quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineQuantity {
    /// C186 6063: `21` ordered …
    pub qualifier: String,
    /// C186 6060.
    pub value: Decimal,
    /// C186 6411, the UN/ECE Rec 20 unit (`PCE`, `KGM` …); empty when not sent.
    pub unit: String,
    /// The QTY's position in the message.
    pub position: usize,
}

/// A PRI price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// C509 5125: `AAA` net, `AAB` gross …
    pub qualifier: String,
    /// C509 5118, the price for `basis` units.
    pub amount: Decimal,
    /// C509 5375, the price type (`CT` contract, `CA` catalogue …).
    pub price_type: String,
    /// C509 5284, the unit price basis (the price is for this many units), when sent.
    pub basis: Option<Decimal>,
    /// C509 6411.
    pub unit: String,
    /// The PRI's position in the message.
    pub position: usize,
}

impl Price {
    /// The price of one unit: `amount / basis` when a basis other than 1 is sent. `None` when
    /// the division is not representable (a basis of zero is refused when reading).
    pub fn unit_price(&self) -> Option<Decimal> {
        match self.basis {
            Some(basis) if basis != Decimal::ONE => {
                self.amount.checked_div(basis).map(|d| d.normalize())
            }
            _ => Some(self.amount),
        }
    }
}

/// One line item: LIN and the segments of its group (PIA, IMD, QTY, PRI …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderLine {
    /// LIN 1082, the partner's line number (may be empty).
    pub line_number: String,
    /// LIN 1229, the action requested (`1` added, `3` changed …); usually empty in ORDERS.
    pub action: String,
    /// LIN C212 and every PIA C212, in order.
    pub item_ids: Vec<ItemId>,
    /// IMD C273 7008 descriptions.
    pub descriptions: Vec<String>,
    /// QTY segments.
    pub quantities: Vec<LineQuantity>,
    /// PRI segments.
    pub prices: Vec<Price>,
    /// LIN's position in the message (UNH is 1).
    pub position: usize,
    /// Other segments of the line's group, kept as they came.
    pub other_segments: Vec<Segment>,
}

impl OrderLine {
    /// The first item id of type `type_code`.
    pub fn item_id(&self, type_code: &str) -> Option<&ItemId> {
        self.item_ids.iter().find(|i| i.type_code == type_code)
    }

    /// The quantity with qualifier `qualifier`.
    pub fn quantity(&self, qualifier: &str) -> Option<&LineQuantity> {
        self.quantities.iter().find(|q| q.qualifier == qualifier)
    }

    /// The ordered quantity (QTY 21).
    pub fn ordered(&self) -> Option<&LineQuantity> {
        self.quantity(ORDERED_QUANTITY)
    }

    /// The net price (PRI AAA), else the gross price (PRI AAB).
    pub fn price(&self) -> Option<&Price> {
        let with = |q: &str| self.prices.iter().find(|p| p.qualifier == q);
        with(NET_PRICE).or_else(|| with(GROSS_PRICE))
    }
}

/// An ORDERS message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Orders {
    /// UNH 0062, echoed by the ORDRSP and CONTRL.
    pub message_reference: String,
    /// UNH 0054, such as `96A`.
    pub release: String,
    /// UNH 0057, such as `EAN008`; empty when not sent.
    pub association: String,
    /// BGM C002 1001, such as `220`.
    pub document_code: String,
    /// BGM 1004 (D.96A) or C106 1004 (D.01B): the order number.
    pub number: String,
    /// BGM 1225: `9` original, `1` cancellation, `5` replace …; `9` when not sent.
    pub function: String,
    /// Header DTM segments.
    pub dates: Vec<DateReference>,
    /// Header RFF segments.
    pub references: Vec<Reference>,
    /// The NAD segments of the header.
    pub parties: Vec<Party>,
    /// CUX C504 6345, the order currency, when sent.
    pub currency: Option<String>,
    /// The CUX's position, when there is one.
    pub currency_position: Option<usize>,
    /// The LIN groups.
    pub lines: Vec<OrderLine>,
    /// The BGM's position in the message.
    pub bgm_position: usize,
    /// The position of the last header segment (before the first LIN): where a missing header
    /// segment is reported.
    pub header_end: usize,
    /// Header and summary segments not read into fields, kept as they came.
    pub other_segments: Vec<Segment>,
}

/// Which part of the message the next segment belongs to.
#[derive(PartialEq)]
enum Section {
    Header,
    Line,
    Summary,
}

impl Orders {
    /// Reads an ORDERS message. Every problem found is reported, each with its location.
    pub fn read(message: &Message, delimiters: &Delimiters) -> Result<Orders, Vec<SyntaxError>> {
        let mut errors = Vec::new();
        check_identifier(message, &mut errors);
        let mut orders = Orders {
            message_reference: message.reference.clone(),
            release: message.identifier.release.clone(),
            association: message.identifier.association.clone(),
            document_code: String::new(),
            number: String::new(),
            function: String::new(),
            dates: Vec::new(),
            references: Vec::new(),
            parties: Vec::new(),
            currency: None,
            currency_position: None,
            lines: Vec::new(),
            bgm_position: 0,
            header_end: 1,
            other_segments: Vec::new(),
        };
        let mut bgm = None;
        let mut cnt_lines = None;
        let mut section = Section::Header;
        for (index, segment) in message.segments.iter().enumerate() {
            let at = At {
                segment,
                index,
                decimal: delimiters.decimal,
            };
            match (segment.tag.as_str(), &section) {
                ("BGM", Section::Header) if bgm.is_none() => bgm = Some(at),
                ("LIN", Section::Header | Section::Line) => {
                    section = Section::Line;
                    orders.lines.push(read_lin(at));
                }
                ("UNS", _) => section = Section::Summary,
                ("CNT", Section::Summary) if at.text(1, 1) == "2" => cnt_lines = Some(at),
                (_, Section::Line) => match orders.lines.last_mut() {
                    Some(line) => attach(line, at, &mut errors),
                    None => orders.other_segments.push(segment.clone()),
                },
                ("DTM", Section::Header) => {
                    if let Some(d) = read_dtm(at, &mut errors) {
                        orders.dates.push(d);
                    }
                }
                ("RFF", Section::Header) => orders.references.push(Reference {
                    qualifier: at.string(1, 1),
                    value: at.string(1, 2),
                }),
                ("NAD", Section::Header) => {
                    if at.text(1, 1).is_empty() {
                        errors.push(SyntaxError::missing(
                            at.loc(1, None),
                            "3035 party function code qualifier",
                        ));
                    }
                    orders.parties.push(Party::read(at));
                }
                ("CUX", Section::Header) if orders.currency.is_none() => {
                    orders.currency = Some(at.required(1, 2, "C504 6345 currency", &mut errors));
                    orders.currency_position = Some(at.position());
                }
                _ => orders.other_segments.push(segment.clone()),
            }
            if section == Section::Header {
                orders.header_end = at.position();
            }
        }
        match bgm {
            Some(at) => {
                orders.bgm_position = at.position();
                orders.document_code =
                    at.required(1, 1, "C002 1001 document name code", &mut errors);
                if !orders.document_code.is_empty()
                    && !ORDER_DOCUMENT_CODES.contains(&orders.document_code.as_str())
                {
                    errors.push(SyntaxError::NotSupported {
                        at: at.loc(1, Some(1)),
                        value: orders.document_code.clone(),
                        rule: format!("an order is BGM {}", ORDER_DOCUMENT_CODES.join(", ")),
                    });
                }
                orders.number = at.required(2, 1, "1004 document number", &mut errors);
                orders.function = match at.text(3, 1) {
                    "" => "9".into(),
                    f => f.to_string(),
                };
            }
            None => errors.push(SyntaxError::missing(
                Location::segment("UNH", 1),
                "BGM beginning of message",
            )),
        }
        if orders.lines.is_empty() {
            errors.push(SyntaxError::missing(
                Location::segment(
                    message.segments.last().map_or("UNH", |s| s.tag.as_str()),
                    message.segments.len().saturating_add(1),
                ),
                "LIN line item",
            ));
        }
        if let Some(at) = cnt_lines
            && let Some(count) = keep(at.number(1, 2), &mut errors).flatten()
            && count != Decimal::from(orders.lines.len())
        {
            errors.push(SyntaxError::invalid(
                at.loc(1, Some(2)),
                format!("CNT 2 must count the {} LIN line items", orders.lines.len()),
                at.text(1, 2),
            ));
        }
        if errors.is_empty() {
            Ok(orders)
        } else {
            Err(errors)
        }
    }

    /// The first party with function `function` (`BY`, `DP`, `SU` …).
    pub fn party(&self, function: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.function == function)
    }

    /// The first date with qualifier `qualifier`.
    pub fn date(&self, qualifier: &str) -> Option<&DateValue> {
        self.dates
            .iter()
            .find(|d| d.qualifier == qualifier)
            .map(|d| &d.value)
    }

    /// The document date (DTM 137).
    pub fn document_date(&self) -> Option<&DateValue> {
        self.date(DOCUMENT_DATE)
    }

    /// The requested shipment date (DTM 10), else the requested delivery date (DTM 2): the
    /// same preference as the X12 850's DTM 010 then 002.
    pub fn requested_date(&self) -> Option<&DateValue> {
        self.date(SHIPMENT_REQUESTED)
            .or_else(|| self.date(DELIVERY_REQUESTED))
    }

    /// The value of the first RFF with `qualifier`.
    pub fn reference(&self, qualifier: &str) -> Option<&str> {
        self.references
            .iter()
            .find(|r| r.qualifier == qualifier)
            .map(|r| r.value.as_str())
    }
}

/// UNH S009 must be an ORDERS of directory D, a supported release, agency UN.
fn check_identifier(message: &Message, errors: &mut Vec<SyntaxError>) {
    let id = &message.identifier;
    let at = |c: usize| Location::segment("UNH", 1).element(2, Some(c));
    if id.message_type != "ORDERS" {
        errors.push(SyntaxError::invalid(
            at(1),
            "0065 must be ORDERS",
            &id.message_type,
        ));
    }
    if id.version != "D" || !SUPPORTED_RELEASES.contains(&id.release.as_str()) {
        errors.push(SyntaxError::NotSupported {
            at: at(if id.version != "D" { 2 } else { 3 }),
            value: format!("{}:{}", id.version, id.release),
            rule: format!("ORDERS D:{} are read", SUPPORTED_RELEASES.join(", D:")),
        });
    }
    if id.agency != "UN" {
        errors.push(SyntaxError::invalid(at(4), "0051 must be UN", &id.agency));
    }
}

fn read_dtm(at: At<'_>, errors: &mut Vec<SyntaxError>) -> Option<DateReference> {
    let qualifier = at.required(1, 1, "C507 2005 date/time/period qualifier", errors);
    let value = at.required(1, 2, "C507 2380 date/time/period value", errors);
    if value.is_empty() {
        return None;
    }
    match parse_date(&value, at.text(1, 3)) {
        Ok(value) => Some(DateReference { qualifier, value }),
        Err(true) => {
            errors.push(SyntaxError::NotSupported {
                at: at.loc(1, Some(3)),
                value: at.string(1, 3),
                rule: format!("date formats {} are read", DATE_FORMATS.join(", ")),
            });
            None
        }
        Err(false) => {
            errors.push(SyntaxError::invalid(
                at.loc(1, Some(2)),
                format!(
                    "must be a valid date in format {}",
                    match at.text(1, 3) {
                        "" => "102",
                        f => f,
                    }
                ),
                &value,
            ));
            None
        }
    }
}

fn read_lin(at: At<'_>) -> OrderLine {
    let mut item_ids = Vec::new();
    let id = at.string(3, 1);
    if !id.is_empty() {
        item_ids.push(ItemId {
            id,
            type_code: at.string(3, 2),
            function: None,
            at: Some(at.loc(3, Some(1))),
        });
    }
    OrderLine {
        line_number: at.string(1, 1),
        action: at.string(2, 1),
        item_ids,
        descriptions: Vec::new(),
        quantities: Vec::new(),
        prices: Vec::new(),
        position: at.position(),
        other_segments: Vec::new(),
    }
}

/// Files a segment of a line's group: PIA, IMD, QTY and PRI are read, the rest kept.
fn attach(line: &mut OrderLine, at: At<'_>, errors: &mut Vec<SyntaxError>) {
    match at.segment.tag.as_str() {
        "PIA" => {
            let function = at.string(1, 1);
            for e in 2..=6 {
                let id = at.string(e, 1);
                if !id.is_empty() {
                    line.item_ids.push(ItemId {
                        id,
                        type_code: at.string(e, 2),
                        function: Some(function.clone()),
                        at: Some(at.loc(e, Some(1))),
                    });
                }
            }
        }
        "IMD" => {
            let d = at.string(3, 4);
            if !d.is_empty() {
                line.descriptions.push(d);
            }
        }
        "QTY" => {
            let qualifier = at.required(1, 1, "C186 6063 quantity type code qualifier", errors);
            let value = keep(at.number(1, 2), errors).flatten();
            match value {
                Some(value) => line.quantities.push(LineQuantity {
                    qualifier,
                    value,
                    unit: at.string(1, 3),
                    position: at.position(),
                }),
                None if at.text(1, 2).is_empty() => {
                    errors.push(SyntaxError::missing(
                        at.loc(1, Some(2)),
                        "C186 6060 quantity",
                    ));
                }
                None => {}
            }
        }
        "PRI" => {
            let qualifier = at.required(1, 1, "C509 5125 price code qualifier", errors);
            let amount = keep(at.number(1, 2), errors).flatten();
            let basis = keep(at.number(1, 5), errors).flatten();
            if basis.is_some_and(|b| b <= Decimal::ZERO) {
                errors.push(SyntaxError::invalid(
                    at.loc(1, Some(5)),
                    "5284 unit price basis must be greater than 0",
                    at.text(1, 5),
                ));
                return;
            }
            // A PRI without 5118 (price on request) carries no price; it is kept as it came.
            match amount {
                Some(amount) => line.prices.push(Price {
                    qualifier,
                    amount,
                    price_type: at.string(1, 3),
                    basis,
                    unit: at.string(1, 6),
                    position: at.position(),
                }),
                None => line.other_segments.push(at.segment.clone()),
            }
        }
        _ => line.other_segments.push(at.segment.clone()),
    }
}
