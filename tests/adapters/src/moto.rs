//! Fresh, uniquely named resources on the moto that `make test` started.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

/// The SDK configuration for the moto that `make test` started; panics with the way to get one.
pub async fn moto_config() -> aws_config::SdkConfig {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "AWS_ENDPOINT_URL is not set: these tests need moto; run them with `make test`"
    );
    switchyard_platform::aws::load_config().await
}

/// A name no other test uses, so tests run in parallel against one moto.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}

/// Creates a fresh table shaped like most Switchyard tables (string hash key `pk`).
pub async fn create_table(
    config: &aws_config::SdkConfig,
    prefix: &str,
) -> (aws_sdk_dynamodb::Client, String) {
    create_keyed_table(config, prefix, &[("pk", KeyType::Hash)]).await
}

/// Creates a fresh orders table as Terraform does (`infra/modules/tables`): hash key `pk` and
/// the `by-status` index over (`status_shard`, `status_at`) projecting `channel`.
pub async fn create_orders_table(
    config: &aws_config::SdkConfig,
) -> (aws_sdk_dynamodb::Client, String) {
    use aws_sdk_dynamodb::types::{GlobalSecondaryIndex, Projection, ProjectionType};
    use switchyard_orders::dynamodb::{STATUS_AT, STATUS_INDEX, STATUS_SHARD};
    let client = aws_sdk_dynamodb::Client::new(config);
    let name = unique_name("orders");
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute is complete")
    };
    let key = |name: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .expect("key is complete")
    };
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute(STATUS_SHARD))
        .attribute_definitions(attribute(STATUS_AT))
        .key_schema(key("pk", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(STATUS_INDEX)
                .key_schema(key(STATUS_SHARD, KeyType::Hash))
                .key_schema(key(STATUS_AT, KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::Include)
                        .non_key_attributes("channel")
                        .build(),
                )
                .build()
                .expect("index is complete"),
        )
        .send()
        .await
        .expect("create an orders table on moto");
    (client, name)
}

/// Creates a fresh table shaped like the EDI table (string keys `pk` and `sk`).
pub async fn create_sorted_table(
    config: &aws_config::SdkConfig,
    prefix: &str,
) -> (aws_sdk_dynamodb::Client, String) {
    create_keyed_table(
        config,
        prefix,
        &[("pk", KeyType::Hash), ("sk", KeyType::Range)],
    )
    .await
}

async fn create_keyed_table(
    config: &aws_config::SdkConfig,
    prefix: &str,
    keys: &[(&str, KeyType)],
) -> (aws_sdk_dynamodb::Client, String) {
    let client = aws_sdk_dynamodb::Client::new(config);
    let name = unique_name(prefix);
    let mut request = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest);
    for (attribute, key_type) in keys {
        request = request
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(*attribute)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("attribute is complete"),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(*attribute)
                    .key_type(key_type.clone())
                    .build()
                    .expect("key is complete"),
            );
    }
    request.send().await.expect("create a test table on moto");
    (client, name)
}

/// Creates a fresh standard queue with SQS's default 30 s visibility timeout; returns its URL.
pub async fn create_queue(
    config: &aws_config::SdkConfig,
    prefix: &str,
) -> (aws_sdk_sqs::Client, String) {
    let client = aws_sdk_sqs::Client::new(config);
    let out = client
        .create_queue()
        .queue_name(unique_name(prefix))
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "30",
        )
        .send()
        .await
        .expect("create a test queue on moto");
    (client, out.queue_url.expect("a queue URL"))
}
