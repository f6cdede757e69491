//! The channel-facing API as an OpenAPI 3.1 document, served at `GET /v1/openapi.json`.
//!
//! Schemas are derived (`utoipa`) from the types the handlers serialise, and from the request
//! descriptions in [`switchyard_model::contract::request`], so a changed response type changes
//! the document. The operations below are descriptions only: the handlers route by hand (one
//! Lambda per area behind API Gateway), and `tests/openapi.rs` checks that the document's
//! operations are exactly the `/v1` routes both Terraform roots give API Gateway, while
//! schemathesis, in `make test`, checks every answer of the running stack against it.
//!
//! Versioning: v1 only ever gains optional fields, operations and problem types. A route being
//! retired is listed in [`RETIRING`]: it is marked `deprecated` here and answers with
//! `Deprecation` and `Sunset` headers (RFC 9745, RFC 8594) until its sunset date.
#![allow(dead_code)] // The operation functions exist only to carry their `#[utoipa::path]`.

use std::sync::LazyLock;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use switchyard_edi_outbox::{Listed, Listing};
use switchyard_intake::Problem;
use switchyard_intake::receipt::WebhookReceipt;
use switchyard_model::contract::request::{
    AddressRequest, CustomerRequest, LineRequest, OrderRequest, QuantityValue, ReturnLineRequest,
    ReturnReason, ReturnRequest,
};
use switchyard_model::contract::v1::{
    Cancellation, CancellationState, InvoiceSummary, LineV1, OrderBodyV1, OrderReceipt, OrderView,
    Rejection, StatusChange,
};
use switchyard_model::fulfilment_events::{InvoiceKind, Shipment, ShippedLine};
use switchyard_model::returns::{Return, ReturnLine, ReturnStatus, ReturnStatusChange};
use switchyard_model::{Address, Customer, FieldError, OrderStatus};

use crate::catalog::{
    BreakView, Finding, InventoryItem, Items, LineFindings, PriceItemSchema, Prices, QuoteView,
    Validation, WarehouseItem,
};
use crate::handler::Shipments;

/// A route on its way out: what it answers with until its sunset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retiring {
    /// `"GET"`, `"POST"`, …
    pub method: &'static str,
    /// The route's path template, as in the document (`/v1/orders/{id}`).
    pub path: &'static str,
    /// When it was deprecated, as an HTTP date (the `Deprecation` header is `@<unix seconds>`).
    pub deprecated_at: i64,
    /// When it stops answering, as an HTTP date for the `Sunset` header.
    pub sunset: &'static str,
    /// Where its successor is documented (a `Link: <…>; rel="successor-version"`).
    pub successor: &'static str,
}

/// The v1 routes being retired. None yet: v1 has only grown.
pub const RETIRING: &[Retiring] = &[];

/// The document as JSON, built once per process.
pub fn document_json() -> &'static str {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        let mut doc = ChannelApi::openapi();
        for r in RETIRING {
            mark_deprecated(&mut doc, r);
        }
        let mut json = serde_json::to_value(&doc).expect("the OpenAPI document serialises");
        camel_case_links(&mut json);
        serde_json::to_string_pretty(&json).expect("JSON serialises")
    });
    &DOCUMENT
}

/// utoipa 5.5 writes a Link object's fields in snake case (`operation_id`); OpenAPI's are
/// camel case, and a client reading `operationId` finds no target without this.
fn camel_case_links(doc: &mut serde_json::Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let operations = paths.values_mut().filter_map(|item| item.as_object_mut());
    for op in operations.flat_map(|item| item.values_mut()) {
        let Some(responses) = op["responses"].as_object_mut() else {
            continue;
        };
        for response in responses.values_mut() {
            let Some(links) = response.get_mut("links").and_then(|l| l.as_object_mut()) else {
                continue;
            };
            for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
                for (from, to) in [
                    ("operation_id", "operationId"),
                    ("operation_ref", "operationRef"),
                    ("request_body", "requestBody"),
                ] {
                    if let Some(v) = link.remove(from) {
                        link.insert(to.to_string(), v);
                    }
                }
            }
        }
    }
}

fn mark_deprecated(doc: &mut utoipa::openapi::OpenApi, r: &Retiring) {
    use utoipa::openapi::Deprecated;
    if let Some(item) = doc.paths.paths.get_mut(r.path) {
        let op = match r.method {
            "GET" => item.get.as_mut(),
            "POST" => item.post.as_mut(),
            "DELETE" => item.delete.as_mut(),
            _ => None,
        };
        if let Some(op) = op {
            op.deprecated = Some(Deprecated::True);
        }
    }
}

/// The retirement of the route that serves `method` `path` (`GET`, `/v1/orders/01J…`), if that
/// route is in `table`.
pub fn retirement_of(method: &str, path: &str, table: &[Retiring]) -> Option<Retiring> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    table
        .iter()
        .find(|r| {
            let template: Vec<&str> = r.path.trim_matches('/').split('/').collect();
            r.method == method
                && template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
        })
        .copied()
}

/// Adds the `Deprecation`, `Sunset` and successor `Link` headers of a retiring route.
pub fn with_retirement_headers(
    response: switchyard_intake::HttpResponse,
    retiring: &Retiring,
) -> switchyard_intake::HttpResponse {
    response
        .with_header("deprecation", format!("@{}", retiring.deprecated_at))
        .with_header("sunset", retiring.sunset)
        .with_header(
            "link",
            format!("<{}>; rel=\"successor-version\"", retiring.successor),
        )
}

/// The links between operations that a client, and schemathesis's stateful phase, follow: an
/// order's receipt leads to the order, its shipments and its returns; a return's receipt to the
/// return; the outbox listing to its documents.
struct Links;

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::link::LinkBuilder;
        let links: [(&str, &str, &str, &str, &str, &str); 6] = [
            (
                "/v1/orders",
                "post",
                "202",
                "GetOrder",
                "get_order",
                "$response.body#/id",
            ),
            (
                "/v1/orders",
                "post",
                "202",
                "GetShipments",
                "get_shipments",
                "$response.body#/id",
            ),
            (
                "/v1/orders",
                "post",
                "202",
                "RequestReturn",
                "request_return",
                "$response.body#/id",
            ),
            (
                "/v1/orders/{id}/returns",
                "post",
                "202",
                "GetReturn",
                "get_return",
                "$response.body#/id",
            ),
            (
                "/v1/edi/outbox",
                "get",
                "200",
                "FetchDocument",
                "fetch_outbox_document",
                "$response.body#/documents/0/id",
            ),
            (
                "/v1/edi/outbox",
                "get",
                "200",
                "CollectDocument",
                "collect_outbox_document",
                "$response.body#/documents/0/id",
            ),
        ];
        for (path, method, status, name, operation_id, id) in links {
            let item = openapi.paths.paths.get_mut(path);
            let op = item.and_then(|item| match method {
                "post" => item.post.as_mut(),
                _ => item.get.as_mut(),
            });
            let response = op.and_then(|op| op.responses.responses.get_mut(status));
            if let Some(utoipa::openapi::RefOr::T(response)) = response {
                let link = LinkBuilder::new()
                    .operation_id(operation_id)
                    .parameter("id", id)
                    .build();
                response.links.insert(name.to_string(), link.into());
            } else {
                panic!("no {method} {path} {status} to link from");
            }
        }
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The channel's API key: `Authorization: Bearer sy_…`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "The channel's API key, for clients that cannot set `Authorization`",
            ))),
        );
    }
}

/// The channel-facing API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchyard channel API",
        version = "1",
        description = "Orders in, the ERP's truth out. Every error is `application/problem+json` \
(RFC 9457) naming the fields and the rules they broke; problem types are listed in \
docs/api/problems.md. v1 only ever gains optional fields, operations and problem types; a route \
being retired is marked deprecated and answers with `Deprecation` and `Sunset` headers.",
        license(name = "Apache-2.0")
    ),
    paths(
        openapi_document,
        submit_order,
        validate_order,
        find_order,
        get_order,
        get_shipments,
        request_return,
        get_return,
        get_inventory,
        get_prices,
        receive_webhook,
        receive_x12,
        receive_edifact,
        list_outbox,
        fetch_outbox_document,
        collect_outbox_document,
    ),
    components(schemas(
        OrderRequest, CustomerRequest, AddressRequest, LineRequest, QuantityValue, ReturnRequest,
        ReturnLineRequest, ReturnReason, OrderReceipt, OrderView, OrderBodyV1, LineV1, StatusChange,
        Rejection, Cancellation, CancellationState, InvoiceSummary, InvoiceKind, Shipment,
        ShippedLine, Shipments, Return, ReturnLine, ReturnStatus, ReturnStatusChange, Customer,
        Address, OrderStatus, FieldError, Problem, Validation, LineFindings, Finding,
        Items<InventoryItem>, InventoryItem, WarehouseItem, Prices, PriceItemSchema, QuoteView, BreakView,
        WebhookReceipt, Listing, Listed,
    )),
    modifiers(&Security, &Links),
    security(("bearer" = []), ("api_key" = [])),
    tags(
        (name = "orders", description = "Submit orders and follow them"),
        (name = "catalog", description = "Stock and prices, as the ERP last reported them"),
        (name = "returns", description = "Returns of shipped lines"),
        (name = "webhooks", description = "Deliveries from storefronts and marketplaces"),
        (name = "edi", description = "X12 and EDIFACT in, acknowledgments and documents out"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ChannelApi;

/// The OpenAPI 3.1 description of this API (this document).
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The document", content_type = "application/json")))]
fn openapi_document() {}

/// Submit an order. Retries with the same `Idempotency-Key` and body get the first answer.
#[utoipa::path(post, path = "/v1/orders", tag = "orders",
    params(
        ("Idempotency-Key" = String, Header, pattern = "^[!-~]([ -~]{0,253}[!-~])?$", description = "1 to 255 printable ASCII characters, unique per order attempt"),
    ),
    request_body(content = OrderRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Captured; it goes to the ERP next", body = OrderReceipt,
            headers(("location" = String, description = "Where to follow the order"))),
        (status = 400, description = "Malformed or ambiguous JSON, or a missing/invalid Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This external_id was already submitted, or the first request with this key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a valid order (every field named), or the key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed; retry with the same key", body = Problem, content_type = "application/problem+json"),
    ))]
fn submit_order() {}

/// Check an order without submitting it: read as `POST /v1/orders` reads it, then against the
/// ERP's stock, prices and customers. Stores nothing.
#[utoipa::path(post, path = "/v1/orders/validate", tag = "orders",
    request_body(content = OrderRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "What the ERP would say", body = Validation),
        (status = 400, description = "Malformed or ambiguous JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a valid order", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn validate_order() {}

/// Find the channel's order by its own id.
#[utoipa::path(get, path = "/v1/orders", tag = "orders",
    params(("external_id" = String, Query, description = "The channel's order id")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 400, description = "No external_id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this channel", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn find_order() {}

/// The order, where it is now, and what the ERP did with it.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders",
    params(("id" = String, Path, description = "Switchyard's order id")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this channel", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn get_order() {}

/// What left the warehouse for the order, one entry per ERP shipment.
#[utoipa::path(get, path = "/v1/orders/{id}/shipments", tag = "orders",
    params(("id" = String, Path, description = "Switchyard's order id")),
    responses(
        (status = 200, description = "Its shipments, oldest first", body = Shipments),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this channel", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn get_shipments() {}

/// Ask to return shipped lines of an order.
#[utoipa::path(post, path = "/v1/orders/{id}/returns", tag = "returns",
    params(
        ("id" = String, Path, description = "Switchyard's order id"),
        ("Idempotency-Key" = String, Header, pattern = "^[!-~]([ -~]{0,253}[!-~])?$", description = "1 to 255 printable ASCII characters, unique per return attempt"),
    ),
    request_body(content = ReturnRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Recorded; it goes to the ERP next", body = Return),
        (status = 200, description = "A retry with the same key: the return as it is now", body = Return),
        (status = 400, description = "Malformed or ambiguous JSON, or a missing/invalid Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this channel", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is in no state to return from, or the first request with this key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a valid return (every field named)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed; retry with the same key", body = Problem, content_type = "application/problem+json"),
    ))]
fn request_return() {}

/// A return and where it is.
#[utoipa::path(get, path = "/v1/returns/{id}", tag = "returns",
    params(("id" = String, Path, description = "The return's id, `<order id>-R<n>`")),
    responses(
        (status = 200, description = "The return", body = Return),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such return for this channel", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn get_return() {}

/// What this channel may sell of each SKU, as the ERP last reported it.
#[utoipa::path(get, path = "/v1/inventory", tag = "catalog",
    params(
        ("sku" = Vec<String>, Query, description = "1 to 100 SKUs: `?sku=A&sku=B`", explode = true),
        ("by" = Option<String>, Query, description = "`warehouse`: split each level by warehouse"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "One entry per SKU asked", body = Items<InventoryItem>,
            headers(("etag" = String), ("cache-control" = String))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, description = "A missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn get_inventory() {}

/// What this channel's customer pays for each SKU.
#[utoipa::path(get, path = "/v1/prices", tag = "catalog",
    params(
        ("sku" = Vec<String>, Query, description = "1 to 100 SKUs: `?sku=A&sku=B`", explode = true),
        ("quantity" = Option<String>, Query, description = "The quantity to quote at (quantity breaks); 1 when absent"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "One entry per SKU asked", body = Prices,
            headers(("etag" = String), ("cache-control" = String))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, description = "A missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the channel's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn get_prices() {}

/// A storefront's or marketplace's webhook delivery, signed as the channel's kind signs:
/// Shopify (`X-Shopify-Hmac-Sha256`), WooCommerce (`X-WC-Webhook-Signature`), or Standard
/// Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`; the body is the v1 order).
#[utoipa::path(post, path = "/v1/webhooks/{channel}", tag = "webhooks", security(()),
    params(
        ("channel" = String, Path, description = "The channel's name"),
        ("X-Shopify-Hmac-Sha256" = Option<String>, Header, description = "Shopify: base64 HMAC-SHA256 of the body"),
        ("X-Shopify-Topic" = Option<String>, Header, description = "Shopify: `orders/create`, `orders/cancelled`, …"),
        ("X-Shopify-Webhook-Id" = Option<String>, Header, description = "Shopify: the delivery's id"),
        ("X-WC-Webhook-Signature" = Option<String>, Header, description = "WooCommerce: base64 HMAC-SHA256 of the body"),
        ("X-WC-Webhook-Topic" = Option<String>, Header, description = "WooCommerce: `order.created`, …"),
        ("X-WC-Webhook-Delivery-ID" = Option<String>, Header, description = "WooCommerce: the delivery's id"),
        ("webhook-id" = Option<String>, Header, description = "Standard Webhooks: the message id"),
        ("webhook-timestamp" = Option<String>, Header, description = "Standard Webhooks: Unix seconds, within 5 minutes"),
        ("webhook-signature" = Option<String>, Header, description = "Standard Webhooks: `v1,<base64>` signatures"),
    ),
    request_body(content = Object, content_type = "application/json", description = "The channel's own payload"),
    responses(
        (status = 200, description = "Taken: the order it created or matched, or why it was ignored", body = WebhookReceipt),
        (status = 400, description = "Unreadable; kept for an operator", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Signature missing, wrong or stale", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such channel receiving webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same delivery is being handled right now", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a valid order; kept for an operator", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed; redeliver", body = Problem, content_type = "application/problem+json"),
    ))]
fn receive_webhook() {}

/// An X12 interchange from a trading partner (850s, and acknowledgments of what we sent).
#[utoipa::path(post, path = "/v1/edi/x12", tag = "edi",
    request_body(content = String, content_type = "application/edi-x12", description = "One ISA…IEA interchange"),
    responses(
        (status = 200, description = "Read: the 997 for it (also left in the outbox)", body = String, content_type = "application/edi-x12",
            headers(
                ("x-switchyard-order-ids" = String, description = "The orders it created, comma-separated"),
                ("x-switchyard-document-id" = String, description = "The outbox id of the acknowledgment"),
                ("x-switchyard-document-type" = String, description = "`997` or `999`, as the partner is configured"),
                ("x-switchyard-ta1-document-id" = String, description = "The outbox id of a TA1, when one was sent (ISA14 = 1, or an envelope error)"),
            )),
        (status = 202, description = "Only acknowledgments (997, 999, TA1): read and recorded, never acknowledged themselves", body = Object, content_type = "application/json"),
        (status = 400, description = "Not an interchange Switchyard can read (a TA1 goes to the outbox when the partner is known)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key is not a trading partner's, or the ISA names another partner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same interchange is being handled right now; resend later", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not X12", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "This interchange control number (ISA13) came before with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the partner's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed; resend", body = Problem, content_type = "application/problem+json"),
    ))]
fn receive_x12() {}

/// A UN/EDIFACT interchange from a trading partner (ORDERS; CONTRLs of what we sent are read
/// and not answered). Every clean ORDERS becomes an order; the CONTRL reports each message's
/// errors with their 0085 codes, and the ORDRSP follows in the outbox once the ERP decides.
#[utoipa::path(post, path = "/v1/edi/edifact", tag = "edi",
    request_body(content = String, content_type = "application/edifact", description = "One [UNA] UNB…UNZ interchange (text/plain is read the same)"),
    responses(
        (status = 200, description = "Read: the CONTRL for it, accepting (7) or rejecting (4) with codes (also left in the outbox)", body = String, content_type = "application/edifact",
            headers(("x-switchyard-order-ids" = String, description = "The orders it created, comma-separated"))),
        (status = 202, description = "CONTRLs only: read, and not answered with a CONTRL", body = Object, content_type = "application/json"),
        (status = 400, description = "Not an interchange Switchyard can read (a rejecting CONTRL goes to the outbox when its UNB names this partner)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key is not an EDIFACT partner's, or the UNB names another sender (CONTRL code 23 in the outbox)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same interchange is being handled right now; resend later", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not EDIFACT", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "This interchange control reference (UNB 0020) came before with another body (CONTRL code 26 in the outbox)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the partner's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed; resend", body = Problem, content_type = "application/problem+json"),
    ))]
fn receive_edifact() {}

/// The documents waiting for this partner.
#[utoipa::path(get, path = "/v1/edi/outbox", tag = "edi",
    responses(
        (status = 200, description = "What waits, oldest first", body = Listing),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key is not a trading partner's", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the partner's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn list_outbox() {}

/// One waiting document, as raw X12 (or EDIFACT, for an EDIFACT partner's CONTRL and ORDRSP).
#[utoipa::path(get, path = "/v1/edi/outbox/{id}", tag = "edi",
    params(("id" = String, Path, description = "The document's id")),
    responses(
        (status = 200, description = "The document", content((String = "application/edi-x12"), (String = "application/edifact")),
            headers(("x-switchyard-document-type" = String), ("x-switchyard-order-ids" = String))),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key is not a trading partner's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document waiting", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the partner's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn fetch_outbox_document() {}

/// Confirm a document was collected; it is no longer listed.
#[utoipa::path(delete, path = "/v1/edi/outbox/{id}", tag = "edi",
    params(("id" = String, Path, description = "The document's id")),
    responses(
        (status = 204, description = "Collected"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key is not a trading partner's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document waiting", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the partner's rate limit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A backing service failed", body = Problem, content_type = "application/problem+json"),
    ))]
fn collect_outbox_document() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retiring_route_is_found_by_its_route_key_and_answers_with_its_dates() {
        let table = [Retiring {
            method: "GET",
            path: "/v1/orders/{id}",
            deprecated_at: 1_798_761_600,
            sunset: "Sat, 01 Jan 2028 00:00:00 GMT",
            successor: "/v2/orders/{id}",
        }];
        assert_eq!(retirement_of("GET", "/v1/orders", &table), None);
        assert_eq!(retirement_of("POST", "/v1/orders/01J", &table), None);
        assert_eq!(
            retirement_of("GET", "/v1/orders/01J/shipments", &table),
            None
        );
        let r = retirement_of("GET", "/v1/orders/01J", &table).unwrap();
        let response = with_retirement_headers(
            switchyard_intake::HttpResponse::json(200, &serde_json::json!({})),
            &r,
        );
        assert_eq!(response.header("deprecation"), Some("@1798761600"));
        assert_eq!(
            response.header("sunset"),
            Some("Sat, 01 Jan 2028 00:00:00 GMT")
        );
        let mut doc = ChannelApi::openapi();
        mark_deprecated(&mut doc, &r);
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["paths"]["/v1/orders/{id}"]["get"]["deprecated"], true);
        assert!(json["paths"]["/v1/orders"]["get"]["deprecated"].is_null());
    }
}
