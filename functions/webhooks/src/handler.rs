//! The webhook endpoint's behaviour, over ports.

use std::sync::Arc;
use std::time::SystemTime;

use chrono::Utc;
use switchyard_channels::{Channel, ChannelDirectory, ChannelKind};
use switchyard_intake::capture::payload_hash;
use switchyard_intake::http::{check_body_size, order_status_url};
use switchyard_intake::problem::{respond, unavailable};
use switchyard_intake::receipt::WebhookReceipt;
use switchyard_intake::{Captured, HttpRequest, HttpResponse, Intake, Once, Problem};
use switchyard_model::{ChannelName, ExternalId, OrderId, OrderStatus};
use switchyard_quarantine::{MAX_KEPT_BODY_BYTES, Quarantine, QuarantinedDelivery};
use switchyard_secrets::SecretStore;
use switchyard_webhooks::MappingError;
use switchyard_webhooks::signature::WOOCOMMERCE_SIGNATURE_HEADER;
use switchyard_webhooks::woocommerce;

use crate::delivery::{self, Intent};
use crate::verify::{VerifyError, verify};

/// What the endpoint needs from the world.
#[derive(Clone)]
pub struct Ports {
    /// Channel records.
    pub channels: Arc<dyn ChannelDirectory>,
    /// Webhook secret values.
    pub secrets: Arc<dyn SecretStore>,
    /// The order intake.
    pub intake: Intake,
    /// Where unreadable signed deliveries are kept.
    pub quarantine: Arc<dyn Quarantine>,
}

/// Tunables.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted body. Storefront order payloads are far smaller; the cap keeps a
    /// quarantined body inside one SQS message.
    pub max_body_bytes: usize,
    /// Base of the status URLs; when unset, `https://<Host>`.
    pub public_base_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: MAX_KEPT_BODY_BYTES,
            public_base_url: None,
        }
    }
}

/// The webhook endpoint.
#[derive(Clone)]
pub struct WebhooksApi {
    ports: Ports,
    settings: Settings,
}

type Outcome = Result<HttpResponse, Problem>;

impl WebhooksApi {
    /// An endpoint over `ports`.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        WebhooksApi { ports, settings }
    }

    /// Handles one request; `deadline` is when the invocation must have answered.
    pub async fn handle(&self, request: &HttpRequest, deadline: SystemTime) -> HttpResponse {
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let outcome = match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["v1", "webhooks", channel]) => self.deliver(request, channel, deadline).await,
            (_, ["v1", "webhooks", _]) => Err(Problem::method_not_allowed(request)),
            _ => Err(Problem::no_route(request)),
        };
        let response = respond(outcome);
        tracing::info!(method = %request.method, path = %request.path, status = response.status, "webhook");
        response
    }

    async fn channel(&self, name: &str, path: &str) -> Result<Channel, Problem> {
        let unknown = || {
            Problem::new(
                404,
                "unknown-channel",
                "Unknown channel",
                format!("no webhook channel at {path}"),
            )
        };
        let name = ChannelName::try_from(name).map_err(|_| unknown())?;
        let channel = self
            .ports
            .channels
            .get(&name)
            .await
            .map_err(unavailable)?
            .ok_or_else(unknown)?;
        match channel.kind {
            ChannelKind::Shopify | ChannelKind::Woocommerce | ChannelKind::StandardWebhooks => {
                Ok(channel)
            }
            _ => Err(unknown()),
        }
    }

    async fn deliver(&self, request: &HttpRequest, name: &str, deadline: SystemTime) -> Outcome {
        let channel = self.channel(name, &request.path).await?;
        check_body_size(request, self.settings.max_body_bytes)?;
        // WooCommerce pings a new webhook once, unsigned, with a form body `webhook_id=N`.
        if channel.kind == ChannelKind::Woocommerce
            && request.header(WOOCOMMERCE_SIGNATURE_HEADER).is_none()
            && woocommerce::is_ping(request.header("content-type"), &request.body)
        {
            return Ok(HttpResponse::json(200, &ignored("ping acknowledged")));
        }
        match verify(&channel, self.ports.secrets.as_ref(), request, Utc::now()).await {
            Ok(()) => {}
            Err(VerifyError::Store(e)) => return Err(unavailable(e)),
            Err(e) => {
                tracing::warn!(channel = %channel.name, error = %e, "webhook signature refused");
                switchyard_platform::metrics::signature_failure(channel.name.as_str());
                return Err(Problem::new(
                    401,
                    "invalid-signature",
                    "Invalid webhook signature",
                    e.to_string(),
                ));
            }
        }
        let Some(delivery_id) = delivery::delivery_id(channel.kind, request) else {
            return Err(Problem::new(
                400,
                "delivery-id-required",
                "Delivery id required",
                "the delivery carries no id header (X-Shopify-Event-Id, X-WC-Webhook-Delivery-ID or webhook-id) to recognise its retries by",
            ));
        };
        let key = format!("webhooks#{}#{delivery_id}", channel.name);
        let hash = payload_hash(&request.body);
        let once = Once {
            key: &key,
            payload_hash: &hash,
            deadline,
            key_name: "delivery id",
        };
        let intent = match delivery::read(&channel, request, OrderId::generate()) {
            Ok(intent) => intent,
            Err(error) => return Err(self.quarantine(&channel, request, delivery_id, error).await),
        };
        let intake = &self.ports.intake;
        match intent {
            // A new order: stored with the delivery's answer in one write (decision 0026).
            Intent::Capture(order) => {
                let key = format!("webhook:{delivery_id}");
                intake
                    .capture_once(once, *order, &key, channel.kind, |captured| {
                        Ok(self.capture_receipt(request, captured))
                    })
                    .await
            }
            Intent::Cancel {
                external_id,
                reason,
            } => {
                intake
                    .once(once, || self.cancel(&channel, request, external_id, reason))
                    .await
            }
            Intent::Ignore(why) => {
                intake
                    .once(once, || async {
                        Ok(HttpResponse::json(200, &ignored(&why)))
                    })
                    .await
            }
        }
    }

    fn capture_receipt(&self, request: &HttpRequest, captured: Captured) -> HttpResponse {
        let id = captured.order_id();
        HttpResponse::json(
            200,
            &WebhookReceipt {
                result: match captured {
                    Captured::Duplicate(_) => "matched",
                    Captured::Queued(_) | Captured::AlreadyQueued(_) => "created",
                },
                order_id: Some(id.to_string()),
                status: matches!(captured, Captured::Queued(_)).then_some(OrderStatus::Received),
                status_url: Some(self.status_url(request, id)),
                detail: None,
            },
        )
    }

    async fn cancel(
        &self,
        channel: &Channel,
        request: &HttpRequest,
        external_id: ExternalId,
        reason: Option<String>,
    ) -> Outcome {
        let receipt = match self
            .ports
            .intake
            .request_cancellation(&channel.name, &external_id, reason)
            .await?
        {
            Some(id) => WebhookReceipt {
                result: "cancellation-requested",
                order_id: Some(id.to_string()),
                status: None,
                status_url: Some(self.status_url(request, id)),
                detail: None,
            },
            None => ignored(&format!(
                "no order {external_id} from this channel; nothing to cancel"
            )),
        };
        Ok(HttpResponse::json(200, &receipt))
    }

    /// Keeps an unreadable signed delivery for an operator and tells the sender why.
    async fn quarantine(
        &self,
        channel: &Channel,
        request: &HttpRequest,
        delivery_id: &str,
        error: MappingError,
    ) -> Problem {
        let problem = match &error {
            MappingError::Unparseable(why) => Problem::new(
                400,
                "unreadable-payload",
                "The payload could not be read",
                format!("{why}; the delivery was kept for an operator"),
            ),
            MappingError::Invalid(errors) => Problem::new(
                422,
                "validation-failed",
                "The order is not valid",
                format!("{errors}; the delivery was kept for an operator"),
            )
            .with_errors(errors.0.clone()),
        };
        let kept = QuarantinedDelivery::received(
            channel.name.as_str(),
            delivery::source(channel.kind, request),
            Some(delivery_id),
            error.to_string(),
            request.header("content-type"),
            &request.body,
        );
        match self.ports.quarantine.keep(&kept).await {
            Ok(()) => {
                tracing::warn!(channel = %channel.name, delivery_id, reason = %kept.reason, "delivery quarantined");
                problem
            }
            // Not kept: the sender must retry rather than believe it was looked at.
            Err(e) => unavailable(e),
        }
    }

    fn status_url(&self, request: &HttpRequest, id: OrderId) -> String {
        order_status_url(self.settings.public_base_url.as_deref(), request, id)
    }
}

fn ignored(why: &str) -> WebhookReceipt {
    WebhookReceipt {
        result: "ignored",
        order_id: None,
        status: None,
        status_url: None,
        detail: Some(why.to_string()),
    }
}

#[async_trait::async_trait]
impl switchyard_intake::lambda::HttpHandler for WebhooksApi {
    async fn handle(&self, request: &HttpRequest, deadline: SystemTime) -> HttpResponse {
        WebhooksApi::handle(self, request, deadline).await
    }
}
