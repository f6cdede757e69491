#!/usr/bin/env python3
"""Demo data for Switchyard's local Tryton.

Run by ``scripts/erp.sh prepare`` against a freshly initialised database:

    python local/tryton/demo_data.py CONFIG_FILE DATABASE

Creates the company "Switchyard Demo Distribution" (USD), a minimal chart of
accounts, a fiscal year with invoice sequences, the payment term "Net 30", the
countries/subdivisions used by demo addresses, three goods products
(WIDGET-S/M/L) with 500 units each in the default warehouse's storage, and the
demo customers (DEMO-SHOP, ACME-001, PARTNER-001).

For the ERP read side (stock per warehouse, prices): a second warehouse "East"
(code EAST) holding some WIDGET-M and WIDGET-L (the 500 units in WH stay as
they are), and the customer price list "ACME contract" (10% under list price,
15% under from 50 units, valid from 1 January this year to the end of next
year), which is ACME-001's sale price list.

For fulfilment (local/tryton/warehouse.py): the carrier "UPS" (its service product "UPS
Ground") and the package type "Box".

It reuses the test helpers shipped inside the Tryton modules so that sales go
through the whole accounting path (``confirm`` -> ``processing``).
"""
import datetime
import sys
from decimal import Decimal

from proteus import Model, config as pconfig

CONFIG_FILE, DATABASE = sys.argv[1], sys.argv[2]
pconfig.set_trytond(database=DATABASE, user='admin', config_file=CONFIG_FILE)

# Only importable once trytond knows its configuration.
from trytond.modules.account.tests.tools import (  # noqa: E402
    create_chart, create_fiscalyear, get_accounts)
from trytond.modules.account_invoice.tests.tools import (  # noqa: E402
    set_fiscalyear_invoice_sequences)
from trytond.modules.company.tests.tools import (  # noqa: E402
    create_company, get_company)

COMPANY_NAME = "Switchyard Demo Distribution"

COUNTRIES = [
    # (alpha-2, alpha-3, numeric, name)
    ('US', 'USA', '840', "United States"),
    ('CA', 'CAN', '124', "Canada"),
    ('MX', 'MEX', '484', "Mexico"),
    ('GB', 'GBR', '826', "United Kingdom"),
    ('DE', 'DEU', '276', "Germany"),
    ('FR', 'FRA', '250', "France"),
    ('NL', 'NLD', '528', "Netherlands"),
    ('BE', 'BEL', '056', "Belgium"),
    ('ES', 'ESP', '724', "Spain"),
    ('IT', 'ITA', '380', "Italy"),
    ('IE', 'IRL', '372', "Ireland"),
    ('AU', 'AUS', '036', "Australia"),
    ('JP', 'JPN', '392', "Japan"),
]

US_STATES = {
    'AL': "Alabama", 'AK': "Alaska", 'AZ': "Arizona", 'AR': "Arkansas",
    'CA': "California", 'CO': "Colorado", 'CT': "Connecticut",
    'DE': "Delaware", 'DC': "District of Columbia", 'FL': "Florida",
    'GA': "Georgia", 'HI': "Hawaii", 'ID': "Idaho", 'IL': "Illinois",
    'IN': "Indiana", 'IA': "Iowa", 'KS': "Kansas", 'KY': "Kentucky",
    'LA': "Louisiana", 'ME': "Maine", 'MD': "Maryland",
    'MA': "Massachusetts", 'MI': "Michigan", 'MN': "Minnesota",
    'MS': "Mississippi", 'MO': "Missouri", 'MT': "Montana",
    'NE': "Nebraska", 'NV': "Nevada", 'NH': "New Hampshire",
    'NJ': "New Jersey", 'NM': "New Mexico", 'NY': "New York",
    'NC': "North Carolina", 'ND': "North Dakota", 'OH': "Ohio",
    'OK': "Oklahoma", 'OR': "Oregon", 'PA': "Pennsylvania",
    'RI': "Rhode Island", 'SC': "South Carolina", 'SD': "South Dakota",
    'TN': "Tennessee", 'TX': "Texas", 'UT': "Utah", 'VT': "Vermont",
    'VA': "Virginia", 'WA': "Washington", 'WV': "West Virginia",
    'WI': "Wisconsin", 'WY': "Wyoming",
}
CA_PROVINCES = {
    'AB': "Alberta", 'BC': "British Columbia", 'MB': "Manitoba",
    'NB': "New Brunswick", 'NL': "Newfoundland and Labrador",
    'NS': "Nova Scotia", 'ON': "Ontario", 'PE': "Prince Edward Island",
    'QC': "Quebec", 'SK': "Saskatchewan", 'NT': "Northwest Territories",
    'NU': "Nunavut", 'YT': "Yukon",
}

PRODUCTS = [
    # (code, name, list price)
    ('WIDGET-S', "Widget, small", Decimal('9.25')),
    ('WIDGET-M', "Widget, medium", Decimal('14.50')),
    ('WIDGET-L', "Widget, large", Decimal('21.00')),
]
STOCK_QUANTITY = 500

# The second warehouse and what it holds (code -> quantity).
EAST_WAREHOUSE = ('EAST', "East Warehouse")
EAST_STOCK = {'WIDGET-M': 120, 'WIDGET-L': 40}

# The contract price list: lines are tried in sequence, the first that matches
# the quantity wins, so the larger threshold comes first.
CONTRACT_PRICE_LIST = "ACME contract"
CONTRACT_LINES = [
    # (sequence, minimum quantity, formula)
    (10, 50, 'unit_price * 0.85'),
    (20, None, 'unit_price * 0.9'),
]
CONTRACT_CUSTOMER = 'ACME-001'

PAYMENT_TERM = "Net 30"
PAYMENT_DAYS = 30

# The carrier the warehouse ships with (local/tryton/warehouse.py --carrier): a party and its
# service product (Tryton's carrier model), and the box its packages are.
CARRIER_PARTY = "UPS"
CARRIER_SERVICE = "UPS Ground"
PACKAGE_TYPE = "Box"

CUSTOMERS = [
    # (code, name, street, postal code, city, state)
    ('DEMO-SHOP', "Demo Shop web customer",
        "100 Market Street", '94105', "San Francisco", 'CA'),
    ('ACME-001', "Acme Retail",
        "1 Acme Plaza", '10001', "New York", 'NY'),
    ('PARTNER-001', "Partner Portal Buyer",
        "42 Portal Avenue", '60601', "Chicago", 'IL'),
]


def main():
    Country = Model.get('country.country')
    Subdivision = Model.get('country.subdivision')
    Party = Model.get('party.party')
    ProductCategory = Model.get('product.category')
    ProductTemplate = Model.get('product.template')
    Uom = Model.get('product.uom')
    Location = Model.get('stock.location')
    Inventory = Model.get('stock.inventory')

    # Countries (no pycountry in the venv, so the few we need by hand).
    countries = {}
    for code, code3, numeric, name in COUNTRIES:
        country = Country(
            name=name, code=code, code3=code3, code_numeric=numeric)
        country.save()
        countries[code] = country
    for country_code, subdivisions, type_ in [
            ('US', US_STATES, 'state'), ('CA', CA_PROVINCES, 'province')]:
        Subdivision.save([
                Subdivision(
                    country=countries[country_code],
                    code='%s-%s' % (country_code, code), name=name,
                    type=type_)
                for code, name in subdivisions.items()])
    us_states = {
        s.code: s for s in Subdivision.find([('country.code', '=', 'US')])}

    # Company in USD, accounting, fiscal year with invoice sequences.
    company_party = Party(name=COMPANY_NAME)
    address, = company_party.addresses
    address.street = "1 Switchyard Way"
    address.postal_code = '97201'
    address.city = "Portland"
    address.country = countries['US']
    address.subdivision = us_states['US-OR']
    company_party.save()
    create_company(party=company_party, currency='USD')
    company = get_company()

    create_chart(company)
    accounts = get_accounts(company)
    # One fiscal year from 1 January this year to the end of next year, so the
    # snapshot keeps working for a while (the helper widens it to >= 1 year).
    today = datetime.date.today()
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(
            company,
            (datetime.date(today.year, 1, 1),
                datetime.date(today.year + 1, 12, 31))))
    fiscalyear.click('create_period')

    # Customers pay 30 days after the invoice date, so a posted invoice has a due date that
    # differs from its date (what channels show as "due").
    PaymentTerm = Model.get('account.invoice.payment_term')
    payment_term = PaymentTerm(name=PAYMENT_TERM)
    line = payment_term.lines.new(type='remainder')
    line.relativedeltas.new(days=PAYMENT_DAYS)
    payment_term.save()

    # Products.
    account_category = ProductCategory(name="Widgets")
    account_category.accounting = True
    account_category.account_expense = accounts['expense']
    account_category.account_revenue = accounts['revenue']
    account_category.save()

    unit, = Uom.find([('name', '=', "Unit")])
    assert unit.symbol == 'u', unit.symbol
    products = []
    for code, name, price in PRODUCTS:
        template = ProductTemplate()
        template.name = name
        template.default_uom = unit
        template.type = 'goods'
        template.salable = True
        template.sale_uom = unit
        template.list_price = price
        template.account_category = account_category
        product, = template.products
        product.suffix_code = code
        template.save()
        product, = template.products
        assert product.code == code, product.code
        products.append(product)

    # Stock: a done inventory in the default warehouse's storage location.
    storage, = Location.find([('code', '=', 'STO')])
    inventory = Inventory()
    inventory.location = storage
    for product in products:
        line = inventory.lines.new(product=product)
        line.quantity = STOCK_QUANTITY
        line.expected_quantity = 0
    inventory.click('confirm')
    assert inventory.state == 'done', inventory.state

    # A second warehouse with its own storage, so stock per warehouse differs.
    code, name = EAST_WAREHOUSE
    sublocations = {}
    for suffix, label in [('IN', "Input"), ('OUT', "Output"),
            ('STO', "Storage")]:
        location = Location(
            name="%s %s" % (name, label), code='%s-%s' % (code, suffix),
            type='storage')
        location.save()
        sublocations[suffix] = location
    east = Location(name=name, code=code, type='warehouse')
    east.input_location = sublocations['IN']
    east.output_location = sublocations['OUT']
    east.storage_location = sublocations['STO']
    # An inventory books its differences against the warehouse's lost and found.
    east.lost_found_location, = Location.find([('type', '=', 'lost_found')])
    east.save()
    for location in sublocations.values():
        location.parent = east
        location.save()
    # With two warehouses Tryton no longer picks one for a new sale: the user's
    # preferred warehouse (sent in the context, as Tryton's own client does)
    # keeps sales shipping from WH.
    User = Model.get('res.user')
    admin, = User.find([('login', '=', 'admin')])
    admin.warehouse, = Location.find([('code', '=', 'WH')])
    admin.save()
    by_code = {p.code: p for p in products}
    inventory = Inventory()
    inventory.location = sublocations['STO']
    for product_code, quantity in EAST_STOCK.items():
        line = inventory.lines.new(product=by_code[product_code])
        line.quantity = quantity
        line.expected_quantity = 0
    inventory.click('confirm')
    assert inventory.state == 'done', inventory.state

    # The contract price list (dates from product_price_list_dates).
    PriceList = Model.get('product.price_list')
    price_list = PriceList(name=CONTRACT_PRICE_LIST, price='list_price')
    for sequence, quantity, formula in CONTRACT_LINES:
        line = price_list.lines.new()
        line.sequence = sequence
        line.quantity = quantity
        line.formula = formula
        line.start_date = datetime.date(today.year, 1, 1)
        line.end_date = datetime.date(today.year + 1, 12, 31)
    price_list.save()

    # The carrier: a party and a service product (never sold to customers).
    carrier_party = Party(name=CARRIER_PARTY)
    carrier_party.save()
    service = ProductTemplate()
    service.name = CARRIER_SERVICE
    service.default_uom = unit
    service.type = 'service'
    service.salable = False
    service.list_price = Decimal('0')
    service.account_category = account_category
    service.save()
    Carrier = Model.get('carrier')
    carrier = Carrier(party=carrier_party, carrier_product=service.products[0])
    carrier.save()
    PackageType = Model.get('stock.package.type')
    PackageType(name=PACKAGE_TYPE).save()

    # Customers.
    for code, name, street, postal_code, city, state in CUSTOMERS:
        party = Party(name=name, code=code)
        party.customer_payment_term = payment_term
        party.account_receivable = accounts['receivable']
        address, = party.addresses
        address.street = street
        address.postal_code = postal_code
        address.city = city
        address.country = countries['US']
        address.subdivision = us_states['US-' + state]
        address.invoice = True
        address.delivery = True
        if code == CONTRACT_CUSTOMER:
            party.sale_price_list = price_list
        party.save()
        assert party.code == code, party.code

    print("demo data: company %r, %d products, %d customers, price list %r, carrier %r"
        % (COMPANY_NAME, len(products), len(CUSTOMERS), CONTRACT_PRICE_LIST,
            CARRIER_SERVICE))


if __name__ == '__main__':
    main()
