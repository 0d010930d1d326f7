"""The production layout (docs/deploy.md): gunicorn with deploy/gunicorn.conf.py,
the processes declared once in the Procfile and as systemd units and timers in
deploy/systemd, and nginx's limits matching Django's."""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError
from honcho.environ import parse_procfile

from tests.conftest import DATABASE_TASKS, QUEUES

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
VENV_BIN = Path(sys.executable).parent
#: Where docs/deploy.md installs the code and the virtualenv.
INSTALLED_APP, INSTALLED_VENV = "/opt/fundmgr/app", "/opt/fundmgr/venv"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(**extra: str) -> dict[str, str]:
    """Production mode with secrets generated for the run, as the Procfile's and
    the units' processes see it; SQLite in a file of the test's own."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "FUNDMGR_", "GUNICORN_", "DATABASE_URL", "PORT"))
    }
    environment.update(
        FUNDMGR_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        PATH=f"{VENV_BIN}{os.pathsep}{environment.get('PATH', '')}",
        **extra,
    )
    return environment


def get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our loopback URL
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_health(url: str, process: subprocess.Popen, seconds: float = 60) -> int:
    """GET url until it answers; the status, or fail if the process ended first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            # As nginx passes it: the site's scheme is https (SECURE_SSL_REDIRECT on).
            status, body = get(url, **{"X-Forwarded-Proto": "https"})
        except OSError:
            time.sleep(0.3)
            continue
        assert json.loads(body) == {"status": "alive"}
        return status
    raise AssertionError(f"{url} did not answer in {seconds} s")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return out, err


# --- gunicorn --------------------------------------------------------------------


def test_gunicorn_with_the_config_serves_healthz_in_production_mode_and_stops_gracefully(
    tmp_path,
):
    port = free_port()
    # /healthz touches no database: an SQLite file nobody creates stands in.
    environment = production_environment(
        PORT=str(port),
        GUNICORN_WORKERS="2",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    web = subprocess.Popen(  # noqa: S603 - the virtualenv's gunicorn
        [str(VENV_BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = wait_for_health(f"http://127.0.0.1:{port}/healthz", web)
    finally:
        out, err = stop(web)

    assert status == 200
    assert web.returncode == 0, err  # SIGTERM: the workers finish, the master exits cleanly
    assert f"Listening at: http://127.0.0.1:{port}" in err
    assert err.count("Booting worker") == 2
    # The access log goes to stdout, one line per request with its duration.
    assert re.search(r'"GET /healthz HTTP/1\.1" 200 \d+ \d+ms', out), out


def gunicorn_config(monkeypatch, **environment: str) -> dict:
    for name in ("PORT", "GUNICORN_BIND", "GUNICORN_WORKERS", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_binds_loopback_on_port_unless_told_where_and_takes_its_workers_from_env(
    monkeypatch,
):
    assert gunicorn_config(monkeypatch)["bind"] == ["127.0.0.1:8000"]
    assert gunicorn_config(monkeypatch, PORT="5100")["bind"] == ["127.0.0.1:5100"]
    told = gunicorn_config(
        monkeypatch, PORT="5100", GUNICORN_BIND="unix:/run/fundmgr-web/web.sock,10.0.0.5:8000"
    )
    assert told["bind"] == ["unix:/run/fundmgr-web/web.sock", "10.0.0.5:8000"]

    cpus = len(os.sched_getaffinity(0))
    assert gunicorn_config(monkeypatch)["workers"] == 2 * cpus + 1
    assert gunicorn_config(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3
    assert gunicorn_config(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_WORKERS="7")["workers"] == 7


def test_gunicorn_recycles_workers_with_jitter_and_keeps_its_control_socket_off_by_default(
    monkeypatch,
):
    config = gunicorn_config(monkeypatch)
    assert config["max_requests"] > 0 and 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["preload_app"] is False
    assert config["accesslog"] == "-"
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert config["control_socket_disable"] is True
    on = gunicorn_config(monkeypatch, GUNICORN_CONTROL_SOCKET="/run/fundmgr-web/gunicorn.ctl")
    assert on["control_socket_disable"] is False
    assert on["control_socket"] == "/run/fundmgr-web/gunicorn.ctl"


def nginx_directive(name: str) -> str:
    text = (DEPLOY / "nginx" / "fundmgr.conf").read_text()
    (value,) = re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.MULTILINE)
    return value.strip()


def nginx_seconds(name: str) -> int:
    value = nginx_directive(name)
    assert value.endswith("s"), value
    return int(value[:-1])


def test_nginx_accepts_the_largest_staff_upload_and_waits_longer_than_gunicorn(monkeypatch):
    size = nginx_directive("client_max_body_size")
    assert size.endswith("m")
    assert int(size[:-1]) * 1024 * 1024 == settings.MAX_STAFF_REQUEST_BYTES

    timeout = gunicorn_config(monkeypatch)["timeout"]
    assert timeout < nginx_seconds("proxy_read_timeout") <= timeout + 30
    assert gunicorn_config(monkeypatch)["graceful_timeout"] >= timeout
    assert nginx_directive("proxy_set_header X-Forwarded-Proto") == "$scheme"
    assert nginx_directive("proxy_set_header X-Forwarded-For") == "$proxy_add_x_forwarded_for"


# --- Procfile and systemd: the commands ----------------------------------------


def check_manage_command(argv: list[str]) -> tuple[str, object]:
    """argv is ``python manage.py NAME ARGS``: NAME must be a command of this
    project and its parser must accept ARGS. Returns the name and the options."""
    assert Path(argv[0]).name in ("python", "python3"), argv
    assert argv[1] == "manage.py", argv
    name, args = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"no manage.py command {name!r}"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    try:
        return name, parser.parse_args(args)
    except CommandError as error:
        raise AssertionError(f"manage.py {name} refuses {args}: {error}") from error


def check_gunicorn(argv: list[str]) -> None:
    assert Path(argv[0]).name == "gunicorn"
    assert argv[1:] == ["--config", "deploy/gunicorn.conf.py"]
    assert (ROOT / argv[2]).is_file()


def procfile() -> dict[str, list[str]]:
    processes = parse_procfile((ROOT / "Procfile").read_text()).processes
    return {name: shlex.split(command) for name, command in processes.items()}


def test_every_procfile_entry_runs_gunicorn_or_a_manage_command_that_accepts_its_options(
    settings,
):
    settings.TASKS = DATABASE_TASKS  # db_worker's options name the database backend
    processes = procfile()

    check_gunicorn(processes.pop("web"))
    assert processes, "no worker in the Procfile"
    for name, argv in processes.items():
        command, _options = check_manage_command(argv)
        assert command == "db_worker", name


def test_the_procfile_has_one_worker_per_queue_of_the_settings_and_each_works_one_queue(
    settings,
):
    settings.TASKS = DATABASE_TASKS
    worked = []
    for name, argv in procfile().items():
        if name == "web":
            continue
        _command, options = check_manage_command(argv)
        assert options.reload is False, f"{name} would reload on code changes"
        # One queue each: a long export never waits in front of a webhook.
        assert "," not in options.queue_name and options.queue_name != "*", name
        assert name == f"worker-{options.queue_name}"
        worked.append(options.queue_name)
    assert sorted(worked) == sorted(QUEUES)


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections and their settings (a setting may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        assert not line.endswith("\\"), f"{path.name}: continued lines are not used here"
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def units(pattern: str) -> dict[str, dict]:
    return {path.name: read_unit(path) for path in sorted(UNITS.glob(pattern))}


def test_every_unit_runs_as_the_fundmgr_user_with_the_environment_file_and_hardening():
    services = units("*.service")
    assert {"fundmgr-web.service", "fundmgr-worker@.service"} <= set(services)
    for name, unit in services.items():
        service = unit["Service"]
        assert service["User"] == ["fundmgr"] and service["Group"] == ["fundmgr"], name
        assert service["EnvironmentFile"] == ["/etc/fundmgr/env"], name
        assert service["WorkingDirectory"] == [INSTALLED_APP], name
        for setting, value in {
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "PrivateTmp": "yes",
            "ProtectHome": "yes",
        }.items():
            assert service.get(setting) == [value], f"{name}: {setting}"
        # Writable: the state folder, and for the backup its own folder too.
        (writable,) = service["ReadWritePaths"]
        expected = "/var/lib/fundmgr"
        if name == "fundmgr-backup.service":
            expected += " /var/backups/fundmgr"
        assert writable == expected, name


def test_every_service_runs_gunicorn_or_a_manage_command_that_accepts_its_options(settings):
    settings.TASKS = DATABASE_TASKS
    for name, unit in units("*.service").items():
        (exec_start,) = unit["Service"]["ExecStart"]
        argv = shlex.split(exec_start)
        assert argv[0].startswith(f"{INSTALLED_VENV}/bin/"), name
        if name == "fundmgr-web.service":
            check_gunicorn(argv)
            continue
        for queue in QUEUES if "%i" in exec_start else [None]:
            command, options = check_manage_command([a.replace("%i", queue or "") for a in argv])
            if name == "fundmgr-worker@.service":
                assert command == "db_worker" and options.queue_name == queue
                assert options.reload is False


def test_every_scheduled_job_has_a_timer_and_every_timer_its_service():
    services = {name.removesuffix(".service") for name in units("fundmgr-*.service")}
    timers = units("*.timer")
    jobs = services - {"fundmgr-web", "fundmgr-worker@"}

    assert {name.removesuffix(".timer") for name in timers} == jobs
    for name, timer in timers.items():
        assert timer["Timer"]["OnCalendar"], name
        assert "Unit" not in timer["Timer"], f"{name} triggers its own service"
        (job,) = units(name.replace(".timer", ".service")).values()
        assert job["Service"]["Type"] == ["oneshot"], name
    commands = {
        shlex.split(units(f"{job}.service")[f"{job}.service"]["Service"]["ExecStart"][0])[2]
        for job in jobs
    }
    # What the issue and the commands' own help ask to run from a clock.
    assert {
        "process_stripe_events",
        "send_waiting_mail",
        "send_notice_digests",
        "prune_exports",
        "prune_imports",
        "prune_form_tokens",
        "prune_db_task_results",
        "check_day_totals",
        "check_queue_tally",
        "backup",
        "clearsessions",
    } <= commands


def test_the_target_starts_the_web_a_worker_for_every_queue_and_every_timer():
    (target,) = units("fundmgr.target").values()
    wanted = {name for line in target["Unit"]["Wants"] for name in line.split()}

    assert "fundmgr-web.service" in wanted
    assert {f"fundmgr-worker@{queue}.service" for queue in QUEUES} <= wanted
    assert {name for name in wanted if name.startswith("fundmgr-worker@")} == {
        f"fundmgr-worker@{queue}.service" for queue in QUEUES
    }
    assert {path.name for path in UNITS.glob("*.timer")} <= wanted
    for name in wanted:
        file = re.sub(r"@[^.]+\.", "@.", name)
        assert (UNITS / file).is_file(), f"{name}: no unit file {file}"


def test_systemd_analyze_verifies_every_unit_as_installed(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze (Debian package systemd) is needed to verify the units"
    # Installed as docs/deploy.md says, with this checkout and virtualenv in
    # place of /opt/fundmgr/app and /opt/fundmgr/venv (verify checks that
    # every command it would run is there and executable).
    for path in UNITS.iterdir():
        text = path.read_text().replace(INSTALLED_VENV, str(VENV_BIN.parent))
        (tmp_path / path.name).write_text(text.replace(INSTALLED_APP, str(ROOT)))
    names = sorted(path.name for path in tmp_path.iterdir() if "@." not in path.name)
    names += [f"fundmgr-worker@{queue}.service" for queue in QUEUES]

    result = subprocess.run(  # noqa: S603 - the system's systemd-analyze
        [analyze, "verify", "--man=no", *(str(tmp_path / name) for name in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0 and result.stderr == "", result.stderr


# --- honcho ----------------------------------------------------------------------


def test_honcho_starts_the_web_on_its_port_and_a_worker_on_every_queue(tmp_path):
    database = tmp_path / "fundmgr.sqlite3"
    port = free_port()
    environment = production_environment(
        PORT=str(port),
        GUNICORN_WORKERS="1",
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONUNBUFFERED="1",
    )
    # The workers need the task table, and only it: /healthz touches nothing.
    subprocess.run(  # noqa: S603 - this interpreter, this project's manage.py
        [sys.executable, "manage.py", "migrate", "django_tasks_database", "-v0"],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=120,
    )
    no_dotenv = tmp_path / "empty.env"  # not a .env a developer may keep in the checkout
    no_dotenv.write_text("")
    honcho = subprocess.Popen(  # noqa: S603 - the virtualenv's honcho
        [str(VENV_BIN / "honcho"), "--no-colour", "-e", str(no_dotenv), "-f", "Procfile", "start"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    # A thread reads honcho's output as it comes (a non-blocking read of a text
    # stream may return None mid-character), so the test never waits on a pipe.
    reader = threading.Thread(target=lambda: lines.extend(honcho.stdout), daemon=True)
    reader.start()

    def every_worker_listens() -> bool:
        # Each worker says which queue it works once it polls it.
        log = "".join(lines)
        return all(
            re.search(rf"worker-{queue}\.1 +\|.*Starting worker .* queues={queue}\b", log)
            for queue in QUEUES
        )

    try:
        status = wait_for_health(f"http://127.0.0.1:{port}/healthz", honcho)
        deadline = time.monotonic() + 60
        while not every_worker_listens() and time.monotonic() < deadline:
            assert honcho.poll() is None, "".join(lines)
            time.sleep(0.3)
    finally:
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGINT)
        try:
            honcho.wait(30)
        except subprocess.TimeoutExpired:
            honcho.kill()
            honcho.wait()
        reader.join(10)
    log = "".join(lines)

    assert status == 200
    assert every_worker_listens(), log
    # Ctrl-C stops every process it started.
    for name in procfile():
        assert re.search(rf"{name}\.1 stopped", log), f"{name} did not stop: {log}"


# --- docs/deploy.md's environment file -------------------------------------------

#: Read by the settings in development only.
DEVELOPMENT_ONLY = {"DEBUG", "SQLITE_TEST_NAME", "LOCALSTRIPE_PORT"}


def documented_environment_file() -> str:
    text = (ROOT / "docs" / "deploy.md").read_text()
    (block,) = re.findall(r"```sh\n(# /etc/fundmgr/env\n.*?)```", text, flags=re.DOTALL)
    return block


def test_the_documented_environment_file_names_every_variable_the_settings_read():
    # The settings, and the modules they read the environment through.
    source = "".join(
        (ROOT / "fundmgr" / name).read_text()
        for name in ("settings.py", "storage_settings.py", "sentry.py")
    )
    read = set(
        re.findall(
            r"""(?:environ(?:\.get)?\(|environ\[|env_list\()\s*["']([A-Z0-9_]+)["']""",
            source,
        )
    )
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", documented_environment_file(), re.M))

    assert "SECRET_KEY" in read and "MAX_STAFF_REQUEST_BYTES" in read  # the pattern reads them
    assert read - DEVELOPMENT_ONLY - named == set()


def test_the_documented_environment_file_passes_check_deploy_when_the_shell_reads_it(tmp_path):
    block = documented_environment_file()
    for line in block.splitlines():
        if line and not line.startswith("#"):
            # What systemd's EnvironmentFile= and the shell's "." read alike.
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s'\"$`\\]*", line), line
    env_file = tmp_path / "env"
    env_file.write_text(
        block.replace("SECRET_KEY=...generated...", f"SECRET_KEY={secrets.token_urlsafe(50)}")
    )
    # As docs/deploy.md's fundmgr-manage runs manage.py: the file read by sh.
    result = subprocess.run(  # noqa: S603 - sh running this project's manage.py
        [
            "/bin/sh",
            "-c",
            'set -a; . "$0"; set +a; exec "$1" manage.py check --deploy',
            str(env_file),
            sys.executable,
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_worker_sets_what_it_loaded_at_start_aside_from_the_garbage_collector(monkeypatch):
    """post_worker_init freezes the worker's start-up heap (the URLconf and every
    view imported), so a request's collections no longer walk it."""
    import gc

    hook = gunicorn_config(monkeypatch)["post_worker_init"]
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        hook(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
