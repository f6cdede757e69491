#!/usr/bin/env python3
"""Move stock in the dev ERP, as a warehouse person would: the change the inventory flow
(erp-changes -> InventoryChanged -> channels) then picks up.

    .switchyard/venv/bin/python scripts/erp-move-stock.py ENVFILE SKU DELTA [WAREHOUSE]

ENVFILE is the erp.env `scripts/erp.sh start RUNDIR PORT` wrote (RUNDIR/erp.env), or
.switchyard/local.env of `make up`; it names SWITCHYARD_ERP_URL/_DB/_USER/_PASSWORD.
DELTA is a signed quantity (+10 receives ten, -3 takes three out); WAREHOUSE is a warehouse
code (default WH; the demo also has EAST). Like TrytonClient::move_stock: in is a done move
from lost-and-found into the warehouse's storage, out is a one-line inventory counting DELTA
less than Tryton expects. Plain JSON-RPC (the standard library only), so it runs with any
Python 3.
"""
import base64
import json
import sys
import urllib.request
from decimal import Decimal


def main(envfile, sku, delta, warehouse='WH'):
    env = {}
    for line in open(envfile):
        line = line.strip()
        if line and not line.startswith('#') and '=' in line:
            key, value = line.split('=', 1)
            env[key.removeprefix('export ').strip()] = value.strip().strip('"\'')
    url = '%s/%s/rpc/' % (
        env['SWITCHYARD_ERP_URL'].rstrip('/'), env['SWITCHYARD_ERP_DB'])
    user = env['SWITCHYARD_ERP_USER']
    delta = Decimal(delta)
    if not delta:
        sys.exit('erp-move-stock: DELTA must not be zero')

    def post(method, params, auth=None):
        headers = {'Content-Type': 'application/json'}
        if auth:
            headers['Authorization'] = auth
        body = json.dumps({'id': 1, 'method': method, 'params': params})
        request = urllib.request.Request(url, body.encode(), headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        if answer.get('error'):
            sys.exit('erp-move-stock: %s: %s' % (method, answer['error']))
        return answer['result']

    uid, key = post('common.db.login', [
            user, {'password': env['SWITCHYARD_ERP_PASSWORD']}, 'en'])[:2]
    auth = 'Session ' + base64.b64encode(
        ('%s:%s:%s' % (user, uid, key)).encode()).decode()
    prefs = post('model.res.user.get_preferences', [True, {}], auth)
    context = {k: prefs[k] for k in ('company', 'companies') if k in prefs}

    def call(method, *params):
        return post(method, list(params) + [context], auth)

    def one(model, domain, fields):
        rows = call('model.%s.search_read' % model, domain, 0, 1, None, fields)
        return rows[0] if rows else None

    product = one('product.product', [['code', '=', sku]], ['id', 'default_uom'])
    if not product:
        sys.exit('erp-move-stock: unknown SKU %r' % sku)
    wh = one('stock.location',
        [['type', '=', 'warehouse'], ['code', '=', warehouse]],
        ['id', 'storage_location'])
    if not wh:
        sys.exit('erp-move-stock: unknown warehouse %r' % warehouse)
    storage = wh['storage_location']
    if delta > 0:
        lost_found = one('stock.location', [['type', '=', 'lost_found']], ['id'])
        move, = call('model.stock.move.create', [{
                    'product': product['id'],
                    'from_location': lost_found['id'],
                    'to_location': storage,
                    'quantity': float(delta),
                    'unit': product['default_uom'],
                    'company': context['company'],
                    }])
        call('model.stock.move.do', [move])
    else:
        inventory, = call('model.stock.inventory.create', [{
                    'location': storage,
                    'empty_quantity': 'keep',
                    'lines': [['create', [
                                {'product': product['id'], 'quantity': 0}]]],
                    }])
        call('model.stock.inventory.complete_lines', [inventory])
        line = one('stock.inventory.line',
            [['inventory', '=', inventory], ['product', '=', product['id']]],
            ['expected_quantity'])
        call('model.stock.inventory.line.write', [line['id']],
            {'quantity': line['expected_quantity'] + float(delta)})
        call('model.stock.inventory.confirm', [inventory])
    level = post('model.product.product.read', [[product['id']],
            ['quantity', 'forecast_quantity'],
            dict(context, locations=[wh['id']])], auth)[0]
    print('%s in %s: moved %s; on hand %s, available %s' % (
            sku, warehouse, delta, level['quantity'],
            level['forecast_quantity']))


if __name__ == '__main__':
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
