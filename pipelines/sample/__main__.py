"""The sample generator's command line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines.sample.scenario import write_sample


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m pipelines.sample OUT_DIR`: write the sample scenario into OUT_DIR."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m pipelines.sample OUT_DIR", file=sys.stderr)
        return 2
    for path in write_sample(Path(args[0])):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
