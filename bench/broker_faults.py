"""Broker choice by measurement: the outbox through the same fault run on Redis and on RabbitMQ.

    .venv/bin/python bench/broker_faults.py                       # 300 writes; redis, redis-aof, rabbitmq
    .venv/bin/python bench/broker_faults.py --rounds 3            # each broker three times, medians shown
    .venv/bin/python bench/broker_faults.py --writes 50 --brokers redis,rabbitmq
    .venv/bin/python bench/broker_faults.py --database-url postgres://postgres@127.0.0.1:5432/bench

Each broker runs as an instance of this script's own (a spare port and a data directory under a temporary
folder; the machine's shared brokers are never touched): ``redis`` without persistence, ``redis-aof`` with an
append-only file synced every second (as docker/compose.yml runs it), ``rabbitmq`` a node of its own with
durable queues and persistent messages (Celery's defaults). For each: a TechLink sandbox that is slow and
faulty (latency, 5xx answers, timeouts, applied writes whose answer is lost), a Celery beat (the outbox's pump)
and two workers (production's lease and pump interval); the mixed writes of the test suite are queued, one
worker is killed (SIGKILL) mid-send and replaced, then the broker is killed (SIGKILL) with wake-ups waiting
in it and started again over its data at once.

Prints a table: writes lost (not applied upstream) and applied twice (counted in the sandbox), whether a worker
or beat exited, how long the killed worker's writes took to be taken over, and the time from the broker's kill
until it answered again, until both live workers were connected to it again (from their logs), and until every
write waiting at the kill was applied.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "tests" / "jobs"
sys.path[:0] = [str(ROOT), str(HELPERS)]
RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
DEADLINE_SECONDS = 600  # a bound for a stuck run, not a speed requirement


def setup_django(database_url: str, workdir: Path) -> None:
    """This process shares the workers' settings (tests/jobs/jobs_worker_settings.py), database and media."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="jobs_worker_settings",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(workdir / "media"),
        CELERY_BROKER_URL="memory://",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


class RabbitServer:
    """A RabbitMQ node of this script's own: its node name, port and data directory, run as this user."""

    def __init__(self, workdir: Path) -> None:
        from harness import free_port

        self.workdir, self.port = workdir, free_port()
        self.process: subprocess.Popen | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "enabled_plugins").write_text("[].\n")
        (workdir / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (workdir / "rabbitmq-env.conf").write_text("")
        self.env = {
            **os.environ, "HOME": str(workdir), "RABBITMQ_NODENAME": f"outboxbench{self.port}@localhost",
            "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(workdir / "mnesia"), "RABBITMQ_LOG_BASE": str(workdir / "log"),
            "RABBITMQ_LOGS": "-", "RABBITMQ_ENABLED_PLUGINS_FILE": str(workdir / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(workdir / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(workdir / "rabbitmq-env.conf"), "ERL_EPMD_ADDRESS": "127.0.0.1",
        }  # fmt: skip

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self) -> RabbitServer:
        from harness import wait_for

        with (self.workdir / "rabbitmq.log").open("ab") as log:
            self.process = subprocess.Popen(
                [RABBITMQ_SERVER], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(self.answers, seconds=120, what="rabbitmq-server started", every=0.05)
        return self

    def answers(self) -> bool:
        from amqp.exceptions import AMQPError
        from kombu import Connection
        from kombu.exceptions import OperationalError

        try:
            with Connection(self.url, connect_timeout=1) as connection:
                connection.ensure_connection(max_retries=0)
            return True
        except (AMQPError, OperationalError, OSError):  # not up yet
            return False

    def waiting(self, queue: str) -> int:
        from kombu import Connection

        with Connection(self.url) as connection:
            return connection.default_channel.queue_declare(queue, passive=True).message_count

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    stop = kill


def redis_server(workdir: Path, *, persistent: bool):
    from harness import RedisServer

    server = RedisServer(workdir, persistent=persistent)

    def waiting(queue: str) -> int:
        import redis

        return redis.Redis(port=server.port).llen(queue)

    server.waiting = waiting
    return server


CONNECTED = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/MainProcess\] Connected to ")


def reconnected_after(log: Path, since: datetime) -> float | None:
    """Seconds from ``since`` until the worker logging to ``log`` was connected to its broker again."""
    for line in log.read_text(errors="replace").splitlines():
        found = CONNECTED.match(line)
        if found:
            at = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f")
            if at > since:
                return (at - since).total_seconds()
    return None


def publish_to(url: str) -> None:
    """This process's Celery app sends its wake-ups to ``url``."""
    from portal_ui.celery_app import app

    app.conf.update(task_always_eager=False, broker_url=url, broker_transport_options={})
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@dataclass
class Outcome:
    broker: str
    writes: int
    lost: int
    twice: int
    exited: str
    takeover: float
    back_after: float
    reconnected: float
    all_after: float
    in_broker: int


def fault_run(name: str, server, args, workdir: Path) -> Outcome:
    from harness import CeleryProcess, stop_all, wait_for, worker_env
    from mixed import MIX_50, MIX_300, growth, queue_mixed_writes

    from portal_ui.accounts.models import Role, User
    from portal_ui.integrations.techlink import TechLinkClient
    from portal_ui.jobs.models import OutboxState, UpstreamWrite
    from techlink_sandbox.testing import running_sandbox

    UpstreamWrite.objects.all().delete()
    OutboxState.objects.all().delete()
    mix = MIX_300 if args.writes == 300 else MIX_50
    server.start()
    publish_to(server.url)
    with running_sandbox(workdir / f"sandbox-{server.workdir.name}", sites=6, workorders=24) as sandbox:
        client = TechLinkClient(
            base_url=sandbox.base_url, username=sandbox.username, password=sandbox.password
        )
        env = worker_env(
            broker_url=server.url, database_url=os.environ["DATABASE_URL"], media_root=workdir / "media",
            sandbox=sandbox, TECHLINK_READ_TIMEOUT="2",
        )  # fmt: skip
        logs = server.workdir
        beat = CeleryProcess(env, logs / "beat.log", beat=True)
        workers = [CeleryProcess(env, logs / f"worker-{n}.log", loglevel="INFO") for n in range(3)]
        user, _ = User.objects.get_or_create(username="bench", defaults={"role": Role.DISPATCHER})
        expect = queue_mixed_writes(
            user, client, sites=client.site_ids(), workorders=client.workorder_ids(),
            taskitem=client.task_items()[0].taskitem_id, run=uuid.uuid4().hex[:6], mix=mix,
        )  # fmt: skip
        before = sandbox.stats()["objects"]
        sandbox.configure(
            latency=0.1, error_rate=0.1, timeout_rate=0.02, lost_answer_rate=0.05, hang_seconds=1
        )
        done = UpstreamWrite.objects.filter(status="done")
        try:
            beat.start("beat")
            workers[0].start("first")
            workers[1].start("second")
            wait_for(
                # More running than the other worker's four: the one killed is in the middle of a send.
                lambda: done.count() >= mix.total // 10 and UpstreamWrite.objects.filter(status="running").count() >= 5,
                seconds=DEADLINE_SECONDS, what="a tenth done",
            )  # fmt: skip
            stranded = dict(UpstreamWrite.objects.filter(status="running").values_list("pk", "attempts"))
            workers[0].kill()
            worker_killed, taken_over = time.monotonic(), []

            def watching(condition):
                """``condition``, noting meanwhile when the killed worker's writes were taken over."""

                def check() -> bool:
                    if not taken_over:
                        now = UpstreamWrite.objects.filter(pk__in=stranded).values_list(
                            "pk", "status", "attempts"
                        )
                        if all(status != "running" or tries > stranded[pk] for pk, status, tries in now):
                            taken_over.append(time.monotonic() - worker_killed)
                    return condition()

                return check

            workers[2].start("third")
            third = watching(lambda: done.count() >= mix.total // 3)
            wait_for(third, seconds=DEADLINE_SECONDS, what="a third done")
            in_broker = server.waiting("writes")
            # What waits for the broker, not for the killed worker's writes to be taken over.
            behind = UpstreamWrite.objects.filter(pk__in=stranded).values_list("target", flat=True)
            waiting = set(
                UpstreamWrite.objects.exclude(status="done")
                .exclude(pk__in=stranded)
                .exclude(target__in=[target for target in behind if target])
                .values_list("pk", flat=True)
            )
            server.kill()
            killed, killed_clock = time.monotonic(), datetime.now()
            server.start()
            back_after = time.monotonic() - killed
            applied = UpstreamWrite.objects.filter(pk__in=waiting, status="done")
            wait_for(
                watching(lambda: applied.count() == len(waiting)),
                seconds=DEADLINE_SECONDS,
                what="all applied",
            )
            all_after = time.monotonic() - killed
            finished = watching(
                lambda: not UpstreamWrite.objects.exclude(status__in=("done", "failed")).exists()
            )
            wait_for(finished, seconds=DEADLINE_SECONDS, what="every write finished")
            takeover = taken_over[0] if taken_over else float("nan")
            live = (workers[1], workers[2])
            reconnected = [reconnected_after(p.log, killed_clock) for p in live]
            reconnected_after_kill = (
                max(reconnected) if all(r is not None for r in reconnected) else float("nan")
            )
            exited = [p.log.stem for p in (beat, workers[1], workers[2]) if not p.alive]
        finally:
            stop_all(*workers, beat)
            server.stop()
            sandbox.configure(latency=0.0, error_rate=0.0, timeout_rate=0.0, lost_answer_rate=0.0)
        after = sandbox.stats()["objects"]
    wanted = growth(expect)
    difference = {key: after[key] - before[key] - grown for key, grown in wanted.items()}
    not_done = UpstreamWrite.objects.exclude(status="done").count()
    return Outcome(
        broker=name, writes=mix.total, lost=not_done + sum(-d for d in difference.values() if d < 0),
        twice=sum(d for d in difference.values() if d > 0), exited=", ".join(exited) or "none",
        takeover=takeover, back_after=back_after, reconnected=reconnected_after_kill, all_after=all_after,
        in_broker=in_broker,
    )  # fmt: skip


def report(outcomes: list[Outcome]) -> None:
    """One row per broker: lost, twice and exits over all rounds; times as the median of the rounds."""
    print()
    print("| broker | rounds x writes | lost | applied twice | process exited | killed worker's writes taken over "
          "| wake-ups in the broker at its kill | broker answers again | workers connected again "
          "| writes waiting at the kill all applied |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for broker in dict.fromkeys(o.broker for o in outcomes):
        runs = [o for o in outcomes if o.broker == broker]

        def median(field: str, runs=runs) -> str:
            return f"{statistics.median(getattr(o, field) for o in runs):.1f} s"

        exited = sorted({name for o in runs for name in o.exited.split(", ") if name != "none"})
        print(f"| {broker} | {len(runs)} x {runs[0].writes} | {sum(o.lost for o in runs)} "
              f"| {sum(o.twice for o in runs)} | {', '.join(exited) or 'none'} | {median('takeover')} "
              f"| {statistics.median(o.in_broker for o in runs):g} | {median('back_after')} "
              f"| {median('reconnected')} | {median('all_after')} |")  # fmt: skip
    print(
        "\n(medians of the rounds. Each round: a worker killed mid-send, then, a third of the writes done, the broker"
        "\nkilled and started again at once; the last three columns count from the broker's SIGKILL and leave out"
        "\nthe killed worker's writes and the writes waiting behind them on their objects)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, choices=(50, 300), default=300)
    parser.add_argument("--brokers", default="redis,redis-aof,rabbitmq")
    parser.add_argument("--rounds", type=int, default=1, help="fault runs per broker (medians are shown)")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="broker-faults-"))
    setup_django(args.database_url or f"sqlite:///{workdir / 'outbox.sqlite3'}", workdir)
    from harness import REDIS_SERVER

    outcomes = []
    for name in [name for _ in range(args.rounds) for name in args.brokers.split(",")]:
        if name.startswith("redis"):
            if not Path(REDIS_SERVER).exists():
                print(f"{name}: skipped, no {REDIS_SERVER}", file=sys.stderr)
                continue
            server = redis_server(workdir / f"{name}-{len(outcomes)}", persistent=name == "redis-aof")
        elif name == "rabbitmq":
            if not Path(RABBITMQ_SERVER).exists():
                print(f"{name}: skipped, no {RABBITMQ_SERVER}", file=sys.stderr)
                continue
            server = RabbitServer(workdir / f"{name}-{len(outcomes)}")
        else:
            parser.error(f"unknown broker {name!r}")
        print(f"{name}: fault run with {args.writes} writes...", file=sys.stderr)
        outcomes.append(fault_run(name, server, args, workdir))
    report(outcomes)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
