//! The Tryton adapter: [`SalesOrders`] over Tryton's JSON-RPC (tested against Tryton 8.2).
//!
//! Protocol, as Tryton speaks it:
//! - one `POST {url}/{database}/rpc/` per call, body exactly `{"id","method","params"}`; the last
//!   parameter is the context, which must name the company;
//! - `common.db.login` returns `[user_id, session, …]`; later calls send
//!   `Authorization: Session base64(login:user_id:session)`; an expired session answers HTTP 401
//!   (sessions expire after 5 minutes idle by default), upon which the client logs in again once
//!   and repeats the call (safe: the method did not run);
//! - decimals travel as `{"__class__":"Decimal","decimal":"…"}`, dates as
//!   `{"__class__":"date",…}`; responses are gzip-compressed when large (reqwest asks for it);
//! - failures come back as `{"error": ["UserError", [message, description, domain]]}`,
//!   `["UserWarning", [name, message, description]]`, `["ConcurrencyException", message]`, or
//!   `[str(exception), traceback]` for anything else.
//!
//! `model.sale.sale.create` runs no on-change logic, so the adapter resolves and sends
//! everything itself: party, addresses, payment term, currency, and per line the product, unit,
//! unit price and description. Taxes are not computed (the demo company has none).

mod catalog;
mod codec;
mod fulfilment;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use tokio::sync::{Mutex, RwLock};

use crate::units::tryton_unit_symbol;
use crate::{
    ErpError, ErpSale, ErpSaleLine, RejectionCode, SaleAddress, SaleRequest, SaleState, SalesOrders,
};
use codec::Fault;

pub use catalog::{FEED_OVERLAP, FeedCursor};

/// Environment variables read by [`TrytonConfig::from_env`].
pub const ENV_URL: &str = "SWITCHYARD_ERP_URL";
/// Database name variable, see [`TrytonConfig::from_env`].
pub const ENV_DB: &str = "SWITCHYARD_ERP_DB";
/// User login variable, see [`TrytonConfig::from_env`].
pub const ENV_USER: &str = "SWITCHYARD_ERP_USER";
/// Password variable, see [`TrytonConfig::from_env`].
pub const ENV_PASSWORD: &str = "SWITCHYARD_ERP_PASSWORD";
/// Optional per-request timeout in milliseconds, see [`TrytonConfig::from_env`].
pub const ENV_TIMEOUT_MS: &str = "SWITCHYARD_ERP_TIMEOUT_MS";

/// How many `UserWarning`s one quote/confirm call skips before it gives up.
const MAX_WARNING_SKIPS: usize = 3;

/// What one sales-order step (find, create, confirm, cancel) spent waiting for Tryton: how many
/// JSON-RPC exchanges it made and how long they took, request sent to answer read. Kept per task
/// (not on the client) because one client serves concurrent orders; the step logs it at info, so
/// the share of an order's time spent in the ERP is measured from the logs (`make bench`'s burst
/// section reads them), not guessed.
struct RpcTally {
    rpcs: std::cell::Cell<u32>,
    waited: std::cell::Cell<Duration>,
}

tokio::task_local! {
    static RPC_TALLY: RpcTally;
}

/// Runs one step inside a fresh [`RpcTally`] and logs what it spent in Tryton (`rpcs`,
/// `erp_ms`) with the step's name, under the caller's span (the order's).
async fn tallied<T>(
    step: &'static str,
    work: impl std::future::Future<Output = Result<T, ErpError>>,
) -> Result<T, ErpError> {
    let tally = RpcTally {
        rpcs: std::cell::Cell::new(0),
        waited: std::cell::Cell::new(Duration::ZERO),
    };
    let (result, tally) = RPC_TALLY
        .scope(tally, async {
            let result = work.await;
            let tally = RPC_TALLY.with(|t| (t.rpcs.get(), t.waited.get()));
            (result, tally)
        })
        .await;
    let (rpcs, waited) = tally;
    tracing::info!(
        step,
        rpcs,
        erp_ms = (waited.as_secs_f64() * 1e6).round() / 1e3,
        ok = result.is_ok(),
        "tryton step"
    );
    result
}

/// Where and as whom to reach Tryton.
#[derive(Clone)]
pub struct TrytonConfig {
    /// Base URL of the server, e.g. `http://127.0.0.1:8000` (no database, no `/rpc/`).
    pub url: String,
    /// Database name, e.g. `switchyard`.
    pub database: String,
    /// Login of the Tryton user.
    pub user: String,
    /// Password of the Tryton user.
    pub password: String,
    /// Timeout of each HTTP request (connect + answer). Keep it well inside the Lambda timeout.
    pub timeout: Duration,
}

impl TrytonConfig {
    /// The default request timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Reads `SWITCHYARD_ERP_URL`, `SWITCHYARD_ERP_DB`, `SWITCHYARD_ERP_USER`,
    /// `SWITCHYARD_ERP_PASSWORD` and, optionally, `SWITCHYARD_ERP_TIMEOUT_MS` (default 10 s).
    pub fn from_env() -> Result<Self, MissingEnvVar> {
        let config = Self::from_env_with_password(String::new())?;
        Ok(Self {
            password: env_var(ENV_PASSWORD)?,
            ..config
        })
    }

    /// Like [`TrytonConfig::from_env`], with the password from elsewhere (on AWS, a SecureString
    /// parameter read through the secret store).
    pub fn from_env_with_password(password: String) -> Result<Self, MissingEnvVar> {
        let timeout = std::env::var(ENV_TIMEOUT_MS)
            .ok()
            .and_then(|ms| ms.trim().parse::<u64>().ok())
            .map_or(Self::DEFAULT_TIMEOUT, Duration::from_millis);
        Ok(Self {
            url: env_var(ENV_URL)?,
            database: env_var(ENV_DB)?,
            user: env_var(ENV_USER)?,
            password,
            timeout,
        })
    }
}

fn env_var(name: &'static str) -> Result<String, MissingEnvVar> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .ok_or(MissingEnvVar(name))
}

impl fmt::Debug for TrytonConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrytonConfig")
            .field("url", &self.url)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A required environment variable is missing or empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {0} is not set")]
pub struct MissingEnvVar(pub &'static str);

/// A logged-in session: the `Authorization` header and the context every call carries.
struct Session {
    authorization: String,
    context: Map<String, Value>,
    generation: u64,
}

/// The outcome of one HTTP exchange.
enum Reply {
    /// HTTP 401/403 on an authenticated call: the session is gone.
    Unauthorized,
    /// A JSON-RPC answer: the result, or Tryton's error.
    Answer(Result<Value, Fault>),
}

/// The Tryton JSON-RPC adapter. Cheap to share (`Arc`); one login serves every call, and
/// concurrent calls that find the session expired log in only once.
pub struct TrytonClient {
    http: reqwest::Client,
    config: TrytonConfig,
    database_url: String,
    server_url: String,
    session: RwLock<Option<Arc<Session>>>,
    login_lock: Mutex<()>,
    next_id: AtomicU64,
    logins: AtomicU64,
    rpcs: AtomicU64,
}

impl fmt::Debug for TrytonClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrytonClient")
            .field("config", &self.config)
            .field("logins", &self.logins.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TrytonClient {
    /// A client for this server. Does not connect: the first call logs in.
    ///
    /// # Panics
    /// If the HTTP client cannot be built (the TLS backend fails to initialise), like
    /// `reqwest::Client::new`.
    pub fn new(config: TrytonConfig) -> Self {
        let base = config.url.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("switchyard-erp/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("building the HTTP client");
        Self {
            http,
            database_url: format!("{base}/{}/rpc/", config.database),
            server_url: format!("{base}/rpc/"),
            config,
            session: RwLock::new(None),
            login_lock: Mutex::new(()),
            next_id: AtomicU64::new(1),
            logins: AtomicU64::new(0),
            rpcs: AtomicU64::new(0),
        }
    }

    /// Where and as whom this client calls (for tools that must reach the same Tryton, such as
    /// the contract's warehouse probe).
    #[cfg(feature = "contract")]
    pub(crate) fn config(&self) -> &TrytonConfig {
        &self.config
    }

    /// How many times this client has logged in (1 after the first call; more after session
    /// expiries). Useful in metrics and tests.
    pub fn login_count(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    /// How many JSON-RPC requests this client has sent (logins and retries included): what an
    /// operation costs the ERP, for metrics and the posting benchmark.
    pub fn rpc_count(&self) -> u64 {
        self.rpcs.load(Ordering::Relaxed)
    }

    /// The server's version (`common.server.version`, no login needed): a health check.
    pub async fn server_version(&self) -> Result<String, ErpError> {
        let method = "common.server.version";
        match self.post(&self.server_url, method, &[], None).await? {
            Reply::Answer(Ok(Value::String(version))) => Ok(version),
            Reply::Answer(Ok(other)) => Ok(other.to_string()),
            Reply::Answer(Err(fault)) => Err(fault.into_error(method)),
            Reply::Unauthorized => Err(codec::status_error(method, 403, "")),
        }
    }

    /// Every sale with this external reference, oldest first: proves there are no duplicates.
    pub async fn sales_with_reference(&self, reference: &str) -> Result<Vec<ErpSale>, ErpError> {
        let rows = self
            .search_read(
                "sale.sale",
                json!([["reference", "=", reference]]),
                None,
                &["id", "number", "reference", "state"],
            )
            .await?;
        rows.iter().map(parse_sale).collect()
    }

    /// The product lines of a sale, in order (comment and subtotal lines left out).
    pub async fn sale_lines(&self, sale_id: i64) -> Result<Vec<ErpSaleLine>, ErpError> {
        let rows = self
            .search_read(
                "sale.line",
                json!([["sale", "=", sale_id], ["type", "=", "line"]]),
                None,
                &["product.code", "quantity", "unit_price"],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ErpSaleLine {
                    sku: row
                        .get("product.")
                        .and_then(|p| p.get("code"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    quantity: decimal_field(row, "quantity")?,
                    unit_price: decimal_field(row, "unit_price")?,
                })
            })
            .collect()
    }

    /// Calls any database method, e.g. `execute("model.stock.shipment.out.cancel",
    /// vec![json!([12])])`: the session context is appended, Tryton errors are mapped like every
    /// other call. An escape hatch for operator tools and tests; handlers use [`SalesOrders`].
    pub async fn execute(&self, method: &str, params: Vec<Value>) -> Result<Value, ErpError> {
        self.call(method, params).await
    }

    /// Replaces the session key with garbage, as if the server had expired the session: the next
    /// call gets HTTP 401 and must log in again. For tests of the re-login path.
    #[doc(hidden)]
    pub async fn corrupt_session_for_tests(&self) {
        let mut slot = self.session.write().await;
        if let Some(session) = slot.as_ref() {
            let bogus = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:1:not-a-session", self.config.user));
            *slot = Some(Arc::new(Session {
                authorization: format!("Session {bogus}"),
                context: session.context.clone(),
                generation: session.generation,
            }));
        }
    }

    // ---- sessions -----------------------------------------------------------------------

    /// The current session, logging in if there is none.
    async fn session(&self) -> Result<Arc<Session>, ErpError> {
        if let Some(session) = self.session.read().await.clone() {
            return Ok(session);
        }
        self.refresh_session(None).await
    }

    /// Logs in, unless another task already replaced the session `stale` names.
    async fn refresh_session(&self, stale: Option<u64>) -> Result<Arc<Session>, ErpError> {
        let _one_login_at_a_time = self.login_lock.lock().await;
        if let Some(current) = self.session.read().await.clone()
            && Some(current.generation) != stale
        {
            return Ok(current);
        }
        let session = Arc::new(self.login().await?);
        *self.session.write().await = Some(session.clone());
        Ok(session)
    }

    async fn login(&self) -> Result<Session, ErpError> {
        let method = "common.db.login";
        let started = Instant::now();
        let params = [
            json!(self.config.user),
            json!({"password": self.config.password}),
            json!("en"),
        ];
        let result = match self.post(&self.database_url, method, &params, None).await? {
            Reply::Answer(Ok(result)) => result,
            Reply::Answer(Err(fault)) => return Err(fault.into_error(method)),
            Reply::Unauthorized => {
                return Err(codec::status_error(method, 401, "login refused"));
            }
        };
        let (Some(user_id), Some(key)) = (
            result.get(0).and_then(Value::as_i64),
            result.get(1).and_then(Value::as_str),
        ) else {
            return Err(ErpError::unavailable(format!(
                "{method}: unexpected answer {result}"
            )));
        };
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{user_id}:{key}", self.config.user));
        let authorization = format!("Session {token}");

        let method = "model.res.user.get_preferences";
        let preferences = match self
            .post(
                &self.database_url,
                method,
                &[json!(true), json!({})],
                Some(&authorization),
            )
            .await?
        {
            Reply::Answer(Ok(preferences)) => preferences,
            Reply::Answer(Err(fault)) => return Err(fault.into_error(method)),
            Reply::Unauthorized => {
                return Err(ErpError::unavailable(format!(
                    "{method}: session refused right after login"
                )));
            }
        };
        let mut context = Map::new();
        // What Tryton's own client sends: with several warehouses, `warehouse` (the user's
        // preferred one) is what new sales ship from.
        for key in [
            "company",
            "companies",
            "employee",
            "employees",
            "language",
            "warehouse",
        ] {
            if let Some(value) = preferences.get(key).filter(|v| !v.is_null()) {
                context.insert(key.to_owned(), value.clone());
            }
        }
        if !context.contains_key("company") {
            return Err(ErpError::unavailable(format!(
                "Tryton user {:?} has no current company",
                self.config.user
            )));
        }
        let generation = self.logins.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(
            user_id,
            generation,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "logged in to Tryton"
        );
        Ok(Session {
            authorization,
            context,
            generation,
        })
    }

    // ---- calls --------------------------------------------------------------------------

    /// Calls a database method (the context is appended); on HTTP 401/403 logs in again once
    /// and repeats the call. The inner `Result` is Tryton's own answer.
    async fn call_raw(
        &self,
        method: &str,
        params: Vec<Value>,
    ) -> Result<Result<Value, Fault>, ErpError> {
        self.call_raw_in(method, params, None).await
    }

    /// [`Self::call_raw`] with `extra` merged over the session context (e.g. `locations` for
    /// stock quantities, `price_list` and `quantity` for sale prices).
    async fn call_raw_in(
        &self,
        method: &str,
        mut params: Vec<Value>,
        extra: Option<&Map<String, Value>>,
    ) -> Result<Result<Value, Fault>, ErpError> {
        let with_extra = |context: &Map<String, Value>| {
            let mut context = context.clone();
            if let Some(extra) = extra {
                context.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            Value::Object(context)
        };
        let session = self.session().await?;
        params.push(with_extra(&session.context));
        match self
            .post(
                &self.database_url,
                method,
                &params,
                Some(&session.authorization),
            )
            .await?
        {
            Reply::Answer(answer) => Ok(answer),
            Reply::Unauthorized => {
                tracing::info!(method, "Tryton session expired; logging in again");
                let session = self.refresh_session(Some(session.generation)).await?;
                if let Some(context) = params.last_mut() {
                    *context = with_extra(&session.context);
                }
                match self
                    .post(
                        &self.database_url,
                        method,
                        &params,
                        Some(&session.authorization),
                    )
                    .await?
                {
                    Reply::Answer(answer) => Ok(answer),
                    Reply::Unauthorized => Err(ErpError::unavailable(format!(
                        "{method}: session refused right after login"
                    ))),
                }
            }
        }
    }

    /// [`Self::call_raw`] with Tryton's errors mapped to [`ErpError`].
    async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, ErpError> {
        self.call_raw(method, params)
            .await?
            .map_err(|fault| fault.into_error(method))
    }

    /// One JSON-RPC exchange.
    async fn post(
        &self,
        url: &str,
        method: &str,
        params: &[Value],
        authorization: Option<&str>,
    ) -> Result<Reply, ErpError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.rpcs.fetch_add(1, Ordering::Relaxed);
        let body = json!({"id": id, "method": method, "params": params});
        let mut request = self.http.post(url).json(&body);
        if let Some(authorization) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, authorization);
        }
        let started = Instant::now();
        // Counted into the step's tally however the exchange ends (answer, error, timeout).
        let _count = TallyGuard(started);
        let response = request
            .send()
            .await
            .map_err(|err| transport_error(method, url, &err))?;
        let status = response.status();
        tracing::debug!(
            method,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "tryton rpc"
        );
        if authorization.is_some()
            && matches!(
                status,
                reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN
            )
        {
            return Ok(Reply::Unauthorized);
        }
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(codec::status_error(method, status.as_u16(), &text));
        }
        let answer: Value = response
            .json()
            .await
            .map_err(|err| transport_error(method, url, &err))?;
        match answer.get("error") {
            Some(error) if !error.is_null() => Ok(Reply::Answer(Err(Fault::from_error(error)))),
            _ => Ok(Reply::Answer(Ok(answer
                .get("result")
                .cloned()
                .unwrap_or(Value::Null)))),
        }
    }

    async fn search_read(
        &self,
        model: &str,
        domain: Value,
        limit: Option<u32>,
        fields: &[&str],
    ) -> Result<Vec<Value>, ErpError> {
        let method = format!("model.{model}.search_read");
        let result = self
            .call(
                &method,
                vec![
                    domain,
                    json!(0),
                    json!(limit),
                    json!([["id", "ASC"]]),
                    json!(fields),
                ],
            )
            .await?;
        match result {
            Value::Array(rows) => Ok(rows),
            other => Err(ErpError::unavailable(format!(
                "{method}: expected a list, got {other}"
            ))),
        }
    }

    async fn create(&self, model: &str, values: Value) -> Result<i64, ErpError> {
        let method = format!("model.{model}.create");
        let result = self.call(&method, vec![json!([values])]).await?;
        result
            .get(0)
            .and_then(Value::as_i64)
            .ok_or_else(|| ErpError::unavailable(format!("{method}: unexpected answer {result}")))
    }

    async fn read_sale(&self, sale_id: i64) -> Result<Option<ErpSale>, ErpError> {
        let rows = self
            .search_read(
                "sale.sale",
                json!([["id", "=", sale_id]]),
                Some(1),
                &["id", "number", "reference", "state"],
            )
            .await?;
        rows.first().map(parse_sale).transpose()
    }

    /// Calls a workflow button (`quote`, `confirm`) on one sale, skipping `UserWarning`s the way
    /// the Tryton client does: `res.user.warning.skip(name)`, then the same call again.
    async fn click(&self, sale_id: i64, button: &str) -> Result<Result<(), Fault>, ErpError> {
        let method = format!("model.sale.sale.{button}");
        let mut skipped = 0;
        loop {
            match self.call_raw(&method, vec![json!([sale_id])]).await? {
                Ok(_) => return Ok(Ok(())),
                Err(Fault::Warning { name, message }) if skipped < MAX_WARNING_SKIPS => {
                    tracing::info!(sale_id, button, warning = %name, %message, "skipping Tryton warning");
                    self.call(
                        "model.res.user.warning.skip",
                        vec![json!(name), json!(false)],
                    )
                    .await?;
                    skipped += 1;
                }
                Err(fault) => return Ok(Err(fault)),
            }
        }
    }

    // ---- create_sale steps --------------------------------------------------------------

    async fn resolve_customer(&self, code: &str) -> Result<(i64, Option<i64>), ErpError> {
        let rows = self
            .search_read(
                "party.party",
                json!([["code", "=", code]]),
                Some(1),
                &["id", "customer_payment_term"],
            )
            .await?;
        let row = rows.first().ok_or_else(|| {
            ErpError::rejected(
                RejectionCode::UnknownCustomer,
                format!("unknown customer account {code:?}"),
            )
        })?;
        Ok((
            id_of(row, "id")?,
            row.get("customer_payment_term").and_then(Value::as_i64),
        ))
    }

    async fn resolve_products(
        &self,
        request: &SaleRequest,
    ) -> Result<HashMap<String, Product>, ErpError> {
        let skus: BTreeSet<&str> = request.lines.iter().map(|l| l.sku.as_str()).collect();
        let rows = self
            .search_read(
                "product.product",
                json!([["code", "in", skus]]),
                None,
                &["id", "code", "rec_name", "salable", "default_uom.category"],
            )
            .await?;
        let mut products = HashMap::new();
        for row in &rows {
            let Some(code) = row.get("code").and_then(Value::as_str) else {
                continue;
            };
            products.entry(code.to_owned()).or_insert(Product {
                id: id_of(row, "id")?,
                name: row
                    .get("rec_name")
                    .and_then(Value::as_str)
                    .unwrap_or(code)
                    .to_owned(),
                salable: row.get("salable").and_then(Value::as_bool).unwrap_or(false),
                uom_category: row
                    .get("default_uom.")
                    .and_then(|u| u.get("category"))
                    .and_then(Value::as_i64),
            });
        }
        let mut missing = Vec::new();
        for line in &request.lines {
            if !products.contains_key(&line.sku) && !missing.contains(&line.sku.as_str()) {
                missing.push(line.sku.as_str());
            }
        }
        if !missing.is_empty() {
            return Err(ErpError::rejected(
                RejectionCode::UnknownSku,
                format!("unknown SKU(s): {}", missing.join(", ")),
            ));
        }
        let not_salable: Vec<&str> = skus
            .iter()
            .copied()
            .filter(|sku| !products[*sku].salable)
            .collect();
        if !not_salable.is_empty() {
            return Err(ErpError::rejected(
                RejectionCode::UnknownSku,
                format!("SKU(s) not for sale: {}", not_salable.join(", ")),
            ));
        }
        Ok(products)
    }

    /// Maps every line's unit to a Tryton unit id, checking it fits the product.
    async fn resolve_units(
        &self,
        request: &SaleRequest,
        products: &HashMap<String, Product>,
    ) -> Result<Vec<i64>, ErpError> {
        let symbols: Vec<String> = request
            .lines
            .iter()
            .map(|line| {
                tryton_unit_symbol(&line.uom)
                    .map(str::to_owned)
                    .unwrap_or_else(|| line.uom.trim().to_owned())
            })
            .collect();
        let wanted: BTreeSet<&str> = symbols.iter().map(String::as_str).collect();
        let rows = self
            .search_read(
                "product.uom",
                json!([["symbol", "in", wanted]]),
                None,
                &["id", "symbol", "category"],
            )
            .await?;
        let mut units: HashMap<&str, (i64, Option<i64>)> = HashMap::new();
        for row in &rows {
            if let Some(symbol) = row.get("symbol").and_then(Value::as_str) {
                units.entry(symbol).or_insert((
                    id_of(row, "id")?,
                    row.get("category").and_then(Value::as_i64),
                ));
            }
        }
        let mut ids = Vec::with_capacity(request.lines.len());
        for (line, symbol) in request.lines.iter().zip(&symbols) {
            let Some(&(id, category)) = units.get(symbol.as_str()) else {
                return Err(ErpError::rejected(
                    RejectionCode::UnknownUnit,
                    format!("unknown unit of measure {:?} on SKU {}", line.uom, line.sku),
                ));
            };
            let product = &products[&line.sku];
            if product.uom_category.is_some() && category != product.uom_category {
                return Err(ErpError::rejected(
                    RejectionCode::UnknownUnit,
                    format!(
                        "unit {:?} cannot measure SKU {} ({})",
                        line.uom, line.sku, product.name
                    ),
                ));
            }
            ids.push(id);
        }
        Ok(ids)
    }

    async fn resolve_currency(&self, code: &str) -> Result<i64, ErpError> {
        let rows = self
            .search_read(
                "currency.currency",
                json!([["code", "=", code.trim().to_ascii_uppercase()]]),
                Some(1),
                &["id"],
            )
            .await?;
        match rows.first() {
            Some(row) => id_of(row, "id"),
            None => Err(ErpError::rejected(
                RejectionCode::UnknownCurrency,
                format!("unknown currency {code:?}"),
            )),
        }
    }

    /// The party's address for `usage` (`"delivery"` or `"invoice"`): the given one
    /// (found or created on the party), or the party's default.
    async fn resolve_address(
        &self,
        party: i64,
        address: Option<&SaleAddress>,
        usage: &str,
    ) -> Result<i64, ErpError> {
        let Some(address) = address else {
            let rows = self
                .search_read(
                    "party.address",
                    json!([["party", "=", party]]),
                    None,
                    &["id", "sequence", usage],
                )
                .await?;
            let mut rows: Vec<&Value> = rows.iter().collect();
            // Tryton's own order: sequence (empty last), then id.
            rows.sort_by_key(|row| {
                (
                    row.get("sequence")
                        .and_then(Value::as_i64)
                        .unwrap_or(i64::MAX),
                    row.get("id").and_then(Value::as_i64).unwrap_or_default(),
                )
            });
            let chosen = rows
                .iter()
                .find(|row| truthy(row.get(usage)))
                .or(rows.first())
                .ok_or_else(|| {
                    ErpError::rejected(
                        RejectionCode::InvalidAddress,
                        format!("no {usage} address given and the customer has none"),
                    )
                })?;
            return id_of(chosen, "id");
        };

        let invalid = |message: String| ErpError::rejected(RejectionCode::InvalidAddress, message);
        if address.line1.trim().is_empty() {
            return Err(invalid(format!("{usage} address has no street")));
        }
        if address.city.trim().is_empty() {
            return Err(invalid(format!("{usage} address has no city")));
        }
        let country_code = address.country.trim().to_ascii_uppercase();
        let countries = self
            .search_read(
                "country.country",
                json!([["code", "=", country_code]]),
                Some(1),
                &["id"],
            )
            .await?;
        let country = match countries.first() {
            Some(row) => id_of(row, "id")?,
            None => {
                return Err(invalid(format!(
                    "{usage} address: unknown country {:?}",
                    address.country
                )));
            }
        };
        let subdivision = match address.region.as_deref().map(str::trim) {
            Some(region) if !region.is_empty() => {
                let region_upper = region.to_ascii_uppercase();
                let full_code = if region_upper.starts_with(&format!("{country_code}-")) {
                    region_upper.clone()
                } else {
                    format!("{country_code}-{region_upper}")
                };
                let rows = self
                    .search_read(
                        "country.subdivision",
                        json!([
                            ["country", "=", country],
                            [
                                "OR",
                                ["code", "in", [full_code, region_upper]],
                                ["name", "ilike", region]
                            ]
                        ]),
                        Some(1),
                        &["id"],
                    )
                    .await?;
                match rows.first() {
                    Some(row) => Some(id_of(row, "id")?),
                    None => {
                        tracing::warn!(region, country = %country_code, "unknown region; address kept without subdivision");
                        None
                    }
                }
            }
            _ => None,
        };
        let street = match address.line2.as_deref().map(str::trim) {
            Some(line2) if !line2.is_empty() => format!("{}\n{line2}", address.line1.trim()),
            _ => address.line1.trim().to_owned(),
        };
        let postal_code = address
            .postal_code
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let name = address
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());

        let candidates = self
            .search_read(
                "party.address",
                json!([
                    ["party", "=", party],
                    ["country", "=", country],
                    ["postal_code", "=", postal_code]
                ]),
                None,
                &["id", "street", "city", "party_name", "subdivision"],
            )
            .await?;
        let found = candidates.iter().find(|row| {
            same_text(row.get("street"), Some(&street))
                && same_text(row.get("city"), Some(address.city.trim()))
                && same_text(row.get("party_name"), name)
                && (subdivision.is_none()
                    || row.get("subdivision").and_then(Value::as_i64) == subdivision)
        });
        if let Some(row) = found {
            return id_of(row, "id");
        }
        self.create(
            "party.address",
            json!({
                "party": party,
                "party_name": name,
                "street_unstructured": street,
                "postal_code": postal_code,
                "city": address.city.trim(),
                "country": country,
                "subdivision": subdivision,
            }),
        )
        .await
    }
}

/// Adds one exchange, from its start to the guard's drop (the answer read), to the current
/// step's [`RpcTally`], if the call runs inside one.
struct TallyGuard(Instant);

impl Drop for TallyGuard {
    fn drop(&mut self) {
        let elapsed = self.0.elapsed();
        let _ = RPC_TALLY.try_with(|t| {
            t.rpcs.set(t.rpcs.get() + 1);
            t.waited.set(t.waited.get() + elapsed);
        });
    }
}

/// A product as `create_sale` needs it.
struct Product {
    id: i64,
    name: String,
    salable: bool,
    uom_category: Option<i64>,
}

#[async_trait::async_trait]
impl SalesOrders for TrytonClient {
    async fn find_sale(&self, reference: &str) -> Result<Option<ErpSale>, ErpError> {
        tallied("find", async move {
            let sales = self.sales_with_reference(reference).await?;
            let live = sales
                .iter()
                .find(|sale| sale.state != SaleState::Cancelled)
                .cloned();
            Ok(live.or_else(|| sales.into_iter().next()))
        })
        .await
    }

    async fn create_sale(&self, request: &SaleRequest) -> Result<ErpSale, ErpError> {
        tallied("create", async move {
            request.validate()?;
            let started = Instant::now();
            let (party, payment_term) = self
                .resolve_customer(request.customer_account.trim())
                .await?;
            let products = self.resolve_products(request).await?;
            let units = self.resolve_units(request, &products).await?;
            let currency = self.resolve_currency(&request.currency).await?;
            let shipment_address = self
                .resolve_address(party, request.ship_to.as_ref(), "delivery")
                .await?;
            let invoice_address = if request.bill_to.is_some() && request.bill_to == request.ship_to {
                shipment_address
            } else {
                self.resolve_address(party, request.bill_to.as_ref(), "invoice")
                    .await?
            };

            let lines: Vec<Value> = request
                .lines
                .iter()
                .zip(&units)
                .map(|(line, unit)| {
                    let product = &products[&line.sku];
                    json!({
                        "type": "line",
                        "product": product.id,
                        "quantity": codec::decimal(line.quantity),
                        "unit": unit,
                        "unit_price": codec::decimal(line.unit_price),
                        "description": product.name,
                    })
                })
                .collect();
            let mut values = json!({
                "party": party,
                "reference": request.reference,
                "description": format!("Switchyard order {}", request.order_id),
                "currency": currency,
                "invoice_address": invoice_address,
                "shipment_address": shipment_address,
                "lines": [["create", lines]],
            });
            if let Some(payment_term) = payment_term {
                values["payment_term"] = json!(payment_term);
            }
            if let Some(notes) = request.notes.as_deref().filter(|n| !n.trim().is_empty()) {
                values["comment"] = json!(notes);
            }
            if let Some(date) = request.requested_ship_date {
                // Tryton requires shipping_date >= sale_date (today, set on quote); a date in
                // the past means "as soon as possible", which is what no date means.
                if date >= chrono::Local::now().date_naive() {
                    values["shipping_date"] = codec::date(date);
                } else {
                    tracing::info!(%date, reference = %request.reference, "requested ship date is past; not sent");
                }
            }
            let sale_id = self.create("sale.sale", values).await?;
            tracing::info!(
                sale_id,
                reference = %request.reference,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "created Tryton sale"
            );
            self.read_sale(sale_id).await?.ok_or_else(|| {
                ErpError::unavailable(format!("sale {sale_id} vanished right after create"))
            })
        })
        .await
    }

    async fn confirm_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        tallied("confirm", async move {
            let missing = || {
                ErpError::rejected(
                    RejectionCode::ErpRule,
                    format!("sale {sale_id} does not exist"),
                )
            };
            // draft -> quotation -> confirmed (-> processing): at most two steps, plus slack for
            // a concurrent caller moving the sale under us.
            for _ in 0..4 {
                let sale = self.read_sale(sale_id).await?.ok_or_else(missing)?;
                let button = match &sale.state {
                    state if state.is_confirmed() => return Ok(sale),
                    SaleState::Draft => "quote",
                    SaleState::Quotation => "confirm",
                    SaleState::Cancelled => {
                        return Err(ErpError::rejected(
                            RejectionCode::ErpRule,
                            format!("sale {sale_id} is cancelled in the ERP"),
                        ));
                    }
                    other => {
                        return Err(ErpError::rejected(
                            RejectionCode::ErpRule,
                            format!(
                                "sale {sale_id} is in state {other:?}, which cannot be confirmed"
                            ),
                        ));
                    }
                };
                if let Err(fault) = self.click(sale_id, button).await? {
                    // Maybe a concurrent caller moved it ("You can not call quote on …"): look again.
                    let now = self.read_sale(sale_id).await?.ok_or_else(missing)?;
                    if now.state == sale.state {
                        return Err(fault.into_error(&format!("model.sale.sale.{button}")));
                    }
                }
            }
            let sale = self.read_sale(sale_id).await?.ok_or_else(missing)?;
            if sale.state.is_confirmed() {
                Ok(sale)
            } else {
                Err(ErpError::unavailable(format!(
                    "sale {sale_id} is still {} after quote and confirm",
                    sale.state
                )))
            }
        })
        .await
    }

    async fn cancel_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        tallied("cancel", async move {
            let missing = || {
                ErpError::rejected(
                    RejectionCode::ErpRule,
                    format!("sale {sale_id} does not exist"),
                )
            };
            // confirmed -> draft -> cancelled, or quotation/draft -> cancelled. Tryton allows no
            // way back from `processing` (shipments exist): that is for a person in the ERP.
            for _ in 0..3 {
                let sale = self.read_sale(sale_id).await?.ok_or_else(missing)?;
                let button = match &sale.state {
                    SaleState::Draft | SaleState::Quotation => "cancel",
                    SaleState::Confirmed => "draft",
                    _ => return Ok(sale),
                };
                if let Err(fault) = self.click(sale_id, button).await? {
                    let now = self.read_sale(sale_id).await?.ok_or_else(missing)?;
                    if now.state == sale.state {
                        return Err(fault.into_error(&format!("model.sale.sale.{button}")));
                    }
                }
            }
            self.read_sale(sale_id).await?.ok_or_else(missing)
        })
        .await
    }
}

fn parse_sale(row: &Value) -> Result<ErpSale, ErpError> {
    Ok(ErpSale {
        id: id_of(row, "id")?,
        number: row
            .get("number")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        reference: row
            .get("reference")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        state: SaleState::parse(row.get("state").and_then(Value::as_str).unwrap_or_default()),
    })
}

fn id_of(row: &Value, field: &str) -> Result<i64, ErpError> {
    row.get(field)
        .and_then(Value::as_i64)
        .ok_or_else(|| ErpError::unavailable(format!("Tryton sent no {field} in {row}")))
}

fn decimal_field(row: &Value, field: &str) -> Result<Decimal, ErpError> {
    row.get(field)
        .and_then(codec::parse_decimal)
        .ok_or_else(|| ErpError::unavailable(format!("Tryton sent no number {field} in {row}")))
}

/// Tryton's SQLite backend returns booleans as 0/1.
fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        _ => false,
    }
}

/// Compares address parts the way people read them: case, spacing and line breaks aside.
fn same_text(stored: Option<&Value>, wanted: Option<&str>) -> bool {
    let norm = |text: &str| {
        text.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let stored = stored.and_then(Value::as_str).map(norm).unwrap_or_default();
    let wanted = wanted.map(norm).unwrap_or_default();
    stored == wanted
}

fn transport_error(method: &str, url: &str, err: &reqwest::Error) -> ErpError {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else if err.is_decode() {
        "unreadable answer"
    } else {
        "request failed"
    };
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    ErpError::unavailable(format!("{method} at {url}: {what}: {detail}"))
}

#[cfg(test)]
mod tests;
