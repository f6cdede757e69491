#!/usr/bin/env python3
"""What a warehouse clerk and an accountant do in the dev ERP, through Tryton's own API, so
the fulfilment flow (erp-changes -> ShipmentDispatched / InvoicePosted / ReturnReceived ->
channels) has something to pick up.

    .switchyard/venv/bin/python local/tryton/warehouse.py [--env FILE | --from-environment] \\
        ship SALE [--lines SKU=QTY,...] --carrier CARRIER --tracking NUMBER
    ... invoice SALE
    ... receive-return RETURN

SALE is the sale number (what an order shows as `erp_reference`). RETURN is the return sale's
number, or the Switchyard return id (the return sale's description says `Switchyard return
<id> of order <ULID>`).

- ship: the sale's open customer shipment gets the carrier, is assigned, picked, packed into
  one package whose shipping reference is the tracking number (also the shipment's), and done.
  With --lines only those quantities are picked; Tryton's sale then plans the rest on a new
  waiting shipment (the shipped moves hold less than the sale line, so the sale's processing
  creates a move for the remainder). Prints the shipment number.
- invoice: posts the sale's draft invoices (for a return sale, its credit note). Prints the
  numbers.
- receive-return: receives the return sale's return shipment and does it. Prints its number.

--env FILE is an env file naming SWITCHYARD_ERP_URL/_DB/_USER/_PASSWORD (default
.switchyard/local.env; `scripts/erp.sh start RUNDIR PORT` writes RUNDIR/erp.env);
--from-environment reads the same variables from the process environment (the adapter tests
do). Plain JSON-RPC, the standard library only.
"""
import argparse
import base64
import json
import os
import sys
import urllib.request
from decimal import Decimal

MAX_WARNING_SKIPS = 5


class Fail(Exception):
    pass


def read_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith('#') and '=' in line:
            key, value = line.split('=', 1)
            env[key.removeprefix('export ').strip()] = value.strip().strip('"\'')
    return env


def encode(value):
    if isinstance(value, Decimal):
        return {'__class__': 'Decimal', 'decimal': str(value)}
    raise TypeError(repr(value))


def decode(obj):
    if obj.get('__class__') == 'Decimal':
        return Decimal(obj['decimal'])
    return obj


class Tryton:
    """A logged-in JSON-RPC session; every call carries the user's company context."""

    def __init__(self, env):
        self.url = '%s/%s/rpc/' % (
            env['SWITCHYARD_ERP_URL'].rstrip('/'), env['SWITCHYARD_ERP_DB'])
        user = env['SWITCHYARD_ERP_USER']
        self.auth = None
        uid, key = self.post('common.db.login', [
                user, {'password': env['SWITCHYARD_ERP_PASSWORD']}, 'en'])[:2]
        self.auth = 'Session ' + base64.b64encode(
            ('%s:%s:%s' % (user, uid, key)).encode()).decode()
        prefs = self.post('model.res.user.get_preferences', [True, {}])
        self.context = {k: prefs[k] for k in (
                'company', 'companies', 'employee', 'employees', 'warehouse')
            if prefs.get(k) is not None}

    def post(self, method, params):
        headers = {'Content-Type': 'application/json'}
        if self.auth:
            headers['Authorization'] = self.auth
        body = json.dumps(
            {'id': 1, 'method': method, 'params': params}, default=encode)
        request = urllib.request.Request(self.url, body.encode(), headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response, object_hook=decode)
        if answer.get('error'):
            return Fault(answer['error'])
        return answer['result']

    def call(self, method, *params):
        """Calls a method, skipping UserWarnings the way Tryton's client does."""
        for _ in range(MAX_WARNING_SKIPS + 1):
            result = self.post(method, list(params) + [self.context])
            if not isinstance(result, Fault):
                return result
            if result.kind != 'UserWarning':
                raise Fail('%s: %s' % (method, result.message))
            self.post('model.res.user.warning.skip',
                [result.name, False, self.context])
        raise Fail('%s: still warning after %d skips' % (method, MAX_WARNING_SKIPS))

    def search_read(self, model, domain, fields, order=None):
        return self.call('model.%s.search_read' % model, domain, 0, None,
            order or [['id', 'ASC']], fields)


class Fault:
    def __init__(self, error):
        self.kind = error[0] if isinstance(error, list) and error else str(error)
        args = error[1] if isinstance(error, list) and len(error) > 1 else []
        if self.kind == 'UserWarning' and isinstance(args, list) and args:
            self.name = args[0]
            self.message = ' '.join(str(a) for a in args[1:2])
        else:
            # UserError: [message, description, domain]; anything else: [text, traceback].
            self.name = None
            self.message = str(args[0] if isinstance(args, list) and args else args)
            if not self.message.strip():
                self.message = str(self.kind)


def the_sale(erp, number):
    sales = erp.search_read('sale.sale', [['number', '=', number]],
        ['id', 'number', 'state', 'shipments', 'shipment_returns', 'invoices'])
    if not sales:
        raise Fail('no sale numbered %r' % number)
    return sales[0]


def the_carrier(erp, name):
    carriers = erp.search_read('carrier', [['active', '=', True]],
        ['id', 'party.name', 'carrier_product.name'])
    wanted = name.strip().lower()
    for carrier in carriers:
        names = {
            (carrier.get('party.') or {}).get('name', '').lower(),
            (carrier.get('carrier_product.') or {}).get('name', '').lower(),
            }
        if wanted in names:
            return carrier['id']
    raise Fail('no carrier %r (the ERP has: %s)' % (name, ', '.join(
                '%s / %s' % (c['party.']['name'], c['carrier_product.']['name'])
                for c in carriers)))


def parse_lines(text):
    wanted = {}
    for part in filter(None, (p.strip() for p in text.split(','))):
        sku, sep, quantity = part.partition('=')
        if not sep:
            raise Fail('--lines wants SKU=QTY, got %r' % part)
        quantity = Decimal(quantity)
        if quantity <= 0:
            raise Fail('--lines: %s must ship a positive quantity' % sku)
        wanted[sku.strip()] = wanted.get(sku.strip(), Decimal(0)) + quantity
    return wanted


def ship(erp, number, lines, carrier_name, tracking):
    carrier = the_carrier(erp, carrier_name)
    sale = the_sale(erp, number)
    open_ = erp.search_read('stock.shipment.out', [
            ['id', 'in', sale['shipments']],
            ['state', 'in', ['draft', 'waiting', 'assigned', 'picked']]],
        ['id', 'number', 'state'])
    if not open_:
        raise Fail('sale %s has no shipment waiting to ship' % number)
    shipment = open_[0]
    sid = shipment['id']
    erp.call('model.stock.shipment.out.write', [sid], {'carrier': carrier})
    if shipment['state'] == 'draft':
        erp.call('model.stock.shipment.out.wait', [sid])
    if shipment['state'] in {'draft', 'waiting'} and lines is not None:
        # Pick only what is asked: the inventory moves (storage -> output) carry the
        # quantities; picking syncs the outgoing moves to them and drops empty ones.
        moves = erp.search_read('stock.move', [
                ['shipment', '=', 'stock.shipment.out,%s' % sid],
                ['from_location', '!=', None],
                ['to_location.type', '!=', 'customer'],
                ['state', 'not in', ['cancelled', 'done']]],
            ['id', 'product.code', 'quantity'])
        remaining = dict(lines)
        on_shipment = {}
        for move in moves:
            sku = (move.get('product.') or {}).get('code')
            on_shipment[sku] = on_shipment.get(sku, 0) + Decimal(str(move['quantity']))
        for sku, quantity in lines.items():
            if quantity > on_shipment.get(sku, 0):
                raise Fail('the shipment holds %s of %s, cannot ship %s' % (
                        on_shipment.get(sku, 0), sku, quantity))
        for move in moves:
            sku = (move.get('product.') or {}).get('code')
            have = Decimal(str(move['quantity']))
            take = min(have, remaining.get(sku, Decimal(0)))
            remaining[sku] = remaining.get(sku, Decimal(0)) - take
            if take != have:
                erp.call('model.stock.move.write', [move['id']],
                    {'quantity': float(take)})
    state = erp.search_read('stock.shipment.out', [['id', '=', sid]],
        ['state'])[0]['state']
    if state == 'waiting':
        if not erp.call('model.stock.shipment.out.assign_try', [sid]):
            # The clerk found the goods anyway (the demo's stock is not tracked by bin).
            erp.call('model.stock.shipment.out.assign_force', [sid])
        state = 'assigned'
    if state == 'assigned':
        erp.call('model.stock.shipment.out.pick', [sid])
    outgoing = erp.search_read('stock.move', [
            ['shipment', '=', 'stock.shipment.out,%s' % sid],
            ['to_location.type', '=', 'customer'],
            ['state', '!=', 'cancelled'],
            ['quantity', '>', 0]],
        ['id'])
    if not outgoing:
        raise Fail('nothing to ship on %s' % shipment['number'])
    types = erp.search_read('stock.package.type', [], ['id', 'name'])
    if not types:
        raise Fail('the ERP has no package type')
    erp.call('model.stock.package.create', [{
                'shipment': 'stock.shipment.out,%s' % sid,
                'type': types[0]['id'],
                'shipping_reference': tracking,
                'moves': [['add', [m['id'] for m in outgoing]]],
                }])
    erp.call('model.stock.shipment.out.write', [sid],
        {'shipping_reference': tracking})
    erp.call('model.stock.shipment.out.pack', [sid])
    erp.call('model.stock.shipment.out.do', [sid])
    done = erp.search_read('stock.shipment.out', [['id', '=', sid]],
        ['number', 'state'])[0]
    if done['state'] != 'done':
        raise Fail('%s is %s, not done' % (done['number'], done['state']))
    print(done['number'])


def invoice(erp, number):
    sale = the_sale(erp, number)
    drafts = erp.search_read('account.invoice', [
            ['id', 'in', sale['invoices']], ['state', 'in', ['draft', 'validated']]],
        ['id'])
    if drafts:
        erp.call('model.account.invoice.post', [d['id'] for d in drafts])
    posted = erp.search_read('account.invoice', [
            ['id', 'in', sale['invoices']], ['state', 'in', ['posted', 'paid']]],
        ['number'])
    if not posted:
        raise Fail('sale %s has no invoice to post' % number)
    for row in posted:
        print(row['number'])


def receive_return(erp, which):
    sales = erp.search_read('sale.sale', ['OR',
            ['number', '=', which],
            ['description', 'like', 'Switchyard return %s of order %%' % which]],
        ['id', 'number', 'shipment_returns'])
    if not sales:
        raise Fail('no return sale %r' % which)
    sale = sales[0]
    returns = erp.search_read('stock.shipment.out.return', [
            ['id', 'in', sale['shipment_returns']], ['state', '!=', 'cancelled']],
        ['id', 'number', 'state'])
    if not returns:
        raise Fail('return sale %s has no return shipment (is it confirmed?)'
            % sale['number'])
    for shipment in returns:
        if shipment['state'] == 'draft':
            erp.call('model.stock.shipment.out.return.receive', [shipment['id']])
            shipment['state'] = 'received'
        if shipment['state'] == 'received':
            erp.call('model.stock.shipment.out.return.do', [shipment['id']])
        print(shipment['number'])


def main(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument('--env', default='.switchyard/local.env',
        help='env file naming SWITCHYARD_ERP_* (default %(default)s)')
    source.add_argument('--from-environment', action='store_true',
        help='read SWITCHYARD_ERP_* from the environment')
    commands = parser.add_subparsers(dest='command', required=True)
    p = commands.add_parser('ship', help="ship a sale's waiting shipment")
    p.add_argument('sale')
    p.add_argument('--lines', help='only these quantities: SKU=QTY,...')
    p.add_argument('--carrier', required=True)
    p.add_argument('--tracking', required=True)
    p = commands.add_parser('invoice', help="post a sale's draft invoices")
    p.add_argument('sale')
    p = commands.add_parser('receive-return', help='receive a return shipment')
    p.add_argument('return_', metavar='RETURN')
    args = parser.parse_args(argv)
    try:
        env = dict(os.environ) if args.from_environment else read_env(args.env)
        erp = Tryton(env)
        if args.command == 'ship':
            lines = parse_lines(args.lines) if args.lines else None
            ship(erp, args.sale, lines, args.carrier, args.tracking)
        elif args.command == 'invoice':
            invoice(erp, args.sale)
        else:
            receive_return(erp, args.return_)
    except KeyError as error:
        sys.exit('warehouse: %s is not set' % error)
    except (Fail, OSError) as error:
        sys.exit('warehouse: %s' % error)


if __name__ == '__main__':
    main(sys.argv[1:])
