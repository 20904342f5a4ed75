"""`kpiengine run`: choose the outputs, evaluate the plan, then write every output."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from kpiengine.checks import Check, ChecksFailed, failing
from kpiengine.connectors.redact import Redactor
from kpiengine.errors import KpiEngineError
from kpiengine.evaluate.engine import evaluate
from kpiengine.output import Output, Written
from kpiengine.phases import phase
from kpiengine.plan.envvars import variable_values
from kpiengine.plan.resolved_options import resolved_options
from kpiengine.plan.ruleset import OutputSpec, Ruleset
from kpiengine.plan.written_files import (
    placed_options,
    refuse_read_file,
    write_root,
    written_options,
)
from kpiengine.plugins import Registry
from kpiengine.results.destination import Replace, destination
from kpiengine.results.model import Results
from kpiengine.results.targets import target_path, to_standard_stream
from kpiengine.results.write_lock import folders_locked
from kpiengine.suggest import did_you_mean


@dataclass(frozen=True)
class OutputRequest:
    """`-o PLUGIN[:TARGET]` from the command line."""

    plugin: str
    target: str | None


def parse_output(text: str, reg: Registry) -> OutputRequest:
    plugin, _, target = text.partition(":")
    if plugin not in reg.outputs:
        raise KpiEngineError(
            f"-o {text}: there is no output plugin '{plugin}'{did_you_mean(plugin, reg.outputs)} "
            f"(installed: {', '.join(sorted(reg.outputs))})"
        )
    return OutputRequest(plugin, target or None)


def _check_options(plugin: str, cls: type[Output], options: dict[str, Any]) -> None:
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(cls.options_schema).iter_errors(options)
    )
    if error is not None:
        hint = f" — write -o {plugin}:TARGET" if cls.target_option else ""
        raise KpiEngineError(f"output '{plugin}': {error.message}{hint}")


def output_from_request(request: OutputRequest, reg: Registry) -> Output:
    cls = reg.output(request.plugin)
    options: dict[str, Any] = {}
    if request.target is not None:
        if cls.target_option is None:
            raise KpiEngineError(f"output '{request.plugin}' takes no target (-o {request.plugin})")
        options[cls.target_option] = request.target
    _check_options(request.plugin, cls, options)
    return cls(options, Path.cwd())


def make_outputs(
    ruleset: Ruleset, reg: Registry, requests: Sequence[OutputRequest]
) -> list[Output]:
    """The -o outputs if any were given, else the ruleset's, else the console. An -o output
    writes anywhere but onto the ruleset or a file the run reads; the ruleset's write in its
    folder or `--output-dir` (`plan.written_files`)."""
    if requests:
        outputs = [output_from_request(r, reg) for r in requests]
        for request, output in zip(requests, outputs, strict=True):
            _refuse_read_file(output, f"-o {request.plugin}:{request.target}", ruleset, reg)
        return outputs
    if not ruleset.outputs:
        return [output_from_request(OutputRequest("console", None), reg)]
    return [_ruleset_output(spec, i, ruleset, reg) for i, spec in enumerate(ruleset.outputs)]


def _refuse_read_file(output: Output, where: str, ruleset: Ruleset, reg: Registry) -> None:
    if writes_a_file(output):
        target = str(output.options[str(type(output).target_option)])
        refuse_read_file(Path(output.base_dir, target), where, ruleset, reg)


def _ruleset_output(spec: OutputSpec, index: int, ruleset: Ruleset, reg: Registry) -> Output:
    """An output of the ruleset's, given its options with their `${NAME}`s resolved and checked,
    and the files it writes placed in the run's write folder."""
    cls, where = reg.output(spec.plugin), f"outputs[{index}].options"
    options = resolved_options(spec.options, cls.options_schema, where)
    written = written_options(cls.options_schema, cls.target_option)
    return cls(placed_options(options, written, where, ruleset, reg), write_root(ruleset))


def run_and_write(
    ruleset: Ruleset,
    reg: Registry,
    periods: Sequence[str],
    requests: Sequence[OutputRequest],
    *,
    strict: bool = False,
) -> tuple[tuple[Check, ...], list[str]]:
    """Evaluate everything first, then write: a failed run — an error, or with `strict` a
    warning among the data checks — writes nothing. Returns the checks, to show, and a line
    per file written (`wrote out.csv: 48 rows`)."""
    outputs = make_outputs(ruleset, reg, requests)
    run = evaluate(ruleset, reg, periods)
    run.store.close()  # the records are no longer needed: free them before the outputs build text
    stopping = failing(run.checks, strict)
    if stopping:
        raise ChecksFailed(stopping, strict)
    hide = _naming(ruleset)
    with (
        phase(f"writing {', '.join(o.name for o in outputs)}"),
        folders_locked(written_folders(outputs)),
        hide.scrubbed(),
    ):
        written = write_outputs(outputs, run.results)
    return run.checks, [hide.redact(line) for line in confirmations(written)]


def _naming(ruleset: Ruleset) -> Redactor:
    """What shows the values of the outputs' variables as their `${NAME}`s."""
    return Redactor.naming(variable_values([dict(spec.options) for spec in ruleset.outputs]))


def written_folders(outputs: Sequence[Output]) -> list[Path]:
    """The folders the outputs write files into (replaced files: not standard output, devices
    or FIFOs)."""
    paths = [
        target_path(str(o.options[str(type(o).target_option)]), o.base_dir)
        for o in outputs
        if writes_a_file(o)
    ]
    return [p.parent for p in paths if _replaced(p)]


def _replaced(path: Path) -> bool:
    try:
        return isinstance(destination(path), Replace)
    except OSError:  # the write will say why the path cannot be written
        return False


def write_outputs(outputs: Sequence[Output], results: Results) -> list[Written | None]:
    """What each output's `write` returned, in order: the files side by side, then the rest."""
    files = [i for i, output in enumerate(outputs) if writes_a_file(output)]
    done = dict(zip(files, write_side_by_side([outputs[i] for i in files], results), strict=True))
    return [done[i] if i in done else output.write(results) for i, output in enumerate(outputs)]


def confirmations(written: Sequence[Written | None]) -> list[str]:
    """A line per `Written` that has one (a third-party output may return None)."""
    lines = (w.confirmation() for w in written if isinstance(w, Written))
    return [line for line in lines if line is not None]


def writes_a_file(output: Output) -> bool:
    """Whether the output writes a file of its own (not the screen, not a service)."""
    target = type(output).target_option
    value = output.options.get(target) if target == "path" else None
    return value is not None and not to_standard_stream(str(value), output.base_dir)


def write_side_by_side(outputs: Sequence[Output], results: Results) -> list[Written | None]:
    """File outputs write at the same time (each builds its text in DuckDB while another is
    writing); the first failure is raised once all have finished, each file whole or absent.
    Returns what each `write` returned."""
    if len(outputs) < 2:
        return [output.write(results) for output in outputs]
    with ThreadPoolExecutor(len(outputs)) as pool:
        futures = [pool.submit(output.write, results) for output in outputs]
    return [future.result() for future in futures]
