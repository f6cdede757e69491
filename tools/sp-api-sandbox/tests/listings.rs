//! The Listings Items API in the sandbox, driven by the real `SpApiListings` client in-process on
//! 127.0.0.1:0: the ChannelStock contract (probe: the `/_sandbox/listings` routes), pacing
//! within the usage plan, throttling, faults, refused credentials, and the sandbox's own
//! validation of what it is sent.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::{Value, json};
use sp_api_sandbox::{ListingsPlan, SandboxConfig, ShipmentsPlan, router};
use switchyard_amazon::{LwaCredentials, Secret, SpApiConfig, SpApiListings, TokenBucket};
use switchyard_inventory::contract::ChannelUnderTest;
use switchyard_inventory::{ChannelLevel, ChannelStock, LevelOutcome, PushError};

const SELLER: &str = "A2SWITCHYARD01";
const MARKETPLACE: &str = "ATVPDKIKX0DER";

fn recorded_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../local/sp-api")
}

/// A plan fast enough for the 260-SKU contract case (SP-API's own would take 100 s).
fn fast_plan() -> ListingsPlan {
    ListingsPlan {
        get_rate_per_second: 1000.0,
        get_burst: 50,
        patch_rate_per_second: 1000.0,
        patch_burst: 50,
    }
}

async fn start(listings: ListingsPlan) -> SocketAddr {
    let app = router(SandboxConfig {
        data_dir: recorded_data(),
        rate_per_second: 0.5,
        burst: 30,
        listings,
        shipments: ShipmentsPlan::default(),
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn config(addr: SocketAddr, refresh_token: &str) -> SpApiConfig {
    SpApiConfig::new(
        format!("http://{addr}"),
        format!("http://{addr}/auth/o2/token"),
        LwaCredentials {
            client_id: "amzn1.application-oa2-client.local".into(),
            client_secret: Secret::new("local-secret"),
            refresh_token: Secret::new(refresh_token),
        },
    )
}

fn bucket(rate: f64, burst: u32) -> TokenBucket {
    TokenBucket::new(rate, burst).unwrap()
}

/// The sandbox, the client, and the probe.
struct Amazon {
    addr: SocketAddr,
    client: SpApiListings,
    http: reqwest::Client,
}

impl Amazon {
    fn at(addr: SocketAddr, client: SpApiListings) -> Self {
        Amazon {
            addr,
            client,
            http: reqwest::Client::new(),
        }
    }

    async fn fast() -> Self {
        let addr = start(fast_plan()).await;
        let client = SpApiListings::new(config(addr, "Atzr|local"), SELLER, MARKETPLACE)
            .unwrap()
            .with_rate_limits(bucket(1000.0, 50), bucket(1000.0, 50));
        Self::at(addr, client)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn fail_next(&self, count: usize) {
        let response = self
            .http
            .post(self.url("/_sandbox/faults"))
            .json(&json!({"count": count, "status": 503}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
    }

    async fn calls(&self) -> Vec<Value> {
        self.http
            .get(self.url("/_sandbox/calls"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A raw SP-API call with a token, for the sandbox's own behaviour.
    async fn raw(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("x-amz-access-token", "Atza|raw");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[async_trait::async_trait]
impl ChannelStock for Amazon {
    async fn set_levels(&self, levels: &[ChannelLevel]) -> Result<Vec<LevelOutcome>, PushError> {
        self.client.set_levels(levels).await
    }
}

#[async_trait::async_trait]
impl ChannelUnderTest for Amazon {
    async fn list(&self, sku: &str, quantity: i64) {
        let response = self
            .http
            .post(self.url("/_sandbox/listings"))
            .json(&json!({"sku": sku, "quantity": quantity}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201, "listing {sku}");
    }

    async fn shown(&self, sku: &str) -> Option<i64> {
        let mut url = reqwest::Url::parse(&self.url("/_sandbox/listings")).unwrap();
        url.path_segments_mut().unwrap().push(sku);
        let response = self.http.get(url).send().await.unwrap();
        if response.status().as_u16() == 404 {
            return None;
        }
        let body: Value = response.json().await.unwrap();
        body["quantity"].as_i64()
    }

    async fn change_behind_our_back(&self, sku: &str, quantity: i64) {
        let mut url = reqwest::Url::parse(&self.url("/_sandbox/listings")).unwrap();
        url.path_segments_mut().unwrap().push(sku);
        let response = self
            .http
            .put(url)
            .json(&json!({"quantity": quantity}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
    }
}

fn level(sku: &str, quantity: i64) -> ChannelLevel {
    ChannelLevel {
        sku: sku.to_string(),
        quantity,
        idempotency_key: format!("{sku}:{quantity}"),
    }
}

fn run() -> String {
    ulid::Ulid::new().to_string()
}

mod contract {
    use super::Amazon;
    switchyard_inventory::channel_stock_contract_tests!(
        channel: Amazon::fast().await,
        run: super::run(),
    );
}

#[tokio::test]
async fn the_documented_plan_is_kept_without_a_single_429() {
    // SP-API's default plan on both sides: 5 requests/s, burst 5, per operation.
    let addr = start(ListingsPlan::default()).await;
    let client = SpApiListings::new(config(addr, "Atzr|local"), SELLER, MARKETPLACE).unwrap();
    let amazon = Amazon::at(addr, client);
    let run = run();
    let skus: Vec<String> = (0..9).map(|n| format!("{run}-P{n}")).collect();
    for sku in &skus {
        amazon.list(sku, 0).await;
    }
    let levels: Vec<_> = skus.iter().map(|s| level(s, 4)).collect();

    let outcomes = amazon.set_levels(&levels).await.unwrap();

    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, LevelOutcome::Set { .. })),
        "{outcomes:?}"
    );
    for sku in &skus {
        assert_eq!(amazon.shown(sku).await, Some(4));
    }
    let calls = amazon.calls().await;
    assert_eq!(calls.len(), 18, "one read and one patch per SKU");
    assert!(calls.iter().all(|c| c["status"] == 200), "{calls:#?}");
}

#[tokio::test]
async fn a_quota_shared_with_others_backs_off_and_loses_nothing() {
    // The seller's quota allows a burst of 2; this client believes 5 (another application
    // spends the rest), so it is answered 429 and must wait for the server's bucket.
    let plan = ListingsPlan {
        patch_rate_per_second: 10.0,
        patch_burst: 2,
        ..fast_plan()
    };
    let addr = start(plan).await;
    let client = SpApiListings::new(config(addr, "Atzr|local"), SELLER, MARKETPLACE)
        .unwrap()
        .with_rate_limits(bucket(1000.0, 50), bucket(10.0, 5));
    let amazon = Amazon::at(addr, client);
    let run = run();
    let skus: Vec<String> = (0..6).map(|n| format!("{run}-Q{n}")).collect();
    for sku in &skus {
        amazon.list(sku, 1).await;
    }
    let levels: Vec<_> = skus
        .iter()
        .enumerate()
        .map(|(n, s)| level(s, n as i64 + 10))
        .collect();

    let outcomes = amazon.set_levels(&levels).await.unwrap();

    assert_eq!(outcomes.len(), 6);
    for (n, sku) in skus.iter().enumerate() {
        assert_eq!(amazon.shown(sku).await, Some(n as i64 + 10), "{sku}");
    }
    let calls = amazon.calls().await;
    assert!(
        calls.iter().any(|c| c["status"] == 429),
        "the sandbox never throttled, so nothing was tested"
    );
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_is_throttled_and_writes_nothing() {
    let plan = ListingsPlan {
        patch_rate_per_second: 0.0001,
        patch_burst: 1,
        ..fast_plan()
    };
    let addr = start(plan).await;
    let client = SpApiListings::new(config(addr, "Atzr|local"), SELLER, MARKETPLACE)
        .unwrap()
        .with_rate_limits(bucket(1000.0, 50), bucket(1000.0, 50));
    let amazon = Amazon::at(addr, client);
    let sku = format!("{}-A", run());
    amazon.list(&sku, 3).await;
    // Spend the only patch token for hours.
    let (status, _) = amazon
        .raw(
            reqwest::Method::PATCH,
            &format!("/listings/2021-08-01/items/{SELLER}/{sku}?marketplaceIds={MARKETPLACE}"),
            Some(switchyard_amazon::listings::fulfillment_availability_patch(
                "PRODUCT", 3,
            )),
        )
        .await;
    assert_eq!(status, 200);

    let err = amazon.set_levels(&[level(&sku, 9)]).await.unwrap_err();

    assert!(matches!(err, PushError::Throttled { .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(amazon.shown(&sku).await, Some(3));
}

#[tokio::test]
async fn a_failing_sp_api_is_unavailable_and_the_retry_succeeds() {
    let amazon = Amazon::fast().await;
    let sku = format!("{}-A", run());
    amazon.list(&sku, 3).await;
    amazon.fail_next(1).await;

    let err = amazon.set_levels(&[level(&sku, 9)]).await.unwrap_err();
    assert!(matches!(err, PushError::Unavailable(_)), "{err:?}");
    assert_eq!(amazon.shown(&sku).await, Some(3));

    let outcomes = amazon.set_levels(&[level(&sku, 9)]).await.unwrap();
    assert_eq!(
        outcomes,
        vec![LevelOutcome::Set {
            sku: sku.clone(),
            previous: Some(3)
        }]
    );
}

#[tokio::test]
async fn refused_credentials_are_refused() {
    let addr = start(fast_plan()).await;
    // LWA refuses a token exchange without a refresh token (`invalid_request`).
    let client = SpApiListings::new(config(addr, ""), SELLER, MARKETPLACE).unwrap();
    let amazon = Amazon::at(addr, client);
    let sku = format!("{}-A", run());
    amazon.list(&sku, 3).await;

    let err = amazon.set_levels(&[level(&sku, 9)]).await.unwrap_err();

    match &err {
        PushError::Refused(why) => assert!(why.contains("invalid_request"), "{why}"),
        other => panic!("expected Refused, got {other:?}"),
    }
    assert!(!err.is_transient());
    assert_eq!(amazon.shown(&sku).await, Some(3));
}

#[tokio::test]
async fn an_invalid_submission_is_refused() {
    let amazon = Amazon::fast().await;
    let sku = format!("{}-A", run());
    amazon.list(&sku, 3).await;

    // A negative level is a bug upstream; SP-API answers INVALID with an issue, and nothing
    // changes.
    let err = amazon.set_levels(&[level(&sku, -1)]).await.unwrap_err();

    match &err {
        PushError::Refused(why) => {
            assert!(why.contains("INVALID") && why.contains("quantity"), "{why}")
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    assert_eq!(amazon.shown(&sku).await, Some(3));
}

#[tokio::test]
async fn skus_with_reserved_characters_reach_the_right_listing() {
    let amazon = Amazon::fast().await;
    let sku = format!("{}-A/B C+D", run());
    amazon.list(&sku, 3).await;

    let outcomes = amazon.set_levels(&[level(&sku, 5)]).await.unwrap();

    assert!(
        matches!(&outcomes[..], [LevelOutcome::Set { .. }]),
        "{outcomes:?}"
    );
    assert_eq!(amazon.shown(&sku).await, Some(5));
}

#[tokio::test]
async fn the_seeded_widgets_are_listed_for_the_demo_seller() {
    let amazon = Amazon::fast().await;

    let outcomes = amazon
        .set_levels(&[level("WIDGET-S", 120), level("WIDGET-M", 7)])
        .await
        .unwrap();

    assert_eq!(
        outcomes[0],
        LevelOutcome::Unchanged {
            sku: "WIDGET-S".into()
        }
    );
    assert_eq!(
        outcomes[1],
        LevelOutcome::Set {
            sku: "WIDGET-M".into(),
            previous: Some(80)
        }
    );
    let calls = amazon.calls().await;
    let patches: Vec<&Value> = calls.iter().filter(|c| c["method"] == "PATCH").collect();
    assert_eq!(patches.len(), 1, "an unchanged level is not patched");
    assert_eq!(
        patches[0]["body"]["patches"][0]["value"],
        json!([{"fulfillment_channel_code": "DEFAULT", "quantity": 7}])
    );
    assert!(
        !serde_json::to_string(&calls).unwrap().contains("Atza|"),
        "no token in the log"
    );
}

#[tokio::test]
async fn the_sandbox_answers_as_sp_api_does() {
    let amazon = Amazon::fast().await;
    let item = |sku: &str, query: &str| format!("/listings/2021-08-01/items/{SELLER}/{sku}{query}");
    let get = reqwest::Method::GET;
    let patch = reqwest::Method::PATCH;

    let (status, body) = amazon
        .raw(
            get.clone(),
            &item(
                "WIDGET-L",
                "?marketplaceIds=ATVPDKIKX0DER&includedData=summaries,fulfillmentAvailability",
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["summaries"][0]["productType"], "PRODUCT");
    assert_eq!(
        body["fulfillmentAvailability"],
        json!([{"fulfillmentChannelCode": "DEFAULT", "quantity": 40}])
    );

    let (status, body) = amazon
        .raw(
            get.clone(),
            &item("NOPE", "?marketplaceIds=ATVPDKIKX0DER"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["errors"][0]["code"], "NOT_FOUND");

    let (status, body) = amazon.raw(get.clone(), &item("WIDGET-L", ""), None).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "InvalidInput");

    let (status, _) = amazon
        .raw(
            get.clone(),
            &item(
                "WIDGET-L",
                "?marketplaceIds=ATVPDKIKX0DER&includedData=everything",
            ),
            None,
        )
        .await;
    assert_eq!(status, 400);

    let unauthorised = amazon
        .http
        .get(amazon.url(&item("WIDGET-L", "?marketplaceIds=ATVPDKIKX0DER")))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status().as_u16(), 403);

    let q = "?marketplaceIds=ATVPDKIKX0DER";
    for malformed in [
        json!({"patches": [{"op": "replace", "path": "/attributes/fulfillment_availability", "value": []}]}),
        json!({"productType": "PRODUCT", "patches": []}),
        json!({"productType": "PRODUCT", "patches": [{"op": "move", "path": "/attributes/x", "value": []}]}),
        json!({"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability/0/quantity", "value": [1]}]}),
        json!({"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability"}]}),
    ] {
        let (status, body) = amazon
            .raw(patch.clone(), &item("WIDGET-L", q), Some(malformed.clone()))
            .await;
        assert_eq!(status, 400, "{malformed}");
        assert_eq!(body["errors"][0]["code"], "InvalidInput", "{malformed}");
    }

    let (status, body) = amazon
        .raw(
            patch.clone(),
            &item("WIDGET-L", q),
            Some(
                json!({"productType": "PRODUCT", "patches": [{"op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT"}]}]}),
            ),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "INVALID");
    assert_eq!(body["issues"][0]["severity"], "ERROR");

    let (status, body) = amazon
        .raw(
            patch,
            &item("WIDGET-L", q),
            Some(switchyard_amazon::listings::fulfillment_availability_patch(
                "PRODUCT", 41,
            )),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ACCEPTED");
    assert_eq!(body["sku"], "WIDGET-L");
    assert_eq!(body["issues"], json!([]));
    assert!(body["submissionId"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(amazon.shown("WIDGET-L").await, Some(41));
}
