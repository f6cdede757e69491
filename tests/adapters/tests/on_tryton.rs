//! Adapter tests against a REAL Tryton (the local stack's, with the demo data of
//! `local/tryton/demo_data.py`): the `SalesOrders` contract (`switchyard_erp::contract`, the
//! same cases the in-memory twin passes in `shared/erp/tests/contract.rs`), then what only the
//! Tryton adapter does (addresses on the party, warnings, sessions, connection failures).
//!
//! `make test` starts Tryton and sets `SWITCHYARD_ERP_*`; for development:
//! `scripts/erp.sh start /tmp/erp-dev 8001 && set -a && . /tmp/erp-dev/erp.env && set +a`, then
//! `cargo test -p switchyard-adapter-tests --features live --test on_tryton`.
//!
//! Every test uses its own references, so the tests run in parallel and repeatedly against the
//! same database.

use std::str::FromStr;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::json;
use switchyard_erp::tryton::MissingEnvVar;
use switchyard_erp::{
    ErpError, ErpSale, SaleAddress, SaleLine, SaleRequest, SaleState, SalesOrders, TrytonClient,
    TrytonConfig,
};

/// Tryton from `SWITCHYARD_ERP_*`. Without them the tests fail, naming the variable: a run
/// that silently skipped the adapter tests would look like a pass.
fn config() -> TrytonConfig {
    let config = TrytonConfig::from_env().unwrap_or_else(|MissingEnvVar(name)| {
        panic!("{name} is not set: these tests need a running Tryton; run them with `make test`")
    });
    TrytonConfig {
        // Parallel tests share one SQLite-backed server: be patient with it.
        timeout: Duration::from_secs(30),
        ..config
    }
}

fn client() -> TrytonClient {
    TrytonClient::new(config())
}

mod contract {
    switchyard_erp::sales_orders_contract!(
        backend: super::client(),
        fixture: switchyard_erp::contract::Fixture::demo(
            switchyard_adapter_tests::unique_name("contract"),
        ),
    );
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn unique(tag: &str) -> String {
    switchyard_adapter_tests::unique_name(&format!("erp-test:{tag}"))
}

fn line(sku: &str, quantity: &str, price: &str) -> SaleLine {
    SaleLine {
        sku: sku.into(),
        quantity: dec(quantity),
        unit_price: dec(price),
        uom: "EA".into(),
    }
}

fn request(reference: &str, lines: Vec<SaleLine>) -> SaleRequest {
    SaleRequest {
        reference: reference.into(),
        order_id: ulid::Ulid::new().to_string(),
        customer_account: "DEMO-SHOP".into(),
        currency: "USD".into(),
        ship_to: None,
        bill_to: None,
        lines,
        requested_ship_date: None,
        notes: None,
    }
}

/// What the order-processor does: find by reference, create only if absent, confirm.
async fn post(erp: &dyn SalesOrders, request: &SaleRequest) -> Result<ErpSale, ErpError> {
    let sale = match erp.find_sale(&request.reference).await? {
        Some(sale) => sale,
        None => erp.create_sale(request).await?,
    };
    erp.confirm_sale(sale.id).await
}

#[tokio::test]
async fn create_and_confirm_a_sale_then_read_it_back() {
    let erp = client();
    let reference = unique("happy");
    let mut req = request(
        &reference,
        vec![
            line("WIDGET-S", "2", "9.25"),
            line("WIDGET-L", "1", "21.00"),
            line("WIDGET-M", "3", "14.4999"),
        ],
    );
    let address = SaleAddress {
        name: Some("Jane Buyer".into()),
        line1: "500 Howard Street".into(),
        line2: Some(format!("Suite {}", &reference[reference.len() - 6..])),
        city: "San Francisco".into(),
        region: Some("CA".into()),
        postal_code: Some("94105".into()),
        country: "US".into(),
    };
    req.ship_to = Some(address.clone());
    req.bill_to = Some(address);
    req.notes = Some("Leave at the front desk".into());
    req.requested_ship_date = Some(chrono::Local::now().date_naive() + chrono::Days::new(3));

    // Log in first (a warm Lambda reuses its session), so the timings are per sale.
    let started = Instant::now();
    assert_eq!(erp.find_sale(&reference).await.unwrap(), None);
    let login_and_find = started.elapsed();
    let started = Instant::now();
    let created = erp.create_sale(&req).await.unwrap();
    let created_in = started.elapsed();
    assert_eq!(created.reference, reference);
    assert_eq!(created.state, SaleState::Draft);
    assert_eq!(created.number, None);

    let confirmed = erp.confirm_sale(created.id).await.unwrap();
    let total = started.elapsed();
    eprintln!("login+find {login_and_find:?}, create {created_in:?}, create+confirm {total:?}");
    assert_eq!(confirmed.id, created.id);
    assert_eq!(
        confirmed.state,
        SaleState::Processing,
        "accounting is set up"
    );
    assert!(confirmed.state.is_confirmed());
    assert!(confirmed.number.is_some());

    let lines = erp.sale_lines(created.id).await.unwrap();
    let got: Vec<(String, Decimal, Decimal)> = lines
        .into_iter()
        .map(|l| (l.sku, l.quantity, l.unit_price))
        .collect();
    assert_eq!(
        got,
        vec![
            ("WIDGET-S".into(), dec("2"), dec("9.25")),
            ("WIDGET-L".into(), dec("1"), dec("21")),
            ("WIDGET-M".into(), dec("3"), dec("14.4999")),
        ]
    );

    // Confirming again is a no-op that still reads the state back.
    assert_eq!(erp.confirm_sale(created.id).await.unwrap(), confirmed);
    // find_sale finds it by reference.
    assert_eq!(erp.find_sale(&reference).await.unwrap(), Some(confirmed));
}

#[tokio::test]
async fn an_address_given_twice_is_found_again_on_the_party() {
    let erp = client();
    let suffix = ulid::Ulid::new().to_string();
    let address = SaleAddress {
        name: None,
        line1: format!("{} Reuse Lane", &suffix[suffix.len() - 5..]),
        line2: None,
        city: "Chicago".into(),
        region: Some("US-IL".into()),
        postal_code: Some("60601".into()),
        country: "us".into(),
    };
    let mut first = request(&unique("addr1"), vec![line("WIDGET-S", "1", "9.25")]);
    first.customer_account = "ACME-001".into();
    first.ship_to = Some(address.clone());
    let mut second = first.clone();
    second.reference = unique("addr2");
    second.ship_to = Some(SaleAddress {
        city: "CHICAGO".into(),
        ..address
    });
    let a = erp.create_sale(&first).await.unwrap();
    let b = erp.create_sale(&second).await.unwrap();
    assert_ne!(a.id, b.id);
    // Both drafts exist; confirming works with the default invoice address.
    assert!(erp.confirm_sale(b.id).await.unwrap().state.is_confirmed());
}

#[tokio::test]
async fn a_stock_shortfall_warning_is_skipped() {
    let erp = client();
    let reference = unique("shortfall");
    let req = request(&reference, vec![line("WIDGET-L", "100000", "21.00")]);
    let sale = post(&erp, &req).await;
    // Give the stock back whatever happened, so the demo forecast stays at 500 for everyone:
    // cancel the shipment the confirmation planned.
    let created = erp.sales_with_reference(&reference).await.unwrap();
    for sale in &created {
        let read = erp
            .execute(
                "model.sale.sale.read",
                vec![json!([sale.id]), json!(["shipments"])],
            )
            .await
            .unwrap();
        let shipments = read[0]["shipments"].clone();
        if shipments.as_array().is_some_and(|s| !s.is_empty()) {
            erp.execute("model.stock.shipment.out.cancel", vec![shipments])
                .await
                .unwrap();
        }
    }
    let sale = sale.unwrap();
    assert!(sale.state.is_confirmed(), "{sale:?}");
    assert_eq!(created.len(), 1);
}

#[tokio::test]
async fn a_wrong_port_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let erp = TrytonClient::new(TrytonConfig {
        url: format!("http://127.0.0.1:{port}"),
        timeout: Duration::from_secs(2),
        ..config()
    });
    let err = erp.find_sale("anything").await.unwrap_err();
    assert!(matches!(err, ErpError::Unavailable { .. }), "{err:?}");
    let err = erp
        .create_sale(&request(
            &unique("down"),
            vec![line("WIDGET-S", "1", "9.25")],
        ))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn a_wrong_database_or_password_is_unavailable_not_rejected() {
    // A fresh login each run: Tryton counts failed attempts per login (and delays/limits
    // them), so never fail the real user's login.
    let erp = TrytonClient::new(TrytonConfig {
        user: format!("nobody-{}", ulid::Ulid::new()),
        password: "wrong-password".into(),
        ..config()
    });
    let err = erp.find_sale("anything").await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    let erp = TrytonClient::new(TrytonConfig {
        database: "no_such_db".into(),
        ..config()
    });
    let err = erp.find_sale("anything").await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn an_expired_session_logs_in_again() {
    let erp = client();
    assert!(erp.server_version().await.unwrap().starts_with('8'));
    assert_eq!(erp.find_sale(&unique("session")).await.unwrap(), None);
    assert_eq!(erp.login_count(), 1);
    erp.corrupt_session_for_tests().await;
    let reference = unique("session");
    let sale = post(
        &erp,
        &request(&reference, vec![line("WIDGET-S", "1", "9.25")]),
    )
    .await
    .unwrap();
    assert!(sale.state.is_confirmed());
    assert_eq!(erp.login_count(), 2);
}

/// The read side (stock per warehouse, prices, change feed) on the same Tryton: the cases the
/// twin passes in `shared/erp/tests/contract.rs`. Each case creates its own products (codes
/// unique per run), so they run in parallel and again against one database.
mod catalog {
    switchyard_erp::erp_catalog_contract!(
        backend: super::client(),
        fixture: switchyard_erp::contract::CatalogFixture::demo(
            switchyard_adapter_tests::unique_name("CAT"),
        ),
    );
}

/// The fulfilment side (shipments with carrier and tracking, invoices, returns) on the same
/// Tryton, driven by `local/tryton/warehouse.py` as a clerk would: the cases the twin passes in
/// `shared/erp/tests/contract.rs`.
mod fulfilment {
    switchyard_erp::erp_fulfilment_contract!(
        backend: super::client(),
        fixture: switchyard_erp::contract::fulfilment::FulfilmentFixture::demo(
            switchyard_adapter_tests::unique_name("FUL"),
        ),
    );
}

/// The demo SKUs' levels in both warehouses, timed (a warm client, as in a polling Lambda):
/// one product read and one move read per warehouse, whatever the number of SKUs.
#[tokio::test]
async fn stock_levels_of_the_demo_skus_are_read_per_warehouse() {
    use switchyard_erp::StockLevels;
    let erp = client();
    let demo: Vec<String> = ["WIDGET-S", "WIDGET-M", "WIDGET-L"]
        .map(String::from)
        .to_vec();
    erp.server_version().await.unwrap();
    let started = Instant::now();
    let cold = erp.stock_levels(&demo).await.unwrap();
    let first = started.elapsed();
    let started = Instant::now();
    let warm = erp.stock_levels(&demo).await.unwrap();
    let second = started.elapsed();
    let mut many = demo.clone();
    many.extend((0..100).map(|i| format!("NO-SUCH-{i}")));
    let started = Instant::now();
    let with_unknown = erp.stock_levels(&many).await.unwrap();
    let third = started.elapsed();
    eprintln!(
        "stock_levels(3 demo SKUs): login+read {first:?}, warm {second:?}; with 100 unknown SKUs {third:?}"
    );
    assert_eq!(cold.len(), 6, "3 SKUs x 2 warehouses: {cold:?}");
    assert_eq!(warm.len(), 6);
    assert_eq!(with_unknown.len(), 6);
    for level in &warm {
        assert_eq!(level.unit, "u");
        assert!(level.whole_units);
        assert!(level.version.0 > 0, "{level:?}");
    }
    let small_east = warm
        .iter()
        .find(|l| l.sku == "WIDGET-S" && l.warehouse == "EAST")
        .unwrap();
    assert_eq!(
        small_east.on_hand,
        Decimal::ZERO,
        "the demo keeps no WIDGET-S in EAST"
    );
}
