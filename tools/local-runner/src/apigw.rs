//! API Gateway HTTP API (payload format 2.0, `$default` stage) in front of the functions.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::bail;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::Functions;
use crate::config::RouteConfig;
use crate::runtime_api::{ACCOUNT_ID, InvokeError};

/// Largest request body API Gateway accepts.
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

/// Largest request line plus header values API Gateway (HTTP API) accepts: its documented quota
/// of 10240 bytes. Beyond it the gateway answers itself; the function never sees the request.
pub const MAX_HEADER_BYTES: usize = 10 * 1024;

/// The request line and header values of `parts`, as API Gateway counts them against its quota.
fn header_bytes(parts: &axum::http::request::Parts) -> usize {
    let line = parts.method.as_str().len() + parts.uri.to_string().len() + "HTTP/1.1".len();
    line + parts.headers.values().map(|v| v.len()).sum::<usize>()
}

/// Oversized bodies up to this size are read and discarded before answering 413.
const DRAIN_CAP_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

#[derive(Debug, Clone)]
struct Route {
    route_key: String,
    /// `None` for `ANY` and `$default`.
    method: Option<String>,
    /// `None` for `$default`.
    segments: Option<Vec<Segment>>,
    function: String,
}

impl Route {
    fn parse(cfg: &RouteConfig) -> anyhow::Result<Self> {
        let key = cfg.route_key.trim();
        if key == "$default" {
            return Ok(Self {
                route_key: key.into(),
                method: None,
                segments: None,
                function: cfg.function.clone(),
            });
        }
        let Some((method, path)) = key.split_once(' ') else {
            bail!("bad route key {key:?}")
        };
        if !path.starts_with('/') {
            bail!("bad route key {key:?}: the path must start with '/'");
        }
        let raw: Vec<&str> = path[1..].split('/').collect();
        let mut segments = Vec::with_capacity(raw.len());
        for (i, s) in raw.iter().enumerate() {
            let seg = match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => match name.strip_suffix('+') {
                    Some(greedy) if i == raw.len() - 1 => Segment::Greedy(greedy.into()),
                    Some(_) => bail!("bad route key {key:?}: a greedy parameter must be last"),
                    None => Segment::Param(name.into()),
                },
                None => Segment::Literal((*s).into()),
            };
            segments.push(seg);
        }
        let method = method.to_ascii_uppercase();
        Ok(Self {
            route_key: format!("{method} {path}"),
            method: (method != "ANY").then_some(method),
            segments: Some(segments),
            function: cfg.function.clone(),
        })
    }

    /// Path parameters if this route matches.
    fn matches(&self, method: &str, path: &str) -> Option<BTreeMap<String, String>> {
        if let Some(m) = &self.method
            && m != method
        {
            return None;
        }
        let Some(segments) = &self.segments else {
            return Some(BTreeMap::new());
        };
        let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        let mut params = BTreeMap::new();
        for (i, seg) in segments.iter().enumerate() {
            match seg {
                Segment::Literal(l) => {
                    if parts.get(i) != Some(&l.as_str()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let part = parts.get(i).filter(|p| !p.is_empty())?;
                    params.insert(name.clone(), percent_decode(part, false));
                }
                Segment::Greedy(name) => {
                    let rest = parts
                        .get(i..)
                        .filter(|r| !r.is_empty() && !r.join("/").is_empty())?;
                    params.insert(name.clone(), percent_decode(&rest.join("/"), false));
                    return Some(params);
                }
            }
        }
        (parts.len() == segments.len()).then_some(params)
    }

    /// Higher is more specific: exact paths beat parameters, which beat greedy paths,
    /// which beat `$default`; a named method beats `ANY`.
    fn specificity(&self) -> (u8, usize, usize, u8) {
        let method = u8::from(self.method.is_some());
        match &self.segments {
            None => (0, 0, 0, method),
            Some(segs) => {
                let greedy = segs.iter().any(|s| matches!(s, Segment::Greedy(_)));
                let literals = segs
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count();
                (if greedy { 1 } else { 2 }, literals, segs.len(), method)
            }
        }
    }
}

/// The selected route for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// The route key, e.g. `GET /v1/orders/{id}`.
    pub route_key: String,
    /// Target function.
    pub function: String,
    /// Decoded `{param}` values.
    pub path_parameters: BTreeMap<String, String>,
}

/// The route table.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// Parses the configured routes.
    pub fn new(routes: &[RouteConfig]) -> anyhow::Result<Self> {
        let mut parsed = routes
            .iter()
            .map(Route::parse)
            .collect::<anyhow::Result<Vec<_>>>()?;
        parsed.sort_by_key(|r| std::cmp::Reverse(r.specificity()));
        Ok(Self { routes: parsed })
    }

    /// The most specific route matching `method` and `path` (the raw request path).
    pub fn find(&self, method: &str, path: &str) -> Option<RouteMatch> {
        self.routes.iter().find_map(|r| {
            r.matches(method, path).map(|path_parameters| RouteMatch {
                route_key: r.route_key.clone(),
                function: r.function.clone(),
                path_parameters,
            })
        })
    }
}

/// What the event builder needs to know about an HTTP request.
#[derive(Debug, Clone)]
pub struct RequestInfo<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Raw (still percent-encoded) path.
    pub path: &'a str,
    /// Raw query string without `?`.
    pub query: &'a str,
    /// Protocol, e.g. `HTTP/1.1`.
    pub protocol: &'a str,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// Request body.
    pub body: &'a [u8],
    /// Client address.
    pub source_ip: String,
}

/// Builds the payload-format-2.0 event API Gateway would send.
pub fn build_event(
    route: &RouteMatch,
    req: &RequestInfo<'_>,
    request_id: &str,
    now: DateTime<Utc>,
) -> Value {
    let mut headers: Map<String, Value> = Map::new();
    let mut cookies: Vec<Value> = Vec::new();
    for (name, value) in req.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name.as_str() == "cookie" {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(|c| json!(c)),
            );
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    let forwarded_for = match headers.get("x-forwarded-for").and_then(Value::as_str) {
        Some(existing) => format!("{existing}, {}", req.source_ip),
        None => req.source_ip.clone(),
    };
    headers.insert("x-forwarded-for".into(), json!(forwarded_for));
    headers.insert("x-forwarded-proto".into(), json!("http"));
    let host = headers
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or("localhost")
        .to_owned();
    if let Some((_, port)) = host
        .rsplit_once(':')
        .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
    {
        headers.insert("x-forwarded-port".into(), json!(port));
    }

    let mut query: Map<String, Value> = Map::new();
    for pair in req.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k, true), percent_decode(v, true));
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }

    let user_agent = req
        .headers
        .get("user-agent")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let domain_prefix = host.split(['.', ':']).next().unwrap_or_default().to_owned();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": req.path,
        "rawQueryString": req.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": domain_prefix,
            "http": {
                "method": req.method,
                "path": req.path,
                "protocol": req.protocol,
                "sourceIp": req.source_ip,
                "userAgent": user_agent.unwrap_or_default(),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": false,
    });
    let obj = event.as_object_mut().expect("event is an object");
    if !cookies.is_empty() {
        obj.insert("cookies".into(), Value::Array(cookies));
    }
    if !query.is_empty() {
        obj.insert("queryStringParameters".into(), Value::Object(query));
    }
    if !route.path_parameters.is_empty() {
        obj.insert("pathParameters".into(), json!(route.path_parameters));
    }
    if !req.body.is_empty() {
        match std::str::from_utf8(req.body) {
            Ok(text) => {
                obj.insert("body".into(), json!(text));
            }
            Err(_) => {
                obj.insert("body".into(), json!(STANDARD.encode(req.body)));
                obj.insert("isBase64Encoded".into(), json!(true));
            }
        }
    }
    event
}

/// An HTTP response ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers in order (repeats allowed).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    fn message(status: u16, message: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: json!({ "message": message }).to_string().into_bytes(),
        }
    }
}

fn header_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Maps a function outcome to the HTTP response API Gateway would return.
pub fn map_result(result: Result<Value, InvokeError>) -> HttpResponse {
    let value = match result {
        Ok(v) => v,
        Err(InvokeError::Timeout) => return HttpResponse::message(503, "Service Unavailable"),
        Err(_) => return HttpResponse::message(500, "Internal Server Error"),
    };
    let Some(obj) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        return HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
        };
    };
    map_structured(obj).unwrap_or_else(|| HttpResponse::message(500, "Internal Server Error"))
}

fn map_structured(obj: &Map<String, Value>) -> Option<HttpResponse> {
    let status = match &obj["statusCode"] {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    let status = u16::try_from(status)
        .ok()
        .filter(|s| (100..=599).contains(s))?;
    let mut headers = Vec::new();
    if let Some(Value::Object(h)) = obj.get("headers") {
        headers.extend(
            h.iter()
                .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), header_text(v)?))),
        );
    }
    if let Some(Value::Object(h)) = obj.get("multiValueHeaders") {
        for (k, vs) in h {
            if let Value::Array(vs) = vs {
                headers.extend(
                    vs.iter()
                        .filter_map(|v| Some((k.to_ascii_lowercase(), header_text(v)?))),
                );
            }
        }
    }
    if let Some(Value::Array(cookies)) = obj.get("cookies") {
        headers.extend(
            cookies
                .iter()
                .filter_map(|c| Some(("set-cookie".to_owned(), header_text(c)?))),
        );
    }
    headers.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        )
    });
    let base64 = matches!(obj.get("isBase64Encoded"), Some(Value::Bool(true)))
        || matches!(obj.get("isBase64Encoded"), Some(Value::String(s)) if s == "true");
    let body = match obj.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if base64 => STANDARD.decode(s).ok()?,
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(other) => other.to_string().into_bytes(),
    };
    Some(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Decodes `%XX` escapes (and `+` as space when `plus_as_space`), lossy on bad UTF-8.
fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let hex = |c: u8| (c as char).to_digit(16);
        if b == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(if b == b'+' && plus_as_space { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Shared state of the API Gateway listener.
#[derive(Clone)]
pub struct ApiGateway {
    routes: Arc<RouteTable>,
    functions: Functions,
    health: Arc<dyn Fn() -> (bool, Value) + Send + Sync>,
}

impl ApiGateway {
    /// Creates the gateway. `health` reports `(ready, details)` for `/__local/health`.
    pub fn new(
        routes: RouteTable,
        functions: Functions,
        health: Arc<dyn Fn() -> (bool, Value) + Send + Sync>,
    ) -> Self {
        Self {
            routes: Arc::new(routes),
            functions,
            health,
        }
    }

    /// The axum router; serve it with `into_make_service_with_connect_info::<SocketAddr>()`.
    pub fn router(self) -> axum::Router {
        axum::Router::new().fallback(handle).with_state(self)
    }
}

fn new_apigw_request_id() -> String {
    let bytes = ulid::Ulid::new().0.to_be_bytes();
    URL_SAFE.encode(&bytes[5..16])
}

async fn handle(
    State(gw): State<ApiGateway>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let request_id = new_apigw_request_id();
    let mut resp = handle_inner(&gw, peer, req, &request_id).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("apigw-requestid", v);
    }
    resp
}

async fn handle_inner(
    gw: &ApiGateway,
    peer: SocketAddr,
    req: Request,
    request_id: &str,
) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    if path == "/__local/health" {
        let (ready, details) = (gw.health)();
        let status = if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        let mut body = json!({ "ready": ready });
        if let (Some(obj), Value::Object(extra)) = (body.as_object_mut(), details) {
            obj.extend(extra);
        }
        return (status, axum::Json(body)).into_response();
    }
    if header_bytes(&parts) > MAX_HEADER_BYTES {
        return to_response(HttpResponse::message(
            431,
            "Request Header Fields Too Large",
        ));
    }
    let Some(route) = gw.routes.find(parts.method.as_str(), &path) else {
        return to_response(HttpResponse::message(404, "Not Found"));
    };
    // Read (and so drain) up to a hard cap so the client gets the 413 instead of a reset.
    let declared = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let body = if declared.is_some_and(|n| n > DRAIN_CAP_BYTES) {
        None
    } else {
        axum::body::to_bytes(body, DRAIN_CAP_BYTES)
            .await
            .ok()
            .filter(|b| b.len() <= MAX_REQUEST_BYTES)
    };
    let Some(body) = body else {
        return to_response(HttpResponse::message(413, "Request Entity Too Large"));
    };
    let protocol = match parts.version {
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    };
    let info = RequestInfo {
        method: parts.method.as_str(),
        path: &path,
        query: parts.uri.query().unwrap_or(""),
        protocol,
        headers: &parts.headers,
        body: &body,
        source_ip: peer.ip().to_string(),
    };
    let event = build_event(&route, &info, request_id, Utc::now());
    let result = gw.functions.invoke(&route.function, event).await;
    if let Err(e) = &result {
        tracing::warn!(route = %route.route_key, %request_id, error = %e, "integration failed");
    }
    to_response(map_result(result))
}

fn to_response(r: HttpResponse) -> Response {
    let mut resp = Response::new(Body::from(r.body));
    *resp.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in r.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
            resp.headers_mut().append(k, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::ApiGatewayV2httpRequest;

    fn table() -> RouteTable {
        let r = |k: &str, f: &str| RouteConfig {
            route_key: k.into(),
            function: f.into(),
        };
        RouteTable::new(&[
            r("GET /v1/orders/{id}", "get"),
            r("POST /v1/orders", "post"),
            r("GET /v1/orders/recent", "recent"),
            r("ANY /v1/orders/{id}", "any"),
            r("GET /files/{path+}", "files"),
            r("$default", "default"),
        ])
        .unwrap()
    }

    #[test]
    fn routes_match_most_specific_first() {
        let t = table();
        let m = t.find("GET", "/v1/orders/01HX%20Y").unwrap();
        assert_eq!(
            (m.route_key.as_str(), m.function.as_str()),
            ("GET /v1/orders/{id}", "get")
        );
        assert_eq!(m.path_parameters["id"], "01HX Y");
        assert_eq!(
            t.find("GET", "/v1/orders/recent").unwrap().function,
            "recent"
        );
        assert_eq!(t.find("DELETE", "/v1/orders/7").unwrap().function, "any");
        assert_eq!(t.find("POST", "/v1/orders").unwrap().function, "post");
        let f = t.find("GET", "/files/a/b/c.txt").unwrap();
        assert_eq!(
            (f.function.as_str(), f.path_parameters["path"].as_str()),
            ("files", "a/b/c.txt")
        );
        // Falls through to $default.
        assert_eq!(t.find("GET", "/v1/orders").unwrap().function, "default");
        assert_eq!(t.find("GET", "/v1/orders/").unwrap().function, "default");
        assert_eq!(t.find("GET", "/files").unwrap().function, "default");
    }

    #[test]
    fn no_match_without_default() {
        let t = RouteTable::new(&[RouteConfig {
            route_key: "GET /v1/orders/{id}".into(),
            function: "f".into(),
        }])
        .unwrap();
        assert!(t.find("GET", "/v1/orders").is_none());
        assert!(t.find("POST", "/v1/orders/1").is_none());
        assert!(t.find("GET", "/v1/orders/1/x").is_none());
        assert!(t.find("GET", "/v1/orders/").is_none());
        assert!(
            RouteTable::new(&[RouteConfig {
                route_key: "GET /a/{p+}/b".into(),
                function: "f".into()
            }])
            .is_err()
        );
        assert!(
            RouteTable::new(&[RouteConfig {
                route_key: "nonsense".into(),
                function: "f".into()
            }])
            .is_err()
        );
    }

    fn sample_event(body: &[u8]) -> Value {
        let route = table().find("GET", "/v1/orders/42").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert("user-agent", HeaderValue::from_static("curl/8"));
        headers.append("x-multi", HeaderValue::from_static("a"));
        headers.append("x-multi", HeaderValue::from_static("b"));
        headers.insert("cookie", HeaderValue::from_static("s=1; t=2"));
        let info = RequestInfo {
            method: "GET",
            path: "/v1/orders/42",
            query: "a=1&b=x%20y&a=2&flag",
            protocol: "HTTP/1.1",
            headers: &headers,
            body,
            source_ip: "127.0.0.1".into(),
        };
        let now = DateTime::parse_from_rfc3339("2020-04-21T15:08:21.067Z")
            .unwrap()
            .with_timezone(&Utc);
        build_event(&route, &info, "req-1", now)
    }

    #[test]
    fn event_round_trips_through_aws_lambda_events() {
        let event = sample_event(br#"{"x":1}"#);
        let parsed: ApiGatewayV2httpRequest = serde_json::from_value(event.clone()).unwrap();
        assert_eq!(parsed.version.as_deref(), Some("2.0"));
        assert_eq!(parsed.route_key.as_deref(), Some("GET /v1/orders/{id}"));
        assert_eq!(parsed.raw_path.as_deref(), Some("/v1/orders/42"));
        assert_eq!(
            parsed.raw_query_string.as_deref(),
            Some("a=1&b=x%20y&a=2&flag")
        );
        assert_eq!(
            parsed.cookies,
            Some(vec!["s=1".to_owned(), "t=2".to_owned()])
        );
        assert_eq!(parsed.headers.get("x-multi").unwrap(), "a,b");
        assert!(parsed.headers.get("cookie").is_none());
        assert_eq!(parsed.headers.get("x-forwarded-port").unwrap(), "8080");
        assert_eq!(
            parsed.path_parameters.get("id").map(String::as_str),
            Some("42")
        );
        assert_eq!(parsed.query_string_parameters.first("b"), Some("x y"));
        assert_eq!(event["queryStringParameters"]["a"], "1,2");
        assert_eq!(event["queryStringParameters"]["flag"], "");
        assert_eq!(parsed.body.as_deref(), Some(r#"{"x":1}"#));
        assert!(!parsed.is_base64_encoded);
        let ctx = &parsed.request_context;
        assert_eq!(ctx.account_id.as_deref(), Some("123456789012"));
        assert_eq!(ctx.domain_name.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(ctx.stage.as_deref(), Some("$default"));
        assert_eq!(ctx.time_epoch, 1_587_481_701_067);
        assert_eq!(ctx.time.as_deref(), Some("21/Apr/2020:15:08:21 +0000"));
        assert_eq!(ctx.http.method, http::Method::GET);
        assert_eq!(ctx.http.source_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(ctx.http.user_agent.as_deref(), Some("curl/8"));
    }

    #[test]
    fn binary_body_is_base64_and_empty_body_is_absent() {
        let event = sample_event(&[0xff, 0x00, 0x10]);
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(
            STANDARD.decode(event["body"].as_str().unwrap()).unwrap(),
            vec![0xff, 0x00, 0x10]
        );
        let empty = sample_event(b"");
        assert!(empty.get("body").is_none());
        assert_eq!(empty["isBase64Encoded"], false);
    }

    #[test]
    fn structured_results_map_like_api_gateway() {
        let r = map_result(Ok(json!({
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-N": 5, "Content-Length": "999"},
            "multiValueHeaders": {"x-m": ["1", "2"]},
            "cookies": ["a=1", "b=2; HttpOnly"],
            "body": "{\"ok\":true}"
        })));
        assert_eq!(r.status, 201);
        assert_eq!(r.body, br#"{"ok":true}"#);
        assert!(
            r.headers
                .contains(&("content-type".into(), "application/json".into()))
        );
        assert!(r.headers.contains(&("x-n".into(), "5".into())));
        assert!(r.headers.contains(&("x-m".into(), "2".into())));
        assert!(
            r.headers
                .contains(&("set-cookie".into(), "b=2; HttpOnly".into()))
        );
        assert!(!r.headers.iter().any(|(k, _)| k == "content-length"));

        let b = map_result(Ok(
            json!({"statusCode": "200", "isBase64Encoded": true, "body": "AP8="}),
        ));
        assert_eq!((b.status, b.body), (200, vec![0x00, 0xff]));
        let bad = map_result(Ok(
            json!({"statusCode": 200, "isBase64Encoded": true, "body": "%%%"}),
        ));
        assert_eq!(bad.status, 500);
        assert_eq!(map_result(Ok(json!({"statusCode": 99999}))).status, 500);
    }

    #[test]
    fn unstructured_results_and_errors() {
        let r = map_result(Ok(json!({"hello": "world"})));
        assert_eq!(r.status, 200);
        assert_eq!(
            serde_json::from_slice::<Value>(&r.body).unwrap(),
            json!({"hello": "world"})
        );
        let t = map_result(Err(InvokeError::Timeout));
        assert_eq!(
            (t.status, t.body),
            (503, br#"{"message":"Service Unavailable"}"#.to_vec())
        );
        let e = map_result(Err(InvokeError::FunctionError {
            error_type: "X".into(),
            message: "m".into(),
        }));
        assert_eq!(
            (e.status, e.body),
            (500, br#"{"message":"Internal Server Error"}"#.to_vec())
        );
        assert_eq!(map_result(Err(InvokeError::Crashed)).status, 500);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb+c%", false), "a/b+c%");
        assert_eq!(percent_decode("a+b%zz", true), "a b%zz");
    }
}
