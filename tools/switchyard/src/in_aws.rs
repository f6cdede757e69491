//! `switchyard dlq redrive … --in-aws`: the redrive runs in the `dlq-redrive` Lambda (inside
//! AWS, with the function's role), invoked synchronously; this side resolves the queues and the
//! caller's identity and prints the outcome exactly as a local redrive's.
//!
//! The function is `SWITCHYARD_DLQ_REDRIVE_FUNCTION`, else `<prefix>-dlq-redrive` (Terraform's
//! name). Locally, the runner serves the Invoke API: `.switchyard/<stack>/local.env` sets
//! `AWS_ENDPOINT_URL_LAMBDA` to it and names the function as the runner knows it.

use aws_sdk_lambda::primitives::Blob;
use switchyard::dlq::{DlqError, Outcome};
use switchyard_operations::remote::RedriveRequest;

/// The function's name.
fn function_name(prefix: Option<&str>) -> String {
    std::env::var("SWITCHYARD_DLQ_REDRIVE_FUNCTION")
        .ok()
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| format!("{}-dlq-redrive", prefix.unwrap_or("switchyard")))
}

/// Invokes the `dlq-redrive` function with `request` and waits for its outcome.
pub async fn redrive(
    config: &aws_config::SdkConfig,
    prefix: Option<&str>,
    request: &RedriveRequest,
) -> Result<Outcome, DlqError> {
    let lambda = aws_sdk_lambda::Client::new(config);
    let function = function_name(prefix);
    let payload = serde_json::to_vec(request).map_err(|e| DlqError::Usage(e.to_string()))?;
    let answer = lambda
        .invoke()
        .function_name(&function)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|e| DlqError::Sqs {
            operation: "Lambda Invoke (dlq-redrive)",
            message: aws_sdk_lambda::error::DisplayErrorContext(e).to_string(),
        })?;
    let body = answer.payload.map(Blob::into_inner).unwrap_or_default();
    if let Some(kind) = answer.function_error {
        let error: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        return Err(DlqError::Ops(format!(
            "{function} failed ({kind}): {} {}",
            error["errorType"].as_str().unwrap_or(""),
            error["errorMessage"].as_str().map_or_else(
                || String::from_utf8_lossy(&body).into_owned(),
                str::to_string
            )
        )));
    }
    serde_json::from_slice(&body).map_err(|e| {
        DlqError::Ops(format!(
            "{function} answered something that is not a redrive outcome ({e}): {}",
            String::from_utf8_lossy(&body)
        ))
    })
}
