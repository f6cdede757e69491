//! Runs the real `switchyard-local` binary against the `echo-fn` example (a real
//! `lambda_runtime` function). `cargo test -p switchyard-local` builds the example first.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchyard_e2e::wait_until;

fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    assert!(
        dir.join("echo-fn").is_file(),
        "{} missing: run `cargo test -p switchyard-local` (it builds the echo-fn example)",
        dir.join("echo-fn").display()
    );
    dir
}

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

async fn start_runner(name: &str) -> Runner {
    let dir = std::env::temp_dir().join(format!(
        "switchyard-local-test-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = json!({
        "region": "eu-central-1",
        "functions": {
            "echo": {"binary": "echo-fn", "timeout_seconds": "2", "memory_mb": 256, "concurrency": 2,
                     "environment": {"ECHO_CUSTOM": "yes"}}
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
        .arg(examples_dir())
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let ready = &ready;
    wait_until(
        Duration::from_secs(30),
        "the runner's ready file",
        || async move { ready.exists() },
    )
    .await;
    let url = std::fs::read_to_string(ready).unwrap();
    Runner { child, url, dir }
}

fn pid_alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

async fn echo(client: &reqwest::Client, url: &str) -> Value {
    let r = client
        .post(format!("{url}/echo/echo?x=1"))
        .body(r#"{"a":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("apigw-requestid"));
    assert_eq!(r.headers()["set-cookie"], "c=1");
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_with_a_real_lambda_runtime() {
    let mut runner = start_runner("e2e").await;
    let url = runner.url.clone();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let client = reqwest::Client::new();

    let health = client
        .get(format!("{url}/__local/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let health: Value = health.json().await.unwrap();
    assert_eq!(health["ready"], true);
    assert_eq!(health["functions"]["echo"]["ready"], 2);

    let body = echo(&client, &url).await;
    let remaining = body["remaining_ms"].as_u64().unwrap();
    assert!(
        (1000..=2000).contains(&remaining),
        "remaining {remaining} ms of a 2 s timeout"
    );
    assert_eq!(
        body["arn"],
        "arn:aws:lambda:eu-central-1:123456789012:function:echo"
    );
    assert_eq!(body["function_name"], "echo");
    assert_eq!(body["memory"], "256");
    assert_eq!(body["version"], "$LATEST");
    assert_eq!(body["log_group"], "/aws/lambda/echo");
    assert_eq!(body["custom"], "yes");
    if std::env::var_os("AWS_REGION").is_none() {
        assert_eq!(body["region"], "eu-central-1");
    }
    assert_eq!(body["event"]["routeKey"], "POST /echo/{action}");
    assert_eq!(body["event"]["queryStringParameters"]["x"], "1");
    assert_eq!(body["event"]["body"], r#"{"a":1}"#);

    let r = client.post(format!("{url}/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"message": "Not Found"})
    );

    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let r = client
        .post(format!("{url}/echo/echo"))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);

    // API Gateway's 10240-byte quota on the request line and headers: answered by the gateway.
    let r = client
        .post(format!("{url}/echo/echo"))
        .header("x-padding", "p".repeat(10 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 431);
    let r = client
        .post(format!("{url}/echo/echo"))
        .header("x-padding", "p".repeat(9 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "under the quota it reaches the function");

    let r = client
        .post(format!("{url}/echo/error"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"message": "Internal Server Error"})
    );

    // Timeout: 503 after ~2 s, the instance is killed and replaced.
    let started = Instant::now();
    let r = client
        .post(format!("{url}/echo/sleep"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "{took:?}"
    );

    // Crash: 500, the instance is restarted.
    let r = client
        .post(format!("{url}/echo/exit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);

    // Both replacements come back: two concurrent 500 ms naps are served by two processes.
    let nap = |client: reqwest::Client, url: String| async move {
        let r = client.post(format!("{url}/echo/nap")).send().await.unwrap();
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["pid"].as_u64().unwrap()
    };
    let started = Instant::now();
    let (a, b) = tokio::join!(
        nap(client.clone(), url.clone()),
        nap(client.clone(), url.clone())
    );
    assert_ne!(a, b, "two concurrent invocations ran in the same instance");
    assert!(
        started.elapsed() < Duration::from_millis(950),
        "naps were serialised: {:?}",
        started.elapsed()
    );
    let pids = vec![a, b];

    // SIGTERM: exits 0 and takes its instances with it.
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(runner.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let child = &mut runner.child;
    let exit = wait_until(
        Duration::from_secs(8),
        "the runner to exit after SIGTERM",
        || {
            let exited = child.try_wait().unwrap();
            async move { exited }
        },
    )
    .await;
    assert!(exit.success(), "{exit:?}");
    for pid in pids {
        assert!(!pid_alive(pid), "instance {pid} survived the runner");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_die_when_the_runner_is_sigkilled() {
    let mut runner = start_runner("sigkill").await;
    let client = reqwest::Client::new();
    let pid = echo(&client, &runner.url).await["pid"].as_u64().unwrap();
    assert!(pid_alive(pid));
    runner.child.kill().unwrap(); // SIGKILL
    runner.child.wait().unwrap();
    wait_until(
        Duration::from_secs(3),
        &format!("instance {pid} to die with its SIGKILLed runner"),
        || async move { !pid_alive(pid) },
    )
    .await;
}
