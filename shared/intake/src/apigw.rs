//! API Gateway HTTP API (payload format 2.0) ⇄ the handler's request and response.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use base64::Engine;
use http::{HeaderName, HeaderValue};

use crate::http::{HttpRequest, HttpResponse};

/// Reads an API Gateway v2 event. A body that API Gateway base64-encoded is decoded; one that
/// does not decode is passed on as its raw text, which then fails JSON parsing with a clear problem.
pub fn request_from_event(event: &ApiGatewayV2httpRequest) -> HttpRequest {
    let body = match (&event.body, event.is_base64_encoded) {
        (Some(b), true) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_else(|_| b.as_bytes().to_vec()),
        (Some(b), false) => b.as_bytes().to_vec(),
        (None, _) => Vec::new(),
    };
    let headers = event
        .headers
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.as_str().to_ascii_lowercase(),
                v.to_str().ok()?.to_string(),
            ))
        })
        .collect();
    HttpRequest {
        method: event
            .request_context
            .http
            .method
            .as_str()
            .to_ascii_uppercase(),
        path: event
            .raw_path
            .clone()
            .or_else(|| event.request_context.http.path.clone())
            .unwrap_or_default(),
        headers,
        body,
        host: event.request_context.domain_name.clone(),
        query: event
            .query_string_parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// Builds the API Gateway v2 response.
pub fn response_to_event(response: HttpResponse) -> ApiGatewayV2httpResponse {
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(response.status);
    for (k, v) in &response.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            out.headers.append(name, value);
        }
    }
    out.body = Some(Body::Text(response.body));
    out.is_base64_encoded = false;
    out
}
