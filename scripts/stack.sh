#!/usr/bin/env bash
# The local Switchyard stack: moto (AWS), Tryton (ERP), the function binaries behind the local
# runner (API Gateway + SQS event source mapping + Lambda Runtime API).
#
#   scripts/stack.sh up       build, start everything, push sample orders, stay in the foreground
#                             until Ctrl-C / SIGTERM, then stop everything it started (make up)
#   scripts/stack.sh start    the same without samples, in the background; returns when ready
#   scripts/stack.sh stop     stop a stack started with `start` (or left behind by a killed `up`)
#
# STACK (default "dev") names the stack. Its ports come from a base (dev: 4566 moto, 8000 Tryton,
# 9000 API, 9021 SP-API sandbox, 9022 Shopify sandbox, 9023 WooCommerce sandbox; test: 4576,
# 8010, 9010, 9031, 9032, 9033; bench (make bench): 4596, 8030, 9050, 9051, 9052, 9053; MOTO_PORT, ERP_PORT, API_PORT, SPAPI_PORT, SHOPIFY_PORT and
# WOO_PORT override them), and everything it writes lives in .switchyard/<STACK>/: pid files,
# logs/ (moto, Tryton, Terraform, runner), erp/ (Tryton's database), terraform/ (data dir and
# state), bin/ (the binaries it runs, hard links taken at start, so a cargo build for another
# stack cannot swap them underneath it), runner.json, channels.json, local.env. So `make test`
# can run beside `make up`. Shared, and safe to share: the venv (scripts/bootstrap.sh) and the
# Tryton snapshot cache (scripts/erp.sh prepare) take a lock while they build; the Terraform
# mirror path is written whole; cargo locks target/ itself. The dev stack alone also copies
# local.env and channels.json to .switchyard/ (the README's paths) and removes them when it
# stops. Ready means .switchyard/<STACK>/local.env exists.
#
# ERP_DB=postgresql runs Tryton on PostgreSQL instead of SQLite (scripts/erp.sh: a private
# cluster in .switchyard/<STACK>/erp/pg/ on PG_PORT, dev 5440, test 5450; stopped with the stack).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

STACK=${STACK:-dev}
case $STACK in
    dev) MOTO_PORT=${MOTO_PORT:-4566} ERP_PORT=${ERP_PORT:-8000} API_PORT=${API_PORT:-9000} SPAPI_PORT=${SPAPI_PORT:-9021}
        SHOPIFY_PORT=${SHOPIFY_PORT:-9022} WOO_PORT=${WOO_PORT:-9023} ;;
    test) MOTO_PORT=${MOTO_PORT:-4576} ERP_PORT=${ERP_PORT:-8010} API_PORT=${API_PORT:-9010} SPAPI_PORT=${SPAPI_PORT:-9031}
        SHOPIFY_PORT=${SHOPIFY_PORT:-9032} WOO_PORT=${WOO_PORT:-9033} ;;
    bench) MOTO_PORT=${MOTO_PORT:-4596} ERP_PORT=${ERP_PORT:-8030} API_PORT=${API_PORT:-9050} SPAPI_PORT=${SPAPI_PORT:-9051}
        SHOPIFY_PORT=${SHOPIFY_PORT:-9052} WOO_PORT=${WOO_PORT:-9053} ;;
    *) echo "stack.sh: STACK must be dev, test or bench" >&2; exit 2 ;;
esac
if [[ $STACK == dev ]]; then PG_PORT=${PG_PORT:-5440}; else PG_PORT=${PG_PORT:-5450}; fi
export ERP_DB=${ERP_DB:-sqlite} # read by scripts/erp.sh
RUN=$ROOT/.switchyard/$STACK
# People read the dev stack's log; the test stack logs JSON lines, as the functions do on AWS,
# so tests read what CloudWatch would keep.
if [[ $STACK != dev ]]; then LOG_FORMAT=json; else LOG_FORMAT=text; fi
LOGS=$RUN/logs
BIN=$RUN/bin
VENV=$ROOT/.switchyard/venv
ENV_FILE=$RUN/local.env

say() { printf '==> %s\n' "$*"; }
die() { printf 'stack.sh: %s\n' "$*" >&2; exit 1; }

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() { # stop_pidfile FILE: TERM, then KILL after 5 s
    local f=$1 pid
    [[ -f $f ]] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

cmd_stop() {
    stop_pidfile "$RUN/runner.pid"
    stop_pidfile "$RUN/sp-api.pid"
    stop_pidfile "$RUN/shopify.pid"
    stop_pidfile "$RUN/woo.pid"
    [[ -d $RUN/erp ]] && scripts/erp.sh stop "$RUN/erp" >/dev/null 2>&1 || true
    stop_pidfile "$RUN/moto.pid"
    rm -f "$ENV_FILE" "$RUN/stack.pid" "$RUN/runner.ready"
    if [[ $STACK == dev ]]; then rm -f "$ROOT/.switchyard/local.env" "$ROOT/.switchyard/channels.json"; fi
}

take_bins() { # take_bins NAME...: hard-link (or copy) the built NAME into this stack's bin/
    local name built=${CARGO_TARGET_DIR:-target}/debug
    mkdir -p "$BIN"
    for name in "$@"; do
        [[ -x $built/$name ]] || die "$built/$name was not built"
        ln -f "$built/$name" "$BIN/$name" 2>/dev/null || cp -f "$built/$name" "$BIN/$name"
    done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local secs=$1 what=$2; shift 2
    for _ in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    die "$what did not come up within ${secs}s (logs in $LOGS)"
}

claim_stack() { # refuse when another stack of this name runs; clear what a killed one left
    mkdir -p "$RUN" "$LOGS"
    if alive "$RUN/stack.pid"; then
        die "a '$STACK' stack is already running (pid $(cat "$RUN/stack.pid")); stop it first (Ctrl-C in its terminal, or 'make down')"
    fi
    cmd_stop
    echo $$ >"$RUN/stack.pid"
}

start_stack() {
    rm -rf "$RUN/erp"

    local ports=("$MOTO_PORT" "$ERP_PORT" "$API_PORT" "$SPAPI_PORT" "$SHOPIFY_PORT" "$WOO_PORT")
    if [[ $ERP_DB != sqlite ]]; then ports+=("$PG_PORT"); fi
    for port in "${ports[@]}"; do
        port_free "$port" || die "port $port is in use by another program; set MOTO_PORT/ERP_PORT/API_PORT/SPAPI_PORT/SHOPIFY_PORT/WOO_PORT/PG_PORT"
    done

    scripts/bootstrap.sh
    say "building the functions and tools (cargo build)"
    scripts/build-bins.sh
    rm -rf "$BIN"
    take_bins switchyard-local switchyard sp-api-sandbox shopify-sandbox woo-sandbox

    say "starting moto (AWS emulator) on 127.0.0.1:$MOTO_PORT"
    # local/moto_server.py: moto with DynamoDB linearizable (see the file).
    "$VENV/bin/python" local/moto_server.py -H 127.0.0.1 -p "$MOTO_PORT" >"$LOGS/moto.log" 2>&1 &
    echo $! >"$RUN/moto.pid"
    wait_for 30 "moto" curl -sf "http://127.0.0.1:$MOTO_PORT/moto-api/"

    say "starting the SP-API sandbox (recorded Amazon orders, local/sp-api) on 127.0.0.1:$SPAPI_PORT"
    "$BIN/sp-api-sandbox" --listen "127.0.0.1:$SPAPI_PORT" --data local/sp-api >"$LOGS/sp-api.log" 2>&1 &
    echo $! >"$RUN/sp-api.pid"
    # The sandboxes' credentials are made up per stack: nothing secret-looking lives in the repo.
    SHOPIFY_SANDBOX_TOKEN=shpat_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    WOO_SANDBOX_KEY=ck_switchyard_local
    WOO_SANDBOX_SECRET=cs_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    say "starting the Shopify sandbox (GraphQL Admin, local/shopify) on 127.0.0.1:$SHOPIFY_PORT"
    "$BIN/shopify-sandbox" --port "$SHOPIFY_PORT" --data local/shopify/products.json \
        --token "$SHOPIFY_SANDBOX_TOKEN" >"$LOGS/shopify.log" 2>&1 &
    echo $! >"$RUN/shopify.pid"
    say "starting the WooCommerce sandbox (REST v3, local/woocommerce) on 127.0.0.1:$WOO_PORT"
    "$BIN/woo-sandbox" --port "$WOO_PORT" --data local/woocommerce/products.json \
        --consumer-key "$WOO_SANDBOX_KEY" --consumer-secret "$WOO_SANDBOX_SECRET" >"$LOGS/woo.log" 2>&1 &
    echo $! >"$RUN/woo.pid"

    say "preparing Tryton on $ERP_DB (cached after the first run; ~30 s the first time)"
    scripts/erp.sh prepare >/dev/null
    say "starting Tryton (ERP) on 127.0.0.1:$ERP_PORT"
    scripts/erp.sh start "$RUN/erp" "$ERP_PORT" "$PG_PORT" >"$LOGS/erp-start.log"
    # shellcheck disable=SC1091
    source "$RUN/erp/erp.env"

    export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
    export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
    # The ops API's operator token, new for every stack: Terraform hands it to that function
    # alone (infra/local, sensitive), and local.env gives it to the operator.
    OPS_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    say "provisioning queues, tables and the event bus with Terraform (infra/local; ~1-2 min)"
    TF_VAR_erp_url=$SWITCHYARD_ERP_URL TF_VAR_eventbridge_queue_policy=false TF_VAR_ops_token=$OPS_TOKEN \
        scripts/infra.sh apply-local "$AWS_ENDPOINT_URL" "$RUN/runner.json"
    local outputs=$RUN/runner.outputs.json
    out() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]['value'])" "$outputs" "$1"; }
    out_map() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]['value'][sys.argv[3]])" "$outputs" "$1" "$2"; }
    export SWITCHYARD_CHANNELS_TABLE; SWITCHYARD_CHANNELS_TABLE=$(out channels_table_name)
    # shellcheck disable=SC2046 # one binary name per line, no spaces
    take_bins $(python3 -c 'import json,sys; print("\n".join(sorted({f["binary"] for f in json.load(open(sys.argv[1]))["functions"].values()})))' "$RUN/runner.json")

    say "adding the demo channels (switchyard channels add)"
    local cli=$BIN/switchyard channels_file=$RUN/channels.json
    add_channel() { "$cli" channels add "$@" --json >>"$channels_file.lines"; }
    rm -f "$channels_file.lines"
    add_channel demo-shop --kind api --default-customer DEMO-SHOP --rate-limit 100
    add_channel partner-portal --kind api --default-customer PARTNER-001
    # A customer with a contract price list in the demo ERP (10% under list, a quantity break).
    add_channel acme-portal --kind api --default-customer ACME-001
    add_channel demo-shopify --kind shopify --default-customer DEMO-SHOP
    add_channel demo-woo --kind woocommerce --default-customer DEMO-SHOP
    add_channel partner-hub --kind standard-webhooks --default-customer PARTNER-001
    add_channel acme-edi --kind x12 --default-customer ACME-001 --isa-qualifier ZZ --isa-id ACMEBUYER
    add_channel hypermarkt-edifact --kind edifact --default-customer DEMO-SHOP \
        --unb-qualifier 14 --unb-id 5412345000013
    SANDBOX_LWA_SECRET=sandbox-client-secret SANDBOX_LWA_REFRESH=Atzr-sandbox-refresh-token \
        add_channel amazon-us --kind amazon-sp-api --default-customer DEMO-SHOP \
        --amazon-seller-id A2SWITCHYARD01 --amazon-endpoint "http://127.0.0.1:$SPAPI_PORT" \
        --amazon-token-url "http://127.0.0.1:$SPAPI_PORT/auth/o2/token" --amazon-client-id sandbox-client \
        --amazon-client-secret-env SANDBOX_LWA_SECRET --amazon-refresh-token-env SANDBOX_LWA_REFRESH
    say "pointing the storefront channels' stock at the sandboxes (switchyard channels set-stock-push)"
    SHOPIFY_TOKEN=$SHOPIFY_SANDBOX_TOKEN "$cli" channels set-stock-push demo-shopify \
        --endpoint "http://127.0.0.1:$SHOPIFY_PORT" --location-id gid://shopify/Location/1 \
        --credential-env SHOPIFY_TOKEN >/dev/null
    WOO_CREDENTIAL=$WOO_SANDBOX_KEY:$WOO_SANDBOX_SECRET "$cli" channels set-stock-push demo-woo \
        --endpoint "http://127.0.0.1:$WOO_PORT" --credential-env WOO_CREDENTIAL >/dev/null
    "$cli" channels set-stock-push amazon-us >/dev/null
    "$cli" channels set-inventory-advice acme-edi --every-minutes 5 \
        --sku WIDGET-S --sku WIDGET-M --sku WIDGET-L >/dev/null
    (umask 077; python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=2))' \
        "$channels_file.lines" >"$channels_file")
    rm -f "$channels_file.lines"
    local demo_key partner_key acme_key
    key_of() { python3 -c 'import json,sys; print(next(c["api_key"] for c in json.load(open(sys.argv[1])) if c["name"] == sys.argv[2]))' "$channels_file" "$1"; }
    demo_key=$(key_of demo-shop)
    partner_key=$(key_of partner-portal)
    acme_key=$(key_of acme-portal)
    wait_for 30 "the SP-API sandbox" curl -s -o /dev/null "http://127.0.0.1:$SPAPI_PORT/"
    wait_for 30 "the Shopify sandbox" curl -s -o /dev/null "http://127.0.0.1:$SHOPIFY_PORT/_sandbox/calls"
    wait_for 30 "the WooCommerce sandbox" curl -s -o /dev/null "http://127.0.0.1:$WOO_PORT/_sandbox/calls"

    say "starting the functions behind the local runner on 127.0.0.1:$API_PORT"
    SWITCHYARD_ERP_PASSWORD=$SWITCHYARD_ERP_PASSWORD SWITCHYARD_PUBLIC_BASE_URL=http://127.0.0.1:$API_PORT \
        SWITCHYARD_LOG_FORMAT=${SWITCHYARD_LOG_FORMAT:-$LOG_FORMAT} RUST_LOG=${RUST_LOG:-info} \
        "$BIN/switchyard-local" --config "$RUN/runner.json" --listen "127.0.0.1:$API_PORT" \
        --bin-dir "$BIN" --ready-file "$RUN/runner.ready" >"$LOGS/runner.log" 2>&1 &
    echo $! >"$RUN/runner.pid"
    wait_for 60 "the local runner" test -f "$RUN/runner.ready"

    umask 077
    cat >"$ENV_FILE.tmp" <<ENV
# Written by scripts/stack.sh when the '$STACK' stack is ready; removed when it stops.
SWITCHYARD_API_URL=http://127.0.0.1:$API_PORT
SWITCHYARD_DEMO_API_KEY=$demo_key
SWITCHYARD_PARTNER_API_KEY=$partner_key
SWITCHYARD_ACME_API_KEY=$acme_key
SWITCHYARD_ERP_URL=$SWITCHYARD_ERP_URL
SWITCHYARD_ERP_DB=$SWITCHYARD_ERP_DB
SWITCHYARD_ERP_USER=$SWITCHYARD_ERP_USER
SWITCHYARD_ERP_PASSWORD=$SWITCHYARD_ERP_PASSWORD
SWITCHYARD_STACK_DIR=$RUN
SWITCHYARD_ORDERS_TABLE=$(out orders_table_name)
SWITCHYARD_CHANNELS_TABLE=$SWITCHYARD_CHANNELS_TABLE
SWITCHYARD_IDEMPOTENCY_TABLE=$(out idempotency_table_name)
SWITCHYARD_EVENT_BUS=$(out event_bus_name)
SWITCHYARD_ORDERS_QUEUE_URL=$(out orders_queue_url)
SWITCHYARD_ORDERS_DLQ_URL=$(out orders_dlq_url)
SWITCHYARD_ORDER_EVENTS_QUEUE_URL=$(out order_events_queue_url)
SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL=$(out amazon_notifications_queue_url)
SWITCHYARD_AMAZON_NOTIFICATIONS_DLQ_URL=$(out amazon_notifications_dlq_url)
SWITCHYARD_QUARANTINE_QUEUE_URL=$(out quarantine_queue_url)
SWITCHYARD_EDI_TABLE=$(out edi_table_name)
SWITCHYARD_CATALOG_TABLE=$(out catalog_table_name)
SWITCHYARD_OPS_TABLE=$(out ops_table_name)
SWITCHYARD_PREFIX=switchyard
SWITCHYARD_OPS_TOKEN=$OPS_TOKEN
SWITCHYARD_OPS_URL=http://127.0.0.1:$API_PORT/ops#token=$OPS_TOKEN
SWITCHYARD_CATALOG_EVENTS_QUEUE_URL=$(out catalog_events_queue_url)
SWITCHYARD_CATALOG_EVENTS_DLQ_URL=$(out catalog_events_dlq_url)
SWITCHYARD_CHANNELS_FILE=$channels_file
SWITCHYARD_SP_API_URL=http://127.0.0.1:$SPAPI_PORT
SWITCHYARD_SHOPIFY_SANDBOX_URL=http://127.0.0.1:$SHOPIFY_PORT
SWITCHYARD_WOO_SANDBOX_URL=http://127.0.0.1:$WOO_PORT
SWITCHYARD_STOCK_SHOPIFY_QUEUE_URL=$(out_map stock_queue_urls shopify)
SWITCHYARD_STOCK_SHOPIFY_DLQ_URL=$(out_map stock_dlq_urls shopify)
SWITCHYARD_STOCK_WOOCOMMERCE_QUEUE_URL=$(out_map stock_queue_urls woocommerce)
SWITCHYARD_STOCK_WOOCOMMERCE_DLQ_URL=$(out_map stock_dlq_urls woocommerce)
SWITCHYARD_STOCK_AMAZON_QUEUE_URL=$(out_map stock_queue_urls amazon)
SWITCHYARD_STOCK_AMAZON_DLQ_URL=$(out_map stock_dlq_urls amazon)
SWITCHYARD_FULFILMENT_EVENTS_QUEUE_URL=$(out fulfilment_events_queue_url)
SWITCHYARD_FULFILMENT_EVENTS_DLQ_URL=$(out fulfilment_events_dlq_url)
SWITCHYARD_FULFILMENT_SHOPIFY_QUEUE_URL=$(out_map fulfilment_queue_urls shopify)
SWITCHYARD_FULFILMENT_SHOPIFY_DLQ_URL=$(out_map fulfilment_dlq_urls shopify)
SWITCHYARD_FULFILMENT_WOOCOMMERCE_QUEUE_URL=$(out_map fulfilment_queue_urls woocommerce)
SWITCHYARD_FULFILMENT_WOOCOMMERCE_DLQ_URL=$(out_map fulfilment_dlq_urls woocommerce)
SWITCHYARD_FULFILMENT_AMAZON_QUEUE_URL=$(out_map fulfilment_queue_urls amazon)
SWITCHYARD_FULFILMENT_AMAZON_DLQ_URL=$(out_map fulfilment_dlq_urls amazon)
AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL
# The runner serves the Lambda Invoke API on its own port (switchyard dlq redrive --in-aws),
# where the function is known by its local name.
AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:$API_PORT
SWITCHYARD_DLQ_REDRIVE_FUNCTION=dlq-redrive
AWS_ACCESS_KEY_ID=test
AWS_SECRET_ACCESS_KEY=test
AWS_REGION=us-east-1
ENV
    mv "$ENV_FILE.tmp" "$ENV_FILE"
    if [[ $STACK == dev ]]; then
        cp "$ENV_FILE" "$ROOT/.switchyard/local.env"
        cp "$channels_file" "$ROOT/.switchyard/channels.json"
    fi
}

cmd_start() {
    claim_stack
    start_stack
    # `start` hands the stack over: stack.pid must not point at this exiting shell.
    echo "$(cat "$RUN/runner.pid")" >"$RUN/stack.pid"
    say "ready: $ENV_FILE"
}

cmd_up() {
    # Claim first: the traps below stop the stack, and must never stop someone else's.
    claim_stack
    trap 'echo; say "stopping"; cmd_stop; exit 0' INT TERM
    trap 'cmd_stop' EXIT
    start_stack
    say "sending sample orders (POST /v1/orders)"
    scripts/samples.sh "$ENV_FILE" || true
    say "sending one sample through each connector (webhooks, EDI, Amazon)"
    "$VENV/bin/python" local/connectors.py send "$ENV_FILE" || true
    say "shipping the Shopify sample in Tryton (local/tryton/warehouse.py) and following it out"
    "$VENV/bin/python" local/connectors.py fulfil "$ENV_FILE" || true
    cat <<MSG

Switchyard is running. Everything below is on 127.0.0.1 and stops with Ctrl-C.
  API (orders-api)     http://127.0.0.1:$API_PORT/v1/orders
  ops page             http://127.0.0.1:$API_PORT/ops#token=$OPS_TOKEN
                       (open it in a browser; the token is this stack's SWITCHYARD_OPS_TOKEN)
  Tryton (ERP)         http://127.0.0.1:$ERP_PORT  (db switchyard, user admin; password in $ENV_FILE)
  moto (AWS)           http://127.0.0.1:$MOTO_PORT
  SP-API sandbox       http://127.0.0.1:$SPAPI_PORT  (recorded Amazon orders, listings from local/sp-api)
  Shopify sandbox      http://127.0.0.1:$SHOPIFY_PORT/_sandbox/calls  (GraphQL Admin; what Switchyard pushed)
  WooCommerce sandbox  http://127.0.0.1:$WOO_PORT/_sandbox/calls  (REST v3)
  settings for scripts .switchyard/local.env
  channels and secrets .switchyard/channels.json
  logs                 $LOGS/ (runner.log has every function's output)

Try it:
  curl -s http://127.0.0.1:$API_PORT/ops/health -H "Authorization: Bearer $OPS_TOKEN"   # the ops API
  set -a; source .switchyard/local.env; set +a   # exported: the CLI reads them too
  curl -s -X POST \$SWITCHYARD_API_URL/v1/orders -H "Authorization: Bearer \$SWITCHYARD_DEMO_API_KEY" \\
    -H 'Content-Type: application/json' -H "Idempotency-Key: \$(date +%s%N)" \\
    -d '{"external_id":"PO-'\$RANDOM'","customer":{"name":"Acme Retail"},"currency":"USD",
         "ship_to":{"line1":"31875 Solon Rd","city":"Solon","region":"OH","postal_code":"44139","country":"US"},
         "lines":[{"sku":"WIDGET-M","quantity":3,"unit_price":"14.50"}]}'

Stock flows back from the ERP (the demo stock, and ACME-001's contract price list):
  curl -s "\$SWITCHYARD_API_URL/v1/inventory?sku=WIDGET-S&by=warehouse" -H "Authorization: Bearer \$SWITCHYARD_DEMO_API_KEY"
  curl -s "\$SWITCHYARD_API_URL/v1/prices?sku=WIDGET-S&quantity=50" -H "Authorization: Bearer \$SWITCHYARD_ACME_API_KEY"
  # receive 25 WIDGET-S into the warehouse in Tryton; a few seconds later it shows everywhere:
  .switchyard/venv/bin/python scripts/erp-move-stock.py .switchyard/local.env WIDGET-S +25
  curl -s "\$SWITCHYARD_API_URL/v1/inventory?sku=WIDGET-S" -H "Authorization: Bearer \$SWITCHYARD_DEMO_API_KEY"
  curl -s \$SWITCHYARD_SHOPIFY_SANDBOX_URL/_sandbox/inventory/WIDGET-S
  \$SWITCHYARD_STACK_DIR/bin/switchyard inventory status    # each channel's last push, lag, backlog

Shipments, invoices and returns flow back (an order's erp_reference is its Tryton sale):
  .switchyard/venv/bin/python local/tryton/warehouse.py ship SALE [--lines WIDGET-S=1] --carrier UPS --tracking 1Z999AA10123456784
  .switchyard/venv/bin/python local/tryton/warehouse.py invoice SALE
  curl -s \$SWITCHYARD_API_URL/v1/orders/ID/shipments -H "Authorization: Bearer \$SWITCHYARD_DEMO_API_KEY"
  curl -s -X POST \$SWITCHYARD_API_URL/v1/orders/ID/returns -H "Authorization: Bearer \$SWITCHYARD_DEMO_API_KEY" \\
    -H 'Content-Type: application/json' -H "Idempotency-Key: \$(date +%s%N)" -d '{"lines":[{"sku":"WIDGET-S","quantity":1,"reason":"damaged"}]}'
  .switchyard/venv/bin/python local/tryton/warehouse.py receive-return RETURN_ID

Each connector, signed with the demo channel's secret (from .switchyard/channels.json):
$("$VENV/bin/python" local/connectors.py commands "$ENV_FILE")
MSG
    # Stay in the foreground while the runner lives.
    while alive "$RUN/runner.pid"; do sleep 1; done
    die "the local runner stopped unexpectedly; see $LOGS/runner.log"
}

case ${1:-} in
    up) cmd_up ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    *) echo "usage: scripts/stack.sh up|start|stop" >&2; exit 2 ;;
esac
