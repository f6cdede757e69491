//! The event publisher contract on EventBridge: a fresh bus whose one rule (every
//! `switchyard.*` source, as the deployment's rules match) targets a fresh queue the contract
//! reads, as every consumer downstream of the bus does.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::types::QueueAttributeName;
use switchyard_adapter_tests::moto::{create_queue, moto_config, unique_name};
use switchyard_events::contract::{Delivered, PublishedEvents};
use switchyard_events::{EventBridgePublisher, EventPublisher};
use switchyard_model::envelope::Envelope;
use switchyard_platform::ServiceError;

switchyard_events::event_publisher_contract_tests!(bus().await);

/// The publisher under test and the queue its bus delivers to.
pub struct BusWithQueue {
    publisher: EventBridgePublisher,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

#[async_trait]
impl EventPublisher for BusWithQueue {
    async fn publish(
        &self,
        source: &str,
        envelope: &Envelope<serde_json::Value>,
    ) -> Result<(), ServiceError> {
        self.publisher.publish(source, envelope).await
    }
}

#[async_trait]
impl PublishedEvents for BusWithQueue {
    async fn delivered(&self, count: usize, wait: Duration) -> Vec<Delivered> {
        let deadline = Instant::now() + wait;
        let mut delivered = Vec::new();
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive from moto");
            for m in out.messages() {
                let event: serde_json::Value =
                    serde_json::from_str(m.body().unwrap_or_default()).expect("an event");
                delivered.push(Delivered {
                    source: event["source"].as_str().unwrap_or_default().into(),
                    detail_type: event["detail-type"].as_str().unwrap_or_default().into(),
                    detail: event["detail"].clone(),
                });
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .expect("delete from moto");
            }
            // Past the count, one more empty poll shows nothing extra was delivered.
            if (delivered.len() >= count && out.messages().is_empty()) || Instant::now() >= deadline
            {
                return delivered;
            }
        }
    }
}

pub async fn bus() -> BusWithQueue {
    let config = moto_config().await;
    let events = aws_sdk_eventbridge::Client::new(&config);
    let (sqs, queue_url) = create_queue(&config, "events").await;
    let bus = unique_name("bus");
    events.create_event_bus().name(&bus).send().await.unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("the queue's ARN");
    events
        .put_rule()
        .name("everything")
        .event_bus_name(&bus)
        .event_pattern(r#"{"source":[{"prefix":"switchyard."}]}"#)
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule("everything")
        .event_bus_name(&bus)
        .targets(Target::builder().id("queue").arn(arn).build().unwrap())
        .send()
        .await
        .unwrap();
    BusWithQueue {
        publisher: EventBridgePublisher::new(events, &bus),
        sqs,
        queue_url,
    }
}
