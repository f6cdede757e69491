//! The slice of Shopify's Admin schema the sandbox serves: the types, their fields, each field's
//! arguments. Documents are validated against it before anything runs, so a field Shopify would
//! not know (or the sandbox does not model) is a GraphQL error, never silently ignored.

/// An argument a field accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arg {
    pub(crate) name: &'static str,
    pub(crate) required: bool,
}

const fn opt(name: &'static str) -> Arg {
    Arg {
        name,
        required: false,
    }
}

const fn req(name: &'static str) -> Arg {
    Arg {
        name,
        required: true,
    }
}

/// What a field returns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// The named type (an object, `Node`, or a scalar).
    pub(crate) ty: &'static str,
    /// A list of `ty`.
    pub(crate) list: bool,
    pub(crate) args: &'static [Arg],
}

const fn one(ty: &'static str) -> Field {
    Field {
        ty,
        list: false,
        args: &[],
    }
}

const fn many(ty: &'static str) -> Field {
    Field {
        ty,
        list: true,
        args: &[],
    }
}

const fn with(mut field: Field, args: &'static [Arg]) -> Field {
    field.args = args;
    field
}

/// The root type of queries.
pub(crate) const QUERY_ROOT: &str = "QueryRoot";
/// The root type of mutations.
pub(crate) const MUTATION: &str = "Mutation";

const SCALARS: &[&str] = &["ID", "String", "Int", "Boolean", "DateTime", "URL"];

/// Object types reachable through `node`/`nodes` (they implement `Node`).
const NODES: &[&str] = &[
    "Product",
    "ProductVariant",
    "InventoryItem",
    "InventoryLevel",
    "Location",
    "InventoryAdjustmentGroup",
    "Order",
    "LineItem",
    "FulfillmentOrder",
    "FulfillmentOrderLineItem",
    "Fulfillment",
    "FulfillmentLineItem",
];

/// The mutations that take `@idempotent(key:)` in 2026-04 among those the sandbox serves (the
/// changelog "Making idempotency mandatory for inventory adjustments and refund mutations" names
/// inventory and refund mutations; `fulfillmentCreate` is not among them).
pub(crate) const IDEMPOTENT_MUTATIONS: &[&str] = &["inventorySetQuantities"];

/// True for a leaf type (no selection set).
pub(crate) fn is_scalar(ty: &str) -> bool {
    SCALARS.contains(&ty)
}

/// True when the sandbox knows the type (for fragment type conditions).
pub(crate) fn is_known_type(ty: &str) -> bool {
    ty == "Node" || NODES.contains(&ty) || field_names(ty).is_some()
}

/// True when an object of type `object` matches a fragment on `condition`.
pub(crate) fn satisfies(object: &str, condition: &str) -> bool {
    object == condition || (condition == "Node" && NODES.contains(&object))
}

/// True for connection types (costed as 2 + `first` × the node's cost).
pub(crate) fn is_connection(ty: &str) -> bool {
    ty.ends_with("Connection")
}

fn field_names(ty: &str) -> Option<()> {
    match ty {
        QUERY_ROOT
        | MUTATION
        | "ProductVariantConnection"
        | "ProductVariantEdge"
        | "PageInfo"
        | "ProductVariant"
        | "Product"
        | "InventoryItem"
        | "InventoryLevel"
        | "InventoryQuantity"
        | "Location"
        | "InventorySetQuantitiesPayload"
        | "InventoryAdjustmentGroup"
        | "InventoryChange"
        | "InventorySetQuantitiesUserError"
        | "Order"
        | "LineItem"
        | "FulfillmentOrderConnection"
        | "FulfillmentOrder"
        | "FulfillmentOrderLineItemConnection"
        | "FulfillmentOrderLineItem"
        | "Fulfillment"
        | "FulfillmentTrackingInfo"
        | "FulfillmentLineItemConnection"
        | "FulfillmentLineItem"
        | "FulfillmentCreatePayload"
        | "UserError" => Some(()),
        _ => None,
    }
}

/// The field `name` of type `ty`, if the schema has it. `__typename` is on every type.
pub(crate) fn field(ty: &str, name: &str) -> Option<Field> {
    if name == "__typename" {
        return Some(one("String"));
    }
    // `Node` fields are the interface's: only `id`.
    let f = match (ty, name) {
        (QUERY_ROOT, "productVariants") => with(
            one("ProductVariantConnection"),
            const { &[opt("first"), opt("after"), opt("query"), opt("reverse")] },
        ),
        (QUERY_ROOT, "inventoryItem") => with(one("InventoryItem"), const { &[req("id")] }),
        (QUERY_ROOT, "productVariant") => with(one("ProductVariant"), const { &[req("id")] }),
        (QUERY_ROOT, "location") => with(one("Location"), const { &[opt("id")] }),
        (QUERY_ROOT, "node") => with(one("Node"), const { &[req("id")] }),
        (QUERY_ROOT, "nodes") => with(many("Node"), const { &[req("ids")] }),
        (MUTATION, "inventorySetQuantities") => with(
            one("InventorySetQuantitiesPayload"),
            const { &[req("input")] },
        ),
        ("ProductVariantConnection", "edges") => many("ProductVariantEdge"),
        ("ProductVariantConnection", "nodes") => many("ProductVariant"),
        ("ProductVariantConnection", "pageInfo") => one("PageInfo"),
        ("ProductVariantEdge", "node") => one("ProductVariant"),
        ("ProductVariantEdge", "cursor") => one("String"),
        ("PageInfo", "hasNextPage" | "hasPreviousPage") => one("Boolean"),
        ("PageInfo", "startCursor" | "endCursor") => one("String"),
        ("Node", "id") => one("ID"),
        ("ProductVariant", "id") => one("ID"),
        ("ProductVariant", "sku" | "title" | "displayName") => one("String"),
        ("ProductVariant", "inventoryQuantity") => one("Int"),
        ("ProductVariant", "inventoryItem") => one("InventoryItem"),
        ("ProductVariant", "product") => one("Product"),
        ("Product", "id") => one("ID"),
        ("Product", "title" | "handle") => one("String"),
        ("InventoryItem", "id") => one("ID"),
        ("InventoryItem", "sku") => one("String"),
        ("InventoryItem", "tracked") => one("Boolean"),
        ("InventoryItem", "variant") => one("ProductVariant"),
        ("InventoryItem", "inventoryLevel") => {
            with(one("InventoryLevel"), const { &[req("locationId")] })
        }
        ("InventoryLevel", "id") => one("ID"),
        ("InventoryLevel", "quantities") => {
            with(many("InventoryQuantity"), const { &[req("names")] })
        }
        ("InventoryLevel", "location") => one("Location"),
        ("InventoryLevel", "item") => one("InventoryItem"),
        ("InventoryQuantity", "id") => one("ID"),
        ("InventoryQuantity", "name") => one("String"),
        ("InventoryQuantity", "quantity") => one("Int"),
        ("InventoryQuantity", "updatedAt") => one("DateTime"),
        ("Location", "id") => one("ID"),
        ("Location", "name") => one("String"),
        ("Location", "isActive") => one("Boolean"),
        ("InventorySetQuantitiesPayload", "inventoryAdjustmentGroup") => {
            one("InventoryAdjustmentGroup")
        }
        ("InventorySetQuantitiesPayload", "userErrors") => many("InventorySetQuantitiesUserError"),
        ("InventoryAdjustmentGroup", "id") => one("ID"),
        ("InventoryAdjustmentGroup", "createdAt") => one("DateTime"),
        ("InventoryAdjustmentGroup", "reason") => one("String"),
        ("InventoryAdjustmentGroup", "referenceDocumentUri") => one("String"),
        ("InventoryAdjustmentGroup", "changes") => many("InventoryChange"),
        ("InventoryChange", "name") => one("String"),
        ("InventoryChange", "delta") => one("Int"),
        ("InventoryChange", "quantityAfterChange") => one("Int"),
        ("InventoryChange", "item") => one("InventoryItem"),
        ("InventoryChange", "location") => one("Location"),
        ("InventorySetQuantitiesUserError", "code") => one("String"),
        ("InventorySetQuantitiesUserError", "field") => many("String"),
        ("InventorySetQuantitiesUserError", "message") => one("String"),
        (QUERY_ROOT, "order") => with(one("Order"), const { &[req("id")] }),
        (MUTATION, "fulfillmentCreate") => with(
            one("FulfillmentCreatePayload"),
            const { &[req("fulfillment"), opt("message")] },
        ),
        ("Order", "id") => one("ID"),
        ("Order", "name" | "displayFulfillmentStatus") => one("String"),
        ("Order", "fulfillmentOrders") => with(
            one("FulfillmentOrderConnection"),
            const { &[opt("first"), opt("after"), opt("query")] },
        ),
        ("Order", "fulfillments") => with(many("Fulfillment"), const { &[opt("first")] }),
        ("LineItem", "id") => one("ID"),
        ("LineItem", "sku" | "name") => one("String"),
        ("LineItem", "quantity") => one("Int"),
        ("FulfillmentOrderConnection", "nodes") => many("FulfillmentOrder"),
        ("FulfillmentOrder", "id") => one("ID"),
        ("FulfillmentOrder", "status") => one("String"),
        ("FulfillmentOrder", "orderId") => one("ID"),
        ("FulfillmentOrder", "lineItems") => with(
            one("FulfillmentOrderLineItemConnection"),
            const { &[opt("first"), opt("after")] },
        ),
        ("FulfillmentOrderLineItemConnection", "nodes") => many("FulfillmentOrderLineItem"),
        ("FulfillmentOrderLineItem", "id") => one("ID"),
        ("FulfillmentOrderLineItem", "sku") => one("String"),
        ("FulfillmentOrderLineItem", "remainingQuantity" | "totalQuantity") => one("Int"),
        ("FulfillmentOrderLineItem", "lineItem") => one("LineItem"),
        ("Fulfillment", "id") => one("ID"),
        ("Fulfillment", "status") => one("String"),
        ("Fulfillment", "createdAt") => one("DateTime"),
        ("Fulfillment", "trackingInfo") => {
            with(many("FulfillmentTrackingInfo"), const { &[opt("first")] })
        }
        ("Fulfillment", "fulfillmentLineItems") => with(
            one("FulfillmentLineItemConnection"),
            const { &[opt("first"), opt("after")] },
        ),
        ("FulfillmentTrackingInfo", "company" | "number") => one("String"),
        ("FulfillmentTrackingInfo", "url") => one("URL"),
        ("FulfillmentLineItemConnection", "nodes") => many("FulfillmentLineItem"),
        ("FulfillmentLineItem", "id") => one("ID"),
        ("FulfillmentLineItem", "quantity") => one("Int"),
        ("FulfillmentLineItem", "lineItem") => one("LineItem"),
        ("FulfillmentCreatePayload", "fulfillment") => one("Fulfillment"),
        ("FulfillmentCreatePayload", "userErrors") => many("UserError"),
        ("UserError", "field") => many("String"),
        ("UserError", "message") => one("String"),
        _ => return None,
    };
    Some(f)
}

/// The fields of `InventorySetQuantitiesInput` in 2026-04: (name, required).
pub(crate) const SET_QUANTITIES_INPUT: &[(&str, bool)] = &[
    ("name", true),
    ("reason", true),
    ("referenceDocumentUri", false),
    ("quantities", true),
];

/// The fields of `InventoryQuantityInput` in 2026-04. `changeFromQuantity` is nullable but must
/// be given (checked at run time, as Shopify does).
pub(crate) const QUANTITY_INPUT: &[(&str, bool)] = &[
    ("inventoryItemId", true),
    ("locationId", true),
    ("quantity", true),
    ("changeFromQuantity", false),
];

/// The reasons Shopify accepts for a quantity change.
pub(crate) const REASONS: &[&str] = &[
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
];

/// The fields of `FulfillmentInput` (2026-04).
pub(crate) const FULFILLMENT_INPUT: &[(&str, bool)] = &[
    ("lineItemsByFulfillmentOrder", true),
    ("notifyCustomer", false),
    ("originAddress", false),
    ("trackingInfo", false),
];

/// The fields of `FulfillmentOrderLineItemsInput`.
pub(crate) const FO_LINE_ITEMS_INPUT: &[(&str, bool)] = &[
    ("fulfillmentOrderId", true),
    ("fulfillmentOrderLineItems", false),
];

/// The fields of `FulfillmentOrderLineItemInput`.
pub(crate) const FO_LINE_ITEM_INPUT: &[(&str, bool)] = &[("id", true), ("quantity", true)];

/// The fields of `FulfillmentTrackingInput`.
pub(crate) const TRACKING_INPUT: &[(&str, bool)] = &[
    ("company", false),
    ("number", false),
    ("numbers", false),
    ("url", false),
    ("urls", false),
];
