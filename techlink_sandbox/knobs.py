"""Run-time behaviour knobs: latency and injected faults.

Every knob can come from the command line, from the environment (``SANDBOX_<NAME>``, e.g.
``SANDBOX_LATENCY=0``) or at run time from ``POST /_sandbox/config``.
"""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Timings drawn like the upstream documentation's samples ("time" members): reads 0.13-0.5 s, writes 0.3-1.6 s.
SEED_READ_LATENCY = (0.13, 0.5)
SEED_WRITE_LATENCY = (0.3, 1.6)
LOST_ANSWER_MODES = ("random", "hang", "502")


class KnobError(ValueError):
    pass


@dataclass
class Knobs:
    latency: str | float = "seed"  # "seed" or a fixed number of seconds
    error_rate: float = 0.0  # answer a 500 envelope without applying the request
    timeout_rate: float = 0.0  # hang ``hang_seconds``, then answer 504, without applying the request
    lost_answer_rate: float = 0.0  # POST/DELETE: apply the write, then lose the answer
    lost_answer_mode: str = "random"  # how an answer is lost: "hang", "502" (non-JSON body) or "random"
    hang_seconds: float = 30.0
    always_http_200: bool = False  # HTTP 200 for every envelope; the code is only in the envelope

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def updated(self, values: Mapping[str, Any]) -> Knobs:
        """A copy with ``values`` applied; raises KnobError naming the first bad knob."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise KnobError(f"Unknown knob: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        new = dataclasses.replace(self)
        for name, raw in values.items():
            setattr(new, name, _parse(name, raw))
        return new

    def latency_for(self, method: str, rng: random.Random) -> float:
        if self.latency == "seed":
            low, high = SEED_WRITE_LATENCY if method in ("POST", "DELETE") else SEED_READ_LATENCY
            return rng.uniform(low, high)
        return float(self.latency)


def _parse(name: str, raw: Any) -> Any:
    try:
        if name == "latency":
            if isinstance(raw, str) and raw.strip().lower() == "seed":
                return "seed"
            value = float(raw)
            if not 0 <= value <= 600:
                raise ValueError
            return value
        if name.endswith("_rate"):
            value = float(raw)
            if not 0 <= value <= 1:
                raise ValueError
            return value
        if name == "hang_seconds":
            value = float(raw)
            if not 0 <= value <= 3600:
                raise ValueError
            return value
        if name == "lost_answer_mode":
            if raw not in LOST_ANSWER_MODES:
                raise ValueError
            return raw
        if name == "always_http_200":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
    except (TypeError, ValueError):
        pass
    hints = {
        "latency": "'seed' or seconds between 0 and 600",
        "hang_seconds": "seconds between 0 and 3600",
        "lost_answer_mode": " or ".join(LOST_ANSWER_MODES),
        "always_http_200": "true or false",
    }
    raise KnobError(f"Invalid {name}: {raw!r} (expected {hints.get(name, 'a number between 0 and 1')})")


def knobs_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Knob values set as SANDBOX_<NAME> environment variables."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in dataclasses.fields(Knobs):
        key = "SANDBOX_" + f.name.upper()
        if environ.get(key, "") != "":
            values[f.name] = environ[key]
    return values
