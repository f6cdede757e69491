//! The runner's Lambda Invoke API, driven by the real `aws-sdk-lambda` client (as
//! `switchyard dlq redrive --in-aws` drives it) against the real `switchyard-local` binary and
//! the `echo-fn` example (a real `lambda_runtime` function).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use serde_json::{Value, json};
use switchyard_e2e::wait_until;

struct Runner {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start_runner() -> Runner {
    let exe = std::env::current_exe().unwrap();
    let examples = exe.parent().unwrap().parent().unwrap().join("examples");
    assert!(
        examples.join("echo-fn").is_file(),
        "echo-fn example missing"
    );
    let dir = std::env::temp_dir().join(format!("switchyard-local-invoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = json!({
        "region": "us-east-1",
        "functions": {
            "echo": {"binary": "echo-fn", "timeout_seconds": "1", "memory_mb": 128, "concurrency": 1,
                     "environment": {}}
        },
        "routes": [{"route_key": "POST /echo/{action}", "function": "echo"}],
        "sqs": []
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    let ready = dir.join("ready");
    let child = Command::new(env!("CARGO_BIN_EXE_switchyard-local"))
        .arg("--config")
        .arg(dir.join("config.json"))
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--bin-dir")
        .arg(&examples)
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let ready_ref = &ready;
    wait_until(
        Duration::from_secs(30),
        "the runner's ready file",
        || async move { ready_ref.exists() },
    )
    .await;
    let url = std::fs::read_to_string(&ready).unwrap();
    Runner { child, url, dir }
}

async fn lambda(url: &str) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
        .region(aws_sdk_lambda::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url(url)
        .http_client(switchyard_platform::aws::https_client())
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

fn payload(answer: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> Value {
    serde_json::from_slice(answer.payload.as_ref().unwrap().as_ref()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_invokes_a_function_and_sees_its_answer_its_error_and_a_missing_one() {
    let runner = start_runner().await;
    let client = lambda(&runner.url).await;

    // The answer is the function's result, for the event sent, and API Gateway still works.
    let answer = client
        .invoke()
        .function_name("echo")
        .payload(Blob::new(json!({"hello": "world"}).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status_code, 200);
    assert_eq!(answer.function_error, None);
    let result = payload(&answer);
    assert_eq!(result["statusCode"], 201);
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["event"], json!({"hello": "world"}));
    assert_eq!(body["function_name"], "echo");

    // A full ARN names the same function.
    let by_arn = client
        .invoke()
        .function_name("arn:aws:lambda:us-east-1:123456789012:function:echo")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_arn.function_error, None);

    // The function's own error: 200 with X-Amz-Function-Error, the runtime's error payload.
    let failed = client
        .invoke()
        .function_name("echo")
        .payload(Blob::new(
            json!({"pathParameters": {"action": "error"}}).to_string(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(payload(&failed)["errorMessage"], "requested failure");

    // A timeout is the function's error too, as Lambda reports it.
    let slow = client
        .invoke()
        .function_name("echo")
        .payload(Blob::new(
            json!({"pathParameters": {"action": "sleep"}}).to_string(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(slow.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(payload(&slow)["errorMessage"], "Task timed out");

    // No such function: the SDK's ResourceNotFoundException.
    let missing = client
        .invoke()
        .function_name("nobody")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_err();
    assert!(
        missing
            .as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{missing:?}"
    );

    // Asynchronous invocations are not played: refused, not silently accepted.
    let event = client
        .invoke()
        .function_name("echo")
        .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_err();
    assert!(
        event
            .as_service_error()
            .is_some_and(|e| e.is_invalid_parameter_value_exception()),
        "{event:?}"
    );
}
