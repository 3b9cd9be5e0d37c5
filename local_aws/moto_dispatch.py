"""moto's server application, with the backend that serves each host remembered.

moto's dispatcher finds the backend for every request anew, under one lock
shared by all requests: it first asks whether the host names one of its own
modules, which lists moto's package directory (``os.listdir`` and an
``os.path.isdir`` per entry, about 150 of them), then tries each backend's URL
patterns. Under ``albums load`` that was 7 % of the stack's CPU, by py-spy,
all of it inside the lock. The answer for a host never changes while the
stack runs, so it is looked up once per host.

Then, for every request, moto's ``BaseResponse.call_action`` lists the handler
class's methods with ``inspect.getmembers`` to see whether the action is one of
them: 3.7 % of the stack's CPU under ``albums bench --concurrency 20``, by
py-spy. A class's methods do not change while the stack runs either, so they
are listed once per class (``install_remembered_action_names``).
"""

from __future__ import annotations

import functools
from typing import Any

from moto.core import responses
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

# Hosts are a service and a region each; more than this means something sends odd hosts.
REMEMBERED_HOSTS = 512
_INSTALLED = "_local_aws_remembered_action_names"


class BackendRememberingDispatcher(DomainDispatcherApplication):
    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backend_for_host = functools.lru_cache(maxsize=REMEMBERED_HOSTS)(super().get_backend_for_host)

    def get_backend_for_host(self, host: str | None) -> Any:
        return self._backend_for_host(host)


def install_remembered_action_names() -> None:
    """List each moto handler class's methods once (idempotent)."""
    if getattr(responses.method_names_from_class, _INSTALLED, False):
        return
    remembered = functools.cache(responses.method_names_from_class)
    setattr(remembered, _INSTALLED, True)
    responses.method_names_from_class = remembered  # type: ignore[assignment]
