//! Hostile input: whatever bytes arrive, the endpoint flow neither panics nor allocates
//! without bound, and every CONTRL it writes reads back cleanly.

use proptest::prelude::*;
use switchyard_edifact::write::{
    ContrlReport, OrderResponse, OutboundEnvelope, contrl, order_response,
};
use switchyard_edifact::{
    Document, OrderContext, parse_interchange, read_header, read_message, to_order,
};
use switchyard_model::{ChannelName, Currency, OrderId};

const SAMPLES: [&[u8]; 3] = [
    include_bytes!("../samples/orders-d96a-una.edi"),
    include_bytes!("../samples/orders-eancom-d01b.edi"),
    include_bytes!("../samples/orders-malformed.edi"),
];

fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2024, 1, 5)
        .unwrap()
        .and_hms_opt(11, 0, 0)
        .unwrap()
}

/// The endpoint flow; returns the CONTRL bytes when one can be addressed.
fn flow(raw: &[u8]) -> Option<Vec<u8>> {
    let ic = match parse_interchange(raw) {
        Ok(ic) => ic,
        Err(error) => {
            let (d, header) = read_header(raw).ok()?;
            let env = OutboundEnvelope::answering(&header, &d, "1", now());
            return Some(contrl(&env, &ContrlReport::rejecting(&header, &error)));
        }
    };
    let mut report = ContrlReport::from_interchange(&ic);
    for message in ic.all_messages() {
        let Some(r) = report.message_mut(&message.reference) else {
            continue;
        };
        match read_message(message, &ic.delimiters) {
            Ok(Document::Orders(o)) => {
                let ctx = OrderContext::new(
                    OrderId::generate(),
                    ChannelName::try_from("p").unwrap(),
                    Currency::from_code("EUR").unwrap(),
                );
                if let Err(problems) = to_order(&o, &ctx) {
                    problems.0.iter().for_each(|p| r.reject(p));
                }
                // The ORDRSP of whatever was read must read back too.
                let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "2", now());
                let bytes = order_response(&env, &OrderResponse::for_order(&o));
                let back = parse_interchange(&bytes).expect("our ORDRSP parses");
                assert!(back.is_clean(), "{:?}", back.messages[0].errors);
            }
            Ok(_) => {}
            Err(errors) => errors.iter().for_each(|e| r.reject(e)),
        }
    }
    let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "1", now());
    Some(contrl(&env, &report))
}

fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..SAMPLES.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8),
    )
        .prop_map(|(sample, edits)| {
            let mut bytes = SAMPLES[sample].to_vec();
            for (at, byte, kind) in edits {
                if bytes.is_empty() {
                    break;
                }
                let i = at.index(bytes.len());
                match kind {
                    0 => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ => bytes.truncate(i),
                }
            }
            bytes
        })
}

proptest! {
    #[test]
    fn mutated_samples_never_panic_and_every_contrl_reads_back(raw in mutated()) {
        if let Some(out) = flow(&raw) {
            let ic = parse_interchange(&out).expect("our CONTRL parses");
            prop_assert!(ic.is_clean(), "{:?}", ic.errors);
            let read = read_message(&ic.messages[0], &ic.delimiters);
            prop_assert!(matches!(read, Ok(Document::Contrl(_))), "{read:?}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = flow(&raw);
        let mut with_header = b"UNB+UNOC:3+S+R+240105:1030+1'".to_vec();
        with_header.extend(&raw);
        let _ = flow(&with_header);
    }
}
