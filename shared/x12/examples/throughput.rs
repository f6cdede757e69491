//! X12 throughput: how fast an interchange is parsed, and parsed, read and mapped, and at what
//! peak memory. One mode per process, so the peak RSS it prints is that mode's own.
//!
//! ```text
//! throughput generate <out-file> [--sets N] [--lines N]
//! throughput parse <file> [--rounds N]     (the file is read before each round, untimed,
//!                                           and handed to parse_interchange_owned)
//! throughput read-map <file> [--rounds N]
//! ```
//!
//! `parse` and `read-map` print one JSON object: the median MB/s (MB = 10^6 bytes) over the
//! rounds by wall clock, the mean by the thread's CPU time (what the work costs, whatever else
//! the machine is doing), the file size and the process's peak RSS (VmHWM).

#[path = "support/generator.rs"]
mod generator;

use std::hint::black_box;
use std::time::Instant;

use rust_decimal::Decimal;
use switchyard_model::{ChannelName, Currency, OrderId};
use switchyard_x12::documents::PurchaseOrder;
use switchyard_x12::{OrderContext, parse_interchange_owned, to_order};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: usize| -> usize {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a number after the flag"))
    };
    let (Some(mode), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: throughput generate|parse|read-map <file> [--sets N --lines N | --rounds N]"
        );
        std::process::exit(2);
    };
    match mode.as_str() {
        "generate" => {
            let shape = generator::Shape {
                sets: flag("--sets", generator::Shape::BENCH.sets),
                lines: flag("--lines", generator::Shape::BENCH.lines),
            };
            let bytes = generator::interchange(shape);
            std::fs::write(path, &bytes).expect("the output file is writable");
            eprintln!(
                "wrote {path}: {} sets of {} lines, {} bytes",
                shape.sets,
                shape.lines,
                bytes.len()
            );
        }
        "parse" | "read-map" => {
            let read = || std::fs::read(path).expect("the interchange file is readable");
            let file_bytes = read().len();
            let rounds = flag("--rounds", 9).max(1);
            let work: fn(Vec<u8>) -> usize = if mode == "parse" { parse } else { read_map };
            let mut seconds = Vec::with_capacity(rounds);
            let mut units = 0;
            // The scheduler updates a thread's CPU time at its ticks (4 ms here), too coarse for
            // one round; the errors of the rounds' readings cancel out in their mean.
            let mut cpu_total = 0.0;
            for _ in 0..rounds {
                // The body arrives as a buffer the parser may keep (as a request body does);
                // reading it is not part of the work timed.
                let raw = read();
                let cpu_started = thread_cpu_seconds();
                let started = Instant::now();
                units = black_box(work(black_box(raw)));
                seconds.push(started.elapsed().as_secs_f64());
                cpu_total += thread_cpu_seconds() - cpu_started;
            }
            let cpu_mean = cpu_total / rounds as f64;
            let wall_median = median(&mut seconds);
            let mb = file_bytes as f64 / 1e6;
            println!(
                "{{\"mode\":\"{mode}\",\"file_bytes\":{},\"rounds\":{rounds},\"sets\":{units},\
                 \"median_ms\":{:.3},\"mb_per_s\":{:.1},\"cpu_mean_ms\":{:.3},\
                 \"cpu_mb_per_s\":{:.1},\"peak_rss_kb\":{}}}",
                file_bytes,
                wall_median * 1e3,
                mb / wall_median,
                cpu_mean * 1e3,
                mb / cpu_mean,
                peak_rss_kb()
            );
        }
        other => {
            eprintln!("unknown mode {other:?}");
            std::process::exit(2);
        }
    }
}

/// Parses the interchange, taking over its buffer; gives back the number of sets so the work
/// cannot be skipped.
fn parse(raw: Vec<u8>) -> usize {
    let interchange = parse_interchange_owned(raw).expect("the interchange parses");
    interchange
        .groups
        .iter()
        .map(|g| g.transaction_sets.len())
        .sum()
}

/// Parses, reads every set as an 850 and maps it to a canonical order, as the EDI function
/// does for each set it accepts.
fn read_map(raw: Vec<u8>) -> usize {
    let interchange = parse_interchange_owned(raw).expect("the interchange parses");
    let channel = ChannelName::try_from("bench").expect("a valid channel name");
    let usd = Currency::from_code("USD").expect("USD");
    let mut orders = 0;
    let mut total = Decimal::ZERO;
    for set in interchange.groups.iter().flat_map(|g| &g.transaction_sets) {
        let po = PurchaseOrder::read(set).expect("every generated 850 reads");
        let ctx = OrderContext::new(OrderId::generate(), channel.clone(), usd);
        let order = to_order(&po, &ctx).expect("every generated 850 maps");
        total += Decimal::from(order.lines.len());
        orders += 1;
    }
    black_box(total);
    orders
}

/// The middle value (sorting `values`).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// CPU time this thread has run, in seconds (the scheduler's `sum_exec_runtime`, in ns, from
/// /proc/thread-self/schedstat): on a loaded machine wall-clock time mostly measures the
/// other processes, CPU time measures the work. 0 where /proc is not available.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// The peak resident set of this process in KiB (VmHWM), 0 where /proc is not available.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
