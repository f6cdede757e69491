"""moto's server, with DynamoDB requests handled one at a time.

moto 5.2 runs each request on its own thread. A cancelled TransactWriteItems restores a copy of
every table it touched, taken when it started, so a write another request made to those tables in
between is silently lost. DynamoDB itself never loses a committed write (a transaction that
collides with another is cancelled with TransactionConflict instead). One lock around the DynamoDB
handler makes the emulator keep that promise; the local stack's traffic is far too light for the
lock to matter. Every other service is served as moto serves it.
"""
import sys
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_one_at_a_time = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialised_call_action(self):
    with _one_at_a_time:
        return _call_action(self)


DynamoHandler.call_action = _serialised_call_action

if __name__ == "__main__":
    sys.exit(main())
