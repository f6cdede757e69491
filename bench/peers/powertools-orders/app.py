"""The order-intake handler of orders-api's `POST /v1/orders`, written the way the field writes it
with Powertools for AWS Lambda (Python) and boto3: the baseline of the cold-start rows.

It does the same AWS work for a valid order as ours: two reads to authenticate the API key
against the channels table (APIKEY#<sha256> -> channel, then CHANNEL#<name>), the idempotency
claim and its completion (Powertools' idempotency utility on DynamoDB), the order record, the
send to the orders queue, then 202. The table layout is ours where it is read (channels) and its
own where it only writes (orders, idempotency records).

Run it through the Runtime Interface Client: `python -m awslambdaric app.handler`.
"""

import datetime
import hashlib
import json
import os
import uuid
from decimal import Decimal
from typing import List, Optional

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import BaseModel, Field, ValidationError

logger = Logger(service="powertools-orders")
app = APIGatewayHttpResolver()

# Clients at init, as a real function keeps them across invocations.
dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
CHANNELS_TABLE = os.environ["SWITCHYARD_CHANNELS_TABLE"]
ORDERS_TABLE = os.environ["SWITCHYARD_ORDERS_TABLE"]
ORDERS_QUEUE_URL = os.environ["SWITCHYARD_ORDERS_QUEUE_URL"]

persistence = DynamoDBPersistenceLayer(
    table_name=os.environ["SWITCHYARD_IDEMPOTENCY_TABLE"],
    key_attr="pk",
    expiry_attr="expires_at",
    boto3_client=dynamodb,
)
idempotency = IdempotencyConfig(
    event_key_jmespath='["channel", "idempotency_key"]',
    payload_validation_jmespath="body_sha256",
    expires_after_seconds=24 * 3600,
)


class Party(BaseModel):
    account: Optional[str] = Field(default=None, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    email: Optional[str] = Field(default=None, max_length=254)


class Address(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: Optional[str] = None
    city: str = Field(min_length=1, max_length=100)
    region: Optional[str] = None
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class Line(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0)
    uom: str = "EA"


class Order(BaseModel):
    external_id: str = Field(min_length=1, max_length=64)
    customer: Party
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    ship_to: Address
    bill_to: Optional[Address] = None
    lines: List[Line] = Field(min_length=1, max_length=500)
    requested_ship_date: Optional[datetime.date] = None
    notes: Optional[str] = None


def problem(status: int, title: str) -> Response:
    return Response(
        status_code=status,
        content_type="application/problem+json",
        body=json.dumps({"title": title, "status": status}),
    )


def authenticate(headers) -> Optional[dict]:
    """The channel record the bearer key belongs to, or None."""
    auth = headers.get("authorization") or ""
    if not auth.startswith("Bearer "):
        return None
    digest = hashlib.sha256(auth[len("Bearer ") :].encode()).hexdigest()
    key = dynamodb.get_item(TableName=CHANNELS_TABLE, Key={"pk": {"S": f"APIKEY#{digest}"}}).get("Item")
    if not key or "revoked_at" in key:
        return None
    name = key["channel"]["S"]
    channel = dynamodb.get_item(TableName=CHANNELS_TABLE, Key={"pk": {"S": f"CHANNEL#{name}"}}).get("Item")
    if not channel:
        return None
    return {"name": name}


@idempotent_function(data_keyword_argument="claim", persistence_store=persistence, config=idempotency)
def accept(claim: dict) -> dict:
    order_id = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    dynamodb.put_item(
        TableName=ORDERS_TABLE,
        Item={
            "pk": {"S": f"ORDER#{order_id}"},
            "channel": {"S": claim["channel"]},
            "external_id": {"S": claim["order"]["external_id"]},
            "status": {"S": "RECEIVED"},
            "received_at": {"S": now},
            "order": {"S": json.dumps(claim["order"], sort_keys=True, default=str)},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )
    sqs.send_message(
        QueueUrl=ORDERS_QUEUE_URL,
        MessageBody=json.dumps({"order_id": order_id, "channel": claim["channel"]}),
    )
    return {"order_id": order_id, "status": "RECEIVED"}


@app.post("/v1/orders")
def create_order():
    event = app.current_event
    channel = authenticate(event.headers)
    if channel is None:
        return problem(401, "unknown or revoked API key")
    key = event.headers.get("idempotency-key")
    if not key:
        return problem(400, "Idempotency-Key header required")
    raw = event.body or ""
    try:
        order = Order.model_validate_json(raw)
    except ValidationError as e:
        return problem(422, f"invalid order: {e.error_count()} errors")
    claim = {
        "channel": channel["name"],
        "idempotency_key": key,
        "body_sha256": hashlib.sha256(raw.encode()).hexdigest(),
        "order": order.model_dump(mode="json"),
    }
    accepted = accept(claim=claim)
    logger.info("order accepted", extra={"order_id": accepted["order_id"]})
    return Response(status_code=202, content_type="application/json", body=json.dumps(accepted))


@logger.inject_lambda_context
def handler(event, context):
    idempotency.register_lambda_context(context)
    return app.resolve(event, context)
