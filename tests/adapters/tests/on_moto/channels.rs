//! The channel directory contract on DynamoDB.

switchyard_channels::channel_directory_contract_tests!({
    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_table(&config, "channels").await;
    switchyard_channels::DynamoDbChannelDirectory::new(client, table)
});

/// A partner id item left behind by a record that no longer lists it (written before put
/// released dropped ids, or by an interrupted edit) does not block the id forever: lookups ignore
/// it and a claim takes it over. DynamoDB-only: the twin keeps no such items.
#[tokio::test]
async fn a_partner_id_left_behind_by_an_old_record_can_be_claimed() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use chrono::Utc;
    use switchyard_channels::{
        Channel, ChannelDirectory, ChannelKind, DynamoDbChannelDirectory, TradingPartner, x12_alias,
    };
    use switchyard_model::ChannelName;

    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_table(&config, "channels").await;
    let directory = DynamoDbChannelDirectory::new(client.clone(), &table);
    let edi = |name: &str, isa_id: &str| Channel {
        trading_partner: Some(TradingPartner::new("ZZ", isa_id)),
        ..Channel::new(
            ChannelName::try_from(name).unwrap(),
            ChannelKind::X12,
            Utc::now(),
        )
    };
    // `old-edi` now has another id, but its former one's item still names it; `gone` has no record.
    directory.put(&edi("old-edi", "CURRENT")).await.unwrap();
    for (alias, owner) in [("ORPHAN", "old-edi"), ("GHOST", "gone")] {
        client
            .put_item()
            .table_name(&table)
            .item(
                "pk",
                AttributeValue::S(format!("ALIAS#{}", x12_alias("ZZ", alias))),
            )
            .item("channel", AttributeValue::S(owner.into()))
            .send()
            .await
            .unwrap();
    }
    for alias in ["ORPHAN", "GHOST"] {
        assert_eq!(
            directory.by_alias(&x12_alias("ZZ", alias)).await.unwrap(),
            None
        );
        let claimant = edi(&format!("new-{}", alias.to_lowercase()), alias);
        directory
            .put(&claimant)
            .await
            .unwrap_or_else(|e| panic!("{alias} is nobody's: {e}"));
        assert_eq!(
            directory.by_alias(&x12_alias("ZZ", alias)).await.unwrap(),
            Some(claimant)
        );
    }
}

/// Counts the DynamoDB operations a client sends, by their `X-Amz-Target`.
#[derive(Debug, Default, Clone)]
struct Operations(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Operations {
    fn count(&self, operation: &str) -> usize {
        let suffix = format!(".{operation}");
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.ends_with(&suffix))
            .count()
    }
}

impl aws_sdk_dynamodb::config::Intercept for Operations {
    fn name(&self) -> &'static str {
        "count-operations"
    }
    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_dynamodb::config::RuntimeComponents,
        _: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Some(target) = context.request().headers().get("x-amz-target") {
            self.0.lock().unwrap().push(target.to_string());
        }
        Ok(())
    }
}

/// A key item as `channels add` wrote it before keys had expiries (only `channel` and a
/// nanosecond `created_at`) authenticates, is listed and can be revoked; and a busy key costs
/// its two reads per request, plus one conditional write per last-used interval, not per request.
#[tokio::test]
async fn an_old_key_item_works_and_a_busy_key_writes_its_last_use_once_per_interval() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use chrono::{Duration, Utc};
    use switchyard_channels::{
        Channel, ChannelDirectory, ChannelKind, DynamoDbChannelDirectory, IssuedApiKey, KeyCheck,
    };
    use switchyard_model::ChannelName;

    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_table(&config, "channels").await;
    let operations = Operations::default();
    let counted = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(operations.clone())
            .build(),
    );
    let directory = DynamoDbChannelDirectory::new(counted, &table);
    let channel = Channel::new(
        ChannelName::try_from("old-shop").unwrap(),
        ChannelKind::Api,
        Utc::now(),
    );
    directory.put(&channel).await.unwrap();
    let key = IssuedApiKey::generate();
    client
        .put_item()
        .table_name(&table)
        .item("pk", AttributeValue::S(format!("APIKEY#{}", key.hash)))
        .item("channel", AttributeValue::S("old-shop".into()))
        .item("created_at", AttributeValue::S(Utc::now().to_rfc3339()))
        .send()
        .await
        .unwrap();

    let before = (operations.count("GetItem"), operations.count("UpdateItem"));
    let t0 = Utc::now();
    for i in 0..10 {
        let found = directory
            .check_api_key(&key.secret, t0 + Duration::seconds(i * 20))
            .await
            .unwrap();
        assert_eq!(found, KeyCheck::Valid(Box::new(channel.clone())));
    }
    assert_eq!(
        operations.count("GetItem") - before.0,
        20,
        "key and channel, per request"
    );
    assert_eq!(
        operations.count("UpdateItem") - before.1,
        1,
        "one last-used write in the interval"
    );
    directory
        .check_api_key(&key.secret, t0 + Duration::minutes(6))
        .await
        .unwrap();
    assert_eq!(
        operations.count("UpdateItem") - before.1,
        2,
        "the next interval's"
    );

    let listed = directory.api_keys(&channel.name).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].expires_at, None);
    assert!(listed[0].created_at <= t0);
    assert!(directory.revoke_api_key(&key.hash, t0).await.unwrap());
    assert!(matches!(
        directory.check_api_key(&key.secret, t0).await.unwrap(),
        KeyCheck::Revoked { .. }
    ));
}

/// On the request path the channel record is read once per cache lifetime, not per request,
/// while the key is still read every time: a key revoked elsewhere is refused by the very next
/// request, and a channel changed elsewhere is seen once the cached record expires.
#[tokio::test]
async fn a_cached_directory_reads_the_channel_once_but_sees_a_revoked_key_at_once() {
    use chrono::Utc;
    use std::time::{Duration, Instant};
    use switchyard_channels::{
        ApiKey, Channel, ChannelDirectory, ChannelKind, DynamoDbChannelDirectory, IssuedApiKey,
        KeyCheck,
    };
    use switchyard_model::ChannelName;

    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_table(&config, "channels").await;
    let operations = Operations::default();
    let counted = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(operations.clone())
            .build(),
    );
    let operator = DynamoDbChannelDirectory::new(client, &table);
    let ttl = Duration::from_millis(400);
    let cached = DynamoDbChannelDirectory::new(counted, &table).with_channel_cache(ttl);
    let name = ChannelName::try_from("cached-shop").unwrap();
    let channel = Channel::new(name.clone(), ChannelKind::Api, Utc::now());
    operator.put(&channel).await.unwrap();
    let (key, spare) = (IssuedApiKey::generate(), IssuedApiKey::generate());
    for k in [&key, &spare] {
        operator
            .put_api_key(&ApiKey::new(name.clone(), &k.hash, Utc::now(), None))
            .await
            .unwrap();
    }

    let before = operations.count("GetItem");
    for _ in 0..10 {
        let found = cached.check_api_key(&key.secret, Utc::now()).await.unwrap();
        assert_eq!(found, KeyCheck::Valid(Box::new(channel.clone())));
    }
    let reads = operations.count("GetItem") - before;
    assert!(
        (11..=12).contains(&reads),
        "ten key reads and the channel about once (it may expire once under a slow moto): {reads}"
    );

    assert!(
        operator
            .revoke_api_key(&key.hash, Utc::now())
            .await
            .unwrap()
    );
    assert!(
        matches!(
            cached.check_api_key(&key.secret, Utc::now()).await.unwrap(),
            KeyCheck::Revoked { .. }
        ),
        "revocation has no delay"
    );

    let changed = Channel {
        rate_limit_per_second: Some(7),
        ..channel.clone()
    };
    operator.put(&changed).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match cached
            .check_api_key(&spare.secret, Utc::now())
            .await
            .unwrap()
        {
            KeyCheck::Valid(seen) if seen.rate_limit_per_second == Some(7) => break,
            KeyCheck::Valid(_) => {}
            other => panic!("the spare key stays valid: {other:?}"),
        }
        assert!(
            Instant::now() < deadline,
            "the change is seen once the cached record expires ({ttl:?})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
