//! A deterministic X12 interchange of 850 purchase orders, the input of the throughput bench.
//!
//! Shared by `examples/throughput.rs` (which writes it to a file) and `tests/generator.rs`
//! (which checks that every set it makes is accepted), through `#[path]`, so the library itself
//! carries no bench code.

use std::fmt::Write;

/// The shape of a generated interchange.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Transaction sets (850s), all in one functional group.
    pub sets: usize,
    /// PO1 lines in each set, each followed by a PID description.
    pub lines: usize,
}

impl Shape {
    /// The bench's interchange: 2,000 850s of 20 PO1 lines, about 5 MB.
    pub const BENCH: Shape = Shape {
        sets: 2_000,
        lines: 20,
    };
}

/// The ISA13/IEA02 control number of every generated interchange.
pub const INTERCHANGE_CONTROL: &str = "000004471";

/// The ERP customer the generated buyer (N1*BY N104) names.
pub const BUYER_ACCOUNT: &str = "ACME-001";

const CITIES: [(&str, &str, &str); 4] = [
    ("Columbus", "OH", "43215"),
    ("Solon", "OH", "44139"),
    ("Joliet", "IL", "60431"),
    ("Reno", "NV", "89502"),
];

const PRODUCTS: [(&str, &str); 5] = [
    ("WIDGET", "Widget, stainless, boxed"),
    ("GADGET", "Gadget, large, case of 12"),
    ("BOLT-M8", "Hex bolt M8 x 40, zinc plated"),
    ("HINGE", "Cabinet hinge, soft close, pair"),
    ("BRACKET", "Shelf bracket, steel, 300 mm"),
];

/// Writes the interchange: `~` terminators, `*` elements, `>` components, version 00401 /
/// 004010, every count and control number consistent so that the parser accepts every set.
/// The same shape always gives the same bytes.
pub fn interchange(shape: Shape) -> Vec<u8> {
    // About 2.5 KB a set of 20 lines; reserving avoids regrowing a multi-megabyte string.
    let mut out = String::with_capacity(600 + shape.sets * (260 + shape.lines * 110));
    out.push_str(
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     \
         *240105*1030*U*00401*",
    );
    out.push_str(INTERCHANGE_CONTROL);
    out.push_str("*0*P*>~");
    out.push_str("GS*PO*ACMEBUYER*SWITCHYARD*20240105*1030*4471*X*004010~");
    for set in 1..=shape.sets {
        write_set(&mut out, set, shape.lines);
    }
    let _ = write!(out, "GE*{}*4471~IEA*1*{INTERCHANGE_CONTROL}~", shape.sets);
    out.into_bytes()
}

fn write_set(out: &mut String, set: usize, lines: usize) {
    let control = format!("{set:04}");
    let start = out.len();
    // Every segment ends with `~`; counting them afterwards gives SE01 without bookkeeping.
    let _ = write!(out, "ST*850*{control}~");
    let day = 1 + set % 28;
    let (city, state, zip) = CITIES[set % CITIES.len()];
    let _ = write!(
        out,
        "BEG*00*SA*PO-{set:06}**202401{day:02}~\
         REF*DP*{dept:03}~\
         REF*IA*VEND-{vendor}~\
         DTM*010*202402{day:02}~\
         DTM*002*202403{day:02}~\
         N1*BY*Acme Retail Inc*92*{BUYER_ACCOUNT}~\
         N1*BT*Acme Retail Accounts Payable*92*ACME-AP~\
         N3*PO Box {pobox}~\
         N4*Cleveland*OH*44101*US~\
         N1*ST*Acme Distribution Center {dc}*92*DC-{dc:03}~\
         N3*{street} Commerce Parkway*Dock {dock}~\
         N4*{city}*{state}*{zip}*US~",
        dept = set % 97,
        vendor = 880 + set % 13,
        pobox = 900 + set % 50,
        dc = set % 40,
        street = 4000 + set % 600,
        dock = 1 + set % 9,
    );
    let mut quantity_total = 0u64;
    for line in 1..=lines {
        let (sku, description) = PRODUCTS[(set + line) % PRODUCTS.len()];
        let quantity = 1 + (set * 7 + line * 3) % 48;
        quantity_total += quantity as u64;
        let cents = 125 + (set * 31 + line * 17) % 9_000;
        let _ = write!(
            out,
            "PO1*{line}*{quantity}*EA*{}.{:02}*PE*VN*{sku}-{variant:03}*UP*0{upc:011}*BP*BUY-{line:05}~\
             PID*F****{description}, lot {lot}~",
            cents / 100,
            cents % 100,
            variant = line % 50,
            upc = 12_345_678_905u64 + line as u64,
            lot = set % 1_000,
        );
    }
    let _ = write!(out, "CTT*{lines}*{quantity_total}~");
    let segments = out[start..].bytes().filter(|b| *b == b'~').count();
    // SE counts itself too.
    let _ = write!(out, "SE*{}*{control}~", segments + 1);
}
