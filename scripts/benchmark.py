"""Measure import of a large catalog and the cost of list requests; print the figures.

Usage: .venv/bin/python scripts/benchmark.py [--images N] [--database-url URL]

Generates N images (100,000 by default) in the import format, imports them with
`flask images import` in a child process (whose peak memory is reported), then
times list requests through the test client and counts their SQL statements.
Without --database-url, a fresh SQLite file in a temporary folder is used.
Timings depend on the machine and its load: they are figures, not pass/fail.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TAGS = ["Ubuntu", "Rocky", "Debian", "GPU", "CUDA", "Jupyter", "RStudio", "Galaxy", "QIIME", "docker"]


def write_catalog(path: Path, count: int) -> None:
    """Write `count` generated images to `path` as a collection, one record at a time."""
    with path.open("w", encoding="utf-8") as target:
        target.write(f'{{"count": {count}, "next": null, "previous": null, "results": [')
        for number in range(count):
            record = {
                "id": str(uuid.UUID(int=number + 1)),
                "icon": None,
                "created_by": f"user{number % 200}",
                "name": f"Image {number} {TAGS[number % len(TAGS)]}",
                "tags": [TAGS[number % len(TAGS)], TAGS[(number // 7) % len(TAGS)]],
                "description": f"Generated image number {number} for the benchmark.",
                "start_date": f"20{10 + number % 15:02d}-0{1 + number % 9}-1{number % 10}T10:00:00.{number % 1000:03d}Z",
                "end_date": None,
                "private": number % 10 == 0,
                "versions": [
                    {
                        "alias": str(uuid.UUID(int=(number + 1) * 4 + version)),
                        "version": f"1.{version}",
                        "start_date": "2024-01-01T00:00:00.000Z",
                        "end_date": None,
                        "provider": 1 + (number + version) % 3,
                    }
                    for version in range(2)
                ],
            }
            target.write(("," if number else "") + json.dumps(record))
        target.write("]}")


def flask(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run `flask ARGS` in a child process; return (seconds, peak RSS in MiB)."""
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), *args], cwd=ROOT, env=env, check=True)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib / 1024


def time_requests(database_url: str) -> None:
    """Time list requests and count their statements."""
    from sqlalchemy import event

    from catalog import create_app
    from catalog.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark"})
    client = app.test_client()
    paths = [
        "/images",
        "/images?page_size=100",
        "/images?search=image%2099",
        "/images?tags=gpu&tags=cuda",
        "/images?ordering=name&page=400",
        "/images?created_by=user7",
        "/images?provider=2&page_size=100",
    ]
    if "browse" in app.blueprints:
        paths += ["/catalog/", "/catalog/?page_size=100&tags=ubuntu", "/tags", "/providers"]
    with app.app_context():
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        print(f"{'request':45} {'status':>6} {'median ms':>10} {'statements':>10}")
        for path in paths:
            samples = []
            for _ in range(5):
                statements.clear()
                started = time.perf_counter()
                response = client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            print(f"{path:45} {response.status_code:>6} {samples[2]:>10.1f} {len(statements):>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000, help="number of images to generate")
    parser.add_argument("--database-url", help="database to use (default: a new SQLite file)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        database_url = options.database_url or f"sqlite:///{folder}/benchmark.sqlite3"
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "benchmark", "LOG_LEVEL": "WARNING"}
        catalog_file = Path(folder) / "catalog.json"

        started = time.perf_counter()
        write_catalog(catalog_file, options.images)
        size_mib = catalog_file.stat().st_size / 2**20
        print(f"generated {options.images} images ({size_mib:.1f} MiB) in {time.perf_counter() - started:.1f} s")

        seconds, _ = flask(["db", "upgrade"], env)
        seconds, peak = flask(["images", "import", str(catalog_file)], env)
        print(f"import: {seconds:.1f} s, {options.images / seconds:.0f} images/s, peak RSS {peak:.0f} MiB")

        os.environ.update(env)
        time_requests(database_url)


if __name__ == "__main__":
    main()
