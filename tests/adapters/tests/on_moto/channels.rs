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
