//! The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`), served on the
//! runner's HTTP port beside API Gateway, so a client built with `aws-sdk-lambda` (the CLI's
//! `dlq redrive --in-aws`) invokes the local instances exactly as it would invoke AWS Lambda.
//!
//! Only synchronous invocations (`RequestResponse`, the default) are played: a client asking
//! for `Event` or `DryRun` gets `InvalidParameterValueException` rather than a silent success.
//! As AWS does, a function error is a `200` with `X-Amz-Function-Error: Unhandled` and the
//! runtime's `{errorType, errorMessage}` as the payload; an unknown function is a `404`
//! `ResourceNotFoundException`; a timeout is the runtime's `Task timed out` error payload.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::{Functions, InvokeError};

/// The route, relative to the root of the runner's listener.
pub const INVOKE_PATH: &str = "/2015-03-31/functions/{name}/invocations";

/// The Invoke API over `functions`.
pub fn router(functions: Functions) -> Router {
    Router::new()
        .route(INVOKE_PATH, post(invoke))
        .with_state(functions)
}

/// An AWS REST-JSON error: the SDK reads its code from `x-amzn-errortype`.
fn aws_error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        [
            ("x-amzn-errortype", code),
            ("content-type", "application/json"),
        ],
        json!({ "Type": "User", "message": message }).to_string(),
    )
        .into_response()
}

async fn invoke(
    State(functions): State<Functions>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The SDK sends the name, a partial ARN or a full ARN: the function name is the part
    // after `function:` (and before a `:qualifier`).
    let name = name
        .rsplit_once("function:")
        .map_or(name.as_str(), |(_, rest)| rest)
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let invocation_type = headers
        .get("x-amz-invocation-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("RequestResponse");
    if invocation_type != "RequestResponse" {
        return aws_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            format!(
                "the local runner plays only RequestResponse invocations, not {invocation_type}"
            ),
        );
    }
    if functions.get(&name).is_none() {
        return aws_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("Function not found: {name}"),
        );
    }
    let event: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(event) => event,
            Err(e) => {
                return aws_error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestContentException",
                    format!("could not parse request body into json: {e}"),
                );
            }
        }
    };
    let function_error = |error_type: &str, message: String| {
        (
            StatusCode::OK,
            [
                ("x-amz-function-error", "Unhandled"),
                ("x-amz-executed-version", "$LATEST"),
                ("content-type", "application/json"),
            ],
            json!({ "errorType": error_type, "errorMessage": message }).to_string(),
        )
            .into_response()
    };
    match functions.invoke(&name, event).await {
        Ok(result) => (
            StatusCode::OK,
            [
                ("x-amz-executed-version", "$LATEST"),
                ("content-type", "application/json"),
            ],
            result.to_string(),
        )
            .into_response(),
        Err(InvokeError::FunctionError {
            error_type,
            message,
        }) => function_error(&error_type, message),
        Err(InvokeError::Timeout) => function_error("Sandbox.Timedout", "Task timed out".into()),
        Err(InvokeError::Crashed) => function_error(
            "Runtime.ExitError",
            "the function's instance exited before answering".into(),
        ),
    }
}
