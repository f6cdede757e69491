//! The ops API and page through the whole stack: an order is accepted and a poison message is
//! dead-lettered; the API (with the stack's operator token) shows the channel's accepted count
//! and the DLQ message's reason and refuses a request without the token; and the page, rendered
//! by real headless Chromium from the URL `make up` prints, shows the same two things.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use switchyard_e2e::{Stack, aws, order, setting, unique, wait_until};

/// `GET path` on the ops API with `authorization`; (status, body).
async fn ops(stack: &Stack, path: &str, authorization: Option<&str>) -> (u16, Value) {
    let mut request = stack.http.get(format!("{}{path}", stack.api));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let answer = stack.send(request).await;
    (answer.status, answer.body)
}

fn accepted_of(health: &Value, channel: &str) -> Option<u64> {
    health["orders"]["channels"]
        .as_array()?
        .iter()
        .find(|c| c["channel"] == channel)?["accepted"]
        .as_u64()
}

fn reason_of(health: &Value, subject: &str) -> Option<String> {
    health["dlqs"]
        .as_array()?
        .iter()
        .flat_map(|d| d["messages"].as_array().into_iter().flatten())
        .find(|m| m["key"]["subject"] == subject)?["reason"]
        .as_str()
        .map(str::to_string)
}

/// The value of attribute `name` in the tag starting at `tag`.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let end = tag.find('>')?;
    let tag = &tag[..end];
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let value = &tag[start..];
    let value = &value[..value.find('"')?];
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&nbsp;", "\u{a0}")
            .replace("&amp;", "&"),
    )
}

/// The rows (`<tr …>` tags onwards) of the table `id` in `dom`.
fn rows<'a>(dom: &'a str, id: &str) -> Vec<&'a str> {
    let Some(start) = dom.find(&format!("<table id=\"{id}\"")) else {
        return vec![];
    };
    let table = &dom[start..];
    let table = &table[..table.find("</table>").unwrap_or(table.len())];
    table
        .match_indices("<tr ")
        .map(|(i, _)| &table[i..])
        .collect()
}

/// The page as headless Chromium renders it, the token in the fragment as `make up` prints it.
fn render(url: &str) -> Result<String, String> {
    let profile = std::env::temp_dir().join(unique("ops-page-chromium"));
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--no-default-browser-check",
            // Virtual time runs the page's first fetch to its end (pending requests hold the
            // clock) and stops before its first refresh (every 5 s).
            "--virtual-time-budget=3000",
            "--timeout=60000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run chromium (scripts/bootstrap.sh installs it): {e}"))?;
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&output.stdout).to_string();
    if dom.contains("data-loaded=\"true\"") {
        Ok(dom)
    } else {
        Err(format!(
            "the page did not load its data ({}): {dom}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[tokio::test]
async fn the_ops_api_and_page_show_accepted_orders_and_why_a_message_was_dead_lettered() {
    let stack = Stack::from_env();
    let token = setting("SWITCHYARD_OPS_TOKEN");
    let bearer = format!("Bearer {token}");

    // One order accepted by the ERP, one poison message dead-lettered by the processor.
    let answer = stack
        .submit(
            &stack.demo_key,
            &unique("key"),
            &order(&unique("OPS"), &[("WIDGET-S", 1, "9.25")]),
        )
        .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let id = answer.body["id"].as_str().unwrap().to_string();
    let poison = format!("{{\"not an envelope\": \"{}\"}}", unique("ops-poison"));
    let subject = switchyard_failures::subject_of(&poison);
    aws_sdk_sqs::Client::new(&aws().await)
        .send_message()
        .queue_url(setting("SWITCHYARD_ORDERS_QUEUE_URL"))
        .message_body(&poison)
        .send()
        .await
        .unwrap();
    let view = stack.wait_final(&id, Duration::from_secs(90)).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");

    // (a) The API, with the token: the channel's accepted orders and the DLQ message's reason.
    let (stack_ref, bearer_ref, subject_ref) = (&stack, &bearer, &subject);
    let (accepted, reason) = wait_until(
        Duration::from_secs(120),
        "the accepted order and the dead-lettered message on /ops/health",
        || async move {
            let (status, health) = ops(stack_ref, "/ops/health", Some(bearer_ref)).await;
            match (
                status,
                accepted_of(&health, "demo-shop"),
                reason_of(&health, subject_ref),
            ) {
                (200, Some(accepted), Some(reason)) if accepted >= 1 => Ok((accepted, reason)),
                _ => Err(format!("{status}: {health}")),
            }
        },
    )
    .await;
    assert!(
        !reason.is_empty(),
        "the DLQ message carries its failure's reason"
    );
    let (_, failures) = ops(&stack, "/ops/failures", Some(&bearer)).await;
    assert!(
        failures["failures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["key"]["subject"] == subject.as_str() && f["class"] == "poison"),
        "the poison message's failure is open: {failures}"
    );
    let (_, dlqs) = ops(&stack, "/ops/dlqs", Some(&bearer)).await;
    assert!(
        !dlqs.to_string().contains("not an envelope"),
        "DLQ bodies are not served: {dlqs}"
    );
    for authorization in [None, Some("Bearer not-the-token".to_string())] {
        let (status, body) = ops(&stack, "/ops/health", authorization.as_deref()).await;
        assert_eq!(status, 401, "{authorization:?}: {body}");
        assert_eq!(body["type"], "/problems/unauthorized", "{body}");
    }

    // (b) The page in headless Chromium, from the URL local.env holds (what `make up` prints).
    let url = setting("SWITCHYARD_OPS_URL");
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with(&format!("/ops#token={token}")));
    let dom = wait_until(
        Duration::from_secs(120),
        "the page rendering the order counts and the DLQ reason",
        || {
            let url = url.clone();
            async move {
                let dom = tokio::task::spawn_blocking(move || render(&url))
                    .await
                    .unwrap()?;
                let shown = rows(&dom, "orders")
                    .into_iter()
                    .find(|row| attribute(row, "data-channel").as_deref() == Some("demo-shop"))
                    .and_then(|row| attribute(row, "data-accepted"))
                    .and_then(|n| n.parse::<u64>().ok());
                let dead = rows(&dom, "dlqs")
                    .into_iter()
                    .any(|row| attribute(row, "data-subject").as_deref() == Some(subject_ref));
                match shown {
                    Some(n) if n >= accepted && dead => Ok(dom),
                    _ => Err(format!("accepted {shown:?}, DLQ row {dead}: {dom}")),
                }
            }
        },
    )
    .await;
    let row = rows(&dom, "dlqs")
        .into_iter()
        .find(|row| attribute(row, "data-subject").as_deref() == Some(subject.as_str()))
        .unwrap();
    assert_eq!(
        attribute(row, "data-reason").as_deref(),
        Some(reason.as_str())
    );
    assert!(
        !dom.contains(&token),
        "the token is kept in sessionStorage, not left in the page"
    );

    // Leave the DLQ as it was for the other tests.
    let sqs = aws_sdk_sqs::Client::new(&aws().await);
    let dlq = setting("SWITCHYARD_ORDERS_DLQ_URL");
    let (sqs, dlq, poison) = (&sqs, &dlq, &poison);
    wait_until(
        Duration::from_secs(30),
        "the poison message deleted",
        || async move {
            let received = sqs
                .receive_message()
                .queue_url(dlq)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            for message in received.messages() {
                if message.body() == Some(poison.as_str()) {
                    sqs.delete_message()
                        .queue_url(dlq)
                        .set_receipt_handle(message.receipt_handle().map(str::to_string))
                        .send()
                        .await
                        .unwrap();
                    return true;
                }
            }
            false
        },
    )
    .await;
}

/// Renders the page until `check` holds for its DOM.
async fn page_until(what: &str, check: impl Fn(&str) -> bool + Copy) -> String {
    let url = setting("SWITCHYARD_OPS_URL");
    wait_until(Duration::from_secs(120), what, || {
        let url = url.clone();
        async move {
            let dom = tokio::task::spawn_blocking(move || render(&url))
                .await
                .unwrap()?;
            if check(&dom) { Ok(dom) } else { Err(dom) }
        }
    })
    .await
}

fn shows(dom: &str, table: &str, subject: &str) -> bool {
    rows(dom, table)
        .into_iter()
        .any(|row| attribute(row, "data-subject").as_deref() == Some(subject))
}

#[tokio::test]
async fn a_failure_injected_then_redriven_shows_on_the_page_and_then_leaves_it() {
    use switchyard_e2e::dead_letters::{OpsStores, orders_dlq, switchyard};
    use switchyard_failures::FailureStore;
    let stores = OpsStores::from_env().await;
    let channel = unique("op").to_lowercase();
    let order = stores.dead_lettered_order(&channel, "PO-PAGE").await;
    let id = order.id.to_string();
    let id = id.as_str();

    page_until(
        "the dead-lettered order in the DLQ and the open failures",
        |dom| shows(dom, "dlqs", id) && shows(dom, "failures", id),
    )
    .await;

    // Redriven (again if a concurrent scan of the DLQ hid it from one run), it is posted, its
    // record resolved: the page no longer lists it.
    let filter = format!("channel={channel}");
    let dlq = orders_dlq();
    let (filter, dlq, stores) = (&filter, &dlq, &stores);
    wait_until(
        Duration::from_secs(120),
        "the order redriven and resolved",
        || async move {
            let _ = switchyard()
                .args([
                    "dlq",
                    "redrive",
                    dlq,
                    "--filter",
                    filter,
                    "--execute",
                    "--yes",
                    "--json",
                ])
                .output()
                .expect("run the redrive");
            let record = stores
                .failures
                .get(&switchyard_failures::FailureKey::new("orders", id))
                .await
                .unwrap();
            record.is_some_and(|r| !r.is_open()).then_some(())
        },
    )
    .await;
    page_until("the order gone from the DLQ and the open failures", |dom| {
        dom.contains("data-loaded=\"true\"")
            && !shows(dom, "dlqs", id)
            && !shows(dom, "failures", id)
    })
    .await;
}
