//! Adapter tests that predate the contract suites; each moves into its port's contract.

use chrono::Utc;
use switchyard_events::{EventBridgePublisher, EventPublisher};
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::events::ORDER_EVENTS_SOURCE;
use switchyard_model::{ChannelName, Order, OrderId};
use switchyard_orders::OrderRecord;

use switchyard_adapter_tests::moto::{moto_config as config, unique_name as unique};

fn order(external_id: &str) -> Order {
    let body = serde_json::json!({"external_id": external_id, "currency": "USD",
        "customer": {"name": "Acme"},
        "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25"}]});
    let ctx = CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("demo-shop").unwrap(),
        default_customer: Some("DEMO-SHOP".into()),
    };
    parse_order(&body, &ctx).unwrap()
}

#[tokio::test]
async fn published_events_reach_a_rule_target_with_the_envelope() {
    let config = config().await;
    let events = aws_sdk_eventbridge::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let bus = unique("bus");
    events.create_event_bus().name(&bus).send().await.unwrap();
    let url = sqs
        .create_queue()
        .queue_name(unique("events"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    events
        .put_rule()
        .name("all-orders")
        .event_bus_name(&bus)
        .event_pattern(r#"{"source":[{"prefix":"switchyard."}]}"#)
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule("all-orders")
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("q")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let mut record = OrderRecord::received(order("PO-E"), "k", Utc::now());
    record.accept("SO0042", Utc::now()).unwrap();
    EventBridgePublisher::new(events, &bus)
        .publish(ORDER_EVENTS_SOURCE, &record.outbox[0])
        .await
        .unwrap();

    let received = sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(2)
        .send()
        .await
        .unwrap();
    let event: serde_json::Value =
        serde_json::from_str(received.messages()[0].body().unwrap()).unwrap();
    assert_eq!(event["detail-type"], "OrderAccepted");
    assert_eq!(event["source"], "switchyard.orders");
    assert_eq!(event["detail"]["id"], record.outbox[0].id.to_string());
    assert_eq!(event["detail"]["payload"]["erp_reference"], "SO0042");
}
