"""Start every service of the system together, wired to each other, for system tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from runtime.server import ServiceApp
from tests.foundation.test_runtime import all_apps
from tests.support import Running, running

# Services that others call come first, so that their addresses can be handed on.
_ORDER = {"assignment": 0, "surveys": 1}


@contextmanager
def stack(db_url_factory, *, workers: int = 4) -> Iterator[dict[str, Running]]:  # type: ignore[no-untyped-def]
    apps: list[ServiceApp] = sorted(all_apps(), key=lambda a: (_ORDER.get(a.name, 9), a.name))
    started: dict[str, Running] = {}
    with ExitStack() as stack_:
        for app in apps:
            url, schema = db_url_factory(app.name)
            peers = {name: svc.address for name, svc in started.items()}
            started[app.name] = stack_.enter_context(
                running(app, database_url=url, schema=schema, peers=peers, workers=workers)
            )
        yield started
