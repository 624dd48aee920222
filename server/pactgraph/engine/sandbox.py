"""Take the network away from a query worker before it evaluates anything a client sent.

pyoxigraph is built with an HTTP client and evaluates ``SERVICE`` by fetching the named URL; it
opens that connection as soon as ``Store.query`` is called, before a row is read, even on an empty
store. ``engine/federation.py`` refuses such queries by reading their text; this is the second
fence, in the kernel: the loader moves itself into a network namespace of its own before it loads
the store, so it and every worker it forks see no interface but a loopback that is down. A
connection to any address, 127.0.0.1 included, fails with "Network is unreachable".

``unshare(CLONE_NEWNET)`` needs CAP_SYS_ADMIN (root, as CI and containers run); a user without it
gets one inside a new user namespace (``CLONE_NEWUSER``), where the kernel allows unprivileged user
namespaces. ``os.unshare`` arrived in Python 3.12, so libc is called through ctypes. Where neither
works, ``isolate`` says so, the server logs it loudly at start, and ``/healthz`` reports it.
"""

from __future__ import annotations

import ctypes
import errno
import os

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

ISOLATED = "network namespace"  # what ``isolate`` returns when the network is gone


def _unshare(flags: int) -> int:
    """0, or the errno of a failed ``unshare(flags)``."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) == 0:
        return 0
    return ctypes.get_errno()


def _map_to_self_in_user_namespace(uid: int, gid: int) -> None:
    # Without a mapping the process would be "nobody" inside; map it to itself so files it opens
    # by path (the store's N-Quads file) are still its own.
    with open("/proc/self/setgroups", "w") as setgroups:
        setgroups.write("deny")
    with open("/proc/self/uid_map", "w") as uid_map:
        uid_map.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as gid_map:
        gid_map.write(f"{gid} {gid} 1")


def isolate() -> str:
    """Leave the network, for this process and all it forks from now on. Returns ``ISOLATED``, or
    a sentence saying why the kernel would not allow it. Call it while single-threaded."""
    failure = _unshare(CLONE_NEWNET)
    if failure == 0:
        return ISOLATED
    if failure == errno.EPERM:
        uid, gid = os.getuid(), os.getgid()
        failure = _unshare(CLONE_NEWUSER | CLONE_NEWNET)
        if failure == 0:
            try:
                _map_to_self_in_user_namespace(uid, gid)
            except OSError as error:
                return f"not isolated: cannot map the user into its namespace ({error})"
            return ISOLATED
    return ("not isolated: the kernel refused a network namespace "
            f"({errno.errorcode.get(failure, failure)}); SERVICE is refused by the query text only")
