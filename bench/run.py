"""The benchmark: kpiengine and three hand-written baselines side by side, checked for agreement.

    python bench/run.py                                  # 200k deals, 500 reps, 3 rounds (< 1 min)
    python bench/run.py --deals 10M --reps 10k           # issue 4's target size
    python bench/run.py --deals 10M --reps 10k --parquet # everyone reads Parquet instead of CSV
    python bench/run.py --sizes 1M,10M,30M --reps 10k --skip-loop   # scaling

For each size: generate the data once (bench/data/d<deals>-r<reps>/, reused while current), then
run kpiengine (`kpiengine run --ruleset … -o json:… -o csv:…`) and each baseline in turn, as fresh
processes, --rounds times, measuring wall time and peak RSS. Then normalise every tool's CSV to
one table (bench/table.py) and compare: the baselines with each other first — money to the cent,
grades and ranks exactly, ratios and scores within 1e-9 — then kpiengine with them. Any
difference is printed with the first rows it affects, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import generate
from measure import Measurement, machine, measure
from table import COLUMNS, INCENTIVE_COLUMNS, Table, differences, read_table

BENCH = Path(__file__).resolve().parent
SHOWN_DIFFERENCES = 15


@dataclass
class Tool:
    name: str
    command: list[str]
    csv: Path
    json: Path
    stats: Path | None = None
    rounds: list[Measurement] = field(default_factory=list)
    estimates: list[float] = field(default_factory=list)
    hashes: set[str] = field(default_factory=set)

    @property
    def failed(self) -> Measurement | None:
        return next((m for m in self.rounds if m.returncode != 0), None)


# -- data and rulesets -------------------------------------------------------------------------


def size_tag(deals: int, reps: int) -> str:
    return f"d{deals}-r{reps}"


def without_incentives(text: str) -> str:
    """The ruleset text with its top-level `incentives:` block removed."""
    return re.sub(r"(?ms)^incentives:\n.*?(?=^\S)", "", text)


def ruleset_copy(source: Path, dest: Path, incentives: bool) -> Path:
    """The bench ruleset next to the data (its `data/` paths made local)."""
    text = source.read_text(encoding="utf-8").replace("path: data/", "path: ")
    dest.write_text(text if incentives else without_incentives(text), encoding="utf-8")
    return dest


def prepare(root: Path, deals: int, reps: int, seed: int) -> Path:
    folder = root / size_tag(deals, reps)
    params = generate.Params(deals, reps, seed)
    if generate.is_current(params, folder):
        print(f"data: reusing {folder}", file=sys.stderr)
    else:
        print(f"data: generating {deals:,} deals, {reps:,} reps in {folder} …", file=sys.stderr)
        generate.generate(params, folder)
    (folder / "out").mkdir(exist_ok=True)
    return folder


# -- the tools ---------------------------------------------------------------------------------


def kpiengine_command(text: str | None) -> list[str]:
    if text:
        return text.split()
    beside = Path(sys.executable).with_name("kpiengine")
    return [str(beside) if beside.exists() else "kpiengine"]


def make_tools(args: argparse.Namespace, folder: Path, deals: int) -> list[Tool]:
    incentives = not args.no_incentives
    kind = "parquet" if args.parquet else "csv"
    ruleset = ruleset_copy(
        BENCH / ("ruleset.parquet.yaml" if args.parquet else "ruleset.yaml"),
        folder / f"ruleset-{kind}{'' if incentives else '-no-incentives'}.yaml",
        incentives,
    )
    out = folder / "out"
    flags = [*(["--parquet"] if args.parquet else []), *([] if incentives else ["--no-incentives"])]

    def files(name: str) -> tuple[Path, Path]:
        return out / f"{name}.csv", out / f"{name}.{'jsonl' if name != 'kpiengine' else 'json'}"

    tools = []
    csv_out, json_out = files("kpiengine")
    engine = [*kpiengine_command(args.kpiengine), "run", "--ruleset", str(ruleset)]
    tools.append(Tool("kpiengine", [*engine, "-o", f"json:{json_out}", "-o", f"csv:{csv_out}"],
                      csv_out, json_out))  # fmt: skip
    for name in ("duckdb", "pandas"):
        csv_out, json_out = files(name)
        script = str(BENCH / f"baseline_{name}.py")
        command = [sys.executable, script, "--data", str(folder), "--csv", str(csv_out)]
        tools.append(Tool(name, [*command, "--json", str(json_out), *flags], csv_out, json_out))
    if not args.skip_loop:
        csv_out, json_out = files("loop")
        stats = out / "loop-stats.json"
        command = [sys.executable, str(BENCH / "baseline_loop.py"), "--ruleset", str(ruleset),
                   "--csv", str(csv_out), "--json", str(json_out), "--stats", str(stats),
                   "--max-deals", str(args.loop_max_deals), "--total-deals", str(deals),
                   *([] if incentives else ["--no-incentives"])]  # fmt: skip
        tools.append(Tool("loop", command, csv_out, json_out, stats))
    return tools


def loop_estimate(measured: Measurement, stats_path: Path) -> float:
    """The loop's full-size time: the measured run (which read every record) plus evaluating
    the records and scoring the reps it skipped at the rate it evaluated the others."""
    stats = json.loads(stats_path.read_text())
    skipped = stats["records"] - stats["evaluated"]
    extra = stats["eval_seconds"] * skipped / max(1, stats["evaluated"])
    extra += stats["score_seconds"] * (stats["all_reps"] - stats["reps"]) / max(1, stats["reps"])
    return measured.seconds + float(extra)


def run_rounds(tools: list[Tool], rounds: int) -> None:
    for number in range(1, rounds + 1):
        for tool in tools:
            if tool.failed:
                continue
            result = measure(tool.command)
            tool.rounds.append(result)
            note = f"{result.seconds:8.2f} s {result.peak_rss_mib:8.0f} MiB"
            if result.returncode != 0:
                note += f"  FAILED (exit {result.returncode})"
            elif tool.stats is not None:
                tool.estimates.append(loop_estimate(result, tool.stats))
                note += f"  (full size ≈ {tool.estimates[-1]:.1f} s)"
            if tool.name == "kpiengine" and result.returncode == 0:
                tool.hashes.add(digest(tool.json) + digest(tool.csv))
            print(f"round {number}: {tool.name:<10} {note}", file=sys.stderr)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the correctness check ---------------------------------------------------------------------


def loop_is_partial(tool: Tool) -> bool:
    if tool.stats is None or not tool.stats.exists():
        return False
    stats = json.loads(tool.stats.read_text())
    return bool(stats["reps"] < stats["all_reps"])


def compared_columns(tool: Tool, incentives: bool) -> list[str]:
    columns = [c for c in COLUMNS if incentives or c not in INCENTIVE_COLUMNS]
    if loop_is_partial(tool):  # a slice of whole teams: region ranks need every team
        columns.remove("rank.region")
    return columns


def report_differences(title: str, found: list[Any]) -> None:
    print(f"\n✗ {title}: {len(found)} differences", file=sys.stderr)
    print("  by column: " + ", ".join(f"{c} {n}" for c, n in
                                      Counter(d.column for d in found).most_common()))  # fmt: skip
    for difference in found[:SHOWN_DIFFERENCES]:
        print(f"  {difference}", file=sys.stderr)


def engine_json_problems(table: Table, path: Path) -> list[str]:
    """kpiengine's JSON must say what its CSV says (grade, payout, ranks, total)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for row in document["results"]:
        key = (row["subject"], row["period"])
        cells = table.get(key)
        if cells is None:
            problems.append(f"{key}: in the JSON, not in the CSV")
            continue
        if row["grade"] != cells["grade"] or str(row["ranks"].get("team")) != cells["rank.team"]:
            problems.append(f"{key}: JSON grade/rank {row['grade']}/{row['ranks']} vs CSV")
        if "payout" in cells and Decimal(row["payout"]) != Decimal(cells["payout"]):
            problems.append(f"{key}: JSON payout {row['payout']} vs CSV {cells['payout']}")
        if abs(row["total"] - float(cells["total"])) > 1e-9 * max(1.0, abs(row["total"])):
            problems.append(f"{key}: JSON total {row['total']} vs CSV {cells['total']}")
    if len(document["results"]) != len(table):
        problems.append(f"JSON has {len(document['results'])} results, CSV {len(table)}")
    return problems


def check(tools: list[Tool], incentives: bool) -> bool:
    """Baselines against the DuckDB reference, then kpiengine; True when everything agrees."""
    ok = True
    usable = [t for t in tools if t.rounds and not t.failed]
    tables = {t.name: read_table(t.csv, compared_columns(t, incentives)) for t in usable}
    reference = tables.get("duckdb")
    if reference is None:
        print("\n✗ no reference: the DuckDB baseline did not run", file=sys.stderr)
        return False
    for tool in usable:
        if tool.name == "duckdb":
            continue
        columns = compared_columns(tool, incentives)
        keys = tables[tool.name].keys() if loop_is_partial(tool) else None
        found = differences(reference, tables[tool.name], columns, keys)
        what = (
            "kpiengine vs the baselines" if tool.name == "kpiengine" else f"{tool.name} vs duckdb"
        )
        if found:
            ok = False
            report_differences(what, found)
        else:
            print(f"✓ {what}: {len(keys or reference):,} rep × month rows agree", file=sys.stderr)
    engine = next((t for t in usable if t.name == "kpiengine"), None)
    if engine is not None:
        ok = engine_consistent(engine, tables["kpiengine"]) and ok
    return ok


def engine_consistent(engine: Tool, table: Table) -> bool:
    problems = engine_json_problems(table, engine.json)
    if len(engine.hashes) > 1:
        problems.append(f"outputs differ between rounds ({len(engine.hashes)} versions)")
    for problem in problems[:SHOWN_DIFFERENCES]:
        print(f"✗ kpiengine: {problem}", file=sys.stderr)
    return not problems


# -- the report --------------------------------------------------------------------------------


def summary(tool: Tool) -> dict[str, Any]:
    seconds = [m.seconds for m in tool.rounds]
    result = {
        "tool": tool.name,
        "rounds": len(seconds),
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_rss_mib": max(m.peak_rss_mib for m in tool.rounds),
    }
    if tool.estimates and loop_is_partial(tool):
        result["full_size_estimate_s"] = statistics.median(tool.estimates)
    return result


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    engine = next((r for r in rows if r["tool"] == "kpiengine"), None)
    print(f"\n{title}")
    print(f"{'tool':<10} {'median s':>9} {'(min–max)':>15} {'peak RSS':>10} "
          f"{'kpiengine÷tool':>15} {'RSS ratio':>10}")  # fmt: skip
    for row in rows:
        seconds = row.get("full_size_estimate_s", row["median_s"])
        ratio = f"{engine['median_s'] / seconds:.2f}×" if engine else "—"
        rss = f"{engine['peak_rss_mib'] / row['peak_rss_mib']:.2f}×" if engine else "—"
        spread = f"({row['min_s']:.2f}–{row['max_s']:.2f})"
        shown = f"{seconds:.2f}" + ("*" if "full_size_estimate_s" in row else "")
        print(f"{row['tool']:<10} {shown:>9} {spread:>15} {row['peak_rss_mib']:>7.0f} MiB "
              f"{ratio:>15} {rss:>10}")  # fmt: skip
    loop = next((r for r in rows if "full_size_estimate_s" in r), None)
    if loop is not None:
        print(
            f"* loop: estimated for the full size from a slice; measured {loop['median_s']:.2f} s"
            " (the slice's teams only, reading every record)"
        )


def run_size(args: argparse.Namespace, deals: int) -> tuple[list[dict[str, Any]], bool]:
    folder = prepare(args.data_root, deals, args.reps, args.seed)
    tools = make_tools(args, folder, deals)
    run_rounds(tools, args.rounds)
    for tool in tools:
        failed = tool.failed
        if failed is not None:
            print(f"\n✗ {tool.name} failed (exit {failed.returncode}):\n{failed.stderr[-3000:]}",
                  file=sys.stderr)  # fmt: skip
    engine = tools[0]
    if engine.rounds and engine.rounds[0].stderr.strip():
        lines = engine.rounds[0].stderr.strip().splitlines()
        print("kpiengine said: " + "\n  ".join(lines[:5]), file=sys.stderr)
    ok = check(tools, not args.no_incentives) and not any(t.failed for t in tools)
    rows = [summary(t) for t in tools if t.rounds and not t.failed]
    source = "Parquet" if args.parquet else "CSV"
    scope = "" if not args.no_incentives else ", WITHOUT incentives"
    print_table(rows, f"{deals:,} deals, {args.reps:,} reps × 12 months, {source} in{scope}, "
                      f"{args.rounds} rounds")  # fmt: skip
    return rows, ok


def print_scaling(results: dict[int, list[dict[str, Any]]]) -> None:
    print("\nscaling: median seconds (time growth ÷ size growth over the previous size;"
          " ≤ 1 is no worse than linear)")  # fmt: skip
    previous: dict[str, tuple[int, float]] = {}
    for deals, rows in results.items():
        cells = []
        for row in rows:
            seconds = row.get("full_size_estimate_s", row["median_s"])
            growth = ""
            if row["tool"] in previous:
                before_deals, before = previous[row["tool"]]
                growth = f" ({seconds / before / (deals / before_deals):.2f}×)"
            previous[row["tool"]] = (deals, seconds)
            cells.append(f"{row['tool']} {seconds:.2f}{growth}")
        print(f"{deals:>12,}: " + ", ".join(cells))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    count = generate.parse_count
    parser.add_argument("--deals", type=count, default=200_000, help="deals (200k, 1M, 10M)")
    parser.add_argument("--reps", type=count, default=500, help="reps (500, 10k)")
    parser.add_argument("--sizes", help="several deal counts for a scaling run: 1M,10M,30M")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parquet", action="store_true", help="Parquet input for every tool")
    parser.add_argument("--skip-loop", action="store_true", help="leave out the per-record loop")
    parser.add_argument(
        "--loop-max-deals",
        type=count,
        default=200_000,
        help="the loop evaluates about this many deals and scales (default 200k)",
    )
    parser.add_argument(
        "--no-incentives",
        action="store_true",
        help="everyone without incentives (for an engine that lacks them)",
    )
    parser.add_argument("--kpiengine", help="the command that runs kpiengine (default: kpiengine)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--data-root", type=Path, default=BENCH / "data")
    parser.add_argument("--save", type=Path, help="write the figures (JSON) to this file")
    return parser.parse_args(argv)


def engine_version() -> str:
    """The commit the figures belong to, and whether the engine's code had local changes."""
    git = ["git", "-C", str(BENCH.parent)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "src", "plugins"],
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return head.stdout.strip() + (" + uncommitted changes in src/ or plugins/" if dirty else "")


def busy_cpus(seconds: float = 1.0) -> float | None:
    """How many CPUs other processes keep busy right now (from /proc/stat over `seconds`) —
    unlike the load average, not inflated by the bench's own runs that just ended."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return None

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in stat.read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # all, idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total2, idle2 = sample()
    share = 1 - (idle2 - idle) / max(1, total2 - total)
    return share * (os.cpu_count() or 1)


def warn_if_busy(busy: float | None) -> None:
    if busy is not None and busy > 0.25:
        print(f"warning: other processes keep {busy:.1f} CPUs busy — the timings will be noisy "
              "(measure on an idle machine)", file=sys.stderr)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [generate.parse_count(s) for s in args.sizes.split(",")] if args.sizes else [args.deals]
    busy = busy_cpus()
    info = {
        **machine(),
        "kpiengine": engine_version(),
        "busy CPUs at start": "?" if busy is None else f"{busy:.2f}",
    }
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    warn_if_busy(busy)
    results: dict[int, list[dict[str, Any]]] = {}
    all_ok = True
    for deals in sizes:
        results[deals], ok = run_size(args, deals)
        all_ok = all_ok and ok
    if len(sizes) > 1:
        print_scaling(results)
    if args.save:
        saved = {"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
                 "results": {str(k): v for k, v in results.items()}, "agree": all_ok}  # fmt: skip
        args.save.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n")
    print("\nall results agree" if all_ok else "\nRESULTS DISAGREE (see above)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
