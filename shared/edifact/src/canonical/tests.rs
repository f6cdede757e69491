use chrono::NaiveDate;

use super::*;
use crate::documents::Orders;
use crate::parse::parse_interchange;

const D96A: &[u8] = include_bytes!("../../samples/orders-d96a-una.edi");
const EANCOM: &[u8] = include_bytes!("../../samples/orders-eancom-d01b.edi");

/// The X12 850 with the same business content as the D.96A sample (the x12 crate's fixture).
const X12_850: &str = "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *240105*1030*U*00401*000000101*0*P*>~GS*PO*ACMEBUYER*SWITCHYARD*20240105*1030*2001*X*004010~ST*850*0001~BEG*00*SA*PO-4471**20240105~REF*DP*042~REF*IA*VEND-889~CUR*BY*USD~DTM*010*20240112~N1*BY*Acme Retail Inc*92*ACME-001~N1*BT*Acme Retail AP*92*ACME-AP~N3*PO Box 900~N4*Cleveland*OH*44101*US~N1*ST*Acme DC 4*92*DC4~N3*4400 Commerce Pkwy*Dock 7~N4*Solon*OH*44139*US~PO1*1*10*EA*9.25**VN*WIDGET-S*UP*012345678905~PID*F****Widget, small~PO1*2*3*CA*120**BP*BX-77*VP*GADGET-L~PID*F****Gadget, large, case of 12~PO1*3*2.5*KG*4.10**VN*BOLT-M8~CTT*3*15.5~SE*20*0001~GE*1*2001~IEA*1*000000101~";

fn orders(raw: &[u8]) -> Orders {
    let ic = parse_interchange(raw).unwrap();
    assert!(ic.is_clean(), "{:?} {:?}", ic.errors, ic.messages[0].errors);
    Orders::read(&ic.messages[0], &ic.delimiters).unwrap()
}

fn ctx() -> OrderContext {
    OrderContext::new(
        OrderId::generate(),
        ChannelName::try_from("acme-edi").unwrap(),
        Currency::from_code("EUR").unwrap(),
    )
}

fn fields(p: &OrderProblems) -> Vec<(&str, &str, Option<usize>)> {
    p.0.iter()
        .map(|e| {
            (
                e.field.as_str(),
                e.code.code(),
                e.at.as_ref().map(|l| l.position),
            )
        })
        .collect()
}

#[test]
fn the_d96a_sample_maps_to_the_same_order_as_the_equivalent_x12_850() {
    let ctx = ctx();
    let order = to_order(&orders(D96A), &ctx).unwrap();
    let ic = switchyard_x12::parse_interchange(X12_850.as_bytes()).unwrap();
    let po =
        switchyard_x12::documents::PurchaseOrder::read(&ic.groups[0].transaction_sets[0]).unwrap();
    let x12_ctx =
        switchyard_x12::OrderContext::new(ctx.order_id, ctx.channel.clone(), ctx.currency);
    let mut expected = switchyard_x12::to_order(&po, &x12_ctx).unwrap();
    // The only difference is the unit code list: X12 355 (EA, CA, KG) against UN/ECE Rec 20
    // (PCE, CS, KGM); the ERP adapter maps both to the same units.
    for (line, uom) in expected.lines.iter_mut().zip(["PCE", "CS", "KGM"]) {
        line.uom = UnitOfMeasure::try_from(uom.to_string()).unwrap();
    }
    assert_eq!(order, expected);
    assert_eq!(order.total().amount.to_string(), "462.75");
}

#[test]
fn the_eancom_sample_maps_glns_ranges_gtins_and_price_bases() {
    let order = to_order(&orders(EANCOM), &ctx()).unwrap();
    assert_eq!(order.external_id.as_str(), "ORD-2024-0042");
    assert_eq!(order.customer.account, "5412345000013", "the buyer's GLN");
    assert_eq!(order.currency.code(), "EUR");
    assert_eq!(order.ship_to.name.as_deref(), Some("Hypermarkt Zentrum"));
    assert_eq!(order.ship_to.city, "Koeln");
    assert_eq!(order.ship_to.postal_code.as_deref(), Some("50667"));
    assert_eq!(order.ship_to.country.as_str(), "DE");
    assert_eq!(
        order.requested_ship_date,
        NaiveDate::from_ymd_opt(2024, 1, 12),
        "the range's first day"
    );
    let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(
        skus,
        vec!["ART-1001", "4000862141411"],
        "SA first, else the GTIN"
    );
    assert_eq!(
        order.lines[1].unit_price.amount.to_string(),
        "3.15",
        "37.8 per 12"
    );
    assert_eq!(order.total().amount.to_string(), "95.40");
}

#[test]
fn the_channel_default_customer_wins_and_currency_falls_back() {
    let mut o = orders(EANCOM);
    o.currency = None;
    let mut ctx = ctx();
    ctx.default_customer = Some("ERP-CUST-9".into());
    ctx.currency = Currency::from_code("CHF").unwrap();
    let order = to_order(&o, &ctx).unwrap();
    assert_eq!(order.customer.account, "ERP-CUST-9");
    assert_eq!(order.currency.code(), "CHF");
}

#[test]
fn a_delivery_party_known_only_by_gln_uses_the_configured_location() {
    let mut o = orders(EANCOM);
    let dp = o.parties.iter_mut().find(|p| p.function == "DP").unwrap();
    *dp = crate::documents::Party {
        position: dp.position,
        ..crate::documents::Party::gln("DP", "5412345000020")
    };
    let problems = to_order(&o, &ctx()).unwrap_err();
    assert_eq!(
        fields(&problems),
        vec![
            ("NAD[DP].C059.3042", "13", Some(6)),
            ("NAD[DP].3164", "13", Some(6)),
            ("NAD[DP].3207", "13", Some(6)),
        ]
    );
    assert!(problems.0[0].rule.contains("5412345000020"));
    let mut ctx = ctx();
    let address = Address {
        name: Some("DC West".into()),
        line1: "Industriestrasse 1".into(),
        line2: None,
        city: "Duisburg".into(),
        region: None,
        postal_code: Some("47051".into()),
        country: CountryCode::try_from("DE".to_string()).unwrap(),
    };
    ctx.locations
        .insert("5412345000020".into(), address.clone());
    assert_eq!(to_order(&o, &ctx).unwrap().ship_to, address);
}

#[test]
fn every_problem_is_reported_with_its_segment_and_code() {
    let mut o = orders(EANCOM);
    o.currency = Some("EUROS".into());
    o.parties.retain(|p| p.function != "BY");
    o.lines[0].item_ids.clear();
    o.lines[0].quantities[0].value = Decimal::ZERO;
    o.lines[1].prices.clear();
    let problems = to_order(&o, &ctx()).unwrap_err();
    assert_eq!(
        fields(&problems),
        vec![
            ("CUX.C504.6345", "12", Some(8)),
            ("NAD[BY].C082.3039", "13", Some(8)),
            ("LIN[1]", "13", Some(9)),
            ("LIN[1].QTY[21].6060", "12", Some(12)),
            ("LIN[2].PRI", "13", Some(14)),
        ]
    );
    let cux = problems.0[0].at.as_ref().unwrap();
    assert_eq!(
        (cux.tag.as_str(), cux.element, cux.component),
        ("CUX", Some(1), Some(2))
    );
    assert_eq!(problems.field_errors().0.len(), 5);
    assert!(
        problems
            .to_string()
            .starts_with("5 problem(s): CUX.C504.6345")
    );
}

#[test]
fn model_rules_point_at_the_lin() {
    let mut o = orders(EANCOM);
    o.lines[1].quantities[0].value = "1.5".parse().unwrap();
    let problems = to_order(&o, &ctx()).unwrap_err();
    assert_eq!(fields(&problems), vec![("LIN[2].quantity", "12", Some(14))]);
    assert!(problems.0[0].rule.contains("whole number"));
}
