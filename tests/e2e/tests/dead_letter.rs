//! A message that can never succeed reaches the dead-letter queue after maxReceiveCount.

use std::time::Duration;

use switchyard_e2e::{aws, unique, wait_until};

#[tokio::test]
async fn a_poison_message_reaches_the_dlq() {
    let sqs = aws_sdk_sqs::Client::new(&aws().await);
    let queue = std::env::var("SWITCHYARD_ORDERS_QUEUE_URL").expect("run with make test");
    let dlq = std::env::var("SWITCHYARD_ORDERS_DLQ_URL").expect("run with make test");
    let marker = unique("poison");
    sqs.send_message()
        .queue_url(&queue)
        .message_body(format!("{{\"not an envelope\": \"{marker}\"}}"))
        .send()
        .await
        .unwrap();

    let (sqs, dlq, marker) = (&sqs, &dlq, &marker);
    let handle = wait_until(
        Duration::from_secs(90),
        "the poison message in the DLQ",
        || async move {
            let received = sqs
                .receive_message()
                .queue_url(dlq)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            received
                .messages()
                .iter()
                .find(|m| m.body().unwrap_or_default().contains(marker.as_str()))
                .and_then(|m| m.receipt_handle().map(str::to_owned))
        },
    )
    .await;
    sqs.delete_message()
        .queue_url(dlq)
        .receipt_handle(handle)
        .send()
        .await
        .unwrap();
}
