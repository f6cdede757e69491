//! The handler's view of HTTP: just what it needs, independent of the event source.

use serde::{Deserialize, Serialize};

/// An incoming request.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// Upper-case method.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// Headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// The raw body bytes.
    pub body: Vec<u8>,
    /// The host the client called, for absolute URLs.
    pub host: Option<String>,
    /// Query string parameters, decoded, in order.
    pub query: Vec<(String, String)>,
}

impl HttpRequest {
    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An outgoing response. Serialisable, because idempotent replays return the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// UTF-8 body.
    pub body: String,
}

impl HttpResponse {
    /// A JSON response.
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_string(body).expect("responses serialise"),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The URL a channel follows an order at: `<base>/v1/orders/<id>`, where the base is the
/// configured public URL or else the host the client called.
pub fn order_status_url(
    public_base_url: Option<&str>,
    request: &HttpRequest,
    id: switchyard_model::OrderId,
) -> String {
    public_url(public_base_url, request, &format!("/v1/orders/{id}"))
}

/// `path` under the configured public base URL, or under the host the request was sent to.
pub fn public_url(public_base_url: Option<&str>, request: &HttpRequest, path: &str) -> String {
    let base = match (public_base_url, &request.host) {
        (Some(base), _) => base.trim_end_matches('/').to_string(),
        (None, Some(host)) => format!("https://{host}"),
        (None, None) => String::new(),
    };
    format!("{base}{path}")
}

/// Refuses a body larger than `limit` bytes with a 413 problem.
pub fn check_body_size(request: &HttpRequest, limit: usize) -> Result<(), crate::Problem> {
    if request.body.len() > limit {
        return Err(crate::Problem::new(
            413,
            "body-too-large",
            "Request body too large",
            format!(
                "the body is {} bytes; the limit is {limit} bytes",
                request.body.len()
            ),
        ));
    }
    Ok(())
}

/// The body as one unambiguous JSON value ([`switchyard_model::json`]), or a 400 problem naming
/// where it is malformed, too deep or ambiguous (a duplicate key).
pub fn json_body(body: &[u8]) -> Result<serde_json::Value, crate::Problem> {
    use switchyard_model::json::{self, StrictJsonError};
    json::from_slice(body).map_err(|e| {
        let (slug, title) = match e {
            StrictJsonError::DuplicateKey { .. } => ("ambiguous-json", "Ambiguous JSON"),
            _ => ("malformed-json", "Malformed JSON"),
        };
        crate::Problem::new(400, slug, title, e.to_string())
            .with_errors(vec![switchyard_model::FieldError::new(e.field(), e.rule())])
    })
}
