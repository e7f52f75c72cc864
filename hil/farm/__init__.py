"""The board farm on labgrid: places (one per board, physical or emulated), exporters, leases of places
for hil's commands, and the guard that releases a crashed command's places."""

import logging
import os

# gRPC's C core notes every fork (QEMU, labgrid-exporter) at INFO; only its errors are the user's business.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
# hil forks only to exec (QEMU, labgrid's programs): gRPC's fork handlers are not needed, and with TensorFlow
# (which carries gRPC of its own) in the same process they crash the child between fork and exec.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "0")
# labgrid logs through the root logger; a hil command configures no logging, so Python's last-resort
# handler would print labgrid's reconnect chatter: hil reports what matters as one-line FarmErrors.
if not logging.getLogger().handlers:
    logging.getLogger().addHandler(logging.NullHandler())
