//! Replaying events from the bus's EventBridge archive (`switchyard replay`).
//!
//! Terraform archives every Switchyard event of the bus (`infra/modules/event_bus`). A replay
//! sends the archived events of a time window back onto the bus, *only to the rules that route
//! the types asked for* (`Destination.FilterArns`), so a replay of `OrderAccepted` does not also
//! re-push every stock level of the window. EventBridge cannot filter a replay by event type,
//! only by rule: a rule chosen for one type also receives the other types it routes from the
//! window. That is safe because every consumer de-duplicates on the envelope id (a replayed
//! event keeps its `detail`, hence its envelope id); [`plan`] names those rules so the operator
//! sees it before executing.
//!
//! moto (the local emulator, 5.2.5) ignores the window and `FilterArns`: it replays the whole
//! archive to every rule of the bus whose pattern matches. Locally a replay therefore sends
//! more; the consumers' idempotency is what the live test proves either way.

use std::time::Duration;

use aws_sdk_eventbridge::types::{ReplayDestination, ReplayState};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use switchyard_failures::{AuditEntry, AuditLog};

/// Why a replay could not be planned or run.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// EventBridge refused or could not be reached.
    #[error("EventBridge {operation}: {message}")]
    EventBridge {
        /// The EventBridge call.
        operation: &'static str,
        /// The SDK's error, with its source chain.
        message: String,
    },
    /// The audit log could not be written.
    #[error("ops table: {0}")]
    Ops(String),
    /// The request cannot be carried out as given (no archive, bad window, no rule routes a type).
    #[error("{0}")]
    Usage(String),
}

fn eb_error<E: std::error::Error + 'static>(operation: &'static str, error: E) -> ReplayError {
    ReplayError::EventBridge {
        operation,
        message: aws_sdk_eventbridge::error::DisplayErrorContext(error).to_string(),
    }
}

/// What to replay.
#[derive(Debug, Clone)]
pub struct ReplayRequest {
    /// The bus (name or ARN) whose archive to replay.
    pub bus: String,
    /// Events archived at or after this.
    pub from: DateTime<Utc>,
    /// Events archived before this.
    pub to: DateTime<Utc>,
    /// Only the rules routing these detail-types (empty: every rule of the bus).
    pub types: Vec<String>,
}

/// The bus archive a replay reads.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveInfo {
    /// Its name.
    pub name: String,
    /// Its ARN (the replay's source).
    pub arn: String,
    /// The bus it archives.
    pub bus_arn: String,
    /// Events it holds (the whole archive: EventBridge does not count per window).
    pub event_count: i64,
    /// Days it keeps an event (0: forever).
    pub retention_days: i32,
    /// `ENABLED`, …
    pub state: String,
}

/// A rule that would receive the replayed events.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRoute {
    /// Its name.
    pub name: String,
    /// Its ARN (one of the replay's `FilterArns`).
    pub arn: String,
    /// The detail-types its pattern names (empty: it routes by source alone).
    pub detail_types: Vec<String>,
    /// Why it was chosen.
    pub reason: String,
}

/// What a replay would do: the dry run's answer, and what [`execute`] starts.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayPlan {
    /// The archive.
    pub archive: ArchiveInfo,
    /// The window's start.
    pub from: DateTime<Utc>,
    /// The window's end.
    pub to: DateTime<Utc>,
    /// The types asked for (empty: all).
    pub types: Vec<String>,
    /// The rules that would receive the events.
    pub rules: Vec<RuleRoute>,
    /// Types asked for that no rule names (only a rule routing by source could receive them:
    /// a typo, or a type nothing consumes).
    pub unnamed_types: Vec<String>,
}

/// What a replay did.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayOutcome {
    /// The plan it carried out.
    pub plan: ReplayPlan,
    /// The replay's name (`aws events describe-replay --replay-name …`).
    pub replay_name: String,
    /// Its final state: `COMPLETED`, `FAILED` or `CANCELLED`.
    pub state: String,
    /// EventBridge's reason, when it gives one.
    pub reason: Option<String>,
    /// The audit entry written.
    pub audit_id: String,
}

/// Progress of a running replay, as the CLI shows it.
pub trait ReplayProgress: Send + Sync {
    /// The replay's state and how far through the window it is (0.0 to 1.0, when known).
    fn update(&self, state: &str, fraction: Option<f64>);
    /// True once the operator asked to stop: the replay is cancelled.
    fn interrupted(&self) -> bool;
}

/// Finds the bus's archive (its source is the bus). Exactly one is expected: Terraform creates
/// one; several are a usage error naming them.
pub async fn archive_of(
    eb: &aws_sdk_eventbridge::Client,
    bus: &str,
) -> Result<ArchiveInfo, ReplayError> {
    let bus = eb
        .describe_event_bus()
        .name(bus)
        .send()
        .await
        .map_err(|e| eb_error("DescribeEventBus", e))?;
    let bus_arn = bus.arn.unwrap_or_default();
    let listed = eb
        .list_archives()
        .event_source_arn(&bus_arn)
        .send()
        .await
        .map_err(|e| eb_error("ListArchives", e))?;
    let names: Vec<String> = listed
        .archives()
        .iter()
        .filter_map(|a| a.archive_name.clone())
        .collect();
    let name = match names.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(ReplayError::Usage(format!(
                "the bus {bus_arn} has no archive (Terraform's event_bus module creates one unless archive_retention_days = null)"
            )));
        }
        many => {
            return Err(ReplayError::Usage(format!(
                "the bus {bus_arn} has several archives ({})",
                many.join(", ")
            )));
        }
    };
    let archive = eb
        .describe_archive()
        .archive_name(&name)
        .send()
        .await
        .map_err(|e| eb_error("DescribeArchive", e))?;
    Ok(ArchiveInfo {
        name,
        arn: archive.archive_arn.unwrap_or_default(),
        bus_arn,
        event_count: archive.event_count,
        retention_days: archive.retention_days.unwrap_or(0),
        state: archive
            .state
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    })
}

/// The detail-types a rule's pattern names, `None` when it does not constrain them.
fn detail_types_of(pattern: &Value) -> Option<Vec<String>> {
    let types = pattern.get("detail-type")?.as_array()?;
    Some(
        types
            .iter()
            .map(|t| match t {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
    )
}

/// Chooses the rules for `types` among `(name, arn, pattern)`: a rule naming one of the types
/// in its `detail-type`, or a rule that constrains no detail-type (it routes by source, and
/// may receive them). No types: every rule.
pub fn routes_for(rules: &[(String, String, Value)], types: &[String]) -> Vec<RuleRoute> {
    rules
        .iter()
        .filter_map(|(name, arn, pattern)| {
            let named = detail_types_of(pattern);
            let reason = match (&named, types.is_empty()) {
                (_, true) => "every rule (no --type)".to_string(),
                (Some(named), false) => {
                    let hit: Vec<&String> = types.iter().filter(|t| named.contains(t)).collect();
                    if hit.is_empty() {
                        return None;
                    }
                    format!(
                        "routes {}",
                        hit.iter()
                            .map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
                (None, false) => format!(
                    "routes by source ({}), not by type: receives the types whose source it names",
                    pattern.get("source").map_or("any".into(), Value::to_string)
                ),
            };
            Some(RuleRoute {
                name: name.clone(),
                arn: arn.clone(),
                detail_types: named.unwrap_or_default(),
                reason,
            })
        })
        .collect()
}

/// The dry run: the archive, the window, the types and the rules that would receive them.
pub async fn plan(
    eb: &aws_sdk_eventbridge::Client,
    request: &ReplayRequest,
) -> Result<ReplayPlan, ReplayError> {
    if request.from >= request.to {
        return Err(ReplayError::Usage(format!(
            "--from ({}) must be before --to ({})",
            request.from.to_rfc3339(),
            request.to.to_rfc3339()
        )));
    }
    let archive = archive_of(eb, &request.bus).await?;
    let mut rules = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = eb
            .list_rules()
            .event_bus_name(&request.bus)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| eb_error("ListRules", e))?;
        for rule in page.rules() {
            // Managed rules (the archive's own) and disabled ones receive nothing from a replay.
            let disabled = rule.state.as_ref().is_some_and(|s| s.as_str() != "ENABLED");
            if rule.managed_by.is_some() || disabled {
                continue;
            }
            let Some(pattern) = rule
                .event_pattern
                .as_deref()
                .and_then(|p| serde_json::from_str::<Value>(p).ok())
            else {
                continue; // a schedule: no pattern, nothing replayed reaches it
            };
            rules.push((
                rule.name.clone().unwrap_or_default(),
                rule.arn.clone().unwrap_or_default(),
                pattern,
            ));
        }
        next = page.next_token;
        if next.is_none() {
            break;
        }
    }
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    let routes = routes_for(&rules, &request.types);
    if routes.is_empty() {
        return Err(ReplayError::Usage(format!(
            "no rule of the bus routes {}: nothing would receive them",
            request.types.join(", ")
        )));
    }
    let unnamed_types = request
        .types
        .iter()
        .filter(|t| !routes.iter().any(|r| r.detail_types.contains(t)))
        .cloned()
        .collect();
    Ok(ReplayPlan {
        archive,
        from: request.from,
        to: request.to,
        types: request.types.clone(),
        rules: routes,
        unnamed_types,
    })
}

fn smithy_time(at: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_millis(at.timestamp_millis())
}

/// Starts the replay of `plan`, waits for it (polling every `poll`), cancels it if the
/// operator interrupts, and appends the audit entry `replay` with how it ended.
pub async fn execute(
    eb: &aws_sdk_eventbridge::Client,
    audit: &dyn AuditLog,
    actor: &str,
    plan: ReplayPlan,
    poll: Duration,
    progress: &dyn ReplayProgress,
) -> Result<ReplayOutcome, ReplayError> {
    // Unique per run, and says what it is in the console: `switchyard-replay-<ulid>`.
    let replay_name = format!("switchyard-replay-{}", ulid::Ulid::new()).to_lowercase();
    eb.start_replay()
        .replay_name(&replay_name)
        .description(format!(
            "switchyard replay by {actor}: {} from {} to {}",
            if plan.types.is_empty() {
                "every type".to_string()
            } else {
                plan.types.join(", ")
            },
            plan.from.to_rfc3339(),
            plan.to.to_rfc3339()
        ))
        .event_source_arn(&plan.archive.arn)
        .event_start_time(smithy_time(plan.from))
        .event_end_time(smithy_time(plan.to))
        .destination(
            ReplayDestination::builder()
                .arn(&plan.archive.bus_arn)
                .set_filter_arns(Some(plan.rules.iter().map(|r| r.arn.clone()).collect()))
                .build()
                .map_err(|e| ReplayError::Usage(e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| eb_error("StartReplay", e))?;
    let window_ms = (plan.to - plan.from).num_milliseconds().max(1) as f64;
    let mut cancelled = false;
    let (state, reason) = loop {
        let described = eb
            .describe_replay()
            .replay_name(&replay_name)
            .send()
            .await
            .map_err(|e| eb_error("DescribeReplay", e))?;
        let state = described.state.clone();
        let fraction = described.event_last_replayed_time.map(|t| {
            ((t.to_millis().unwrap_or(0) - plan.from.timestamp_millis()) as f64 / window_ms)
                .clamp(0.0, 1.0)
        });
        let name = state.as_ref().map_or("STARTING", |s| s.as_str());
        progress.update(name, fraction);
        if let Some(ReplayState::Completed | ReplayState::Failed | ReplayState::Cancelled) = state {
            break (name.to_string(), described.state_reason);
        }
        if progress.interrupted() && !cancelled {
            cancelled = true;
            eb.cancel_replay()
                .replay_name(&replay_name)
                .send()
                .await
                .map_err(|e| eb_error("CancelReplay", e))?;
        }
        tokio::time::sleep(poll).await;
    };
    let mut entry = AuditEntry::new(actor, "replay", &plan.archive.name);
    // EventBridge reports no count of replayed events; the archive's is the upper bound.
    entry.count = plan.archive.event_count.max(0) as u64;
    entry.outcome = match state.as_str() {
        "COMPLETED" => "ok",
        "CANCELLED" => "partial",
        _ => "failed",
    }
    .into();
    entry.details = json!({
        "replay_name": replay_name,
        "state": state,
        "reason": reason,
        "from": plan.from.to_rfc3339(),
        "to": plan.to.to_rfc3339(),
        "types": plan.types,
        "rules": plan.rules.iter().map(|r| &r.name).collect::<Vec<_>>(),
        "archive_event_count": plan.archive.event_count,
    });
    audit
        .append(&entry)
        .await
        .map_err(|e| ReplayError::Ops(e.to_string()))?;
    Ok(ReplayOutcome {
        plan,
        replay_name,
        state,
        reason,
        audit_id: entry.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<(String, String, Value)> {
        vec![
            (
                "sy-all-events".into(),
                "arn:r/sy-all-events".into(),
                json!({"source": ["switchyard.orders"]}),
            ),
            (
                "sy-edi".into(),
                "arn:r/sy-edi".into(),
                json!({"source": [{"prefix": "switchyard."}], "detail-type": ["OrderAccepted", "OrderShipped"]}),
            ),
            (
                "sy-stock".into(),
                "arn:r/sy-stock".into(),
                json!({"source": [{"prefix": "switchyard."}], "detail-type": ["InventoryChanged"]}),
            ),
        ]
    }

    #[test]
    fn a_type_chooses_the_rules_naming_it_and_those_routing_by_source() {
        let chosen: Vec<String> = routes_for(&rules(), &["OrderAccepted".into()])
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(chosen, ["sy-all-events", "sy-edi"]);
    }

    #[test]
    fn no_type_chooses_every_rule_and_an_unrouted_type_none() {
        assert_eq!(routes_for(&rules(), &[]).len(), 3);
        let only_source = routes_for(&rules()[1..], &["Nobody".into()]);
        assert!(only_source.is_empty());
    }
}
