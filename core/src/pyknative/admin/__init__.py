"""The admin HTTP API: Kubernetes-style REST over the Store, with admission, watch, all-or-nothing apply and logs.

Build it with :func:`make_api_app` and serve it with :func:`start_api_server` (loopback by default; beyond it
with an :class:`AdminAccess` that requires bearer tokens, optionally over TLS).
"""

from pyknative.admin.access import AdminAccess
from pyknative.admin.app import make_api_app, start_api_server

__all__ = ["AdminAccess", "make_api_app", "start_api_server"]
