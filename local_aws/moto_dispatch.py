"""moto's server application, with the backend that serves each host remembered.

moto's dispatcher finds the backend for every request anew, under one lock
shared by all requests: it first asks whether the host names one of its own
modules, which lists moto's package directory (``os.listdir`` and an
``os.path.isdir`` per entry, about 150 of them), then tries each backend's URL
patterns. Under ``albums load`` that was 7 % of the stack's CPU, by py-spy,
all of it inside the lock. The answer for a host never changes while the
stack runs, so it is looked up once per host.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

# Hosts are a service and a region each; more than this means something sends odd hosts.
REMEMBERED_HOSTS = 512


class BackendRememberingDispatcher(DomainDispatcherApplication):
    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backend_for_host = functools.lru_cache(maxsize=REMEMBERED_HOSTS)(super().get_backend_for_host)

    def get_backend_for_host(self, host: str | None) -> Any:
        return self._backend_for_host(host)
