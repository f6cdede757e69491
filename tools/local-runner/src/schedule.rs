//! EventBridge schedules: a `rate(…)` rule invoking a function with a "Scheduled Event".
//!
//! Like EventBridge, a schedule does not wait for the previous invocation to finish before the
//! next is due, but the runner never queues more than one: a tick that finds the previous
//! invocation still running is skipped (a scheduled poller such as `erp-changes` would only
//! repeat the same work).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

use crate::config::ScheduleConfig;
use crate::runtime_api::FunctionRuntime;

/// The event EventBridge sends for a scheduled rule.
pub fn scheduled_event(rule: &str, region: &str) -> Value {
    json!({
        "version": "0",
        "id": ulid::Ulid::new().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": region,
        "resources": [format!("arn:aws:events:{region}:000000000000:rule/{rule}")],
        "detail": {}
    })
}

/// Invokes the schedule's function every `every_seconds` until shutdown.
pub async fn run_schedule(
    schedule: ScheduleConfig,
    function: Arc<FunctionRuntime>,
    region: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(Duration::from_secs(schedule.every_seconds));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return,
            _ = ticks.tick() => {}
        }
        let event = scheduled_event(&schedule.name, &region);
        tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return,
            result = function.invoke(event) => {
                if let Err(e) = result {
                    tracing::warn!(schedule = %schedule.name, error = %e, "scheduled invocation failed");
                }
            }
        }
    }
}
