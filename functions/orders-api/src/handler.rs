//! The order API's behaviour, over ports.

use std::sync::Arc;
use std::time::SystemTime;

use chrono::Utc;

use switchyard_channels::{Channel, ChannelDirectory};
use switchyard_idempotency::IdempotencyKey;
use switchyard_intake::auth::{admit, authenticate};
use switchyard_intake::capture::payload_hash;
use switchyard_intake::http::{check_body_size, json_body, order_status_url, public_url};
use switchyard_intake::problem::{respond, unavailable};
use switchyard_intake::{Captured, HttpRequest, HttpResponse, Intake, Once, Problem};
use switchyard_inventory::prices::{customer_price_list, read_pricing};
use switchyard_inventory::stock::read_stock;
use switchyard_model::contract::v1::{CaptureContext, OrderReceipt, parse_order};
use switchyard_model::returns::{ReturnStatus, order_of_return, parse_return_lines};
use switchyard_model::{ExternalId, Order, OrderId, OrderStatus};
use switchyard_orders::OrderRecord;
use switchyard_projections::ProjectionStore;
use switchyard_throttle::RateLimiter;

use crate::catalog::{self, Known};
use crate::openapi;

/// The body of `GET /v1/orders/{id}/shipments`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Shipments {
    /// Switchyard's order id.
    pub order_id: String,
    /// The order's status now.
    pub status: OrderStatus,
    /// What left the warehouse, one entry per ERP shipment, oldest first.
    pub shipments: Vec<switchyard_model::fulfilment_events::Shipment>,
}

/// What the API needs from the world.
#[derive(Clone)]
pub struct Ports {
    /// Authenticates channels.
    pub channels: Arc<dyn ChannelDirectory>,
    /// Where captured orders go (and are read back from).
    pub intake: Intake,
    /// Per-channel request rate limits.
    pub limiter: Arc<dyn RateLimiter>,
    /// The ERP's stock and prices, as projected (read only here).
    pub projections: Arc<dyn ProjectionStore>,
}

/// Tunables.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted body.
    pub max_body_bytes: usize,
    /// Base of the status URLs (`https://api.example.com`); when unset, `https://<Host>`.
    pub public_base_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: 256 * 1024,
            public_base_url: None,
        }
    }
}

/// The order API.
#[derive(Clone)]
pub struct OrdersApi {
    ports: Ports,
    settings: Settings,
}

/// Turns any `Result<HttpResponse, Problem>` flow into a response.
type Outcome = Result<HttpResponse, Problem>;

impl OrdersApi {
    /// An API over `ports`.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        OrdersApi { ports, settings }
    }

    /// Handles one request; `deadline` is when the invocation must have answered.
    pub async fn handle(&self, request: &HttpRequest, deadline: SystemTime) -> HttpResponse {
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let outcome = match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["v1", "openapi.json"]) => Ok(HttpResponse {
                status: 200,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("cache-control".into(), "public, max-age=300".into()),
                ],
                body: openapi::document_json().to_string(),
            }),
            (_, ["v1", "openapi.json"]) => Err(Problem::method_not_allowed(request)),
            ("POST", ["v1", "orders"]) => self.submit(request, deadline).await,
            ("POST", ["v1", "orders", "validate"]) => self.validate(request).await,
            (_, ["v1", "orders", "validate"]) => Err(Problem::method_not_allowed(request)),
            ("GET", ["v1", "inventory"]) => self.inventory(request).await,
            ("GET", ["v1", "prices"]) => self.prices(request).await,
            (_, ["v1", "inventory"]) | (_, ["v1", "prices"]) => {
                Err(Problem::method_not_allowed(request))
            }
            ("GET", ["v1", "orders", id]) => self.status(request, id).await,
            ("GET", ["v1", "orders", id, "shipments"]) => self.shipments(request, id).await,
            ("POST", ["v1", "orders", id, "returns"]) => {
                self.request_return(request, id, deadline).await
            }
            (_, ["v1", "orders", _, "returns"]) => Err(Problem::method_not_allowed(request)),
            ("GET", ["v1", "returns", id]) => self.return_status(request, id).await,
            (_, ["v1", "returns", _]) => Err(Problem::method_not_allowed(request)),
            (_, ["v1", "orders", _, "shipments"]) => Err(Problem::method_not_allowed(request)),
            ("GET", ["v1", "orders"]) => self.find(request).await,
            (_, ["v1", "orders"]) | (_, ["v1", "orders", _]) => {
                Err(Problem::method_not_allowed(request))
            }
            _ => Err(Problem::no_route(request)),
        };
        let mut response = respond(outcome);
        if let Some(retiring) =
            openapi::retirement_of(&request.method, &request.path, openapi::RETIRING)
        {
            response = openapi::with_retirement_headers(response, &retiring);
        }
        tracing::info!(method = %request.method, path = %request.path, status = response.status, "request");
        response
    }

    async fn authenticate(&self, request: &HttpRequest) -> Result<Channel, Problem> {
        let channel = authenticate(self.ports.channels.as_ref(), request).await?;
        admit(self.ports.limiter.as_ref(), &channel).await?;
        Ok(channel)
    }

    fn status_url(&self, request: &HttpRequest, id: OrderId) -> String {
        order_status_url(self.settings.public_base_url.as_deref(), request, id)
    }

    /// Refuses a body too large or not JSON by its media type: the same for submit and validate.
    fn check_body_headers(&self, request: &HttpRequest) -> Result<(), Problem> {
        check_body_size(request, self.settings.max_body_bytes)?;
        // Required, not assumed: a body sent without one (curl -d sends a form type) is a
        // client that does not know what it sends.
        let Some(ct) = request.header("content-type") else {
            return Err(Problem::new(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "send the body with Content-Type: application/json",
            ));
        };
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(Problem::new(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                format!("send application/json, not {essence}"),
            ));
        }
        Ok(())
    }

    /// The body, read by the v1 order reader: what `POST /v1/orders` and `POST
    /// /v1/orders/validate` both accept, with the same problems for what they refuse.
    fn read_order(
        &self,
        request: &HttpRequest,
        channel: &Channel,
    ) -> Result<(serde_json::Value, Order), Problem> {
        let body = json_body(&request.body)?;
        let ctx = CaptureContext {
            order_id: OrderId::generate(),
            channel: channel.name.clone(),
            default_customer: channel.default_customer.clone(),
        };
        let order = parse_order(&body, &ctx).map_err(|errors| {
            Problem::new(
                422,
                "validation-failed",
                "The order is not valid",
                errors.to_string(),
            )
            .with_errors(errors.0)
        })?;
        Ok((body, order))
    }

    async fn submit(&self, request: &HttpRequest, deadline: SystemTime) -> Outcome {
        let channel = self.authenticate(request).await?;
        self.check_body_headers(request)?;
        let key = idempotency_key(request, "POST /v1/orders")?;
        let (body, order) = self.read_order(request, &channel)?;

        // serde_json's map is ordered by key, so this hash ignores key order and whitespace.
        let payload_hash = payload_hash(&serde_json::to_vec(&body).expect("values serialise"));
        let scoped_key = format!("orders-api#{}#{}", channel.name, key.as_str());
        let once = Once {
            key: &scoped_key,
            payload_hash: &payload_hash,
            deadline,
            key_name: "Idempotency-Key",
        };
        let external_id = order.external_id.clone();
        self.ports
            .intake
            .capture_once(
                once,
                order,
                key.as_str(),
                channel.kind,
                |captured| match captured {
                    Captured::Queued(id) | Captured::AlreadyQueued(id) => {
                        Ok(self.receipt(request, id))
                    }
                    Captured::Duplicate(order_id) => Err(Problem::new(
                        409,
                        "duplicate-order",
                        "Order already submitted",
                        format!(
                            "this channel already submitted external_id {:?} as order {order_id}",
                            external_id.as_str()
                        ),
                    )
                    .with("existing_order_id", order_id.to_string())
                    .with("existing_order_url", self.status_url(request, order_id))),
                },
            )
            .await
    }

    fn receipt(&self, request: &HttpRequest, id: OrderId) -> HttpResponse {
        let url = self.status_url(request, id);
        HttpResponse::json(
            202,
            &OrderReceipt {
                id: id.to_string(),
                status: OrderStatus::Received,
                status_url: url.clone(),
            },
        )
        .with_header("location", url)
    }

    /// `GET /v1/orders?external_id=…`: the channel's order by its own id. Channels whose orders
    /// arrive without a synchronous answer (Amazon notifications) find their orders this way.
    async fn find(&self, request: &HttpRequest) -> Outcome {
        let channel = self.authenticate(request).await?;
        let Some(external_id) = request.query_param("external_id") else {
            return Err(Problem::new(
                400,
                "external-id-required",
                "external_id required",
                "look an order up with GET /v1/orders?external_id=<the channel's order id>",
            ));
        };
        let not_found = || {
            Problem::new(
                404,
                "order-not-found",
                "Order not found",
                format!("no order with external_id {external_id:?} for this channel"),
            )
        };
        let external_id = ExternalId::try_from(external_id).map_err(|_| not_found())?;
        let id = self
            .ports
            .intake
            .orders()
            .find_external(&channel.name, &external_id)
            .await
            .map_err(unavailable)?
            .ok_or_else(not_found)?;
        self.view(&channel, &id.to_string()).await
    }

    async fn status(&self, request: &HttpRequest, id: &str) -> Outcome {
        let channel = self.authenticate(request).await?;
        self.view(&channel, id).await
    }

    /// `GET /v1/orders/{id}/shipments`: what left the warehouse, oldest first.
    async fn shipments(&self, request: &HttpRequest, id: &str) -> Outcome {
        let channel = self.authenticate(request).await?;
        let record = self.record_of(&channel, id).await?;
        Ok(HttpResponse::json(
            200,
            &Shipments {
                order_id: record.order.id.to_string(),
                status: record.status,
                shipments: record.shipments,
            },
        ))
    }

    /// `POST /v1/orders/{id}/returns`: a return of shipped lines, `202` with its id.
    async fn request_return(
        &self,
        request: &HttpRequest,
        id: &str,
        deadline: SystemTime,
    ) -> Outcome {
        let channel = self.authenticate(request).await?;
        self.check_body_headers(request)?;
        let key = idempotency_key(request, "POST /v1/orders/{id}/returns")?;
        let order_id: OrderId = id.parse().map_err(|_| {
            Problem::new(
                404,
                "order-not-found",
                "Order not found",
                format!("no order {id} for this channel"),
            )
        })?;
        let body = json_body(&request.body)?;
        let lines = parse_return_lines(&body).map_err(|errors| {
            Problem::new(
                422,
                "validation-failed",
                "The return is not valid",
                errors.to_string(),
            )
            .with_errors(errors.0)
        })?;
        let payload_hash = payload_hash(&serde_json::to_vec(&body).expect("values serialise"));
        let scoped_key = format!("returns-api#{}#{order_id}#{}", channel.name, key.as_str());
        let once = Once {
            key: &scoped_key,
            payload_hash: &payload_hash,
            deadline,
            key_name: "Idempotency-Key",
        };
        let intake = &self.ports.intake;
        intake
            .once(once, || async {
                let requested = intake
                    .request_return(&channel.name, order_id, lines, key.as_str())
                    .await?;
                let url = public_url(
                    self.settings.public_base_url.as_deref(),
                    request,
                    &format!("/v1/returns/{}", requested.id),
                );
                Ok(HttpResponse::json(
                    202,
                    &serde_json::json!({
                        "id": requested.id,
                        "order_id": order_id.to_string(),
                        "status": ReturnStatus::Requested,
                        "status_url": url,
                    }),
                )
                .with_header("location", url))
            })
            .await
    }

    /// `GET /v1/returns/{id}`: where the return is.
    async fn return_status(&self, request: &HttpRequest, id: &str) -> Outcome {
        let channel = self.authenticate(request).await?;
        let not_found = || {
            Problem::new(
                404,
                "return-not-found",
                "Return not found",
                format!("no return {id} for this channel"),
            )
        };
        let order_id = order_of_return(id).ok_or_else(not_found)?;
        let record = self
            .record_of(&channel, &order_id.to_string())
            .await
            .map_err(|_| not_found())?;
        let the_return = record.return_of(id).ok_or_else(not_found)?;
        Ok(HttpResponse::json(200, the_return))
    }

    async fn view(&self, channel: &Channel, id: &str) -> Outcome {
        let record = self.record_of(channel, id).await?;
        Ok(HttpResponse::json(200, &record.view()))
    }

    /// The channel's order `id`; another channel's order reads as missing.
    async fn record_of(&self, channel: &Channel, id: &str) -> Result<OrderRecord, Problem> {
        let not_found = || {
            Problem::new(
                404,
                "order-not-found",
                "Order not found",
                format!("no order {id} for this channel"),
            )
        };
        let id: OrderId = id.parse().map_err(|_| not_found())?;
        let record = self
            .ports
            .intake
            .orders()
            .get(id)
            .await
            .map_err(unavailable)?
            .ok_or_else(not_found)?;
        // Another channel's order is indistinguishable from a missing one.
        if record.value.order.channel != channel.name {
            return Err(not_found());
        }
        Ok(record.value)
    }
}

impl OrdersApi {
    /// `GET /v1/inventory?sku=…[&by=warehouse]`: this channel's available-to-promise.
    async fn inventory(&self, request: &HttpRequest) -> Outcome {
        let channel = self.authenticate(request).await?;
        let skus = catalog::skus_param(request)?;
        let by_warehouse = catalog::by_warehouse_param(request)?;
        let levels = read_stock(self.ports.projections.as_ref(), &skus)
            .await
            .map_err(unavailable)?;
        let items = catalog::inventory_items(&channel, &skus, levels, by_warehouse);
        Ok(catalog::cacheable(request, &catalog::Items { items }))
    }

    /// The price list `account` buys on, and whether the ERP ever reported the account.
    async fn price_list_of(
        &self,
        account: Option<&str>,
    ) -> Result<(Option<String>, bool), Problem> {
        let Some(account) = account else {
            return Ok((None, false));
        };
        let assignment = customer_price_list(self.ports.projections.as_ref(), account)
            .await
            .map_err(unavailable)?;
        let known = assignment.is_some();
        Ok((assignment.and_then(|a| a.price_list), known))
    }

    /// `GET /v1/prices?sku=…[&quantity=…]`: what this channel's customer account pays.
    async fn prices(&self, request: &HttpRequest) -> Outcome {
        let channel = self.authenticate(request).await?;
        let skus = catalog::skus_param(request)?;
        let quantity = catalog::quantity_param(request)?;
        let (price_list, _) = self
            .price_list_of(channel.default_customer.as_deref())
            .await?;
        let pricing = read_pricing(
            self.ports.projections.as_ref(),
            price_list.as_deref(),
            &skus,
        )
        .await
        .map_err(unavailable)?;
        let items = catalog::price_items(&skus, &pricing, quantity, Utc::now().date_naive());
        Ok(catalog::cacheable(
            request,
            &catalog::Prices {
                customer: channel.default_customer,
                quantity: quantity.normalize().to_string(),
                items,
            },
        ))
    }

    /// `POST /v1/orders/validate`: the order read exactly as `POST /v1/orders` reads it, then
    /// checked against the projections. Stores nothing, queues nothing, claims no key.
    async fn validate(&self, request: &HttpRequest) -> Outcome {
        let channel = self.authenticate(request).await?;
        self.check_body_headers(request)?;
        let (_, order) = self.read_order(request, &channel)?;
        let skus: Vec<_> = order.lines.iter().map(|l| l.sku.clone()).collect();
        let (price_list, customer_known) =
            self.price_list_of(Some(&order.customer.account)).await?;
        let store = self.ports.projections.as_ref();
        let (levels, pricing) = futures::try_join!(
            read_stock(store, &skus),
            read_pricing(store, price_list.as_deref(), &skus)
        )
        .map_err(unavailable)?;
        let known = Known {
            customer_known,
            levels,
            pricing,
        };
        let validation = catalog::validate(&channel, &order, &known, Utc::now().date_naive());
        Ok(HttpResponse::json(200, &validation))
    }
}

#[async_trait::async_trait]
impl switchyard_intake::lambda::HttpHandler for OrdersApi {
    async fn handle(&self, request: &HttpRequest, deadline: SystemTime) -> HttpResponse {
        OrdersApi::handle(self, request, deadline).await
    }
}

/// The request's `Idempotency-Key`, which `route` requires so that retries are safe.
fn idempotency_key(request: &HttpRequest, route: &str) -> Result<IdempotencyKey, Problem> {
    match request
        .header("idempotency-key")
        .map(IdempotencyKey::try_from)
    {
        None => Err(Problem::new(
            400,
            "idempotency-key-required",
            "Idempotency-Key required",
            format!("{route} needs an Idempotency-Key header so that retries are safe"),
        )),
        Some(Err(e)) => Err(Problem::new(
            400,
            "idempotency-key-invalid",
            "Invalid Idempotency-Key",
            e.to_string(),
        )),
        Some(Ok(key)) => Ok(key),
    }
}
