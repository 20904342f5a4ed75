"""The `kpiengine` command: thin commands that parse arguments, call the library, format."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from kpiengine.checks import Check, Severity
from kpiengine.data.cache_policy import CachePolicy, caching
from kpiengine.errors import ConfigError, KpiEngineError
from kpiengine.plugins import Registry, add_commands, registry
from kpiengine.printable import printable

F = TypeVar("F", bound=Callable[..., Any])

PREVIEW_LIMIT = 1_000_000
"""The most records `preview --limit` shows: enough to pipe a whole export to a file, and a
number DuckDB's LIMIT takes."""


def say(text: str, err: bool = True) -> None:
    """Print a line of the command's own on stderr (or stdout), control characters escaped:
    a message may quote a name, a value or a path from the ruleset or the data."""
    click.echo(printable(text, lines=True), err=err)


def reports_errors(fn: F) -> F:
    """Library errors become a message on stderr and exit code 1; anything else is a bug."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            for problem in exc.problems:
                say(problem.format())
            raise SystemExit(1) from None
        except KpiEngineError as exc:
            say(f"error: {exc}")
            raise SystemExit(1) from None

    return wrapper  # type: ignore[return-value]


def ruleset_option(fn: F) -> F:
    return click.option(
        "--ruleset",
        "-r",
        "ruleset",
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="The ruleset YAML file.",
    )(fn)


def period_option(fn: F) -> F:
    return click.option(
        "--period",
        "-p",
        "periods",
        multiple=True,
        metavar="PERIOD",
        help="Only this period (e.g. 2025-Q1); repeat for several. Default: every period.",
    )(fn)


def cache_options(fn: F) -> F:
    """--refresh and --no-cache, for the commands that fetch sources through the cache."""
    fn = click.option(
        "--no-cache",
        "no_cache",
        is_flag=True,
        help="Neither read nor write the local cache of fetched source data.",
    )(fn)
    return click.option(
        "--refresh",
        is_flag=True,
        help="Fetch every source again instead of reusing the local cache "
        "(.kpiengine-cache/ beside the ruleset, or $KPIENGINE_CACHE_DIR), and update the cache.",
    )(fn)


def _policy(refresh: bool, no_cache: bool) -> CachePolicy:
    return CachePolicy(enabled=not no_cache, refresh=refresh)


def _plugins() -> Registry:
    return registry()


def show_checks(checks: Sequence[Check]) -> None:
    """The data checks' findings on stderr: a count by severity, then one line each."""
    if not checks:
        return
    counts = Counter(c.severity for c in checks)
    words: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}
    summary = ", ".join(
        f"{counts[s]} {words[s]}{'s' if counts[s] > 1 else ''}" for s in words if counts[s]
    )
    say(f"checks: {summary}")
    for check in checks:
        say(f"  {check.line()}")


def _warn(loaded_warnings: Any) -> None:
    for problem in loaded_warnings:
        say(problem.format())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpiengine")
def cli() -> None:
    """Run a sales performance plan written as a YAML ruleset.

    \b
    Example:
        kpiengine run --ruleset rulesets/2025.yaml
    """


@cli.command()
@ruleset_option
@period_option
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="PLUGIN[:TARGET]",
    help="Write with this output plugin instead of the ruleset's outputs, "
    "e.g. json:- (stdout) or csv:out.csv. Repeatable.",
)
@click.option(
    "--output-dir",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the ruleset's outputs (and files such as a csv source's rejects) in this folder "
    "instead of the ruleset's: their paths are taken from it, and stay inside it.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Stop on a warning of the data checks too (exit 1, nothing written), not only on an "
    "error.",
)
@cache_options
@reports_errors
def run(
    ruleset: Path,
    periods: tuple[str, ...],
    outputs: tuple[str, ...],
    output_dir: Path | None,
    strict: bool,
    refresh: bool,
    no_cache: bool,
) -> None:
    """Evaluate the plan and write the results.

    Records fetched from network sources are kept in a local cache and reused by the next run;
    --refresh fetches them again. The data checks' findings are printed at the end (and are in
    the JSON results); an error among them stops the run, and with --strict a warning does too.
    The ruleset's outputs write inside its folder (or --output-dir); -o writes anywhere but onto
    the ruleset or a file the run reads.

    \b
    Example:
        kpiengine run --ruleset rulesets/2025.yaml --period 2025-Q1 -o json:-
        kpiengine run --ruleset rulesets/2025.yaml --refresh
        kpiengine run --ruleset plans/2025.yaml --output-dir /srv/results/2025
    """
    from kpiengine.cli.runner import parse_output, run_and_write
    from kpiengine.plan.load import load_ruleset
    from kpiengine.plan.written_files import writing_into

    reg = _plugins()
    try:
        requests = [parse_output(text, reg) for text in outputs]
    except KpiEngineError as exc:
        raise click.UsageError(str(exc)) from None
    loaded = load_ruleset(ruleset, reg)
    _warn(loaded.warnings)
    with caching(_policy(refresh, no_cache)), writing_into(output_dir):
        checks, written = run_and_write(loaded.ruleset, reg, periods, requests, strict=strict)
    for line in written:
        say(line)
    show_checks(checks)


@cli.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--data",
    is_flag=True,
    help="Also fetch every source (through the cache, as a run does) and run the data checks, "
    "without evaluating the plan.",
)
@click.option("--strict", is_flag=True, help="With --data: a warning of the data checks fails too.")
@cache_options
@reports_errors
def validate(
    files: tuple[Path, ...], data: bool, strict: bool, refresh: bool, no_cache: bool
) -> None:
    """Check rulesets and report every problem as file:line:col: path: message.

    Local files (csv, parquet) are checked too: each must be there, readable, with every column
    the plan reads. Network sources are not fetched, unless --data asks to: then every source is
    read and the data checks run (unknown owners, text no record has, target rows the plan
    cannot place, …), so a new month's export can be checked before the run.

    \b
    Example:
        kpiengine validate rulesets/*.yaml
        kpiengine validate --data rulesets/2025.yaml
    """
    reg = _plugins()
    with caching(_policy(refresh, no_cache)):
        results = [_validate_one(file, reg, data, strict) for file in files]
    if not all(results):
        raise SystemExit(1)


def _validate_one(file: Path, reg: Registry, data: bool, strict: bool) -> bool:
    """Report one ruleset's problems (and, with `data`, its data checks); whether it passed."""
    from kpiengine.checks import failing
    from kpiengine.checks.local import local_target_checks
    from kpiengine.checks.sources import check_sources
    from kpiengine.data.local_check import local_file_problems
    from kpiengine.plan.load import load_ruleset

    try:
        loaded = load_ruleset(file, reg)
        _warn(loaded.warnings)
        unfit = local_file_problems(loaded.ruleset, reg)
        for sentence in unfit:
            say(f"{file}: {sentence}")
        if unfit:
            return False
        checks = check_sources(loaded.ruleset, reg) if data else ()
        checks = checks or tuple(local_target_checks(loaded.ruleset, reg))
    except ConfigError as exc:
        for problem in exc.problems:
            say(problem.format())
        return False
    except KpiEngineError as exc:
        say(f"{file}: {exc}")
        return False
    show_checks(checks)
    stopping = failing(checks, strict)
    if stopping:
        why = " (--strict fails on warnings too)" if strict else ""
        say(f"{file}: the data failed {len(stopping)} of the checks{why}")
        return False
    say(f"{file}: ok", err=False)
    return True


@cli.command()
@ruleset_option
@click.option("--subject", "-s", required=True, help="The subject (person) id, e.g. R001.")
@period_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json: each period's result row as `run -o json:-` writes it, "
    "with a `derivation` object.",
)
@cache_options
@reports_errors
def explain(
    ruleset: Path,
    subject: str,
    periods: tuple[str, ...],
    fmt: str,
    refresh: bool,
    no_cache: bool,
) -> None:
    """Show how each number of one person's result was derived.

    \b
    Example:
        kpiengine explain --ruleset rulesets/2025.yaml --subject R001 --period 2025-Q1
    """
    from kpiengine.cli.explain import explain as explain_lines
    from kpiengine.cli.explain_json import explain_json
    from kpiengine.evaluate.engine import evaluate
    from kpiengine.plan.load import load_ruleset

    reg = _plugins()
    loaded = load_ruleset(ruleset, reg)
    with caching(_policy(refresh, no_cache)):
        run_ = evaluate(loaded.ruleset, reg, periods, trace=True)
    if fmt == "json":
        click.echo(explain_json(run_, subject))
    else:
        say("\n".join(explain_lines(run_, subject)).rstrip(), err=False)
    show_checks(run_.checks)


@cli.command()
@ruleset_option
@click.option("--source", "source_id", required=True, help="The source's id under `sources`.")
@click.option(
    "--limit",
    "-n",
    default=10,
    show_default=True,
    type=click.IntRange(min=1, max=PREVIEW_LIMIT),
    help=f"How many records to show (at most {PREVIEW_LIMIT:,}).",
)
@reports_errors
def preview(ruleset: Path, source_id: str, limit: int) -> None:
    """Fetch one source and show its first records as the plan reads them.

    Columns are named as the ruleset names them (after `fields`), typed as the plan needs them;
    the records always come from the source itself, never from the cache. Use it to check a
    connection or a field mapping.

    \b
    Example:
        kpiengine preview --ruleset rulesets/2025.yaml --source deals --limit 5
    """
    from rich.console import Console

    from kpiengine.data.preview import preview_source, show_preview
    from kpiengine.plan.load import load_ruleset

    reg = _plugins()
    loaded = load_ruleset(ruleset, reg)
    _warn(loaded.warnings)
    shown = preview_source(loaded.ruleset, reg, source_id, limit)
    show_preview(shown, Console(file=sys.stdout, highlight=False, emoji=False))
    for note in shown.notes:
        say(note)


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Also show each plugin's option keys.")
@reports_errors
def plugins(show_all: bool) -> None:
    """List installed plugins, their versions and what they register.

    \b
    Example:
        kpiengine plugins --all
    """
    from kpiengine.cli.plugin_info import describe_plugins

    click.echo(describe_plugins(show_all=show_all))


@cli.command()
@reports_errors
def schema() -> None:
    """Print the JSON Schema of rulesets, with every installed plugin's options.

    \b
    Example:
        kpiengine schema > schemas/ruleset.schema.json
    """
    from kpiengine.plan.load import schema_for

    click.echo(json.dumps(schema_for(_plugins()), ensure_ascii=False, indent=2))


def main() -> None:
    try:
        add_commands(cli)
    except KpiEngineError as exc:
        say(f"error: {exc}")
        sys.exit(1)
    cli(prog_name="kpiengine")


__all__ = ["cli", "main"]
