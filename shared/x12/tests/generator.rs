//! The throughput bench's generator makes what it promises: an interchange the parser accepts
//! clean, with the asked-for sets and lines, each read as an 850 and mapped to an order.

#[path = "../examples/support/generator.rs"]
mod generator;

use switchyard_model::{ChannelName, Currency, OrderId};
use switchyard_x12::documents::PurchaseOrder;
use switchyard_x12::{OrderContext, parse_interchange, to_order};

#[test]
fn every_generated_set_parses_reads_and_maps() {
    let shape = generator::Shape { sets: 30, lines: 7 };
    let raw = generator::interchange(shape);
    let ic = parse_interchange(&raw).unwrap();
    assert!(ic.is_clean(), "{:?}", ic.errors);
    assert_eq!(ic.header.control_number, generator::INTERCHANGE_CONTROL);
    assert_eq!(ic.groups.len(), 1);
    let sets = &ic.groups[0].transaction_sets;
    assert_eq!(sets.len(), shape.sets);
    let ctx = OrderContext::new(
        OrderId::generate(),
        ChannelName::try_from("bench").unwrap(),
        Currency::from_code("USD").unwrap(),
    );
    for set in sets {
        assert_eq!(set.id, "850");
        let po = PurchaseOrder::read(set).unwrap();
        assert_eq!(po.lines.len(), shape.lines);
        assert!(po.lines.iter().all(|l| l.descriptions().len() == 1));
        let order = to_order(&po, &ctx).unwrap();
        assert_eq!(order.lines.len(), shape.lines);
        assert_eq!(order.customer.account, generator::BUYER_ACCOUNT);
    }
    // Distinct PO numbers, so every set would be a distinct order.
    let mut numbers: Vec<String> = sets
        .iter()
        .map(|s| PurchaseOrder::read(s).unwrap().number)
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), shape.sets);
}

#[test]
fn the_bench_interchange_is_about_five_megabytes_and_always_the_same() {
    let raw = generator::interchange(generator::Shape::BENCH);
    assert!((4_500_000..5_500_000).contains(&raw.len()), "{}", raw.len());
    let again = generator::interchange(generator::Shape::BENCH);
    assert!(raw == again, "the generator is deterministic");
    let ic = parse_interchange(&raw).unwrap();
    assert!(ic.is_clean());
    let lines: usize = ic.groups[0]
        .transaction_sets
        .iter()
        .map(|s| s.segments.iter().filter(|seg| seg.id() == "PO1").count())
        .sum();
    assert_eq!(lines, 2_000 * 20);
}
