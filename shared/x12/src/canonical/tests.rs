use chrono::NaiveDate;

use super::*;
use crate::parse::parse_interchange;
use crate::segment::Segment;

fn po() -> PurchaseOrder {
    let ic = parse_interchange(include_bytes!("../../tests/fixtures/850_crlf_00401.x12")).unwrap();
    PurchaseOrder::read(&ic.groups[0].transaction_sets[0]).unwrap()
}

fn ctx() -> OrderContext {
    OrderContext::new(
        OrderId::generate(),
        ChannelName::try_from("acme-edi").unwrap(),
        Currency::from_code("EUR").unwrap(),
    )
}

fn fields(errors: &FieldErrors) -> Vec<(&str, &str)> {
    errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.rule.as_str()))
        .collect()
}

#[test]
fn maps_the_purchase_order() {
    let order = to_order(&po(), &ctx()).unwrap();
    assert_eq!(order.external_id.as_str(), "PO-4471");
    assert_eq!(order.channel.as_str(), "acme-edi");
    assert_eq!(
        order.currency.code(),
        "USD",
        "CUR02 wins over the channel default"
    );
    assert_eq!(order.customer.account, "ACME-001");
    assert_eq!(order.customer.name, "Acme Retail Inc");
    assert_eq!(order.ship_to.name.as_deref(), Some("Acme DC 4"));
    assert_eq!(order.ship_to.line1, "4400 Commerce Pkwy");
    assert_eq!(order.ship_to.line2.as_deref(), Some("Dock 7"));
    assert_eq!(order.ship_to.city, "Solon");
    assert_eq!(order.ship_to.region.as_deref(), Some("OH"));
    assert_eq!(order.ship_to.country.as_str(), "US");
    assert_eq!(order.bill_to.as_ref().unwrap().line1, "PO Box 900");
    assert_eq!(
        order.requested_ship_date,
        NaiveDate::from_ymd_opt(2024, 1, 12)
    );
    let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, vec!["WIDGET-S", "GADGET-L", "BOLT-M8"]);
    assert_eq!(order.lines[1].uom.as_str(), "CA");
    assert_eq!(order.lines[2].quantity.value().to_string(), "2.5");
    assert_eq!(
        order.total().amount.to_string(),
        "462.750",
        "10×9.25 + 3×120 + 2.5×4.10"
    );
}

#[test]
fn the_channel_default_customer_wins_and_currency_falls_back() {
    let mut po = po();
    po.currency = None;
    let mut ctx = ctx();
    ctx.default_customer = Some("ERP-CUST-9".into());
    let order = to_order(&po, &ctx).unwrap();
    assert_eq!(order.customer.account, "ERP-CUST-9");
    assert_eq!(order.customer.name, "Acme Retail Inc");
    assert_eq!(order.currency.code(), "EUR");
}

#[test]
fn sku_qualifiers_are_tried_in_order() {
    let mut ctx = ctx();
    ctx.sku_qualifiers = vec!["UP".into(), "BP".into()];
    let order = to_order(&po(), &ctx);
    let errors = order.unwrap_err();
    assert_eq!(
        fields(&errors),
        vec![(
            "PO1[3]",
            "no product id with qualifier UP or BP carries our SKU"
        )]
    );
    ctx.sku_qualifiers = vec!["BP".into(), "VN".into()];
    let mut po = po();
    po.lines.truncate(2);
    let order = to_order(&po, &ctx).unwrap();
    let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, vec!["WIDGET-S", "BX-77"]);
}

#[test]
fn every_bad_field_is_reported_with_its_x12_path() {
    let mut po = po();
    po.currency = Some("QQQ".into());
    po.lines[1].unit_price = None;
    po.lines[0].quantity = "-1".parse().unwrap();
    po.parties.retain(|p| p.entity != "ST");
    let errors = to_order(&po, &ctx()).unwrap_err();
    assert_eq!(
        fields(&errors),
        vec![
            ("CUR02", "\"QQQ\" is not an ISO 4217 currency"),
            (
                "N1[ST]",
                "a ship-to party (N1*ST with N3 and N4) is required"
            ),
            ("PO1[1].PO102", "must be greater than 0"),
            ("PO1[2].PO104", "a unit price is required"),
        ]
    );
}

#[test]
fn ship_to_needs_a_street_and_city_and_a_real_country() {
    let mut po = po();
    let st = po.parties.iter_mut().find(|p| p.entity == "ST").unwrap();
    st.address_lines.clear();
    st.city.clear();
    st.country = "ZZ".into();
    let errors = to_order(&po, &ctx()).unwrap_err();
    let paths: Vec<&str> = fields(&errors).into_iter().map(|(f, _)| f).collect();
    assert_eq!(paths, vec!["N1[ST].N301", "N1[ST].N401", "N1[ST].N404"]);
}

#[test]
fn a_missing_country_defaults_to_us() {
    let mut po = po();
    po.parties.iter_mut().for_each(|p| p.country.clear());
    let order = to_order(&po, &ctx()).unwrap();
    assert_eq!(order.ship_to.country.as_str(), DEFAULT_COUNTRY);
}

#[test]
fn without_a_default_customer_the_buyer_id_is_required() {
    let mut po = po();
    po.parties.retain(|p| p.entity == "ST");
    let errors = to_order(&po, &ctx()).unwrap_err();
    assert_eq!(fields(&errors)[0].0, "N1[BY].N104");
    let mut only_bt = self::po();
    only_bt.parties.retain(|p| p.entity != "BY");
    assert_eq!(
        to_order(&only_bt, &ctx()).unwrap().customer.account,
        "ACME-AP"
    );
}

#[test]
fn line_labels_use_the_partner_line_number() {
    let ic = parse_interchange(include_bytes!("../../tests/fixtures/850_crlf_00401.x12")).unwrap();
    let mut set = ic.groups[0].transaction_sets[0].clone();
    set.segments[14] = Segment::simple("PO1", &["A7", "3", "C A", "120", "", "VP", "GADGET-L"]);
    let po = PurchaseOrder::read(&set).unwrap();
    let errors = to_order(&po, &ctx()).unwrap_err();
    assert_eq!(fields(&errors)[0].0, "PO1[A7].PO103");
}
