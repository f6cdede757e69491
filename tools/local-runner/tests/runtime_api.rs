//! Drives the in-process Runtime API with a minimal Lambda-like client.

use std::future::Future;
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use switchyard_e2e::wait_until;
use switchyard_local::{FunctionRuntime, InvokeError};

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name}"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn next_delivers_event_with_real_deadline_and_response_completes_invoke() {
    let f = FunctionRuntime::new("orders-api", "eu-west-1", Duration::from_secs(2));
    let ep = f.start_instance("orders-api#1", None).await.unwrap();
    let base = format!("http://{}/2018-06-01/runtime", ep.runtime_api());
    let client = reqwest::Client::new();

    // Long poll: nothing is queued, so `next`, once the instance has asked, must keep waiting.
    let next = tokio::spawn({
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .get(format!("{base}/invocation/next"))
                .send()
                .await
                .unwrap()
        }
    });
    let ep_ref = &ep;
    wait_until(
        Duration::from_secs(5),
        "the instance to call invocation/next",
        || async move { ep_ref.has_polled() },
    )
    .await;
    // (It cannot have been answered by an invocation: none is queued before this point, and
    // the answer below must carry the one queued next.)
    assert!(!next.is_finished(), "next returned without an invocation");

    let before = now_ms();
    let invoke = tokio::spawn({
        let f = f.clone();
        async move { f.invoke(json!({"hello": "world"})).await }
    });
    let r = next.await.unwrap();
    let after = now_ms();
    assert_eq!(r.status(), 200);
    let id = header(&r, "lambda-runtime-aws-request-id").to_owned();
    assert_eq!(id.len(), 36);
    let deadline: u128 = header(&r, "lambda-runtime-deadline-ms").parse().unwrap();
    assert!(
        deadline >= before + 2000 && deadline <= after + 2000,
        "deadline {deadline} not in [{before}+2000, {after}+2000]"
    );
    assert_eq!(
        header(&r, "lambda-runtime-invoked-function-arn"),
        "arn:aws:lambda:eu-west-1:123456789012:function:orders-api"
    );
    assert!(header(&r, "lambda-runtime-trace-id").starts_with("Root=1-"));
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"hello": "world"}));

    let posted = client
        .post(format!("{base}/invocation/{id}/response"))
        .body(r#"{"statusCode":200}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202);
    assert_eq!(invoke.await.unwrap(), Ok(json!({"statusCode": 200})));

    // A second answer for the same request id is rejected.
    let again = client
        .post(format!("{base}/invocation/{id}/response"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
}

#[tokio::test]
async fn error_posts_become_function_errors() {
    let f = FunctionRuntime::new("p", "us-east-1", Duration::from_secs(5));
    let ep = f.start_instance("p#1", None).await.unwrap();
    let base = format!("http://{}/2018-06-01/runtime", ep.runtime_api());
    let client = reqwest::Client::new();
    let invoke = tokio::spawn({
        let f = f.clone();
        async move { f.invoke(json!(1)).await }
    });
    let r = client
        .get(format!("{base}/invocation/next"))
        .send()
        .await
        .unwrap();
    let id = header(&r, "lambda-runtime-aws-request-id").to_owned();
    let posted = client
        .post(format!("{base}/invocation/{id}/error"))
        .header("Lambda-Runtime-Function-Error-Type", "Runtime.Unhandled")
        .body(r#"{"errorType":"&alloc::boxed::Box<dyn Error>","errorMessage":"ERP unavailable"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202);
    assert_eq!(
        invoke.await.unwrap(),
        Err(InvokeError::FunctionError {
            error_type: "&alloc::boxed::Box<dyn Error>".into(),
            message: "ERP unavailable".into()
        })
    );
}

#[tokio::test]
async fn missing_the_deadline_times_out_and_flags_the_instance() {
    let f = FunctionRuntime::new("slow", "us-east-1", Duration::from_secs(1));
    let ep = f.start_instance("slow#1", None).await.unwrap();
    let base = format!("http://{}/2018-06-01/runtime", ep.runtime_api());
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let invoke = tokio::spawn({
        let f = f.clone();
        async move { f.invoke(json!({})).await }
    });
    let r = client
        .get(format!("{base}/invocation/next"))
        .send()
        .await
        .unwrap();
    let id = header(&r, "lambda-runtime-aws-request-id").to_owned();
    // The "function" sleeps past its deadline.
    let result = invoke.await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(result, Err(InvokeError::Timeout));
    assert!(
        elapsed >= Duration::from_millis(950) && elapsed < Duration::from_millis(1800),
        "{elapsed:?}"
    );
    tokio::time::timeout(Duration::from_millis(200), ep.timed_out())
        .await
        .expect("instance not flagged for killing");
    // A late answer is rejected and does not change the outcome.
    let late = client
        .post(format!("{base}/invocation/{id}/response"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 400);
}

#[tokio::test]
async fn closing_an_instance_fails_its_invocation_as_crashed() {
    let f = FunctionRuntime::new("c", "us-east-1", Duration::from_secs(30));
    let ep = f.start_instance("c#1", None).await.unwrap();
    let base = format!("http://{}/2018-06-01/runtime", ep.runtime_api());
    let client = reqwest::Client::new();
    let invoke = tokio::spawn({
        let f = f.clone();
        async move { f.invoke(json!({})).await }
    });
    let r = client
        .get(format!("{base}/invocation/next"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(ep.close(), "close did not see the in-flight invocation");
    assert_eq!(invoke.await.unwrap(), Err(InvokeError::Crashed));
}

#[tokio::test]
async fn instances_share_one_queue_and_a_closed_instance_does_not_steal_work() {
    let f = FunctionRuntime::new("q", "us-east-1", Duration::from_secs(5));
    let dead = f.start_instance("q#1", None).await.unwrap();
    let live = f.start_instance("q#2", None).await.unwrap();
    let client = reqwest::Client::new();
    // The dead instance is long-polling when it is closed.
    let dead_next = tokio::spawn({
        let (client, url) = (
            client.clone(),
            format!(
                "http://{}/2018-06-01/runtime/invocation/next",
                dead.runtime_api()
            ),
        );
        async move { client.get(url).send().await.map(|r| r.status().as_u16()) }
    });
    let dead_ref = &dead;
    wait_until(
        Duration::from_secs(5),
        "the dead instance to long-poll",
        || async move { dead_ref.has_polled() },
    )
    .await;
    dead.close();
    let dead_status = tokio::time::timeout(Duration::from_secs(2), dead_next)
        .await
        .expect("closed next kept waiting")
        .unwrap();
    assert!(matches!(dead_status, Ok(410) | Err(_)), "{dead_status:?}");

    let invoke = tokio::spawn({
        let f = f.clone();
        async move { f.invoke(json!("work")).await }
    });
    let base = format!("http://{}/2018-06-01/runtime", live.runtime_api());
    let r = client
        .get(format!("{base}/invocation/next"))
        .send()
        .await
        .unwrap();
    let id = header(&r, "lambda-runtime-aws-request-id").to_owned();
    assert_eq!(r.json::<Value>().await.unwrap(), json!("work"));
    client
        .post(format!("{base}/invocation/{id}/response"))
        .body(r#""done""#)
        .send()
        .await
        .unwrap();
    assert_eq!(invoke.await.unwrap(), Ok(json!("done")));
}

#[tokio::test]
async fn unavailable_function_fails_fast() {
    let f = FunctionRuntime::new("gone", "us-east-1", Duration::from_secs(5));
    // Poll the invocation once: that queues it (the send needs no await), and it then waits
    // for an instance. No timing involved.
    let mut queued = Box::pin(f.invoke(json!({})));
    let pending =
        std::future::poll_fn(|cx| Poll::Ready(queued.as_mut().poll(cx).is_pending())).await;
    assert!(pending, "an invocation with no instance resolved at once");
    f.mark_unavailable().await;
    assert_eq!(queued.await, Err(InvokeError::Crashed));
    assert_eq!(f.invoke(json!({})).await, Err(InvokeError::Crashed));
}
