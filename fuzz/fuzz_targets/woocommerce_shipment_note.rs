//! WooCommerce order notes, read to recognise an earlier shipment push. Notes are free text that
//! store staff and plugins write too, so any text may arrive.
#![no_main]

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use switchyard_fulfilment::ChannelShipment;
use switchyard_woocommerce::fulfilment::{note_text, parse_note};

fuzz_target!(|text: &str| {
    let Some(note) = parse_note(text) else {
        return;
    };
    // parse → write → parse: the note we would write for what was read reads back the same.
    let shipment = ChannelShipment {
        channel_order_id: "1".into(),
        shipment_id: note.shipment_id.clone(),
        lines: note.lines.clone(),
        carrier: None,
        service: None,
        tracking_numbers: note.tracking_numbers.clone(),
        shipped_at: DateTime::from_timestamp(0, 0).unwrap(),
        completes_order: false,
    };
    let written = note_text(&shipment);
    assert_eq!(parse_note(&written).as_ref(), Some(&note), "{written:?}");
});
