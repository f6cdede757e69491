//! A tiny Lambda function built on the real `lambda_runtime`, used by `tests/runner.rs`.
//! The API Gateway event's `pathParameters.action` selects the behaviour.
#![forbid(unsafe_code)]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, ctx) = event.into_parts();
    let action = payload["pathParameters"]["action"]
        .as_str()
        .unwrap_or("echo")
        .to_owned();
    println!("handling {action}");
    eprintln!("stderr line for {action}");
    match action.as_str() {
        "error" => Err("requested failure".into()),
        "exit" => std::process::exit(3),
        "sleep" => {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            Ok(json!({"statusCode": 200, "body": "slept"}))
        }
        _ => {
            if action == "nap" {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            let remaining_ms = ctx
                .deadline()
                .duration_since(std::time::SystemTime::now())
                .map_or(0, |d| d.as_millis() as u64);
            let env = |k: &str| std::env::var(k).unwrap_or_default();
            let body = json!({
                "pid": std::process::id(),
                "remaining_ms": remaining_ms,
                "request_id": ctx.request_id,
                "arn": ctx.invoked_function_arn,
                "function_name": env("AWS_LAMBDA_FUNCTION_NAME"),
                "memory": env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
                "version": env("AWS_LAMBDA_FUNCTION_VERSION"),
                "log_group": env("AWS_LAMBDA_LOG_GROUP_NAME"),
                "region": env("AWS_REGION"),
                "custom": env("ECHO_CUSTOM"),
                "event": payload,
            });
            Ok(json!({
                "statusCode": 201,
                "headers": {"content-type": "application/json"},
                "cookies": ["c=1"],
                "body": body.to_string(),
            }))
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
