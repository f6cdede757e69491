//! `POST /admin/api/{version}/graphql.json`: read the document with `graphql-parser`, validate it
//! against [`crate::schema`] (fields, arguments, variables, fragments, directives, input limits),
//! price it, charge the bucket, run it, and answer `{data, errors, extensions.cost}` as Shopify
//! does.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use graphql_parser::Pos;
use graphql_parser::query as ast;
use serde_json::{Map, Value, json};

use crate::errors::plain;
use crate::schema::{self, MUTATION, QUERY_ROOT};
use crate::store::{
    AdjustmentGroup, Call, Change, FulfilResult, PlainError, Record, SetResult, Shop, UserError,
    gid_number,
};
use crate::{DEMO_LOCATION_ID, OLDEST_VERSION, Sandbox};

type Doc<'a> = ast::Document<'a, &'a str>;
type Set<'a> = ast::SelectionSet<'a, &'a str>;
type AstField<'a> = ast::Field<'a, &'a str>;
type AstValue<'a> = graphql_parser::query::Value<'a, &'a str>;
type Fragments<'a> = HashMap<&'a str, &'a ast::FragmentDefinition<'a, &'a str>>;

/// Shopify's limit on any input array (and on `first`).
const MAX_INPUT: usize = 250;
/// Shopify's limit on one query's requested cost.
const MAX_SINGLE_QUERY_COST: u64 = 1000;
/// What a mutation costs, whatever it selects.
const MUTATION_COST: u64 = 10;

/// A GraphQL error as Shopify writes it.
#[derive(Debug, Clone)]
pub(crate) struct GqlError {
    message: String,
    pos: Option<Pos>,
    path: Vec<Value>,
    code: String,
    extra: Map<String, Value>,
}

impl GqlError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            pos: None,
            path: Vec::new(),
            code: code.to_string(),
            extra: Map::new(),
        }
    }
    fn at(mut self, pos: Pos) -> Self {
        self.pos = Some(pos);
        self
    }
    fn path(mut self, path: &[String]) -> Self {
        self.path = path.iter().map(|p| Value::String(p.clone())).collect();
        self
    }
    fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }
    fn to_json(&self) -> Value {
        let mut error = Map::new();
        error.insert("message".into(), self.message.clone().into());
        if let Some(pos) = self.pos {
            error.insert(
                "locations".into(),
                json!([{ "line": pos.line, "column": pos.column }]),
            );
        }
        if !self.path.is_empty() {
            error.insert("path".into(), Value::Array(self.path.clone()));
        }
        let mut extensions = self.extra.clone();
        extensions.insert("code".into(), self.code.clone().into());
        error.insert("extensions".into(), Value::Object(extensions));
        Value::Object(error)
    }
}

/// The request body.
#[derive(Debug, serde::Deserialize)]
struct Body {
    query: String,
    #[serde(default)]
    variables: Option<Value>,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
}

/// The handler.
pub(crate) async fn serve(
    State(sandbox): State<Arc<Sandbox>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut call = Call {
        seq: 0,
        api_version: version.clone(),
        operation: None,
        operation_name: None,
        fields: Vec::new(),
        variables: Value::Null,
        idempotency_key: None,
        outcome: String::new(),
        codes: Vec::new(),
        applied: false,
        status: 200,
        requested_query_cost: None,
        actual_query_cost: None,
    };
    let response = handle(&sandbox, &version, &headers, &body, &mut call);
    call.status = response.status().as_u16();
    let mut shop = sandbox.state.lock().unwrap();
    call.seq = shop.calls.len() as u64 + 1;
    shop.calls.push(call);
    response
}

fn handle(
    sandbox: &Sandbox,
    version: &str,
    headers: &HeaderMap,
    body: &[u8],
    call: &mut Call,
) -> Response {
    if !is_served_version(version) {
        // Shopify serves retired versions as its oldest supported one; the sandbox models only
        // 2026-04 on, so a client configured for anything older is told plainly instead.
        call.outcome = "unsupported_version".into();
        return plain(StatusCode::NOT_FOUND, "Not Found");
    }
    let token_ok = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == sandbox.access_token);
    if !token_ok {
        call.outcome = "unauthorized".into();
        return plain(
            StatusCode::UNAUTHORIZED,
            "[API] Invalid API key or access token (unrecognized login or wrong password)",
        );
    }
    let fault = {
        let mut shop = sandbox.state.lock().unwrap();
        (!shop.faults.is_empty()).then(|| shop.faults.remove(0))
    };
    if let Some(status) = fault {
        call.outcome = "fault".into();
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return plain(
            status,
            status.canonical_reason().unwrap_or("Service Unavailable"),
        );
    }
    let Ok(body) = serde_json::from_slice::<Body>(body) else {
        call.outcome = "bad_request".into();
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "errors": { "query": "Required parameter missing or invalid" } })),
        )
            .into_response();
    };
    call.variables = body.variables.clone().unwrap_or(Value::Null);
    call.operation_name = body.operation_name.clone();
    let variables = match &body.variables {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            return graphql_errors(
                sandbox,
                call,
                vec![GqlError::new(
                    "INVALID_VARIABLES",
                    "Variables must be a JSON object",
                )],
            );
        }
    };
    let doc: Doc<'_> = match ast::parse_query::<&str>(&body.query) {
        Ok(doc) => doc,
        Err(e) => {
            // The parser's message carries the position ("query parse error: Parse error at 1:5").
            let message = e.to_string().trim().to_string();
            return graphql_errors(sandbox, call, vec![GqlError::new("PARSE_ERROR", message)]);
        }
    };
    let prepared = match prepare(&doc, body.operation_name.as_deref(), &variables) {
        Ok(prepared) => prepared,
        Err(errors) => return graphql_errors(sandbox, call, errors),
    };
    call.operation = Some(
        if prepared.mutation {
            "mutation"
        } else {
            "query"
        }
        .into(),
    );
    call.fields = prepared.root_fields.clone();
    call.idempotency_key = prepared.idempotency_key.clone();
    call.requested_query_cost = Some(prepared.cost);

    if prepared.cost > MAX_SINGLE_QUERY_COST {
        let error = GqlError::new(
            "MAX_COST_EXCEEDED",
            format!(
                "Query cost is {}, which exceeds the single query max cost limit ({MAX_SINGLE_QUERY_COST}).",
                prepared.cost
            ),
        )
        .with("cost", prepared.cost)
        .with("maxCost", MAX_SINGLE_QUERY_COST);
        return graphql_errors(sandbox, call, vec![error]);
    }
    {
        let mut bucket = sandbox.bucket.lock().unwrap();
        if !bucket.try_take(prepared.cost as f64) {
            let status = bucket.status();
            drop(bucket);
            call.outcome = "throttled".into();
            call.codes = vec!["THROTTLED".into()];
            let error = GqlError::new("THROTTLED", "Throttled")
                .with("documentation", "https://shopify.dev/api/usage/rate-limits");
            // Shopify answers a throttled GraphQL call with 200: the error is in the body.
            return respond(None, vec![error], prepared.cost, None, status);
        }
    }

    let mut shop = sandbox.state.lock().unwrap();
    let mut exec = Exec {
        shop: &mut shop,
        fragments: &prepared.fragments,
        variables: &prepared.variables,
        errors: Vec::new(),
        read: Vec::new(),
        actual: 0,
        applied: false,
        replayed: false,
        user_error_codes: Vec::new(),
    };
    let root = if prepared.mutation {
        Obj::Mutation
    } else {
        Obj::Query
    };
    let data = exec.object(&root, prepared.selection, &mut Vec::new());
    let actual = if prepared.mutation {
        MUTATION_COST
    } else {
        exec.actual
    };
    let errors = std::mem::take(&mut exec.errors);
    let mut read = std::mem::take(&mut exec.read);
    read.sort_unstable();
    read.dedup();
    call.applied = exec.applied;
    call.codes = exec.user_error_codes.clone();
    call.codes.extend(errors.iter().map(|e| e.code.clone()));
    call.outcome = if !errors.is_empty() {
        "graphql_errors"
    } else if exec.replayed {
        "replayed"
    } else if !exec.user_error_codes.is_empty() {
        "user_errors"
    } else {
        "ok"
    }
    .into();
    // A race fires after the read it waited for has been answered with the old level.
    for index in read {
        let sku = shop.records[index].sku.clone();
        if let Some((quantity, times)) = shop.races.remove(&sku) {
            shop.records[index].available = quantity;
            if times > 1 {
                shop.races.insert(sku, (quantity + 1, times - 1));
            }
        }
    }
    drop(shop);
    call.actual_query_cost = Some(actual);
    let mut bucket = sandbox.bucket.lock().unwrap();
    bucket.refund(prepared.cost.saturating_sub(actual) as f64);
    let status = bucket.status();
    respond(Some(data), errors, prepared.cost, Some(actual), status)
}

/// `YYYY-MM` with a quarterly month, not older than [`OLDEST_VERSION`].
fn is_served_version(version: &str) -> bool {
    let Some((year, month)) = version.split_once('-') else {
        return false;
    };
    let quarterly = matches!(month, "01" | "04" | "07" | "10");
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && quarterly
        && version >= OLDEST_VERSION
}

fn graphql_errors(sandbox: &Sandbox, call: &mut Call, errors: Vec<GqlError>) -> Response {
    call.outcome = "graphql_errors".into();
    call.codes = errors.iter().map(|e| e.code.clone()).collect();
    let status = sandbox.bucket.lock().unwrap().status();
    let requested = call.requested_query_cost.unwrap_or(0);
    // Nothing ran, so nothing is charged.
    respond(None, errors, requested, Some(0), status)
}

fn respond(
    data: Option<Value>,
    errors: Vec<GqlError>,
    requested: u64,
    actual: Option<u64>,
    status: crate::throttle::Status,
) -> Response {
    let mut body = Map::new();
    if !errors.is_empty() {
        body.insert(
            "errors".into(),
            Value::Array(errors.iter().map(GqlError::to_json).collect()),
        );
    }
    if let Some(data) = data {
        body.insert("data".into(), data);
    }
    body.insert(
        "extensions".into(),
        json!({ "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": status.maximum_available,
                "currentlyAvailable": status.currently_available,
                "restoreRate": status.restore_rate,
            }
        }}),
    );
    let mut response = (StatusCode::OK, Json(Value::Object(body))).into_response();
    response.headers_mut().insert(
        "x-shopify-api-version",
        HeaderValue::from_static(OLDEST_VERSION),
    );
    response
}

// ---------------------------------------------------------------------------------------------
// Validation and cost.

struct Prepared<'a> {
    mutation: bool,
    selection: &'a Set<'a>,
    fragments: Fragments<'a>,
    variables: Map<String, Value>,
    cost: u64,
    root_fields: Vec<String>,
    idempotency_key: Option<String>,
}

fn prepare<'a>(
    doc: &'a Doc<'a>,
    operation_name: Option<&str>,
    supplied: &Map<String, Value>,
) -> Result<Prepared<'a>, Vec<GqlError>> {
    let mut fragments: Fragments<'a> = HashMap::new();
    let mut operations = Vec::new();
    for definition in &doc.definitions {
        match definition {
            ast::Definition::Fragment(f) => {
                fragments.insert(f.name, f);
            }
            ast::Definition::Operation(op) => operations.push(op),
        }
    }
    let op = match operation_name {
        Some(name) => operations
            .iter()
            .find(|op| op_name(op) == Some(name))
            .copied()
            .ok_or_else(|| {
                vec![GqlError::new(
                    "OPERATION_NOT_FOUND",
                    format!("No operation named \"{name}\""),
                )]
            })?,
        None if operations.len() == 1 => operations[0],
        None => {
            return Err(vec![GqlError::new(
                "OPERATION_NAME_REQUIRED",
                "An operation name is required when the document has several operations",
            )]);
        }
    };
    let (mutation, definitions, selection) = match op {
        ast::OperationDefinition::SelectionSet(s) => (false, &[][..], s),
        ast::OperationDefinition::Query(q) => {
            (false, &q.variable_definitions[..], &q.selection_set)
        }
        ast::OperationDefinition::Mutation(m) => {
            (true, &m.variable_definitions[..], &m.selection_set)
        }
        ast::OperationDefinition::Subscription(s) => {
            return Err(vec![
                GqlError::new(
                    "SUBSCRIPTIONS_NOT_SUPPORTED",
                    "Subscriptions are not supported",
                )
                .at(s.position),
            ]);
        }
    };
    let mut errors = Vec::new();
    let mut variables = Map::new();
    for definition in definitions {
        let name = definition.name.to_string();
        let value = supplied.get(&name).cloned().or_else(|| {
            definition
                .default_value
                .as_ref()
                .and_then(|v| literal(v, &Map::new()).ok())
        });
        let non_null = matches!(definition.var_type, ast::Type::NonNullType(_));
        match value {
            Some(Value::Null) | None if non_null => errors.push(
                GqlError::new(
                    "INVALID_VARIABLE",
                    format!(
                        "Variable ${name} of type {} was provided invalid value",
                        definition.var_type
                    ),
                )
                .at(definition.position)
                .with("value", Value::Null)
                .with(
                    "problems",
                    json!([{ "path": [], "explanation": "Expected value to not be null" }]),
                ),
            ),
            Some(value) => {
                variables.insert(name, value);
            }
            None => {}
        }
    }
    let declared: HashSet<&str> = definitions.iter().map(|d| d.name).collect();
    let mut validator = Validator {
        fragments: &fragments,
        variables: &variables,
        declared: &declared,
        used: HashSet::new(),
        errors,
        idempotency_key: None,
        operation: op_name(op).map(str::to_string),
    };
    let root = if mutation { MUTATION } else { QUERY_ROOT };
    let mut path = vec![if mutation { "mutation" } else { "query" }.to_string()];
    let cost = validator.set(root, selection, &mut path, 0);
    for definition in definitions {
        if !validator.used.contains(definition.name) {
            validator.errors.push(
                GqlError::new(
                    "variableNotUsed",
                    format!(
                        "Variable ${} is declared by {} but not used",
                        definition.name,
                        validator
                            .operation
                            .as_deref()
                            .unwrap_or("anonymous operation")
                    ),
                )
                .at(definition.position),
            );
        }
    }
    if !validator.errors.is_empty() {
        return Err(validator.errors);
    }
    let root_fields = selection
        .items
        .iter()
        .filter_map(|s| match s {
            ast::Selection::Field(f) => Some(f.name.to_string()),
            _ => None,
        })
        .collect();
    Ok(Prepared {
        mutation,
        selection,
        idempotency_key: validator.idempotency_key.take(),
        fragments,
        variables,
        cost: if mutation { MUTATION_COST } else { cost },
        root_fields,
    })
}

fn op_name<'a>(op: &ast::OperationDefinition<'a, &'a str>) -> Option<&'a str> {
    match op {
        ast::OperationDefinition::SelectionSet(_) => None,
        ast::OperationDefinition::Query(q) => q.name,
        ast::OperationDefinition::Mutation(m) => m.name,
        ast::OperationDefinition::Subscription(s) => s.name,
    }
}

/// A GraphQL literal (with variables substituted) as JSON.
fn literal(value: &AstValue<'_>, variables: &Map<String, Value>) -> Result<Value, String> {
    Ok(match value {
        AstValue::Variable(name) => variables.get(*name).cloned().unwrap_or(Value::Null),
        AstValue::Int(n) => json!(n.as_i64().ok_or("integer out of range")?),
        AstValue::Float(f) => json!(f),
        AstValue::String(s) => Value::String(s.clone()),
        AstValue::Boolean(b) => Value::Bool(*b),
        AstValue::Null => Value::Null,
        AstValue::Enum(e) => Value::String(e.to_string()),
        AstValue::List(items) => Value::Array(
            items
                .iter()
                .map(|v| literal(v, variables))
                .collect::<Result<_, _>>()?,
        ),
        AstValue::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| Ok((k.to_string(), literal(v, variables)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

struct Validator<'a, 'b> {
    fragments: &'b Fragments<'a>,
    variables: &'b Map<String, Value>,
    declared: &'b HashSet<&'a str>,
    used: HashSet<&'a str>,
    errors: Vec<GqlError>,
    idempotency_key: Option<String>,
    operation: Option<String>,
}

impl<'a> Validator<'a, '_> {
    /// Validates a selection set on `ty` and returns its cost.
    fn set(&mut self, ty: &str, set: &'a Set<'a>, path: &mut Vec<String>, depth: usize) -> u64 {
        if depth > 20 {
            self.errors.push(GqlError::new(
                "MAX_DEPTH_EXCEEDED",
                "Query has depth greater than 20",
            ));
            return 0;
        }
        let mut cost = 0;
        for selection in &set.items {
            match selection {
                ast::Selection::Field(field) => cost += self.field(ty, field, path, depth),
                ast::Selection::FragmentSpread(spread) => {
                    self.directives(&spread.directives, false, path);
                    let Some(fragment) = self.fragments.get(spread.fragment_name).copied() else {
                        self.errors.push(
                            GqlError::new(
                                "useAndDefineFragment",
                                format!(
                                    "Fragment {} was used, but not defined",
                                    spread.fragment_name
                                ),
                            )
                            .at(spread.position),
                        );
                        continue;
                    };
                    let ast::TypeCondition::On(condition) = fragment.type_condition;
                    if let Some(on) = self.condition(ty, condition, spread.position) {
                        cost += self.set(on, &fragment.selection_set, path, depth + 1);
                    }
                }
                ast::Selection::InlineFragment(inline) => {
                    self.directives(&inline.directives, false, path);
                    let on = match &inline.type_condition {
                        Some(ast::TypeCondition::On(condition)) => {
                            self.condition(ty, condition, inline.position)
                        }
                        None => Some(leak(ty)),
                    };
                    if let Some(on) = on {
                        cost += self.set(on, &inline.selection_set, path, depth + 1);
                    }
                }
            }
        }
        cost
    }

    /// The type a fragment on `condition` selects from inside `ty`, if it can apply there.
    fn condition(&mut self, ty: &str, condition: &str, pos: Pos) -> Option<&'static str> {
        if !schema::is_known_type(condition) {
            self.errors.push(
                GqlError::new(
                    "undefinedType",
                    format!("No such type {condition}, so it can't be a fragment condition"),
                )
                .at(pos),
            );
            return None;
        }
        if schema::satisfies(ty, condition)
            || (ty == "Node" && schema::satisfies(condition, "Node"))
        {
            Some(leak(condition))
        } else {
            self.errors.push(
                GqlError::new(
                    "fragmentSpreadImpossible",
                    format!("Fragment on {condition} can't be spread inside {ty}"),
                )
                .at(pos),
            );
            None
        }
    }

    fn field(
        &mut self,
        ty: &str,
        field: &'a AstField<'a>,
        path: &mut Vec<String>,
        depth: usize,
    ) -> u64 {
        path.push(field.alias.unwrap_or(field.name).to_string());
        let cost = self.field_inner(ty, field, path, depth);
        path.pop();
        cost
    }

    fn field_inner(
        &mut self,
        ty: &str,
        field: &'a AstField<'a>,
        path: &mut Vec<String>,
        depth: usize,
    ) -> u64 {
        let Some(def) = schema::field(ty, field.name) else {
            self.errors.push(
                GqlError::new(
                    "undefinedField",
                    format!("Field '{}' doesn't exist on type '{ty}'", field.name),
                )
                .at(field.position)
                .path(path)
                .with("typeName", ty)
                .with("fieldName", field.name),
            );
            return 0;
        };
        // `@idempotent` goes only on the mutations that take it in 2026-04.
        let idempotent_here = ty == MUTATION && schema::IDEMPOTENT_MUTATIONS.contains(&field.name);
        self.directives(&field.directives, idempotent_here, path);
        let mut args = Map::new();
        for (name, value) in &field.arguments {
            if !def.args.iter().any(|a| a.name == *name) {
                self.errors.push(
                    GqlError::new(
                        "argumentNotAccepted",
                        format!("Field '{}' doesn't accept argument '{name}'", field.name),
                    )
                    .at(field.position)
                    .path(path)
                    .with("name", field.name)
                    .with("typeName", "Field")
                    .with("argumentName", *name),
                );
                continue;
            }
            self.note_variables(value, field.position, path);
            match literal(value, self.variables) {
                Ok(v) => {
                    args.insert(name.to_string(), v);
                }
                Err(message) => self.errors.push(
                    GqlError::new("argumentLiteralsIncompatible", message)
                        .at(field.position)
                        .path(path),
                ),
            }
        }
        let missing: Vec<&str> = def
            .args
            .iter()
            .filter(|a| a.required && args.get(a.name).is_none_or(Value::is_null))
            .map(|a| a.name)
            .collect();
        if !missing.is_empty() {
            self.errors.push(
                GqlError::new(
                    "missingRequiredArguments",
                    format!(
                        "Field '{}' is missing required arguments: {}",
                        field.name,
                        missing.join(", ")
                    ),
                )
                .at(field.position)
                .path(path)
                .with("className", "Field")
                .with("name", field.name)
                .with("arguments", missing.join(", ")),
            );
        }
        self.limits(ty, field, &args, path);

        let leaf = schema::is_scalar(def.ty);
        let has_selection = !field.selection_set.items.is_empty();
        if leaf && has_selection {
            self.errors.push(
                GqlError::new(
                    "selectionMismatch",
                    format!("Selections can't be made on scalars (field '{}' returns {} but has selections)", field.name, def.ty),
                )
                .at(field.position)
                .path(path),
            );
            return 0;
        }
        if !leaf && !has_selection {
            self.errors.push(
                GqlError::new(
                    "selectionMismatch",
                    format!(
                        "Field must have selections (field '{}' returns {} but has no selections. Did you mean '{} {{ ... }}'?)",
                        field.name, def.ty, field.name
                    ),
                )
                .at(field.position)
                .path(path),
            );
            return 0;
        }
        if leaf {
            return 0;
        }
        let children = self.set(def.ty, &field.selection_set, path, depth + 1);
        if schema::is_connection(def.ty) {
            let first = args.get("first").and_then(Value::as_u64).unwrap_or(0);
            return 2 + first * children;
        }
        // Edges and page info are part of their connection's price.
        let own = if def.ty.ends_with("Edge") || def.ty == "PageInfo" {
            0
        } else {
            1
        };
        let times = if def.list {
            ["ids", "names"]
                .iter()
                .find_map(|k| args.get(*k).and_then(Value::as_array).map(Vec::len))
                .unwrap_or(1) as u64
        } else {
            1
        };
        times * (own + children)
    }

    /// Shopify's input limits: 250 items in any input array, `first` at most 250, and the
    /// shape of `InventorySetQuantitiesInput`.
    fn limits(
        &mut self,
        ty: &str,
        field: &AstField<'_>,
        args: &Map<String, Value>,
        path: &[String],
    ) {
        for (name, value) in args {
            if let Some(items) = value
                .as_array()
                .or_else(|| value.get("quantities").and_then(Value::as_array))
                .or_else(|| {
                    value
                        .get("lineItemsByFulfillmentOrder")
                        .and_then(Value::as_array)
                })
                && items.len() > MAX_INPUT
            {
                self.errors.push(
                        GqlError::new(
                            "MAX_INPUT_SIZE_EXCEEDED",
                            format!(
                                "The input array size of {} is greater than the maximum allowed of {MAX_INPUT}.",
                                items.len()
                            ),
                        )
                        .at(field.position)
                        .path(&[path, std::slice::from_ref(name)].concat()),
                    );
            }
        }
        if let Some(first) = args.get("first") {
            match first.as_i64() {
                Some(n) if (0..=MAX_INPUT as i64).contains(&n) => {}
                _ => self.errors.push(
                    GqlError::new(
                        "BAD_REQUEST",
                        format!("first cannot exceed {MAX_INPUT} and cannot be negative."),
                    )
                    .at(field.position)
                    .path(path),
                ),
            }
        } else if schema::field(ty, field.name).is_some_and(|d| schema::is_connection(d.ty)) {
            self.errors.push(
                GqlError::new("BAD_REQUEST", "you must provide one of first or last")
                    .at(field.position)
                    .path(path),
            );
        }
        if ty == MUTATION
            && field.name == "inventorySetQuantities"
            && let Some(input) = args.get("input")
        {
            self.input_shape(input, field.position, path);
        }
        if ty == MUTATION
            && field.name == "fulfillmentCreate"
            && let Some(input) = args.get("fulfillment")
        {
            self.fulfillment_shape(input, field.position, path);
        }
    }

    fn input_shape(&mut self, input: &Value, pos: Pos, path: &[String]) {
        let mut problems = Vec::new();
        check_object(
            input,
            "InventorySetQuantitiesInput",
            schema::SET_QUANTITIES_INPUT,
            &mut problems,
        );
        if let Some(quantities) = input.get("quantities") {
            match quantities.as_array() {
                Some(items) => {
                    for item in items {
                        check_object(
                            item,
                            "InventoryQuantityInput",
                            schema::QUANTITY_INPUT,
                            &mut problems,
                        );
                        for int in ["quantity", "changeFromQuantity"] {
                            if let Some(v) = item.get(int)
                                && !(v.is_null() || v.is_i64())
                            {
                                problems
                                    .push(format!("InventoryQuantityInput.{int} must be an Int"));
                            }
                        }
                    }
                }
                None => {
                    problems.push("InventorySetQuantitiesInput.quantities must be a list".into())
                }
            }
        }
        for problem in problems {
            self.errors.push(
                GqlError::new("argumentLiteralsIncompatible", problem)
                    .at(pos)
                    .path(path),
            );
        }
    }

    fn fulfillment_shape(&mut self, input: &Value, pos: Pos, path: &[String]) {
        let mut problems = Vec::new();
        check_object(
            input,
            "FulfillmentInput",
            schema::FULFILLMENT_INPUT,
            &mut problems,
        );
        match input.get("lineItemsByFulfillmentOrder") {
            Some(Value::Array(groups)) => {
                for group in groups {
                    check_object(
                        group,
                        "FulfillmentOrderLineItemsInput",
                        schema::FO_LINE_ITEMS_INPUT,
                        &mut problems,
                    );
                    match group.get("fulfillmentOrderLineItems") {
                        None | Some(Value::Null) => {}
                        Some(Value::Array(items)) => {
                            for item in items {
                                check_object(
                                    item,
                                    "FulfillmentOrderLineItemInput",
                                    schema::FO_LINE_ITEM_INPUT,
                                    &mut problems,
                                );
                                if item.get("quantity").is_some_and(|q| !q.is_i64()) {
                                    problems.push(
                                        "FulfillmentOrderLineItemInput.quantity must be an Int"
                                            .into(),
                                    );
                                }
                            }
                        }
                        Some(_) => problems.push(
                            "FulfillmentOrderLineItemsInput.fulfillmentOrderLineItems must be a list"
                                .into(),
                        ),
                    }
                }
            }
            None | Some(Value::Null) => {}
            Some(_) => {
                problems.push("FulfillmentInput.lineItemsByFulfillmentOrder must be a list".into())
            }
        }
        if let Some(tracking) = input.get("trackingInfo").filter(|t| !t.is_null()) {
            check_object(
                tracking,
                "FulfillmentTrackingInput",
                schema::TRACKING_INPUT,
                &mut problems,
            );
        }
        if let Some(notify) = input.get("notifyCustomer")
            && !(notify.is_null() || notify.is_boolean())
        {
            problems.push("FulfillmentInput.notifyCustomer must be a Boolean".into());
        }
        for problem in problems {
            self.errors.push(
                GqlError::new("argumentLiteralsIncompatible", problem)
                    .at(pos)
                    .path(path),
            );
        }
    }

    fn note_variables(&mut self, value: &'a AstValue<'a>, pos: Pos, path: &[String]) {
        match value {
            AstValue::Variable(name) => {
                if self.declared.contains(name) {
                    self.used.insert(name);
                } else {
                    self.errors.push(
                        GqlError::new(
                            "variableNotDefined",
                            format!(
                                "Variable ${name} is used by {} but not declared",
                                self.operation.as_deref().unwrap_or("anonymous operation")
                            ),
                        )
                        .at(pos)
                        .path(path)
                        .with("variableName", *name),
                    );
                }
            }
            AstValue::List(items) => {
                for item in items {
                    self.note_variables(item, pos, path);
                }
            }
            AstValue::Object(fields) => {
                for item in fields.values() {
                    self.note_variables(item, pos, path);
                }
            }
            _ => {}
        }
    }

    /// `@include`/`@skip` anywhere; `@idempotent(key:)` on a mutation's root field.
    fn directives(
        &mut self,
        directives: &'a [ast::Directive<'a, &'a str>],
        mutation_root: bool,
        path: &[String],
    ) {
        for directive in directives {
            for (_, value) in &directive.arguments {
                self.note_variables(value, directive.position, path);
            }
            let arg = |name: &str| {
                directive
                    .arguments
                    .iter()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, v)| literal(v, self.variables).ok())
            };
            match directive.name {
                "include" | "skip" if arg("if").is_some_and(|v| v.is_boolean()) => {}
                "idempotent" if mutation_root => match arg("key") {
                    Some(Value::String(key)) if !key.is_empty() && key.len() <= 255 => {
                        self.idempotency_key = Some(key);
                    }
                    _ => self.errors.push(
                        GqlError::new(
                            "argumentLiteralsIncompatible",
                            "Directive 'idempotent' needs a non-empty String key of at most 255 characters",
                        )
                        .at(directive.position)
                        .path(path),
                    ),
                },
                "include" | "skip" => self.errors.push(
                    GqlError::new(
                        "missingRequiredArguments",
                        format!("Directive '{}' is missing required arguments: if", directive.name),
                    )
                    .at(directive.position)
                    .path(path),
                ),
                "idempotent" => self.errors.push(
                    GqlError::new(
                        "directiveCannotBeApplied",
                        "'@idempotent' can't be applied here (only on the mutations that support idempotency keys)",
                    )
                    .at(directive.position)
                    .path(path),
                ),
                other => self.errors.push(
                    GqlError::new("undefinedDirective", format!("Directive @{other} is not defined"))
                        .at(directive.position)
                        .path(path)
                        .with("directiveName", other),
                ),
            }
        }
    }
}

fn check_object(
    value: &Value,
    type_name: &str,
    fields: &[(&str, bool)],
    problems: &mut Vec<String>,
) {
    let Some(object) = value.as_object() else {
        problems.push(format!("{type_name} must be an object"));
        return;
    };
    for key in object.keys() {
        if !fields.iter().any(|(name, _)| name == key) {
            problems.push(format!(
                "InputObject '{type_name}' doesn't accept argument '{key}'"
            ));
        }
    }
    for (name, required) in fields {
        if *required && object.get(*name).is_none_or(Value::is_null) {
            problems.push(format!(
                "Argument '{name}' on InputObject '{type_name}' is required"
            ));
        }
    }
}

/// Type names in the schema are `'static`; this maps a borrowed one back to its static copy.
fn leak(ty: &str) -> &'static str {
    const TYPES: &[&str] = &[
        "Node",
        "QueryRoot",
        "Mutation",
        "Product",
        "ProductVariant",
        "ProductVariantConnection",
        "ProductVariantEdge",
        "PageInfo",
        "InventoryItem",
        "InventoryLevel",
        "InventoryQuantity",
        "Location",
        "InventorySetQuantitiesPayload",
        "InventoryAdjustmentGroup",
        "InventoryChange",
        "InventorySetQuantitiesUserError",
        "Order",
        "LineItem",
        "FulfillmentOrderConnection",
        "FulfillmentOrder",
        "FulfillmentOrderLineItemConnection",
        "FulfillmentOrderLineItem",
        "Fulfillment",
        "FulfillmentTrackingInfo",
        "FulfillmentLineItemConnection",
        "FulfillmentLineItem",
        "FulfillmentCreatePayload",
        "UserError",
    ];
    TYPES.iter().find(|t| **t == ty).copied().unwrap_or("Node")
}

// ---------------------------------------------------------------------------------------------
// Execution.

#[derive(Debug, Clone)]
enum Obj {
    Query,
    Mutation,
    Variant(usize),
    Product(usize),
    Item(usize),
    Level(usize),
    Quantity(usize, String),
    Location,
    Connection(Vec<usize>, bool),
    Edge(usize),
    PageInfo(Option<usize>, Option<usize>, bool),
    Payload(SetResult),
    Group(AdjustmentGroup),
    Change(Change),
    UserError(UserError),
    /// An order, by id.
    Order(u64),
    /// An order's line, by order id and index.
    LineItem(u64, usize),
    /// Some of an order's fulfillment orders (indexes).
    FoConnection(u64, Vec<usize>),
    FulfillmentOrder(u64, usize),
    /// Some lines of one fulfillment order: (order, fulfillment order, line indexes).
    FoLineConnection(u64, usize, Vec<usize>),
    FoLine(u64, usize, usize),
    Fulfillment(u64, usize),
    Tracking(crate::store::Tracking),
    /// Some lines of one fulfillment: (order, fulfillment, line indexes).
    FlConnection(u64, usize, Vec<usize>),
    FulfillmentLine(u64, usize, usize),
    FulfilPayload(FulfilResult),
    PlainError(PlainError),
}

impl Obj {
    fn type_name(&self) -> &'static str {
        match self {
            Obj::Query => QUERY_ROOT,
            Obj::Mutation => MUTATION,
            Obj::Variant(_) => "ProductVariant",
            Obj::Product(_) => "Product",
            Obj::Item(_) => "InventoryItem",
            Obj::Level(_) => "InventoryLevel",
            Obj::Quantity(..) => "InventoryQuantity",
            Obj::Location => "Location",
            Obj::Connection(..) => "ProductVariantConnection",
            Obj::Edge(_) => "ProductVariantEdge",
            Obj::PageInfo(..) => "PageInfo",
            Obj::Payload(_) => "InventorySetQuantitiesPayload",
            Obj::Group(_) => "InventoryAdjustmentGroup",
            Obj::Change(_) => "InventoryChange",
            Obj::UserError(_) => "InventorySetQuantitiesUserError",
            Obj::Order(_) => "Order",
            Obj::LineItem(..) => "LineItem",
            Obj::FoConnection(..) => "FulfillmentOrderConnection",
            Obj::FulfillmentOrder(..) => "FulfillmentOrder",
            Obj::FoLineConnection(..) => "FulfillmentOrderLineItemConnection",
            Obj::FoLine(..) => "FulfillmentOrderLineItem",
            Obj::Fulfillment(..) => "Fulfillment",
            Obj::Tracking(_) => "FulfillmentTrackingInfo",
            Obj::FlConnection(..) => "FulfillmentLineItemConnection",
            Obj::FulfillmentLine(..) => "FulfillmentLineItem",
            Obj::FulfilPayload(_) => "FulfillmentCreatePayload",
            Obj::PlainError(_) => "UserError",
        }
    }
}

enum Resolved {
    Leaf(Value),
    Object(Obj),
    List(Vec<Resolved>),
}

struct Exec<'s, 'a> {
    shop: &'s mut Shop,
    fragments: &'s Fragments<'a>,
    variables: &'s Map<String, Value>,
    errors: Vec<GqlError>,
    /// Records whose quantities this call read (for `/_sandbox/race`).
    read: Vec<usize>,
    actual: u64,
    applied: bool,
    replayed: bool,
    user_error_codes: Vec<String>,
}

const QUANTITY_NAMES: &[&str] = &[
    "available",
    "on_hand",
    "committed",
    "reserved",
    "incoming",
    "damaged",
    "quality_control",
    "safety_stock",
];

impl<'a> Exec<'_, 'a> {
    fn object(&mut self, obj: &Obj, set: &'a Set<'a>, path: &mut Vec<String>) -> Value {
        let mut fields = Vec::new();
        self.collect(obj.type_name(), set, &mut fields);
        let mut out = Map::new();
        for field in fields {
            let key = field.alias.unwrap_or(field.name).to_string();
            path.push(key.clone());
            let value = match self.resolve(obj, field, path) {
                Ok(resolved) => self.complete(resolved, &field.selection_set, path),
                Err(error) => {
                    self.errors.push(error.at(field.position).path(path));
                    Value::Null
                }
            };
            path.pop();
            out.insert(key, value);
        }
        Value::Object(out)
    }

    fn complete(&mut self, resolved: Resolved, set: &'a Set<'a>, path: &mut Vec<String>) -> Value {
        match resolved {
            Resolved::Leaf(v) => v,
            Resolved::Object(obj) => {
                if !matches!(
                    obj,
                    Obj::Edge(_) | Obj::PageInfo(..) | Obj::Mutation | Obj::Query
                ) {
                    self.actual += 1;
                }
                if matches!(
                    obj,
                    Obj::Connection(..)
                        | Obj::FoConnection(..)
                        | Obj::FoLineConnection(..)
                        | Obj::FlConnection(..)
                ) {
                    // A connection costs 2 plus what it returns; the object charge above is 1.
                    self.actual += 1;
                }
                self.object(&obj, set, path)
            }
            Resolved::List(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(n, item)| {
                        path.push(n.to_string());
                        let v = self.complete(item, set, path);
                        path.pop();
                        v
                    })
                    .collect(),
            ),
        }
    }

    fn included(&self, directives: &[ast::Directive<'a, &'a str>]) -> bool {
        directives.iter().all(|d| {
            let value = d
                .arguments
                .iter()
                .find(|(n, _)| *n == "if")
                .and_then(|(_, v)| literal(v, self.variables).ok())
                .and_then(|v| v.as_bool());
            match (d.name, value) {
                ("include", Some(v)) => v,
                ("skip", Some(v)) => !v,
                _ => true,
            }
        })
    }

    fn collect(&self, ty: &str, set: &'a Set<'a>, out: &mut Vec<&'a AstField<'a>>) {
        for selection in &set.items {
            match selection {
                ast::Selection::Field(f) if self.included(&f.directives) => out.push(f),
                ast::Selection::Field(_) => {}
                ast::Selection::FragmentSpread(spread) if self.included(&spread.directives) => {
                    if let Some(fragment) = self.fragments.get(spread.fragment_name) {
                        let ast::TypeCondition::On(on) = fragment.type_condition;
                        if schema::satisfies(ty, on) {
                            self.collect(ty, &fragment.selection_set, out);
                        }
                    }
                }
                ast::Selection::InlineFragment(inline) if self.included(&inline.directives) => {
                    let applies = match &inline.type_condition {
                        Some(ast::TypeCondition::On(on)) => schema::satisfies(ty, on),
                        None => true,
                    };
                    if applies {
                        self.collect(ty, &inline.selection_set, out);
                    }
                }
                _ => {}
            }
        }
    }

    fn args(&self, field: &AstField<'_>) -> Map<String, Value> {
        field
            .arguments
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), literal(v, self.variables).ok()?)))
            .collect()
    }

    fn resolve(
        &mut self,
        obj: &Obj,
        field: &'a AstField<'a>,
        path: &[String],
    ) -> Result<Resolved, GqlError> {
        use Resolved::{Leaf, List, Object};
        let name = field.name;
        if name == "__typename" {
            return Ok(Leaf(obj.type_name().into()));
        }
        let args = self.args(field);
        let s = |v: &str| Leaf(Value::String(v.to_string()));
        let records = &self.shop.records;
        Ok(match (obj, name) {
            (Obj::Query, "productVariants") => {
                let matching = search(records, args.get("query").and_then(Value::as_str))?;
                let mut matching = matching;
                if args.get("reverse").and_then(Value::as_bool) == Some(true) {
                    matching.reverse();
                }
                if let Some(after) = args.get("after").and_then(Value::as_str) {
                    let after = parse_cursor(after)?;
                    let from = matching
                        .iter()
                        .position(|i| *i == after)
                        .map_or(0, |p| p + 1);
                    matching.drain(..from);
                }
                let first = args.get("first").and_then(Value::as_u64).unwrap_or(0) as usize;
                let has_next = matching.len() > first;
                matching.truncate(first);
                Object(Obj::Connection(matching, has_next))
            }
            (Obj::Query, "inventoryItem") => {
                node_or_null(self.shop, args.get("id"), "InventoryItem")
            }
            (Obj::Query, "productVariant") => {
                node_or_null(self.shop, args.get("id"), "ProductVariant")
            }
            (Obj::Query, "node") => node_or_null(self.shop, args.get("id"), "Node"),
            (Obj::Query, "nodes") => {
                let ids = args
                    .get("ids")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                List(
                    ids.iter()
                        .map(|id| node_or_null(self.shop, Some(id), "Node"))
                        .collect(),
                )
            }
            (Obj::Query, "location") => match args.get("id").and_then(Value::as_str) {
                None | Some(DEMO_LOCATION_ID) => Object(Obj::Location),
                Some(_) => Leaf(Value::Null),
            },
            (Obj::Mutation, "inventorySetQuantities") => {
                let key = idempotency_key(field, self.variables);
                let input = args.get("input").cloned().unwrap_or(Value::Null);
                Object(Obj::Payload(self.set_quantities(&input, key, path)?))
            }
            (Obj::Connection(items, _), "edges") => {
                List(items.iter().map(|i| Object(Obj::Edge(*i))).collect())
            }
            (Obj::Connection(items, _), "nodes") => {
                List(items.iter().map(|i| Object(Obj::Variant(*i))).collect())
            }
            (Obj::Connection(items, more), "pageInfo") => Object(Obj::PageInfo(
                items.first().copied(),
                items.last().copied(),
                *more,
            )),
            (Obj::Edge(i), "node") => Object(Obj::Variant(*i)),
            (Obj::Edge(i), "cursor") => Leaf(cursor(*i).into()),
            (Obj::PageInfo(_, _, more), "hasNextPage") => Leaf((*more).into()),
            (Obj::PageInfo(..), "hasPreviousPage") => Leaf(false.into()),
            (Obj::PageInfo(start, _, _), "startCursor") => Leaf(start.map(cursor).into()),
            (Obj::PageInfo(_, end, _), "endCursor") => Leaf(end.map(cursor).into()),
            (Obj::Variant(i), "id") => s(&Record::variant_id(*i)),
            (Obj::Variant(i), "sku") => s(&records[*i].sku),
            (Obj::Variant(_), "title") => s("Default Title"),
            (Obj::Variant(i), "displayName") => {
                s(&format!("{} - Default Title", records[*i].title))
            }
            (Obj::Variant(i), "inventoryQuantity") => {
                self.read.push(*i);
                Leaf(records[*i].available.into())
            }
            (Obj::Variant(i), "inventoryItem") => Object(Obj::Item(*i)),
            (Obj::Variant(i), "product") => Object(Obj::Product(*i)),
            (Obj::Product(i), "id") => s(&Record::product_id(*i)),
            (Obj::Product(i), "title") => s(&records[*i].title),
            (Obj::Product(i), "handle") => s(&records[*i].title.to_lowercase().replace(' ', "-")),
            (Obj::Item(i), "id") => s(&Record::item_id(*i)),
            (Obj::Item(i), "sku") => s(&records[*i].sku),
            (Obj::Item(_), "tracked") => Leaf(true.into()),
            (Obj::Item(i), "variant") => Object(Obj::Variant(*i)),
            (Obj::Item(i), "inventoryLevel") => {
                match args.get("locationId").and_then(Value::as_str) {
                    Some(DEMO_LOCATION_ID) => Object(Obj::Level(*i)),
                    _ => Leaf(Value::Null),
                }
            }
            (Obj::Level(i), "id") => s(&Record::level_id(*i)),
            (Obj::Level(i), "quantities") => {
                let names = args
                    .get("names")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut out = Vec::new();
                for name in names {
                    let name = name.as_str().unwrap_or_default().to_string();
                    if !QUANTITY_NAMES.contains(&name.as_str()) {
                        return Err(GqlError::new(
                            "INVALID_QUANTITY_NAME",
                            format!("'{name}' is not a valid quantity name"),
                        ));
                    }
                    out.push(Object(Obj::Quantity(*i, name)));
                }
                self.read.push(*i);
                List(out)
            }
            (Obj::Level(_), "location") => Object(Obj::Location),
            (Obj::Level(i), "item") => Object(Obj::Item(*i)),
            (Obj::Quantity(i, n), "id") => s(&format!("{}&name={n}", Record::level_id(*i))),
            (Obj::Quantity(_, n), "name") => s(n),
            (Obj::Quantity(i, n), "quantity") => Leaf(
                match n.as_str() {
                    // The sandbox keeps no commitments or reservations: on hand is what is available.
                    "available" | "on_hand" => records[*i].available,
                    _ => 0,
                }
                .into(),
            ),
            (Obj::Quantity(..), "updatedAt") => Leaf(Value::Null),
            (Obj::Location, "id") => s(DEMO_LOCATION_ID),
            (Obj::Location, "name") => s("Demo warehouse"),
            (Obj::Location, "isActive") => Leaf(true.into()),
            (Obj::Payload(r), "inventoryAdjustmentGroup") => match &r.group {
                Some(g) => Object(Obj::Group(g.clone())),
                None => Leaf(Value::Null),
            },
            (Obj::Payload(r), "userErrors") => List(
                r.user_errors
                    .iter()
                    .cloned()
                    .map(|e| Object(Obj::UserError(e)))
                    .collect(),
            ),
            (Obj::Group(g), "id") => s(&g.id),
            (Obj::Group(g), "createdAt") => s(&g.created_at),
            (Obj::Group(g), "reason") => s(&g.reason),
            (Obj::Group(g), "referenceDocumentUri") => {
                Leaf(g.reference_document_uri.clone().into())
            }
            (Obj::Group(g), "changes") => List(
                g.changes
                    .iter()
                    .cloned()
                    .map(|c| Object(Obj::Change(c)))
                    .collect(),
            ),
            (Obj::Change(_), "name") => s("available"),
            (Obj::Change(c), "delta") => Leaf(c.delta.into()),
            (Obj::Change(c), "quantityAfterChange") => Leaf(c.quantity_after.into()),
            (Obj::Change(c), "item") => Object(Obj::Item(c.item)),
            (Obj::Change(_), "location") => Object(Obj::Location),
            (Obj::UserError(e), "code") => s(e.code),
            (Obj::UserError(e), "field") => Leaf(json!(e.field)),
            (Obj::UserError(e), "message") => s(&e.message),
            (Obj::Query, "order") => {
                let id = args.get("id").and_then(Value::as_str).unwrap_or_default();
                match gid_number(id, "Order").filter(|n| self.shop.orders.contains_key(n)) {
                    Some(n) => Object(Obj::Order(n)),
                    None => Leaf(Value::Null),
                }
            }
            (Obj::Mutation, "fulfillmentCreate") => {
                let input = args.get("fulfillment").cloned().unwrap_or(Value::Null);
                Object(Obj::FulfilPayload(self.fulfillment_create(&input)))
            }
            (Obj::Order(o), "id") => s(&format!("gid://shopify/Order/{o}")),
            (Obj::Order(o), "name") => s(&format!("#{}", o % 100_000)),
            (Obj::Order(o), "displayFulfillmentStatus") => {
                let order = &self.shop.orders[o];
                let remaining: i64 = fo_remaining(order);
                let total: i64 = order.lines.iter().map(|l| l.quantity).sum();
                s(if remaining == 0 {
                    "FULFILLED"
                } else if remaining < total {
                    "PARTIALLY_FULFILLED"
                } else {
                    "UNFULFILLED"
                })
            }
            (Obj::Order(o), "fulfillmentOrders") => {
                let count = self.shop.orders[o].fulfillment_orders.len();
                let items = page(count, &args)?;
                Object(Obj::FoConnection(*o, items))
            }
            (Obj::Order(o), "fulfillments") => {
                let count = self.shop.orders[o].fulfillments.len();
                let first = args
                    .get("first")
                    .and_then(Value::as_u64)
                    .map_or(count, |f| f as usize);
                List(
                    (0..count.min(first))
                        .map(|i| Object(Obj::Fulfillment(*o, i)))
                        .collect(),
                )
            }
            (Obj::LineItem(o, l), "id") => s(&format!(
                "gid://shopify/LineItem/{}",
                self.shop.orders[o].lines[*l].id
            )),
            (Obj::LineItem(o, l), "sku") => s(&self.shop.orders[o].lines[*l].sku),
            (Obj::LineItem(o, l), "name") => s(&self.shop.orders[o].lines[*l].sku),
            (Obj::LineItem(o, l), "quantity") => {
                Leaf(self.shop.orders[o].lines[*l].quantity.into())
            }
            (Obj::FoConnection(o, items), "nodes") => List(
                items
                    .iter()
                    .map(|i| Object(Obj::FulfillmentOrder(*o, *i)))
                    .collect(),
            ),
            (Obj::FulfillmentOrder(o, f), "id") => s(&format!(
                "gid://shopify/FulfillmentOrder/{}",
                self.shop.orders[o].fulfillment_orders[*f].id
            )),
            (Obj::FulfillmentOrder(o, f), "status") => {
                s(self.shop.orders[o].fulfillment_orders[*f].status)
            }
            (Obj::FulfillmentOrder(o, _), "orderId") => s(&format!("gid://shopify/Order/{o}")),
            (Obj::FulfillmentOrder(o, f), "lineItems") => {
                let count = self.shop.orders[o].fulfillment_orders[*f].lines.len();
                let items = page(count, &args)?;
                Object(Obj::FoLineConnection(*o, *f, items))
            }
            (Obj::FoLineConnection(o, f, items), "nodes") => List(
                items
                    .iter()
                    .map(|i| Object(Obj::FoLine(*o, *f, *i)))
                    .collect(),
            ),
            (Obj::FoLine(o, f, i), name) => {
                let order = &self.shop.orders[o];
                let line = &order.fulfillment_orders[*f].lines[*i];
                match name {
                    "id" => s(&format!(
                        "gid://shopify/FulfillmentOrderLineItem/{}",
                        line.id
                    )),
                    "sku" => s(&order.lines[line.line].sku),
                    "remainingQuantity" => Leaf(line.remaining.into()),
                    "totalQuantity" => Leaf(line.total.into()),
                    _ => Object(Obj::LineItem(*o, line.line)),
                }
            }
            (Obj::Fulfillment(o, f), name) => {
                let fulfillment = &self.shop.orders[o].fulfillments[*f];
                match name {
                    "id" => s(&format!("gid://shopify/Fulfillment/{}", fulfillment.id)),
                    "status" => s("SUCCESS"),
                    "createdAt" => s(&fulfillment.created_at),
                    "trackingInfo" => {
                        let first = args
                            .get("first")
                            .and_then(Value::as_u64)
                            .map_or(usize::MAX, |f| f as usize);
                        List(
                            fulfillment
                                .tracking
                                .iter()
                                .take(first)
                                .cloned()
                                .map(|t| Object(Obj::Tracking(t)))
                                .collect(),
                        )
                    }
                    _ => {
                        let items = page(fulfillment.lines.len(), &args)?;
                        Object(Obj::FlConnection(*o, *f, items))
                    }
                }
            }
            (Obj::Tracking(t), "company") => Leaf(t.company.clone().into()),
            (Obj::Tracking(t), "number") => Leaf(t.number.clone().into()),
            (Obj::Tracking(t), "url") => Leaf(t.url.clone().into()),
            (Obj::FlConnection(o, f, items), "nodes") => List(
                items
                    .iter()
                    .map(|i| Object(Obj::FulfillmentLine(*o, *f, *i)))
                    .collect(),
            ),
            (Obj::FulfillmentLine(o, f, i), name) => {
                let (id, line, quantity) = self.shop.orders[o].fulfillments[*f].lines[*i];
                match name {
                    "id" => s(&format!("gid://shopify/FulfillmentLineItem/{id}")),
                    "quantity" => Leaf(quantity.into()),
                    _ => Object(Obj::LineItem(*o, line)),
                }
            }
            (Obj::FulfilPayload(r), "fulfillment") => match r.fulfillment {
                Some((o, f)) => Object(Obj::Fulfillment(o, f)),
                None => Leaf(Value::Null),
            },
            (Obj::FulfilPayload(r), "userErrors") => List(
                r.user_errors
                    .iter()
                    .cloned()
                    .map(|e| Object(Obj::PlainError(e)))
                    .collect(),
            ),
            (Obj::PlainError(e), "field") => Leaf(json!(e.field)),
            (Obj::PlainError(e), "message") => s(&e.message),
            // Validation admitted only schema fields; reaching this means the two disagree.
            (obj, name) => {
                return Err(GqlError::new(
                    "INTERNAL_SERVER_ERROR",
                    format!("the sandbox cannot resolve {}.{name}", obj.type_name()),
                ));
            }
        })
    }

    /// `fulfillmentCreate`: checks every fulfillment order and line first, then fulfils all of
    /// them or nothing. No idempotency key in 2026-04: a repeated call is a second fulfillment
    /// (or refused, when nothing is left to fulfil).
    fn fulfillment_create(&mut self, input: &Value) -> FulfilResult {
        let result = self.try_fulfil(input);
        let result = match result {
            Ok(result) => result,
            Err(error) => FulfilResult {
                fulfillment: None,
                user_errors: vec![error],
            },
        };
        self.user_error_codes = result
            .user_errors
            .iter()
            .map(|e| e.code.to_string())
            .collect();
        result
    }

    fn try_fulfil(&mut self, input: &Value) -> Result<FulfilResult, PlainError> {
        let field = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        let groups = input
            .get("lineItemsByFulfillmentOrder")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if groups.is_empty() {
            return Err(PlainError {
                code: "BLANK_FULFILLMENT_ORDERS",
                field: field(&["fulfillment", "lineItemsByFulfillmentOrder"]),
                message: "Fulfillment orders can't be blank.".into(),
            });
        }
        let mut order_id = None;
        // (fulfillment order index, its line index, quantity), summed per line.
        let mut plan: Vec<(usize, usize, i64)> = Vec::new();
        for (n, group) in groups.iter().enumerate() {
            let at = n.to_string();
            let gid = group
                .get("fulfillmentOrderId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let found = gid_number(gid, "FulfillmentOrder")
                .and_then(|number| self.shop.fulfillment_order(number));
            let Some((order, fo)) = found else {
                return Err(PlainError {
                    code: "FULFILLMENT_ORDER_NOT_FOUND",
                    field: field(&[
                        "fulfillment",
                        "lineItemsByFulfillmentOrder",
                        &at,
                        "fulfillmentOrderId",
                    ]),
                    message: format!("Fulfillment order {gid} does not exist."),
                });
            };
            if *order_id.get_or_insert(order) != order {
                return Err(PlainError {
                    code: "FULFILLMENT_ORDERS_OF_DIFFERENT_ORDERS",
                    field: field(&["fulfillment", "lineItemsByFulfillmentOrder"]),
                    message: "All fulfillment orders must belong to the same order.".into(),
                });
            }
            let this = &self.shop.orders[&order].fulfillment_orders[fo];
            if this.status == "CLOSED" {
                return Err(PlainError {
                    code: "FULFILLMENT_ORDER_CLOSED",
                    field: field(&["fulfillment", "lineItemsByFulfillmentOrder", &at]),
                    message: format!(
                        "Fulfillment order {gid} has an unfulfillable status= closed."
                    ),
                });
            }
            let wanted: Vec<(usize, i64)> = match group
                .get("fulfillmentOrderLineItems")
                .and_then(Value::as_array)
            {
                // Blank: everything still to fulfil on this fulfillment order.
                None => this
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.remaining > 0)
                    .map(|(i, l)| (i, l.remaining))
                    .collect(),
                Some(items) => {
                    let mut wanted = Vec::new();
                    for item in items {
                        let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
                        let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(0);
                        let line = gid_number(id, "FulfillmentOrderLineItem")
                            .and_then(|number| this.lines.iter().position(|l| l.id == number));
                        let Some(line) = line else {
                            return Err(PlainError {
                                code: "LINE_ITEM_NOT_FOUND",
                                field: field(&[
                                    "fulfillment",
                                    "lineItemsByFulfillmentOrder",
                                    &at,
                                    "fulfillmentOrderLineItems",
                                ]),
                                message: format!(
                                    "Fulfillment order line item {id} does not belong to fulfillment order {gid}."
                                ),
                            });
                        };
                        wanted.push((line, quantity));
                    }
                    wanted
                }
            };
            for (line, quantity) in wanted {
                match plan.iter_mut().find(|(f, l, _)| *f == fo && *l == line) {
                    Some(entry) => entry.2 += quantity,
                    None => plan.push((fo, line, quantity)),
                }
            }
        }
        let order_id = order_id.expect("at least one group");
        let order = &self.shop.orders[&order_id];
        for (fo, line, quantity) in &plan {
            let remaining = order.fulfillment_orders[*fo].lines[*line].remaining;
            if *quantity <= 0 || *quantity > remaining {
                return Err(PlainError {
                    code: "INVALID_QUANTITY",
                    field: field(&["fulfillment", "lineItemsByFulfillmentOrder"]),
                    message: "Invalid fulfillment order line item quantity requested.".into(),
                });
            }
        }
        if plan.is_empty() {
            return Err(PlainError {
                code: "NOTHING_TO_FULFILL",
                field: field(&["fulfillment", "lineItemsByFulfillmentOrder"]),
                message: "There are no fulfillment order line items left to fulfill.".into(),
            });
        }
        let tracking = self.tracking(input.get("trackingInfo"))?;
        let notify_customer = input
            .get("notifyCustomer")
            .and_then(Value::as_bool)
            .unwrap_or(false);

        let counters = &mut self.shop.counters;
        counters.fulfillment += 1;
        let fulfillment_id = counters.fulfillment;
        let mut lines: Vec<(u64, usize, i64)> = Vec::new();
        let order = self.shop.orders.get_mut(&order_id).expect("checked above");
        for (fo, line, quantity) in plan {
            let fo_line = &mut order.fulfillment_orders[fo].lines[line];
            fo_line.remaining -= quantity;
            let order_line = fo_line.line;
            match lines.iter_mut().find(|(_, l, _)| *l == order_line) {
                Some(entry) => entry.2 += quantity,
                None => {
                    self.shop.counters.fulfillment_line += 1;
                    lines.push((self.shop.counters.fulfillment_line, order_line, quantity));
                }
            }
        }
        for fo in &mut order.fulfillment_orders {
            let left: i64 = fo.lines.iter().map(|l| l.remaining).sum();
            let total: i64 = fo.lines.iter().map(|l| l.total).sum();
            fo.status = if left == 0 {
                "CLOSED"
            } else if left < total {
                "IN_PROGRESS"
            } else {
                "OPEN"
            };
        }
        order.fulfillments.push(crate::store::Fulfillment {
            id: fulfillment_id,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            tracking,
            lines,
            notify_customer,
        });
        self.applied = true;
        Ok(FulfilResult {
            fulfillment: Some((order_id, order.fulfillments.len() - 1)),
            user_errors: Vec::new(),
        })
    }

    /// `FulfillmentTrackingInput` as Shopify reads it: `number`/`url` or `numbers`/`urls`, never
    /// both forms, and a URL only with a number.
    fn tracking(&self, input: Option<&Value>) -> Result<Vec<crate::store::Tracking>, PlainError> {
        let Some(input) = input.filter(|t| !t.is_null()) else {
            return Ok(Vec::new());
        };
        let text = |name: &str| input.get(name).and_then(Value::as_str).map(str::to_string);
        let list = |name: &str| -> Option<Vec<String>> {
            input.get(name).and_then(Value::as_array).map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
        };
        let error = |message: &str| PlainError {
            code: "INVALID_TRACKING",
            field: vec!["fulfillment".into(), "trackingInfo".into()],
            message: message.into(),
        };
        let company = text("company");
        let (number, numbers, url, urls) =
            (text("number"), list("numbers"), text("url"), list("urls"));
        if number.is_some() && numbers.is_some() {
            return Err(error("Provide either number or numbers, not both."));
        }
        if url.is_some() && urls.is_some() {
            return Err(error("Provide either url or urls, not both."));
        }
        if (url.is_some() && number.is_none()) || (urls.is_some() && numbers.is_none()) {
            return Err(error("A tracking URL needs a tracking number."));
        }
        let numbers: Vec<String> = number
            .into_iter()
            .chain(numbers.unwrap_or_default())
            .collect();
        let urls: Vec<String> = url.into_iter().chain(urls.unwrap_or_default()).collect();
        if numbers.is_empty() {
            // A company alone is still shown on the fulfillment.
            return Ok(company
                .map(|company| crate::store::Tracking {
                    company: Some(company),
                    number: None,
                    url: None,
                })
                .into_iter()
                .collect());
        }
        Ok(numbers
            .into_iter()
            .enumerate()
            .map(|(i, number)| crate::store::Tracking {
                company: company.clone(),
                number: Some(number),
                url: urls.get(i).cloned(),
            })
            .collect())
    }

    /// `inventorySetQuantities`, as 2026-04 runs it.
    fn set_quantities(
        &mut self,
        input: &Value,
        key: Option<String>,
        _path: &[String],
    ) -> Result<SetResult, GqlError> {
        let Some(key) = key else {
            return Err(GqlError::new(
                "BAD_REQUEST",
                "The @idempotent directive is required for this mutation but was not provided.",
            ));
        };
        let quantities = input
            .get("quantities")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if quantities
            .iter()
            .any(|q| q.get("changeFromQuantity").is_none())
        {
            return Err(GqlError::new(
                "INVALID_FIELD_ARGUMENTS",
                "InventoryQuantityInput must include the following argument: changeFromQuantity.",
            ));
        }
        if let Some(remembered) = self.shop.idempotency.get(&key) {
            if remembered.input == *input {
                self.replayed = true;
                let result = remembered.result.clone();
                self.user_error_codes = result
                    .user_errors
                    .iter()
                    .map(|e| e.code.to_string())
                    .collect();
                return Ok(result);
            }
            let error = UserError {
                code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                field: vec![],
                message:
                    "The same idempotency key cannot be used with different operation parameters."
                        .into(),
            };
            self.user_error_codes = vec![error.code.into()];
            return Ok(SetResult {
                group: None,
                user_errors: vec![error],
            });
        }
        let result = self.apply(input, &quantities);
        self.user_error_codes = result
            .user_errors
            .iter()
            .map(|e| e.code.to_string())
            .collect();
        self.shop.idempotency.insert(
            key,
            crate::store::Remembered {
                input: input.clone(),
                result: result.clone(),
            },
        );
        Ok(result)
    }

    /// Checks every quantity, then sets all of them or none.
    fn apply(&mut self, input: &Value, quantities: &[Value]) -> SetResult {
        let mut errors = Vec::new();
        let error = |code: &'static str, field: Vec<String>, message: String| UserError {
            code,
            field,
            message,
        };
        let name = input
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !matches!(name, "available" | "on_hand") {
            errors.push(error(
                "INVALID_NAME",
                vec!["input".into(), "name".into()],
                "The quantity name must be either 'available' or 'on_hand'.".into(),
            ));
        }
        let reason = input
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !schema::REASONS.contains(&reason) {
            errors.push(error(
                "INVALID_REASON",
                vec!["input".into(), "reason".into()],
                "The specified reason is invalid.".into(),
            ));
        }
        let reference = input
            .get("referenceDocumentUri")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(uri) = &reference {
            let valid = uri.split_once(':').is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
                    && !rest.is_empty()
            });
            if !valid {
                errors.push(error(
                    "INVALID_REFERENCE_DOCUMENT",
                    vec!["input".into(), "referenceDocumentUri".into()],
                    "The specified reference document is invalid.".into(),
                ));
            }
        }
        let mut seen = HashSet::new();
        let mut plan = Vec::new();
        for (n, q) in quantities.iter().enumerate() {
            let at = |f: &str| {
                vec![
                    "input".to_string(),
                    "quantities".into(),
                    n.to_string(),
                    f.to_string(),
                ]
            };
            let item = q
                .get("inventoryItemId")
                .and_then(Value::as_str)
                .and_then(|id| self.shop.item_index(id));
            let Some(item) = item else {
                errors.push(error(
                    "INVALID_INVENTORY_ITEM",
                    at("inventoryItemId"),
                    "The specified inventory item could not be found.".into(),
                ));
                continue;
            };
            if q.get("locationId").and_then(Value::as_str) != Some(DEMO_LOCATION_ID) {
                errors.push(error(
                    "INVALID_LOCATION",
                    at("locationId"),
                    "The specified location could not be found.".into(),
                ));
                continue;
            }
            if !seen.insert(item) {
                errors.push(error(
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    at("inventoryItemId"),
                    "The combination of inventoryItemId and locationId must be unique.".into(),
                ));
                continue;
            }
            let quantity = q
                .get("quantity")
                .and_then(Value::as_i64)
                .unwrap_or_default();
            if quantity < 0 {
                errors.push(error(
                    "INVALID_QUANTITY_NEGATIVE",
                    at("quantity"),
                    "The quantity can't be negative.".into(),
                ));
                continue;
            }
            if quantity > 1_000_000_000 {
                errors.push(error(
                    "INVALID_QUANTITY_TOO_HIGH",
                    at("quantity"),
                    "The quantity can't be higher than 1,000,000,000.".into(),
                ));
                continue;
            }
            let current = self.shop.records[item].available;
            if let Some(expected) = q.get("changeFromQuantity").and_then(Value::as_i64)
                && expected != current
            {
                errors.push(error(
                    "CHANGE_FROM_QUANTITY_STALE",
                    at("changeFromQuantity"),
                    "The changeFromQuantity value does not match persisted value.".into(),
                ));
                continue;
            }
            plan.push((item, current, quantity));
        }
        if !errors.is_empty() {
            return SetResult {
                group: None,
                user_errors: errors,
            };
        }
        let mut changes = Vec::new();
        for (item, before, after) in plan {
            self.shop.records[item].available = after;
            changes.push(Change {
                item,
                delta: after - before,
                quantity_after: after,
            });
        }
        self.applied = true;
        self.shop.groups_made += 1;
        SetResult {
            group: Some(AdjustmentGroup {
                id: format!(
                    "gid://shopify/InventoryAdjustmentGroup/{}",
                    9000 + self.shop.groups_made
                ),
                created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                reason: reason.to_string(),
                reference_document_uri: reference,
                changes,
            }),
            user_errors: Vec::new(),
        }
    }
}

fn idempotency_key(field: &AstField<'_>, variables: &Map<String, Value>) -> Option<String> {
    field
        .directives
        .iter()
        .find(|d| d.name == "idempotent")?
        .arguments
        .iter()
        .find(|(n, _)| *n == "key")
        .and_then(|(_, v)| literal(v, variables).ok())
        .and_then(|v| v.as_str().map(str::to_string))
}

fn node_or_null(shop: &Shop, id: Option<&Value>, want: &str) -> Resolved {
    let id = id.and_then(Value::as_str).unwrap_or_default();
    let obj = if let Some(i) = shop.item_index(id) {
        Some(Obj::Item(i))
    } else if let Some(i) = shop.variant_index(id) {
        Some(Obj::Variant(i))
    } else if let Some(i) = shop.product_index(id) {
        Some(Obj::Product(i))
    } else if id == DEMO_LOCATION_ID {
        Some(Obj::Location)
    } else if let Some(n) = gid_number(id, "Order").filter(|n| shop.orders.contains_key(n)) {
        Some(Obj::Order(n))
    } else if let Some((o, f)) =
        gid_number(id, "FulfillmentOrder").and_then(|n| shop.fulfillment_order(n))
    {
        Some(Obj::FulfillmentOrder(o, f))
    } else {
        None
    };
    match obj {
        Some(obj) if schema::satisfies(obj.type_name(), want) => Resolved::Object(obj),
        _ => Resolved::Leaf(Value::Null),
    }
}

/// Units still to fulfil across an order's fulfillment orders.
fn fo_remaining(order: &crate::store::Order) -> i64 {
    order
        .fulfillment_orders
        .iter()
        .flat_map(|fo| &fo.lines)
        .map(|l| l.remaining)
        .sum()
}

/// The first `first` of `count` items (`after` is not modelled on these connections).
fn page(count: usize, args: &Map<String, Value>) -> Result<Vec<usize>, GqlError> {
    if args.get("after").is_some_and(|a| !a.is_null()) {
        return Err(GqlError::new(
            "BAD_REQUEST",
            "the sandbox does not page fulfillment connections; ask for up to 250",
        ));
    }
    let first = args.get("first").and_then(Value::as_u64).unwrap_or(0) as usize;
    Ok((0..count.min(first)).collect())
}

fn cursor(index: usize) -> String {
    format!("sandbox-cursor-{index}")
}

fn parse_cursor(cursor: &str) -> Result<usize, GqlError> {
    cursor
        .strip_prefix("sandbox-cursor-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            GqlError::new(
                "BAD_REQUEST",
                format!("Invalid cursor for current pagination sort: {cursor}"),
            )
        })
}

/// Shopify's search syntax, as far as the sandbox models it: `sku:VALUE` terms (a value may be
/// quoted, and may end in `*` for a prefix) joined by `OR`. Anything else is refused rather than
/// answered wrongly.
fn search(records: &[Record], query: Option<&str>) -> Result<Vec<usize>, GqlError> {
    let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok((0..records.len()).collect());
    };
    let mut terms = Vec::new();
    for term in split_or(query) {
        let term = term.trim();
        let Some(value) = term.strip_prefix("sku:") else {
            return Err(GqlError::new(
                "BAD_REQUEST",
                format!("the sandbox models only sku: search terms joined by OR, not '{term}'"),
            ));
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .map(|v| v.replace("\\\"", "\"").replace("\\\\", "\\"))
            .unwrap_or_else(|| value.to_string());
        terms.push(value);
    }
    Ok((0..records.len())
        .filter(|i| {
            let sku = &records[*i].sku;
            terms.iter().any(|t| match t.strip_suffix('*') {
                Some(prefix) => sku.starts_with(prefix),
                None => sku == t,
            })
        })
        .collect())
}

/// Splits on ` OR ` outside double quotes.
fn split_or(query: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && quoted {
            current.push(c);
            if let Some(next) = chars.next() {
                current.push(next);
            }
            continue;
        }
        if c == '"' {
            quoted = !quoted;
        }
        current.push(c);
        if !quoted && current.ends_with(" OR ") {
            current.truncate(current.len() - 4);
            parts.push(std::mem::take(&mut current));
        }
    }
    parts.push(current);
    parts
}
