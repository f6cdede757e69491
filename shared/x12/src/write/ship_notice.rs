//! The 856 ship notice/manifest we send a trading partner for each shipment of its order.
//!
//! Layout (004010, one GS*SH group, one set), with the HL levels shipment → order → item:
//!
//! ```text
//! ST*856*0001
//! BSN*00*<shipment id>*<date>*<time>           original; BSN03/04: when the notice is created
//! HL*1**S*1                                    shipment
//! TD1*CTN25*<packages>****G*<weight>*<unit>    only what is known
//! TD5*B*2*<SCAC>**<service>                    or TD5*B****<carrier name and service>
//! REF*BM*<shipment id>                         bill of lading: our shipment number
//! REF*CN*<tracking number>                     one per package that has one
//! DTM*011*<date>*<time>*UT                     shipped
//! N1*ST*… / N3 / N4                            ship to (and ship from) as the 850 named them
//! HL*2*1*O*1                                   order
//! PRF*<PO number>***<PO date>
//! REF*VN*<our order number>
//! HL*3*2*I*0                                   item, one per shipped line
//! LIN*<PO line>*VN*<sku>*UP*<upc>…             the partner's own product ids from the 850 line
//! SN1*<PO line>*<quantity>*<unit>
//! CTT*<HL count>*<sum of SN102>
//! SE/GE/IEA
//! ```
//!
//! BSN05 (hierarchical structure) is left out: the codes for a structure without a pack level
//! differ between partners' guides, and the HL03 codes already say what each level is.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::envelope::OutboundEnvelope;
use super::render::{Out, number, party, seg, single_set};
use crate::documents::{Party, ProductId};

/// TD505 (routing) is at most this long in 004010.
const MAX_ROUTING: usize = 30;

/// The carrier of a shipment (TD5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Carrier {
    /// TD503 with TD502 `2`: the Standard Carrier Alpha Code, when we know it.
    pub scac: Option<String>,
    /// The carrier's name; written in TD505 (free-form routing) when there is no SCAC.
    pub name: Option<String>,
    /// The carrier's service as the ERP names it (`Ground`, `Next Day Air`); free text, so it
    /// goes into TD505 next to the name rather than into the coded TD512.
    pub service: Option<String>,
}

/// The trimmed value, when there is one.
fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl Carrier {
    /// TD5, or nothing when there is neither a SCAC nor anything to write in TD505 (TD5 needs
    /// at least one of TD502, TD504, TD505, TD506 or TD512).
    fn segment(&self) -> Option<Out> {
        let scac = present(&self.scac);
        let routing: Vec<&str> = if scac.is_some() {
            present(&self.service).into_iter().collect()
        } else {
            present(&self.name)
                .into_iter()
                .chain(present(&self.service))
                .collect()
        };
        let routing: String = routing.join(" ").chars().take(MAX_ROUTING).collect();
        match scac {
            Some(scac) => Some(seg!("TD5", "B", "2", scac, "", routing)),
            None if !routing.is_empty() => Some(seg!("TD5", "B", "", "", "", routing)),
            None => None,
        }
    }
}

/// TD1: what the shipment weighs and how many packages it is, as far as known.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Lading {
    /// TD102 with TD101 `CTN25` (corrugated carton): the number of packages.
    pub packages: Option<u32>,
    /// TD107 with TD106 `G` (gross weight) and TD108 its unit (`LB`, `KG`).
    pub gross_weight: Option<(Decimal, String)>,
}

impl Lading {
    fn segment(&self) -> Option<Out> {
        let (pack_code, packages) = match self.packages {
            Some(n) if n > 0 => ("CTN25", n.to_string()),
            _ => ("", String::new()),
        };
        let (qualifier, weight, unit) = match &self.gross_weight {
            Some((w, unit)) if *w > Decimal::ZERO && !unit.trim().is_empty() => {
                ("G", number(*w), unit.as_str())
            }
            _ => ("", String::new(), ""),
        };
        (!packages.is_empty() || !weight.is_empty()).then(|| {
            seg!(
                "TD1", pack_code, packages, "", "", "", qualifier, weight, unit
            )
        })
    }
}

/// One shipped item (HL level `I`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedItem {
    /// LIN01 and SN101: the partner's PO1 line number, so it can match the line.
    pub line_number: String,
    /// LIN02/03, LIN04/05 …: the partner's own product ids from the 850 line.
    pub product_ids: Vec<ProductId>,
    /// SN102, the quantity shipped.
    pub quantity: Decimal,
    /// SN103, the unit (the PO1 unit).
    pub unit: String,
}

/// The content of an 856.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundShipNotice {
    /// BSN02 and REF*BM: our shipment number.
    pub shipment_id: String,
    /// DTM*011: when it left.
    pub shipped_at: DateTime<Utc>,
    /// TD1.
    pub lading: Lading,
    /// TD5.
    pub carrier: Carrier,
    /// REF*CN, one each.
    pub tracking_numbers: Vec<String>,
    /// N1 loops at the shipment level (`ST` ship to, `SF` ship from), in order.
    pub parties: Vec<Party>,
    /// PRF01: the partner's PO number.
    pub po_number: String,
    /// PRF04: the PO date.
    pub po_date: Option<NaiveDate>,
    /// REF*VN at the order level: our order number (the ERP sale), when known.
    pub seller_order_number: Option<String>,
    /// The items, each its own HL level under the order.
    pub items: Vec<ShippedItem>,
}

/// Writes an 856 interchange (one GS*SH group, one set). BSN03/04 are the envelope's `now`,
/// the time the notice is created, as the 856 defines them.
pub fn ship_notice(envelope: &OutboundEnvelope, notice: &OutboundShipNotice) -> String {
    let mut body = vec![seg!(
        "BSN",
        "00",
        notice.shipment_id,
        envelope.now.format("%Y%m%d"),
        envelope.now.format("%H%M%S")
    )];
    // HL04 says whether a level has children: the shipment and the order always do (the order
    // level is there even when no item is), an item never.
    body.push(seg!("HL", 1, "", "S", 1));
    body.extend(notice.lading.segment());
    body.extend(notice.carrier.segment());
    body.push(seg!("REF", "BM", notice.shipment_id));
    for tracking in notice
        .tracking_numbers
        .iter()
        .filter(|t| !t.trim().is_empty())
    {
        body.push(seg!("REF", "CN", tracking));
    }
    body.push(seg!(
        "DTM",
        "011",
        notice.shipped_at.format("%Y%m%d"),
        notice.shipped_at.format("%H%M%S"),
        // Every Switchyard time is UTC; DTM04 says so.
        "UT"
    ));
    for p in &notice.parties {
        body.extend(party(p));
    }
    body.push(seg!(
        "HL",
        2,
        1,
        "O",
        if notice.items.is_empty() { 0 } else { 1 }
    ));
    body.push(seg!(
        "PRF",
        notice.po_number,
        "",
        "",
        notice
            .po_date
            .map(|d| d.format("%Y%m%d").to_string())
            .unwrap_or_default()
    ));
    if let Some(order) = notice
        .seller_order_number
        .as_deref()
        .filter(|o| !o.trim().is_empty())
    {
        body.push(seg!("REF", "VN", order));
    }
    for (n, item) in notice.items.iter().enumerate() {
        body.push(seg!("HL", n.saturating_add(3), 2, "I", 0));
        let ids: Vec<&ProductId> = item
            .product_ids
            .iter()
            .filter(|p| !p.qualifier.trim().is_empty() && !p.value.trim().is_empty())
            .collect();
        // LIN needs one id pair (LIN02/03); an item without any is still counted in SN1.
        if !ids.is_empty() {
            let mut lin = seg!("LIN", item.line_number);
            for id in ids {
                lin.elements.push(id.qualifier.clone());
                lin.elements.push(id.value.clone());
            }
            body.push(lin);
        }
        body.push(seg!(
            "SN1",
            item.line_number,
            number(item.quantity),
            unit_or_each(&item.unit)
        ));
    }
    let levels = notice.items.len().saturating_add(2);
    let hash = notice
        .items
        .iter()
        .try_fold(Decimal::ZERO, |acc, i| acc.checked_add(i.quantity));
    body.push(seg!("CTT", levels, hash.map(number).unwrap_or_default()));
    single_set(envelope, "SH", "856", body)
}

/// SN103 and IT103 are mandatory; a line the partner sent without a unit is counted in eaches.
pub(crate) fn unit_or_each(unit: &str) -> &str {
    if unit.trim().is_empty() { "EA" } else { unit }
}
