use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::error::note_codes;
use crate::parse::parse_interchange;
use crate::segment::Segment;

fn first_set(raw: &[u8]) -> TransactionSet {
    let ic = parse_interchange(raw).unwrap();
    assert!(ic.is_clean(), "{ic:#?}");
    ic.groups[0].transaction_sets[0].clone()
}

fn po_set() -> TransactionSet {
    first_set(include_bytes!("../../tests/fixtures/850_crlf_00401.x12"))
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// The set with segment `index` replaced.
fn replacing(mut set: TransactionSet, index: usize, segment: Segment) -> TransactionSet {
    assert_eq!(
        set.segments[index].id(),
        segment.id(),
        "replacing a different segment"
    );
    set.segments[index] = segment;
    set
}

fn reasons(errors: &[SetError]) -> Vec<&str> {
    errors.iter().map(|e| e.reason.as_str()).collect()
}

#[test]
fn reads_a_purchase_order() {
    let po = PurchaseOrder::read(&po_set()).unwrap();
    assert_eq!((po.purpose.as_str(), po.order_type.as_str()), ("00", "SA"));
    assert_eq!(po.number, "PO-4471");
    assert_eq!(po.date, NaiveDate::from_ymd_opt(2024, 1, 5).unwrap());
    assert_eq!(po.reference("DP"), Some("042"));
    assert_eq!(po.reference("IA"), Some("VEND-889"));
    assert_eq!(po.currency.as_deref(), Some("USD"));
    assert_eq!(
        po.requested_ship_date(),
        NaiveDate::from_ymd_opt(2024, 1, 12)
    );
    let entities: Vec<&str> = po.parties.iter().map(|p| p.entity.as_str()).collect();
    assert_eq!(entities, vec!["BY", "BT", "ST"]);
    let st = po.party("ST").unwrap();
    assert_eq!(st.name, "Acme DC 4");
    assert_eq!(st.id, "DC4");
    assert_eq!(st.address_lines, vec!["4400 Commerce Pkwy", "Dock 7"]);
    assert_eq!(
        (
            st.city.as_str(),
            st.state.as_str(),
            st.postal_code.as_str(),
            st.country.as_str()
        ),
        ("Solon", "OH", "44139", "US")
    );
    assert_eq!(po.party("BY").unwrap().address_lines, Vec::<String>::new());
    assert_eq!(po.lines.len(), 3);
    let l2 = &po.lines[1];
    assert_eq!(l2.line_number(), "2");
    assert_eq!((l2.quantity, l2.uom()), (dec("3"), "CA"));
    assert_eq!(l2.unit_price, Some(dec("120")));
    assert_eq!(l2.product_id("BP"), Some("BX-77"));
    assert_eq!(l2.product_id("VP"), Some("GADGET-L"));
    assert_eq!(l2.descriptions(), vec!["Gadget, large, case of 12"]);
    assert_eq!(po.lines[2].quantity, dec("2.5"));
    assert!(po.lines[2].descriptions().is_empty());
    let totals = po.totals.unwrap();
    assert_eq!(
        (totals.line_count, totals.hash_total),
        (dec("3"), Some(dec("15.5")))
    );
}

#[test]
fn the_delivery_date_stands_in_for_a_missing_ship_date() {
    let set = replacing(po_set(), 4, Segment::simple("DTM", &["002", "20240120"]));
    let po = PurchaseOrder::read(&set).unwrap();
    assert_eq!(
        po.requested_ship_date(),
        NaiveDate::from_ymd_opt(2024, 1, 20)
    );
    let set = replacing(po_set(), 4, Segment::simple("DTM", &["037", "20240120"]));
    assert_eq!(
        PurchaseOrder::read(&set).unwrap().requested_ship_date(),
        None
    );
}

#[test]
fn a_wrong_line_count_is_a_code_5_naming_ctt01() {
    let set = replacing(po_set(), 17, Segment::simple("CTT", &["2", "15.5"]));
    let errors = PurchaseOrder::read(&set).unwrap_err();
    assert_eq!(
        reasons(&errors),
        vec!["CTT01 says 2 line items but the order has 3 PO1 segments"]
    );
    assert_eq!(errors[0].code, "5");
    let note = errors[0].segment.as_ref().unwrap();
    assert_eq!((note.segment_id.as_str(), note.position), ("CTT", 19));
}

#[test]
fn a_wrong_hash_total_is_a_code_5_naming_ctt02() {
    let set = replacing(po_set(), 17, Segment::simple("CTT", &["3", "16"]));
    let errors = PurchaseOrder::read(&set).unwrap_err();
    assert_eq!(
        reasons(&errors),
        vec!["CTT02 hash total 16 does not equal the sum of PO102 quantities (15.5)"]
    );
    let ok = replacing(po_set(), 17, Segment::simple("CTT", &["3"]));
    assert!(PurchaseOrder::read(&ok).is_ok(), "CTT02 is optional");
}

#[test]
fn invalid_numbers_and_dates_name_segment_and_element() {
    let set = replacing(
        po_set(),
        12,
        Segment::simple("PO1", &["1", "ten", "EA", "9,25"]),
    );
    let set = replacing(
        set,
        0,
        Segment::simple("BEG", &["00", "SA", "PO-4471", "", "2024-01-05"]),
    );
    let errors = PurchaseOrder::read(&set).unwrap_err();
    assert_eq!(
        reasons(&errors),
        vec![
            "PO102 must be a number",
            "PO104 must be a number",
            "BEG05 must be a CCYYMMDD date"
        ]
    );
    let date_note = errors[2]
        .segment
        .as_ref()
        .unwrap()
        .element
        .as_ref()
        .unwrap();
    assert_eq!(
        (date_note.position, date_note.code.as_str()),
        (5, note_codes::INVALID_DATE)
    );
}

#[test]
fn beg_and_po1_are_required() {
    let mut set = po_set();
    set.segments
        .retain(|s| s.id() != "BEG" && s.id() != "PO1" && s.id() != "CTT");
    let errors = PurchaseOrder::read(&set).unwrap_err();
    assert_eq!(
        reasons(&errors),
        vec![
            "the BEG segment (beginning of purchase order) is required",
            "the purchase order has no PO1 line item"
        ]
    );
    assert!(errors.iter().all(|e| e.code == "5"));
}

#[test]
fn unknown_segments_are_kept_not_refused() {
    let mut set = po_set();
    set.segments.insert(1, Segment::simple("ZZZ", &["custom"]));
    set.segments
        .insert(16, Segment::simple("MSG", &["line note"]));
    let po = PurchaseOrder::read(&set).unwrap();
    assert!(po.other_segments.iter().any(|s| s.id() == "ZZZ"));
    assert!(po.lines[1].other_segments.iter().any(|s| s.id() == "MSG"));
}

#[test]
fn reads_an_855() {
    let set = first_set(include_bytes!("../../tests/fixtures/855_received.x12"));
    let Document::PurchaseOrderAck(ack) = read_document(&set).unwrap() else {
        panic!("not an 855")
    };
    assert_eq!(ack.ack_type, "AC");
    assert_eq!(ack.po_number, "PO-4471");
    assert_eq!(ack.po_date, NaiveDate::from_ymd_opt(2024, 1, 5));
    assert_eq!(ack.seller_order_number, "SO-1002");
    assert_eq!(ack.lines.len(), 2);
    let first = &ack.lines[0].acks[0];
    assert_eq!(
        (first.status.as_str(), first.quantity),
        ("IA", Some(dec("10")))
    );
    assert_eq!(first.date, NaiveDate::from_ymd_opt(2024, 1, 12));
    assert_eq!(ack.lines[1].acks[0].status, "IR");
    assert_eq!(ack.lines[1].item.product_id("VP"), Some("GADGET-L"));
}

#[test]
fn reads_an_856_hierarchy() {
    let set = first_set(include_bytes!("../../tests/fixtures/856_received.x12"));
    let Document::ShipNotice(asn) = read_document(&set).unwrap() else {
        panic!("not an 856")
    };
    assert_eq!(asn.shipment_id, "SHP-100");
    assert_eq!(asn.date, NaiveDate::from_ymd_opt(2024, 1, 10));
    assert_eq!(asn.roots(), vec![0]);
    let shipment = &asn.levels[0];
    assert_eq!(shipment.level_code, "S");
    let ids: Vec<&str> = shipment.segments.iter().map(|s| s.id()).collect();
    assert_eq!(ids, vec!["TD5", "REF", "N1"]);
    let orders = asn.children(0);
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].level_code, "O");
    let items = asn.children(1);
    let codes: Vec<(&str, &str)> = items
        .iter()
        .map(|l| (l.id.as_str(), l.level_code.as_str()))
        .collect();
    assert_eq!(codes, vec![("3", "I"), ("4", "I")]);
    assert_eq!(items[1].segments[0].element(3), "GADGET-L");
    assert_eq!(asn.levels[3].parent, Some(1));
    assert!(asn.children(99).is_empty());
    assert_eq!(asn.other_segments[0].id(), "CTT");
    assert_eq!(asn.declared_level_count, Some(dec("4")));
    assert_eq!(
        orders[0].purchase_order,
        Some(("PO-4471".to_string(), None)),
        "PRF01 read, PRF04 absent"
    );
    assert_eq!(items[0].product_id("VN"), Some("WIDGET-S"));
    let shipped = items[1].shipped.as_ref().unwrap();
    assert_eq!((shipped.quantity, shipped.unit.as_str()), (dec("3"), "CA"));
    assert_eq!(shipment.references("BM"), vec!["1Z999"]);
}

#[test]
fn an_856_sn1_without_a_quantity_is_an_error() {
    let set = first_set(include_bytes!("../../tests/fixtures/856_received.x12"));
    let set = replacing(set, 9, Segment::simple("SN1", &["1", "", "EA"]));
    assert_eq!(
        reasons(&ShipNotice::read(&set).unwrap_err()),
        vec!["SN102 is required"]
    );
}

#[test]
fn an_856_level_with_an_unknown_parent_is_an_error() {
    let set = first_set(include_bytes!("../../tests/fixtures/856_received.x12"));
    let set = replacing(set, 7, Segment::simple("HL", &["3", "9", "I"]));
    let errors = ShipNotice::read(&set).unwrap_err();
    assert_eq!(
        reasons(&errors),
        vec!["HL02 must name an earlier HL01 as the parent"]
    );
}

#[test]
fn reads_an_810_with_an_implied_decimal_total() {
    let set = first_set(include_bytes!("../../tests/fixtures/810_received.x12"));
    let Document::Invoice(inv) = read_document(&set).unwrap() else {
        panic!("not an 810")
    };
    assert_eq!(inv.number, "INV-9001");
    assert_eq!(inv.po_number, "PO-4471");
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2024, 1, 11));
    assert_eq!(inv.total, Some(dec("452.50")));
    assert_eq!(inv.lines.len(), 2);
    assert_eq!(inv.lines[0].descriptions(), vec!["Widget, small"]);
    assert_eq!(inv.parties.len(), 1);
    assert_eq!(
        (inv.parties[0].entity.as_str(), inv.parties[0].id.as_str()),
        ("BT", "ACME-AP")
    );
    assert_eq!(inv.declared_line_count, Some(dec("2")));
    assert_eq!(inv.currency, None);
    let bad = replacing(set, 6, Segment::simple("TDS", &["452.50"]));
    assert_eq!(
        reasons(&Invoice::read(&bad).unwrap_err()),
        vec!["TDS01 must be a whole number of cents (N2)"]
    );
}

#[test]
fn reads_a_997() {
    let set = first_set(include_bytes!("../../tests/fixtures/997_received.x12"));
    let Document::FunctionalAck(ack) = read_document(&set).unwrap() else {
        panic!("not a 997")
    };
    assert_eq!(
        (
            ack.functional_id.as_str(),
            ack.group_control_number.as_str()
        ),
        ("PO", "2001")
    );
    assert_eq!(ack.sets.len(), 2);
    assert_eq!(ack.sets[0].status, "A");
    let rejected = &ack.sets[1];
    assert_eq!(
        (rejected.status.as_str(), rejected.codes.clone()),
        ("R", vec!["5".to_string()])
    );
    assert_eq!(rejected.notes[0].segment_id, "PO1");
    assert_eq!(
        rejected.notes[0].elements[0],
        ("2".into(), "6".into(), "ten".into())
    );
    assert_eq!(ack.group_status, "P");
    assert_eq!(ack.counts, ("2".into(), "2".into(), "1".into()));
}

#[test]
fn dispatch_by_set_id() {
    let mut set = po_set();
    assert!(matches!(
        read_document(&set),
        Ok(Document::PurchaseOrder(_))
    ));
    set.id = "940".into();
    assert_eq!(
        read_document(&set),
        Ok(Document::Other {
            set_id: "940".into()
        })
    );
}

fn po_3040() -> TransactionSet {
    first_set(include_bytes!(
        "../../tests/fixtures/850_00401_003040_ack_requested.x12"
    ))
}

#[test]
fn dates_of_a_003040_group_are_six_digits() {
    let po = PurchaseOrder::read(&po_3040()).unwrap();
    assert_eq!(po.date, NaiveDate::from_ymd_opt(2024, 1, 5).unwrap());
    assert_eq!(
        po.requested_ship_date(),
        NaiveDate::from_ymd_opt(2024, 1, 12)
    );
}

#[test]
fn every_pre_004010_version_reads_six_digit_dates() {
    for version in ["003040", "003050", "003060", "003070"] {
        let mut set = po_3040();
        set.version = version.to_string();
        let po = PurchaseOrder::read(&set).unwrap_or_else(|e| panic!("{version}: {e:?}"));
        assert_eq!(po.date, NaiveDate::from_ymd_opt(2024, 1, 5).unwrap());
    }
}

#[test]
fn an_eight_digit_date_in_a_003040_group_is_an_invalid_date() {
    let set = replacing(
        po_3040(),
        0,
        Segment::simple("BEG", &["00", "SA", "PO-3040", "", "20240105"]),
    );
    let errors = PurchaseOrder::read(&set).unwrap_err();
    assert_eq!(
        reasons(&errors),
        vec!["BEG05 must be a YYMMDD date (six digits before version 004010)"]
    );
    let element = errors[0]
        .segment
        .as_ref()
        .unwrap()
        .element
        .as_ref()
        .unwrap();
    assert_eq!(
        (element.position, element.code.as_str()),
        (5, note_codes::INVALID_DATE)
    );
}

#[test]
fn a_six_digit_date_in_a_004010_group_is_an_invalid_date() {
    let mut set = po_3040();
    set.version = "004010".into();
    let errors = PurchaseOrder::read(&set).unwrap_err();
    assert_eq!(
        reasons(&errors),
        vec![
            "DTM02 must be a CCYYMMDD date",
            "BEG05 must be a CCYYMMDD date"
        ]
    );
}
