//! RFC 9457 problem details (`application/problem+json`).
//!
//! Every client error names a stable `type` (documented in `docs/api/problems.md`), a title,
//! and where it applies the offending fields with the rule each broke.

use serde::Serialize;
use switchyard_model::FieldError;

use crate::http::{HttpRequest, HttpResponse};

/// A problem to report to the client.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the type.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// The offending fields, when the problem is about the body.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra members (e.g. `existing_order_id`); the problem type's documentation names them.
    #[serde(flatten)]
    #[schema(ignore)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem of type `/problems/<slug>`.
    pub fn new(status: u16, slug: &str, title: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("/problems/{slug}"),
            title,
            status,
            detail: detail.into(),
            errors: vec![],
            extensions: Default::default(),
        }
    }

    /// Adds the offending fields.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Adds an extension member.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.extensions.insert(key.to_string(), value.into());
        self
    }

    /// A 405 for a method the resource does not take.
    pub fn method_not_allowed(request: &HttpRequest) -> Self {
        Problem::new(
            405,
            "method-not-allowed",
            "Method not allowed",
            format!("{} is not allowed on {}", request.method, request.path),
        )
    }

    /// A 404 for a path no route serves.
    pub fn no_route(request: &HttpRequest) -> Self {
        Problem::new(
            404,
            "not-found",
            "Not found",
            format!("no resource at {}", request.path),
        )
    }

    /// The response carrying this problem.
    pub fn response(&self) -> HttpResponse {
        HttpResponse {
            status: self.status,
            headers: vec![("content-type".into(), "application/problem+json".into())],
            body: serde_json::to_string(self).expect("problems serialise"),
        }
    }
}

/// A 503 for a failed backing service; the cause is logged, never shown to the client.
pub fn unavailable(what: impl std::fmt::Display) -> Problem {
    tracing::error!(error = %what, "dependency failed");
    Problem::new(
        503,
        "service-unavailable",
        "Service temporarily unavailable",
        "a backing service failed; retry the same request",
    )
}

/// The response for a flow's outcome; a 401 also names the scheme the client should use, and a
/// 429 when to come back.
pub fn respond(outcome: Result<HttpResponse, Problem>) -> HttpResponse {
    outcome.unwrap_or_else(|problem| {
        let response = problem.response();
        match problem.status {
            401 => response.with_header("www-authenticate", "Bearer"),
            429 => response.with_header("retry-after", "1"),
            _ => response,
        }
    })
}
