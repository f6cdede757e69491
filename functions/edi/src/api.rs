//! `edi-api`: routes, ports and authentication.

use std::sync::Arc;
use std::time::SystemTime;

use switchyard_channels::{Channel, ChannelDirectory, ChannelKind};
use switchyard_edi_outbox::EdiStore;
use switchyard_intake::auth::{admit, authenticate};
use switchyard_intake::problem::respond;
use switchyard_intake::{HttpRequest, HttpResponse, Intake, Problem};
use switchyard_quarantine::Quarantine;
use switchyard_throttle::RateLimiter;

/// What the EDI API needs from the world.
#[derive(Clone)]
pub struct Ports {
    /// Channel records (partners authenticate with their channel's API key).
    pub channels: Arc<dyn ChannelDirectory>,
    /// The order intake.
    pub intake: Intake,
    /// Outbox, pending acknowledgements, control numbers.
    pub edi: Arc<dyn EdiStore>,
    /// Where unreadable interchanges are kept.
    pub quarantine: Arc<dyn Quarantine>,
    /// Per-channel request rate limits.
    pub limiter: Arc<dyn RateLimiter>,
}

/// The EDI API.
#[derive(Clone)]
pub struct EdiApi {
    pub(crate) ports: Ports,
}

pub(crate) type Outcome = Result<HttpResponse, Problem>;

impl EdiApi {
    /// The API over `ports`.
    pub fn new(ports: Ports) -> Self {
        EdiApi { ports }
    }

    /// Handles one request; `deadline` is when the invocation must have answered.
    pub async fn handle(&self, request: &HttpRequest, deadline: SystemTime) -> HttpResponse {
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let outcome = match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["v1", "edi", "x12"]) => self.receive(request, deadline).await,
            ("POST", ["v1", "edi", "edifact"]) => self.receive_edifact(request, deadline).await,
            ("GET", ["v1", "edi", "outbox"]) => self.list(request).await,
            ("GET", ["v1", "edi", "outbox", id]) => self.fetch(request, id).await,
            ("DELETE", ["v1", "edi", "outbox", id]) => self.confirm_collected(request, id).await,
            (_, ["v1", "edi", ..]) => Err(Problem::method_not_allowed(request)),
            _ => Err(Problem::no_route(request)),
        };
        let response = respond(outcome);
        tracing::info!(method = %request.method, path = %request.path, status = response.status, "edi request");
        response
    }

    /// The X12 or EDIFACT channel whose API key the request presents (the outbox serves both).
    pub(crate) async fn partner(&self, request: &HttpRequest) -> Result<Channel, Problem> {
        let channel = authenticate(self.ports.channels.as_ref(), request).await?;
        admit(self.ports.limiter.as_ref(), &channel).await?;
        if channel.kind == ChannelKind::Edifact && channel.edifact_partner.is_some() {
            return Ok(channel);
        }
        if channel.kind != ChannelKind::X12 || channel.trading_partner.is_none() {
            return Err(Problem::new(
                403,
                "not-an-edi-partner",
                "Not an EDI trading partner",
                format!(
                    "channel {} is not an X12 trading partner; EDI needs an x12 channel with its ISA ids",
                    channel.name
                ),
            ));
        }
        Ok(channel)
    }
}

#[async_trait::async_trait]
impl switchyard_intake::lambda::HttpHandler for EdiApi {
    async fn handle(&self, request: &HttpRequest, deadline: SystemTime) -> HttpResponse {
        EdiApi::handle(self, request, deadline).await
    }
}
