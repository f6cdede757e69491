"""moto's server, with two fixes the local stack depends on.

1. DynamoDB requests are handled one at a time. moto 5.2 runs each request on its own thread. A
   cancelled TransactWriteItems restores a copy of every table it touched, taken when it started,
   so a write another request made to those tables in between is silently lost. DynamoDB itself
   never loses a committed write (a transaction that collides with another is cancelled with
   TransactionConflict instead). One lock around the DynamoDB handler makes the emulator keep
   that promise; the local stack's traffic is far too light for the lock to matter.

2. An SQS queue's message counts are computed only when asked for. moto builds a queue's whole
   attribute map, counting every message three times, on each SendMessage (to read one flag), so
   sending to a queue holding n messages costs O(n) and a burst of n costs O(n^2): a burst of
   1,000 stock changes fanned out to four queues kept moto busy for minutes and timed every
   client out. The counts now wait in the map until someone reads them (GetQueueAttributes).

Every other behaviour is moto's.
"""
import sys
import threading

from moto.core.utils import camelcase_to_underscores
from moto.dynamodb.responses import DynamoHandler
from moto.server import main
from moto.sqs.models import Queue

_one_at_a_time = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialised_call_action(self):
    with _one_at_a_time:
        return _call_action(self)


DynamoHandler.call_action = _serialised_call_action


_COUNTS = (
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
)
_PENDING = object()
_building = threading.local()


class _CountsOnDemand(dict):
    """A queue's attributes whose message counts are computed when first read."""

    def __init__(self, queue, attributes):
        super().__init__(attributes)
        self._queue = queue

    def _value(self, key):
        value = dict.__getitem__(self, key)
        if value is _PENDING:
            value = getattr(self._queue, camelcase_to_underscores(key))
            dict.__setitem__(self, key, value)
        return value

    def __getitem__(self, key):
        return self._value(key)

    def get(self, key, default=None):
        return self._value(key) if key in self else default

    def items(self):
        return [(key, self._value(key)) for key in list(self.keys())]

    def values(self):
        return [self._value(key) for key in list(self.keys())]

    def copy(self):
        return dict(self.items())


def _counted_later(count):
    def get(self):
        return _PENDING if getattr(_building, 'now', False) else count.fget(self)
    return property(get)


for _name in _COUNTS:
    _attribute = camelcase_to_underscores(_name)
    setattr(Queue, _attribute, _counted_later(getattr(Queue, _attribute)))

_attributes = Queue.attributes.fget


def _attributes_counted_on_demand(self):
    _building.now = True
    try:
        attributes = _attributes(self)
    finally:
        _building.now = False
    return _CountsOnDemand(self, attributes)


Queue.attributes = property(_attributes_counted_on_demand)

if __name__ == "__main__":
    sys.exit(main())
