//! The 846 inventory inquiry/advice we send a trading partner: how much of each item it may
//! order from us now.
//!
//! Layout (004010, one GS*IB group, one set):
//!
//! ```text
//! ST*846*0001
//! BIA*00*MB*<reference>*<date>*<time>      original, manufacturer/distributor inventory report
//! DTM*007*<date>*<time>*UT                 effective: the ERP time the quantities reflect
//! LIN*<n>*VN*<our item number>[*BP*<buyer's item number>]
//! QTY*33*<quantity>*<unit>                 quantity available for sale
//! …                                        one LIN/QTY pair per item
//! CTT*<LIN count>*<sum of QTY02>
//! SE/GE/IEA
//! ```
//!
//! BIA02 is the partner's choice (drop-ship programmes ask for `MB` or `SI`), so it is a field;
//! `MB` is the default. QTY01 `33` is the quantity available for sale; a partner that counts
//! on-hand stock instead (`17`) can be given that qualifier.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::envelope::OutboundEnvelope;
use super::render::{GroupOut, IsaOut, Out, SetOut, interchange, seg};

/// BIA02 most suppliers send for a stock advice: "Manufacturer/Distributor Inventory Report".
pub const DEFAULT_REPORT_TYPE: &str = "MB";
/// QTY01 "Quantity Available for Sale (stock quantity)".
pub const QUANTITY_AVAILABLE_FOR_SALE: &str = "33";

/// One advised item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdviceLine {
    /// LIN03 with qualifier `VN`: our item number (the SKU).
    pub vendor_item: String,
    /// LIN05 with qualifier `BP`: the partner's own item number, when we know it.
    pub buyer_item: Option<String>,
    /// QTY02: what the partner may order, never negative.
    pub quantity: Decimal,
    /// QTY03: the X12 unit of measure (355), such as `EA`.
    pub unit: String,
}

/// The content of an 846.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryAdvice {
    /// BIA03: identifies this advice (unique per partner).
    pub reference: String,
    /// BIA02, such as [`DEFAULT_REPORT_TYPE`].
    pub report_type: String,
    /// QTY01 for every line, such as [`QUANTITY_AVAILABLE_FOR_SALE`].
    pub quantity_qualifier: String,
    /// DTM*007: the ERP time of the newest change the quantities reflect.
    pub as_of: DateTime<Utc>,
    /// The items, in the order written.
    pub lines: Vec<AdviceLine>,
}

/// Writes an 846 interchange (one GS*IB group, one set). BIA04/BIA05 are the envelope's `now`.
pub fn inventory_advice(envelope: &OutboundEnvelope, advice: &InventoryAdvice) -> String {
    let mut body = vec![
        seg!(
            "BIA",
            "00",
            advice.report_type,
            advice.reference,
            envelope.now.format("%Y%m%d"),
            envelope.now.format("%H%M%S")
        ),
        seg!(
            "DTM",
            "007",
            advice.as_of.format("%Y%m%d"),
            advice.as_of.format("%H%M%S"),
            // Every Switchyard time is UTC; DTM04 says so rather than leaving it to guesswork.
            "UT"
        ),
    ];
    for (n, line) in advice.lines.iter().enumerate() {
        // LIN01 numbers the items: optional in X12, but several partners require it.
        let mut lin = seg!("LIN", n.saturating_add(1), "VN", line.vendor_item);
        if let Some(buyer) = line.buyer_item.as_deref().filter(|b| !b.trim().is_empty()) {
            lin.elements.push("BP".into());
            lin.elements.push(buyer.to_string());
        }
        body.push(lin);
        body.push(seg!(
            "QTY",
            advice.quantity_qualifier,
            number(line.quantity.max(Decimal::ZERO)),
            line.unit
        ));
    }
    body.push(totals(&advice.lines));
    let d = envelope
        .delimiters
        .for_version(&envelope.interchange_version);
    interchange(
        &d,
        &IsaOut {
            sender: &envelope.ours,
            receiver: &envelope.partner,
            version: &envelope.interchange_version,
            control: envelope.control.interchange,
            usage: if envelope.test { "T" } else { "P" },
            now: envelope.now,
        },
        &[GroupOut {
            functional_id: "IB",
            application_sender: envelope.application_sender.clone(),
            application_receiver: envelope.application_receiver.clone(),
            control: envelope.control.group,
            version: envelope.group_version.clone(),
            sets: vec![SetOut {
                id: "846",
                convention: "",
                body,
            }],
        }],
    )
}

/// CTT01, the number of LIN segments, and CTT02, the sum of the QTY02 values (left out if it
/// overflows), as the 846 defines them.
fn totals(lines: &[AdviceLine]) -> Out {
    let hash = lines.iter().try_fold(Decimal::ZERO, |acc, l| {
        acc.checked_add(l.quantity.max(Decimal::ZERO))
    });
    seg!("CTT", lines.len(), hash.map(number).unwrap_or_default())
}

/// A decimal as the X12 `R` type writes it: no exponent, no trailing zeros (whole units come
/// out as integers).
fn number(d: Decimal) -> String {
    d.normalize().to_string()
}
