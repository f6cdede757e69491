//! Flow-health metrics, named once.
//!
//! Functions call these instead of the `metrics` macros so every metric has one name, one unit
//! and the same dimensions everywhere: the CloudWatch dashboard and alarms in
//! `infra/modules/monitoring` query exactly these names (namespace [`NAMESPACE`]). On Lambda
//! [`crate::lambda::run`] installs a recorder that writes them as CloudWatch Embedded Metric
//! Format documents to stdout after each invocation; without it (tests, tools) they cost
//! nothing.

use std::time::Duration;

/// The CloudWatch namespace.
pub const NAMESPACE: &str = "Switchyard";

/// Orders taken in, per channel (202 at intake).
pub const ORDERS_RECEIVED: &str = "OrdersReceived";
/// Orders the ERP confirmed, per channel.
pub const ORDERS_ACCEPTED: &str = "OrdersAccepted";
/// Orders refused (by the ERP or by the rules), per channel.
pub const ORDERS_REJECTED: &str = "OrdersRejected";
/// One ERP posting, in milliseconds.
pub const ERP_POSTING_LATENCY: &str = "ErpPostingLatency";
/// Messages put back for a later attempt, per flow.
pub const RETRIES: &str = "Retries";
/// Messages that failed their last delivery and went to a DLQ, per flow.
pub const DLQ_ARRIVALS: &str = "DlqArrivals";
/// Repeated requests answered from the idempotency record, per channel.
pub const IDEMPOTENT_REPLAYS: &str = "IdempotentReplays";
/// Webhooks refused for a bad signature, per channel.
pub const SIGNATURE_FAILURES: &str = "SignatureFailures";
/// ERP change → channel acknowledgement of a stock level, in milliseconds, per channel.
pub const INVENTORY_LAG: &str = "InventoryLag";
/// Pushes (stock or fulfilment) a channel did not take, per channel.
pub const PUSH_FAILURES: &str = "PushFailures";

/// The per-channel dimension.
pub const CHANNEL: &str = "channel";
/// The per-flow dimension.
pub const FLOW: &str = "flow";

/// Gives each metric its CloudWatch unit (call once, after installing the recorder).
pub fn describe() {
    for name in [
        ORDERS_RECEIVED,
        ORDERS_ACCEPTED,
        ORDERS_REJECTED,
        RETRIES,
        DLQ_ARRIVALS,
        IDEMPOTENT_REPLAYS,
        SIGNATURE_FAILURES,
        PUSH_FAILURES,
    ] {
        metrics::describe_counter!(name, metrics::Unit::Count, "");
    }
    for name in [ERP_POSTING_LATENCY, INVENTORY_LAG] {
        metrics::describe_histogram!(name, metrics::Unit::Milliseconds, "");
    }
}

/// Counts once per `dimension` value and once in total: the dashboard charts the former, the
/// alarms (error rate, which CloudWatch cannot sum across dimensions in a plain metric query)
/// read the latter.
fn count(name: &'static str, dimension: &'static str, value: &str) {
    metrics::counter!(name, dimension => value.to_string()).increment(1);
    metrics::counter!(name).increment(1);
}

/// An order was taken in from `channel`.
pub fn order_received(channel: &str) {
    count(ORDERS_RECEIVED, CHANNEL, channel);
}

/// The ERP confirmed an order of `channel`.
pub fn order_accepted(channel: &str) {
    count(ORDERS_ACCEPTED, CHANNEL, channel);
}

/// An order of `channel` was refused.
pub fn order_rejected(channel: &str) {
    count(ORDERS_REJECTED, CHANNEL, channel);
}

/// One ERP posting took `elapsed`.
pub fn erp_posting(elapsed: Duration) {
    metrics::histogram!(ERP_POSTING_LATENCY).record(elapsed.as_secs_f64() * 1000.0);
}

/// A message of `flow` was put back for another attempt.
pub fn retry(flow: &str) {
    count(RETRIES, FLOW, flow);
}

/// A message of `flow` failed its last delivery and is on its way to the DLQ.
pub fn dlq_arrival(flow: &str) {
    count(DLQ_ARRIVALS, FLOW, flow);
}

/// A repeated request from `channel` was answered from its idempotency record.
pub fn idempotent_replay(channel: &str) {
    count(IDEMPOTENT_REPLAYS, CHANNEL, channel);
}

/// A webhook claiming to be from `channel` had a bad signature.
pub fn signature_failure(channel: &str) {
    count(SIGNATURE_FAILURES, CHANNEL, channel);
}

/// `channel` acknowledged a stock level `lag_ms` after the ERP changed it.
pub fn inventory_lag(channel: &str, lag_ms: i64) {
    metrics::histogram!(INVENTORY_LAG, CHANNEL => channel.to_string()).record(lag_ms.max(0) as f64);
}

/// `channel` did not take a push.
pub fn push_failure(channel: &str) {
    count(PUSH_FAILURES, CHANNEL, channel);
}

#[cfg(test)]
mod tests {
    #[test]
    fn recorded_metrics_come_out_as_one_emf_document_in_the_switchyard_namespace() {
        let collector = metrics_cloudwatch_embedded::Builder::new()
            .cloudwatch_namespace(super::NAMESPACE)
            .init()
            .expect("the only recorder in this test binary");
        super::describe();
        super::order_accepted("shop-a");
        super::order_accepted("shop-a");
        super::erp_posting(std::time::Duration::from_millis(42));
        let mut out = vec![];
        collector.flush(&mut out).unwrap();
        let documents: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("EMF is JSON"))
            .collect();
        let accepted = documents
            .iter()
            .find(|d| d.get(super::ORDERS_ACCEPTED).is_some() && d.get(super::CHANNEL).is_some())
            .expect("an OrdersAccepted document for the channel");
        let total = documents
            .iter()
            .find(|d| d.get(super::ORDERS_ACCEPTED).is_some() && d.get(super::CHANNEL).is_none())
            .expect("an OrdersAccepted document in total, for the alarms");
        assert_eq!(total[super::ORDERS_ACCEPTED], 2);
        assert_eq!(
            total["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0],
            serde_json::json!([])
        );
        assert_eq!(accepted[super::ORDERS_ACCEPTED], 2);
        assert_eq!(accepted[super::CHANNEL], "shop-a");
        let directive = &accepted["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Switchyard");
        assert_eq!(directive["Dimensions"][0][0], super::CHANNEL);
        let latency = documents
            .iter()
            .find(|d| d.get(super::ERP_POSTING_LATENCY).is_some())
            .expect("an ErpPostingLatency document");
        assert_eq!(latency[super::ERP_POSTING_LATENCY][0], 42.0, "{latency}");
        assert_eq!(
            latency["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
            "Milliseconds"
        );
    }
}
