"""localstripe as fundmgr runs it: the child process that ``localstripe_server`` starts.

Run as ``python -m donors.payments.localstripe_app --port N``; never imported by
the web application (it needs the dev-only ``localstripe`` and ``aiohttp``).

Three differences from the stock ``localstripe`` command, each because the
stock one would make tests flaky or unsafe, not to change what it models:

* it listens on 127.0.0.1 only (stock localstripe binds ``::``, every interface);
* its state lives in memory only: stock localstripe reloads and rewrites
  ``/tmp/localstripe.pickle`` on every write, shared by every instance on the
  machine, so two runs (tests and ``make run``) would see each other's objects;
* it honours the ``Idempotency-Key`` header as Stripe documents it, which
  localstripe 1.15.10 ignores: a POST repeated with the same key and the same
  parameters replays the first response (``Idempotent-Replayed: true``), the
  same key with other parameters is refused (400 ``idempotency_error``), and
  the same key while the first request is still running is refused (409).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import os
import signal
from dataclasses import dataclass

from aiohttp import web
from localstripe import resources
from localstripe.server import app, json_response

HOST = "127.0.0.1"


@dataclass(frozen=True)
class _Saved:
    fingerprint: tuple[str, str, str]
    status: int
    body: bytes
    content_type: str


_saved: dict[tuple[str, str], _Saved] = {}
_in_flight: set[tuple[str, str]] = set()


def _idempotency_error(status: int, message: str) -> web.Response:
    return json_response(
        {"error": {"type": "idempotency_error", "message": message}}, status=status
    )


@web.middleware
async def idempotency_middleware(request: web.Request, handler):
    if request.method == "DELETE" and request.path == "/_config/data":
        _saved.clear()  # "flush everything" forgets the keys too
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or not request.path.startswith("/v1/"):
        return await handler(request)

    body = await request.read()  # aiohttp keeps it for the handler
    scope = (request.headers.get("Authorization", ""), key)
    fingerprint = (request.method, request.path_qs, hashlib.sha256(body).hexdigest())
    if scope in _in_flight:
        return _idempotency_error(409, "Another request with this Idempotency-Key is running.")
    saved = _saved.get(scope)
    if saved is not None:
        if saved.fingerprint != fingerprint:
            return _idempotency_error(
                400,
                "Keys for idempotent requests can only be used with the same "
                "parameters they were first used with.",
            )
        return web.Response(
            status=saved.status,
            body=saved.body,
            headers={"Content-Type": saved.content_type, "Idempotent-Replayed": "true"},
        )

    _in_flight.add(scope)
    try:
        response = await handler(request)
    finally:
        _in_flight.discard(scope)
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        if response.status < 500:  # as Stripe: server errors may be retried
            _saved[scope] = _Saved(
                fingerprint,
                response.status,
                response.body,
                response.headers.get("Content-Type", "application/json"),
            )
    return response


def _memory_only_store() -> None:
    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]


async def _exit_with_parent(parent: int) -> None:
    """Stop when the process that started us is gone (a killed test run leaves no orphan)."""
    while os.getppid() == parent:
        await asyncio.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)  # run_app shuts down cleanly on SIGTERM


async def _watch_parent(application: web.Application) -> None:
    application["parent_watch"] = asyncio.create_task(_exit_with_parent(os.getppid()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    _memory_only_store()
    app.middlewares.insert(0, idempotency_middleware)  # outermost: sees final responses
    app.on_startup.append(_watch_parent)

    access = logging.getLogger("aiohttp.access")  # localstripe logs webhook deliveries here
    access.setLevel(logging.INFO)
    access.addHandler(logging.StreamHandler())
    web.run_app(app, host=HOST, port=args.port, access_log=access, print=None)


if __name__ == "__main__":
    main()
