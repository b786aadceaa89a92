"""Command line: ``python -m techlink_sandbox serve|seed ...`` (see ``--help``)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .knobs import KnobError, Knobs, knobs_from_env


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .demo import seed_reference

    values = knobs_from_env()
    for name in (
        "latency",
        "error_rate",
        "timeout_rate",
        "lost_answer_rate",
        "lost_answer_mode",
        "hang_seconds",
    ):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    if args.always_http_200:
        values["always_http_200"] = True
    try:
        knobs = Knobs().updated(values)
    except KnobError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = _open_store(args.data_dir)
    if store.is_empty():
        seed_reference(store)
        print(
            f"{args.data_dir} held no data: created the demo account only "
            f"(run 'python -m techlink_sandbox seed' for sites and work orders)",
            file=sys.stderr,
        )
    app = create_app(args.data_dir, knobs=knobs, store=store, portal_url=args.portal_url)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=2)
    store.close()
    return 0


def _seed(args: argparse.Namespace) -> int:
    from .demo import seed_demo

    store = _open_store(args.data_dir)
    if args.if_empty and not store.is_empty():
        counts = store.stats()
        print(
            f"{args.data_dir} already holds {counts['sites']} sites and {counts['workorders']} work orders; "
            f"left as it is"
        )
        return 0
    if not store.is_empty():
        store.wipe()
    started = time.perf_counter()
    counts = seed_demo(store, sites=args.sites, workorders=args.workorders, random_seed=args.random_seed)
    store.close()
    print(
        f"Seeded {args.data_dir} in {time.perf_counter() - started:.1f}s: "
        + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    )
    return 0


def _open_store(data_dir: Path):
    from .persistence import DataDirInUse
    from .store import Store

    try:
        return Store(data_dir)
    except DataDirInUse as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m techlink_sandbox", description="TechLink API light sandbox."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API on HOST:PORT over the data in --data-dir")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--data-dir", type=Path, default=Path("var/sandbox"))
    serve.add_argument("--latency", help="'seed' (timings like the upstream docs, the default) or seconds")
    serve.add_argument("--error-rate", dest="error_rate", help="share of requests answered 500 (0-1)")
    serve.add_argument(
        "--timeout-rate", dest="timeout_rate", help="share of requests that hang, then 504 (0-1)"
    )
    serve.add_argument(
        "--lost-answer-rate",
        dest="lost_answer_rate",
        help="share of POST/DELETE applied whose answer is lost (0-1)",
    )
    serve.add_argument("--lost-answer-mode", dest="lost_answer_mode", help="hang, 502 or random (default)")
    serve.add_argument("--hang-seconds", dest="hang_seconds", help="how long a hang lasts (default 30)")
    serve.add_argument("--always-http-200", action="store_true", help="HTTP 200 even for error envelopes")
    serve.add_argument("--portal-url", help="address used in links (default: the address of each request)")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=_serve)

    seed = sub.add_parser("seed", help="replace the data in --data-dir with generated demo data")
    seed.add_argument("--data-dir", type=Path, default=Path("var/sandbox"))
    seed.add_argument("--sites", type=int, default=300)
    seed.add_argument("--workorders", type=int, default=3000)
    seed.add_argument("--random-seed", type=int, default=42)
    seed.add_argument(
        "--if-empty", action="store_true", help="do nothing when the data dir already holds data"
    )
    seed.set_defaults(func=_seed)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
