//! The contract every [`ChannelDirectory`] adapter passes: the in-memory twin in this crate's
//! tests, DynamoDB on moto in `tests/adapters`. Instantiate every case with
//! [`channel_directory_contract_tests!`](crate::channel_directory_contract_tests).
#![allow(clippy::missing_panics_doc)]

use chrono::{DateTime, Duration, Utc};
use switchyard_model::ChannelName;

use crate::{
    AmazonSeller, ApiKey, Channel, ChannelDirectory, ChannelKind, IssuedApiKey, KeyCheck,
    PutChannelError, REVOCATION_DELAY, TradingPartner, amazon_alias, x12_alias,
};

fn name(n: &str) -> ChannelName {
    ChannelName::try_from(n).expect("a valid channel name")
}

fn api_channel(n: &str) -> Channel {
    Channel {
        default_customer: Some("DEMO-SHOP".into()),
        rate_limit_per_second: Some(10),
        ..Channel::new(name(n), ChannelKind::Api, Utc::now())
    }
}

fn edi_channel(n: &str, isa_id: &str) -> Channel {
    Channel {
        trading_partner: Some(TradingPartner::new("ZZ", isa_id)),
        ..Channel::new(name(n), ChannelKind::X12, Utc::now())
    }
}

/// A stored channel reads back whole; an unknown name reads as nothing.
pub async fn a_stored_channel_reads_back_whole(directory: &dyn ChannelDirectory) {
    let channel = api_channel("shop-a");
    directory.put(&channel).await.unwrap();
    assert_eq!(directory.get(&channel.name).await.unwrap(), Some(channel));
    assert_eq!(directory.get(&name("nobody")).await.unwrap(), None);
    // The settings added since (an X12 partner's 846 subscription) are kept too.
    let mut partner = edi_channel("advised-edi", "ADVISEDBUYER");
    partner.inventory_advice = Some(
        crate::InventoryAdvice::new(
            15,
            vec![
                switchyard_model::Sku::try_from("WIDGET-S").expect("a valid SKU"),
                switchyard_model::Sku::try_from("BOLT-M8").expect("a valid SKU"),
            ],
        )
        .expect("a valid subscription"),
    );
    directory.put(&partner).await.unwrap();
    assert_eq!(directory.get(&partner.name).await.unwrap(), Some(partner));
}

/// Putting a channel again replaces its record.
pub async fn a_put_replaces_the_record(directory: &dyn ChannelDirectory) {
    let mut channel = api_channel("shop-a");
    directory.put(&channel).await.unwrap();
    channel.rate_limit_per_second = Some(50);
    channel.default_customer = None;
    directory.put(&channel).await.unwrap();
    assert_eq!(directory.get(&channel.name).await.unwrap(), Some(channel));
}

/// An API key finds its channel; its hash, a wrong key or a key of a channel that does not
/// exist find nothing; a second key (a rotation) works beside the first.
pub async fn an_api_key_finds_only_its_channel(directory: &dyn ChannelDirectory) {
    let a = api_channel("shop-a");
    let b = api_channel("shop-b");
    directory.put(&a).await.unwrap();
    directory.put(&b).await.unwrap();
    let (key_a, key_b, rotated) = (
        IssuedApiKey::generate(),
        IssuedApiKey::generate(),
        IssuedApiKey::generate(),
    );
    directory.add_api_key(&a.name, &key_a.hash).await.unwrap();
    directory.add_api_key(&b.name, &key_b.hash).await.unwrap();
    directory.add_api_key(&a.name, &rotated.hash).await.unwrap();
    assert_eq!(
        directory.by_api_key(&key_a.secret).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        directory.by_api_key(&rotated.secret).await.unwrap(),
        Some(a)
    );
    assert_eq!(directory.by_api_key(&key_b.secret).await.unwrap(), Some(b));
    assert_eq!(
        directory.by_api_key(&key_a.hash).await.unwrap(),
        None,
        "the stored hash is not a key"
    );
    assert_eq!(directory.by_api_key("sy_wrong").await.unwrap(), None);
    let orphan = IssuedApiKey::generate();
    directory
        .add_api_key(&name("gone"), &orphan.hash)
        .await
        .unwrap();
    assert_eq!(directory.by_api_key(&orphan.secret).await.unwrap(), None);
}

/// Every channel is listed once, sorted by name.
pub async fn every_channel_is_listed_by_name(directory: &dyn ChannelDirectory) {
    assert_eq!(directory.list().await.unwrap(), vec![]);
    for n in ["shop-c", "shop-a", "edi-b"] {
        directory.put(&api_channel(n)).await.unwrap();
    }
    directory.put(&api_channel("shop-a")).await.unwrap();
    let names: Vec<String> = directory
        .list()
        .await
        .unwrap()
        .iter()
        .map(|c| c.name.to_string())
        .collect();
    assert_eq!(names, ["edi-b", "shop-a", "shop-c"]);
}

/// An X12 sender or an Amazon seller id finds its channel; it belongs to one channel only, and
/// a refused claim stores nothing of the refused channel.
pub async fn a_partner_id_finds_its_channel_and_belongs_to_one_channel(
    directory: &dyn ChannelDirectory,
) {
    let edi = edi_channel("acme-edi", "ACMEBUYER");
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

    let thief = edi_channel("other-edi", "ACMEBUYER");
    match directory.put(&thief).await {
        Err(PutChannelError::AliasTaken { alias }) => {
            assert_eq!(alias, x12_alias("ZZ", "ACMEBUYER"))
        }
        other => panic!("another channel must not take the partner id, got {other:?}"),
    }
    assert_eq!(
        directory.get(&thief.name).await.unwrap(),
        None,
        "nothing stored"
    );

    let amazon = amazon_channel("amazon-us", "A2SELLER");
    directory.put(&amazon).await.unwrap();
    assert_eq!(
        directory.by_alias(&amazon_alias("A2SELLER")).await.unwrap(),
        Some(amazon)
    );

    // A channel whose first partner id is free and whose second is taken: refused whole, so
    // the free one was not claimed on the way.
    let greedy = Channel {
        amazon: amazon_channel("greedy", "A2SELLER").amazon,
        ..edi_channel("greedy", "FREEID")
    };
    assert!(matches!(
        directory.put(&greedy).await,
        Err(PutChannelError::AliasTaken { .. })
    ));
    assert_eq!(directory.get(&greedy.name).await.unwrap(), None);
    assert_eq!(
        directory
            .by_alias(&x12_alias("ZZ", "FREEID"))
            .await
            .unwrap(),
        None
    );
    let later = edi_channel("later-edi", "FREEID");
    directory
        .put(&later)
        .await
        .expect("the refused channel's free partner id stayed free");
}

fn amazon_channel(n: &str, seller_id: &str) -> Channel {
    Channel {
        amazon: Some(AmazonSeller {
            seller_id: seller_id.into(),
            marketplace_id: "ATVPDKIKX0DER".into(),
            endpoint: "https://sellingpartnerapi-na.amazon.com".into(),
            token_url: "https://api.amazon.com/auth/o2/token".into(),
            client_id: "client".into(),
            client_secret: "/s/secret".into(),
            refresh_token: "/s/refresh".into(),
        }),
        ..Channel::new(name(n), ChannelKind::AmazonSpApi, Utc::now())
    }
}
/// A partner id a channel no longer has finds it no more and is free for another channel.
pub async fn a_dropped_partner_id_is_released(directory: &dyn ChannelDirectory) {
    let before = edi_channel("acme-edi", "OLDID");
    directory.put(&before).await.unwrap();
    let after = edi_channel("acme-edi", "NEWID");
    directory.put(&after).await.unwrap();
    assert_eq!(
        directory.by_alias(&x12_alias("ZZ", "OLDID")).await.unwrap(),
        None
    );
    assert_eq!(
        directory.by_alias(&x12_alias("ZZ", "NEWID")).await.unwrap(),
        Some(after)
    );
    let successor = edi_channel("beta-edi", "OLDID");
    directory
        .put(&successor)
        .await
        .expect("a released partner id can be claimed");
    assert_eq!(
        directory.by_alias(&x12_alias("ZZ", "OLDID")).await.unwrap(),
        Some(successor)
    );
}

/// Of channels claiming one partner id at the same time, exactly one gets it.
pub async fn of_concurrent_claims_of_a_partner_id_exactly_one_wins(
    directory: &dyn ChannelDirectory,
) {
    let claimants: Vec<Channel> = (0..4)
        .map(|i| edi_channel(&format!("edi-{i}"), "CONTESTED"))
        .collect();
    let results = futures::future::join_all(claimants.iter().map(|c| directory.put(c))).await;
    let winners: Vec<&Channel> = claimants
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_ok())
        .map(|(c, _)| c)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(()) | Err(PutChannelError::AliasTaken { .. }))),
        "{results:?}"
    );
    assert_eq!(
        directory
            .by_alias(&x12_alias("ZZ", "CONTESTED"))
            .await
            .unwrap(),
        Some(winners[0].clone())
    );
}

fn at(t: &str) -> DateTime<Utc> {
    t.parse().expect("an RFC 3339 time")
}

/// Issues a key for `channel` at `created`, expiring at `expires`.
async fn issue(
    directory: &dyn ChannelDirectory,
    channel: &Channel,
    created: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
) -> IssuedApiKey {
    let key = IssuedApiKey::generate();
    directory
        .put_api_key(&ApiKey::new(
            channel.name.clone(),
            &key.hash,
            created,
            expires,
        ))
        .await
        .unwrap();
    key
}

/// A revoked key is refused within [`REVOCATION_DELAY`] of its revocation (polled, at least
/// once), saying so; the channel's other keys keep working; a second revocation changes nothing.
pub async fn a_revoked_key_is_refused_within_the_revocation_delay(
    directory: &dyn ChannelDirectory,
) {
    let channel = api_channel("shop-a");
    directory.put(&channel).await.unwrap();
    let now = Utc::now();
    let (old, new) = (
        issue(directory, &channel, now, None).await,
        issue(directory, &channel, now, None).await,
    );
    assert_eq!(
        directory.check_api_key(&old.secret, now).await.unwrap(),
        KeyCheck::Valid(Box::new(channel.clone()))
    );
    let revoked_at = at("2030-01-01T00:00:00Z");
    assert!(
        directory
            .revoke_api_key(&old.hash, revoked_at)
            .await
            .unwrap()
    );
    let deadline = std::time::Instant::now() + REVOCATION_DELAY;
    loop {
        match directory.check_api_key(&old.secret, now).await.unwrap() {
            KeyCheck::Revoked { key_id, at } => {
                assert_eq!(
                    (key_id.as_str(), at),
                    (crate::key_id(&old.hash), revoked_at)
                );
                break;
            }
            other => assert!(
                std::time::Instant::now() < deadline,
                "still {other:?} after {REVOCATION_DELAY:?}"
            ),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(directory.by_api_key(&old.secret).await.unwrap(), None);
    assert_eq!(
        directory.by_api_key(&new.secret).await.unwrap(),
        Some(channel.clone()),
        "the channel's other key is untouched"
    );
    assert!(
        !directory
            .revoke_api_key(&old.hash, at("2031-01-01T00:00:00Z"))
            .await
            .unwrap(),
        "already revoked"
    );
    let keys = directory.api_keys(&channel.name).await.unwrap();
    let stored = keys.iter().find(|k| k.hash == old.hash).unwrap();
    assert_eq!(
        stored.revoked_at,
        Some(revoked_at),
        "the first revocation is kept"
    );
    assert!(
        !directory
            .revoke_api_key(&IssuedApiKey::generate().hash, revoked_at)
            .await
            .unwrap(),
        "no such key"
    );
}

/// A key with an expiry authenticates until then and is refused from then on, saying when.
pub async fn an_expired_key_is_refused_from_its_expiry(directory: &dyn ChannelDirectory) {
    let channel = api_channel("shop-a");
    directory.put(&channel).await.unwrap();
    let (created, expires) = (at("2030-01-01T00:00:00Z"), at("2030-04-01T00:00:00Z"));
    let key = issue(directory, &channel, created, Some(expires)).await;
    assert_eq!(
        directory
            .check_api_key(&key.secret, expires - Duration::seconds(1))
            .await
            .unwrap(),
        KeyCheck::Valid(Box::new(channel.clone()))
    );
    assert_eq!(
        directory.check_api_key(&key.secret, expires).await.unwrap(),
        KeyCheck::Expired {
            key_id: crate::key_id(&key.hash).to_string(),
            at: expires
        }
    );
    assert_eq!(
        directory
            .check_api_key("sy_unknown", expires)
            .await
            .unwrap(),
        KeyCheck::Unknown
    );
}

/// A key's use is recorded when its stored last use is older than
/// [`crate::LAST_USED_INTERVAL`], not on every request; a refused key records none.
pub async fn a_key_records_its_last_use_once_per_interval(directory: &dyn ChannelDirectory) {
    let channel = api_channel("shop-a");
    directory.put(&channel).await.unwrap();
    let t0 = at("2030-01-01T00:00:00Z");
    let key = issue(directory, &channel, t0, None).await;
    let last_used = || async { directory.api_keys(&channel.name).await.unwrap()[0].last_used_at };
    assert_eq!(last_used().await, None, "not used yet");
    directory.check_api_key(&key.secret, t0).await.unwrap();
    assert_eq!(last_used().await, Some(t0));
    directory
        .check_api_key(&key.secret, t0 + Duration::minutes(4))
        .await
        .unwrap();
    assert_eq!(
        last_used().await,
        Some(t0),
        "within the interval: not rewritten"
    );
    let later = t0 + Duration::minutes(6);
    directory.check_api_key(&key.secret, later).await.unwrap();
    assert_eq!(last_used().await, Some(later));
    directory
        .revoke_api_key(&key.hash, later + Duration::minutes(1))
        .await
        .unwrap();
    directory
        .check_api_key(&key.secret, later + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(last_used().await, Some(later), "a refused key was not used");
}

/// A channel's keys are listed oldest first with what is known of them; another channel's are
/// not among them.
pub async fn a_channel_lists_its_own_keys_oldest_first(directory: &dyn ChannelDirectory) {
    let (a, b) = (api_channel("shop-a"), api_channel("shop-b"));
    directory.put(&a).await.unwrap();
    directory.put(&b).await.unwrap();
    let expires = at("2031-01-01T00:00:00Z");
    let second = issue(directory, &a, at("2030-02-01T00:00:00Z"), Some(expires)).await;
    let first = issue(directory, &a, at("2030-01-01T00:00:00Z"), None).await;
    issue(directory, &b, at("2030-01-01T00:00:00Z"), None).await;
    let keys = directory.api_keys(&a.name).await.unwrap();
    assert_eq!(
        keys,
        vec![
            ApiKey::new(
                a.name.clone(),
                &first.hash,
                at("2030-01-01T00:00:00Z"),
                None
            ),
            ApiKey::new(
                a.name.clone(),
                &second.hash,
                at("2030-02-01T00:00:00Z"),
                Some(expires)
            ),
        ]
    );
    assert_eq!(directory.api_keys(&name("nobody")).await.unwrap(), vec![]);
}

/// One `#[tokio::test]` per [`ChannelDirectory`] case, each on a fresh directory made by
/// `$directory` (an expression, awaited inside the test if it needs to be).
#[macro_export]
macro_rules! channel_directory_contract_tests {
    ($directory:expr) => {
        $crate::channel_directory_contract_tests!(@cases $directory;
            a_stored_channel_reads_back_whole,
            a_put_replaces_the_record,
            an_api_key_finds_only_its_channel,
            every_channel_is_listed_by_name,
            a_partner_id_finds_its_channel_and_belongs_to_one_channel,
            a_dropped_partner_id_is_released,
            of_concurrent_claims_of_a_partner_id_exactly_one_wins,
            a_revoked_key_is_refused_within_the_revocation_delay,
            an_expired_key_is_refused_from_its_expiry,
            a_key_records_its_last_use_once_per_interval,
            a_channel_lists_its_own_keys_oldest_first);
    };
    (@cases $directory:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let directory = $directory;
                $crate::contract::$case(&directory).await;
            }
        )*
    };
}
