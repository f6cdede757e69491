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

3. An EventBridge replay sends only what EventBridge sends. moto 5.2 replays the whole archive,
   whatever the window, to every rule of the bus, ignoring Destination.FilterArns. A replay of
   one hour of OrderAccepted would then re-push every stock level ever archived. Replays now
   send the events whose time falls in [EventStartTime, EventEndTime) to the rules named by
   FilterArns (every rule of the bus when it names none), as the EventBridge API reference
   says.

Every other behaviour is moto's.
"""
import sys
import threading
from datetime import datetime

from moto.core.utils import camelcase_to_underscores, unix_time
from moto.events import models as events_models
from moto.moto_api._internal import mock_random
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



def _epoch(value):
    """Seconds since the epoch of a replay bound or an archived event's time (a number, or
    ISO 8601 text)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _replay_events(self, archive):
    start, end = _epoch(self.event_start_time), _epoch(self.event_end_time)
    only = set(self.destination.get("FilterArns") or [])
    backend = events_models.events_backends[self.account_id][self.region]
    bus = backend.describe_event_bus(self.destination["Arn"].split("/")[-1])
    for event in list(archive.events):
        at = _epoch(event.get("time"))
        if at is None or not (start <= at < end):
            continue
        for rule in list(bus.rules.values()):
            if only and rule.arn not in only:
                continue
            rule.send_to_targets(
                dict(event, **{"id": str(mock_random.uuid4()), "replay-name": self.name}),
                transform_input=False,
            )
    self.state = events_models.ReplayState.COMPLETED
    self.end_time = unix_time()


events_models.Replay.replay_events = _replay_events

if __name__ == "__main__":
    sys.exit(main())
