//! Adapter tests that predate the contract suites; each moves into its port's contract.

use chrono::Utc;
use switchyard_channels::{
    Channel, ChannelDirectory, ChannelKind, DynamoDbChannelDirectory, IssuedApiKey, TradingPartner,
    x12_alias,
};
use switchyard_events::{EventBridgePublisher, EventPublisher};
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{ORDER_EVENTS_SOURCE, OrderSubmitted};
use switchyard_model::{ChannelName, Order, OrderId};
use switchyard_orders::{Created, DynamoDbOrderStore, OrderRecord, OrderStore, OrderStoreError};
use switchyard_orders::{OrderQueue, RetryScheduler, SqsQueue};

use switchyard_adapter_tests::moto::{create_table, moto_config as config, unique_name as unique};

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
async fn order_records_are_unique_per_external_id_and_versioned() {
    let config = config().await;
    let (client, name) = create_table(&config, "platform-test").await;
    let store = DynamoDbOrderStore::new(client, name);

    let first = OrderRecord::received(order("PO-1"), "key-1", Utc::now());
    assert_eq!(store.create(&first).await.unwrap(), Created::New);
    let again = OrderRecord::received(order("PO-1"), "key-2", Utc::now());
    assert_eq!(
        store.create(&again).await.unwrap(),
        Created::ExternalIdTaken {
            order_id: first.order.id,
            idempotency_key: "key-1".into()
        }
    );
    assert!(
        store.get(again.order.id).await.unwrap().is_none(),
        "nothing half-written"
    );

    let read = store.get(first.order.id).await.unwrap().unwrap();
    assert_eq!(read.value, first);
    let mut accepted = read.value.clone();
    accepted.accept("SO0001", Utc::now()).unwrap();
    store.save(&accepted, read.version).await.unwrap();
    assert!(matches!(
        store.save(&accepted, read.version).await,
        Err(OrderStoreError::VersionConflict)
    ));
    let back = store.get(first.order.id).await.unwrap().unwrap();
    assert_eq!(back.value.erp_reference.as_deref(), Some("SO0001"));
    assert_eq!(back.value.outbox.len(), 1);
    assert_eq!(back.value.outbox[0].kind, "OrderAccepted");
}

#[tokio::test]
async fn channels_are_found_by_api_key_only() {
    let config = config().await;
    let (client, name) = create_table(&config, "platform-test").await;
    let directory = DynamoDbChannelDirectory::new(client, name);
    let channel = Channel {
        default_customer: Some("DEMO-SHOP".into()),
        rate_limit_per_second: Some(10),
        ..Channel::new(
            ChannelName::try_from("shop-a").unwrap(),
            ChannelKind::Api,
            Utc::now(),
        )
    };
    directory.put(&channel).await.unwrap();
    let key = IssuedApiKey::generate();
    directory
        .add_api_key(&channel.name, &key.hash)
        .await
        .unwrap();

    assert_eq!(
        directory.by_api_key(&key.secret).await.unwrap(),
        Some(channel.clone())
    );
    assert_eq!(
        directory.by_api_key(&key.hash).await.unwrap(),
        None,
        "the hash is not a key"
    );
    assert_eq!(directory.by_api_key("sy_wrong").await.unwrap(), None);
    assert_eq!(directory.list().await.unwrap(), vec![channel]);
}

#[tokio::test]
async fn a_trading_partner_id_finds_its_channel_and_belongs_to_one_channel_only() {
    let config = config().await;
    let (client, name) = create_table(&config, "platform-test").await;
    let directory = DynamoDbChannelDirectory::new(client, name);
    let partner = TradingPartner {
        isa_qualifier: "ZZ".into(),
        isa_id: "ACMEBUYER".into(),
    };
    let edi = Channel {
        trading_partner: Some(partner.clone()),
        ..Channel::new(
            ChannelName::try_from("acme-edi").unwrap(),
            ChannelKind::X12,
            Utc::now(),
        )
    };
    directory.put(&edi).await.unwrap();
    directory
        .put(&edi)
        .await
        .expect("re-saving the owner is fine");
    assert_eq!(
        directory
            .by_alias(&x12_alias("ZZ", "ACMEBUYER"))
            .await
            .unwrap(),
        Some(edi.clone())
    );
    assert_eq!(
        directory.by_alias(&x12_alias("ZZ", "OTHER")).await.unwrap(),
        None
    );

    let thief = Channel {
        trading_partner: Some(partner),
        ..Channel::new(
            ChannelName::try_from("other-edi").unwrap(),
            ChannelKind::X12,
            Utc::now(),
        )
    };
    let err = directory.put(&thief).await.unwrap_err();
    assert!(err.to_string().contains("already belongs"), "{err}");
    assert_eq!(directory.get(&thief.name).await.unwrap(), None);
}

#[tokio::test]
async fn submitted_orders_reach_the_queue_and_retries_hide_them() {
    let config = config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let url = sqs
        .create_queue()
        .queue_name(unique("orders"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue = SqsQueue::new(sqs.clone(), &url);
    let o = order("PO-Q");
    let envelope = Envelope::new(
        "demo-shop",
        o.id.to_string(),
        OrderSubmitted { order: o.clone() },
    );
    queue.submit(&envelope).await.unwrap();

    let received = sqs
        .receive_message()
        .queue_url(&url)
        .message_attribute_names("All")
        .send()
        .await
        .unwrap();
    let message = &received.messages()[0];
    let back = Envelope::<OrderSubmitted>::parse(message.body().unwrap()).unwrap();
    assert_eq!(back.payload.order, o);
    assert_eq!(
        message.message_attributes().unwrap()["type"].string_value(),
        Some("OrderSubmitted")
    );

    queue
        .retry_after(
            message.receipt_handle().unwrap(),
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    let again = sqs
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    assert!(
        again.messages().is_empty(),
        "a rescheduled message stays hidden"
    );
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
