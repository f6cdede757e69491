//! Running a function on the Lambda runtime with its metrics.
//!
//! [`run`] is `lambda_runtime::run` plus the Embedded Metric Format recorder
//! (`metrics_cloudwatch_embedded`): whatever [`crate::metrics`] recorded during an invocation is
//! written to stdout as one EMF document when the invocation ends, where CloudWatch Logs turns
//! it into metrics. Flushing per invocation (not on a timer) means a frozen execution
//! environment never holds metrics back.

use std::future::Future;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Installs the EMF recorder (once per process) and serves `handler` until the runtime stops.
pub async fn run<E, R, F, Fut>(handler: F) -> Result<(), Error>
where
    E: DeserializeOwned,
    R: Serialize,
    F: Fn(LambdaEvent<E>) -> Fut,
    Fut: Future<Output = Result<R, Error>>,
{
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(crate::metrics::NAMESPACE)
        .init()
        .ok();
    crate::metrics::describe();
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<E>| async move {
        let result = handler(event).await;
        if let Some(collector) = collector
            && let Err(e) = collector.flush(std::io::stdout().lock())
        {
            tracing::warn!(error = %e, "could not write the invocation's metrics");
        }
        result
    }))
    .await
}
