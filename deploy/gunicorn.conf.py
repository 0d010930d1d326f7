"""gunicorn's settings for fundmgr in production (docs/deploy.md).

Run from the project folder: ``gunicorn --config deploy/gunicorn.conf.py`` (the
Procfile's ``web``, deploy/systemd/fundmgr-web.service). Every value can be
changed from the environment, so one file serves systemd, honcho and a test.

gunicorn sits behind a TLS proxy (nginx, deploy/nginx/fundmgr.conf) that buffers
whole requests and responses: its sync workers then never wait on a slow
client, and one worker per request is simple and predictable with Django.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (cgroups, taskset)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "fundmgr.wsgi:application"

# Loopback only by default: the proxy is the one way in. GUNICORN_BIND takes
# anything gunicorn binds to ("unix:/run/fundmgr-web/web.sock", several
# separated by commas); otherwise PORT, as honcho and most platforms give it.
bind = [
    address.strip()
    for address in os.environ.get("GUNICORN_BIND", f"127.0.0.1:{_int('PORT', 8000)}").split(",")
    if address.strip()
]

# gunicorn's rule of thumb for sync workers, 2 per CPU + 1; GUNICORN_WORKERS
# (or WEB_CONCURRENCY, the name honcho and many platforms use) overrides it.
# Each worker holds a database connection and about 160 MB (measured idle).
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2 * _cpus() + 1))
worker_class = "sync"

# The slowest request is a staff upload of MAX_STAFF_REQUEST_BYTES (220 MB, a
# ZIP of notes verbales; fundmgr/body_limit.py): the proxy has received the
# whole body before it passes it on, so the worker reads it over loopback and
# writes it twice (the upload's temporary file, then the imports' storage,
# hashed on the way): under a second measured here, seconds on a slow disk.
# The slowest pages measured answer in about a second (docs/performance.md),
# and every long job (imports, exports) runs on the task workers. 120 s leaves
# room for a slow disk or object storage; the proxy waits a little longer (130 s).
timeout = _int("GUNICORN_TIMEOUT", 120)
# On stop or reload a worker may finish the request it is serving, however slow.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", timeout)

# Each worker is replaced after about this many requests (a slow leak in any
# library stays bounded); the jitter keeps them from restarting all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Off: each worker imports the application itself, so a reload (SIGHUP,
# ``systemctl reload fundmgr-web``) after an upgrade starts workers on the new
# code while the old ones finish their requests, without closing the socket.
# Preloading would save some memory but keep the old code until a full restart.
preload_app = False

# Whom gunicorn believes about X-Forwarded-Proto (the request's scheme): the
# proxy's address; loopback when nginx runs on the same host. Django reads the
# same header (SECURE_PROXY_SSL_HEADER) and the client address from
# X-Forwarded-For (FUNDMGR_TRUSTED_PROXIES), so gunicorn must never be reachable
# except through the proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log to stdout, error log to stderr: journald or honcho keep them.
# The line adds the time taken (ms) and the client address the proxy saw.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# The heartbeat files in memory, not on a disk that may stall under load.
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # noqa: S108

# gunicornc's control socket only where GUNICORN_CONTROL_SOCKET says (the systemd
# unit puts it under /run/fundmgr-web): its default path is the same for every
# instance one user starts, and two instances on one host would share it.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

proc_name = os.environ.get("GUNICORN_PROC_NAME", "fundmgr-web")


def post_worker_init(worker):
    """Import the URLconf, and with it every view, as each worker starts: else
    the first request a new worker serves (one in every max_requests) waits
    about a second for them. Then set what the worker has loaded aside from
    the garbage collector (``gc.freeze``): those objects live as long as the
    worker, yet each full collection a request triggers would walk all of
    them (about 240,000: a tenth of an API page's time, docs/performance.md)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
    gc.collect()
    gc.freeze()
