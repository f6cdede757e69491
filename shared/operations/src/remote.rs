//! A redrive run inside AWS: the `dlq-redrive` Lambda's request and what it does with it.
//!
//! `switchyard dlq redrive … --in-aws` resolves the DLQ and its target with the operator's own
//! credentials, takes the operator's STS identity, and sends a [`RedriveRequest`]; the function
//! runs exactly [`dlq::redrive`] (send before delete, the rate, the filters, one audit entry)
//! and answers the [`Outcome`] the CLI prints as it prints a local one. The audit entry names
//! the operator *and* the function (`… via dlq-redrive`): the function's own role did the work.

use serde::{Deserialize, Serialize};

use crate::dlq::{self, DlqError, Filter, OpsPorts, Outcome, Plan, Progress};

/// What the actor of a remote redrive ends with, after the caller's identity.
pub const VIA: &str = "via dlq-redrive";

/// The `dlq-redrive` function's event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedriveRequest {
    /// The DLQ: its URL (the CLI resolves names, so the function needs no `GetQueueUrl` on
    /// queues it does not act on) or its name.
    pub queue: String,
    /// Where to send (URL or name); absent: the one queue whose redrive policy names the DLQ.
    #[serde(default)]
    pub to: Option<String>,
    /// `--filter` values as typed (`class=transient`, …), parsed by the function.
    #[serde(default)]
    pub filters: Vec<String>,
    /// Messages per second (0: as fast as SQS answers).
    #[serde(default)]
    pub rate: f64,
    /// At most this many (0: all).
    #[serde(default)]
    pub limit: usize,
    /// Really move (otherwise a dry run).
    #[serde(default)]
    pub execute: bool,
    /// Who asked: the caller's STS identity, taken by the CLI.
    pub actor: String,
}

/// The actor the audit entry names: the caller, then [`VIA`].
pub fn remote_actor(caller: &str) -> String {
    format!("{caller} {VIA}")
}

/// Runs a [`RedriveRequest`] as [`dlq::redrive`] does for the CLI. `prefix` is the stack's
/// (flows are named without it); `progress` lets the function stop before its deadline.
pub async fn redrive(
    sqs: &aws_sdk_sqs::Client,
    ports: &OpsPorts,
    prefix: Option<&str>,
    request: &RedriveRequest,
    progress: &dyn Progress,
) -> Result<Outcome, DlqError> {
    if request.actor.trim().is_empty() {
        return Err(DlqError::Usage(
            "a remote redrive names its caller (actor)".into(),
        ));
    }
    if !(request.rate >= 0.0 && request.rate.is_finite()) {
        return Err(DlqError::Usage(format!(
            "a rate is N >= 0 messages per second, not {}",
            request.rate
        )));
    }
    let filters = request
        .filters
        .iter()
        .map(|f| f.parse::<Filter>().map_err(DlqError::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    let dlq = dlq::resolve(sqs, &request.queue, prefix).await?;
    let target = match &request.to {
        Some(to) => to.clone(),
        None => dlq::source_of(sqs, &dlq, prefix).await?,
    };
    let plan = Plan {
        filters,
        limit: request.limit,
        rate: request.rate,
        execute: request.execute,
    };
    dlq::redrive(
        sqs,
        ports,
        &remote_actor(&request.actor),
        &dlq,
        &target,
        &plan,
        progress,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_reads_with_only_queue_and_actor() {
        let request: RedriveRequest =
            serde_json::from_str(r#"{"queue":"q-dlq","actor":"arn:aws:iam::1:user/ann"}"#).unwrap();
        assert_eq!(request.to, None);
        assert!(request.filters.is_empty());
        assert!(
            !request.execute,
            "a request that does not say so is a dry run"
        );
        assert_eq!(
            remote_actor(&request.actor),
            "arn:aws:iam::1:user/ann via dlq-redrive"
        );
    }
}
