"""The public contract for output plugins."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

from kpiengine.results.run_record import write_run_record
from kpiengine.results.targets import open_target, shown, target_path, to_standard_stream

if TYPE_CHECKING:
    from kpiengine.results.model import Results


@dataclass(frozen=True)
class Written:
    """What one `Output.write` wrote. Once every output has written, the run prints a line for
    each on stderr: `wrote WHERE: WHAT` (`wrote out.csv: 48 rows`). `where` None is standard
    output (or error), which needs no confirmation: no line is printed."""

    where: str | None
    what: str

    def confirmation(self) -> str | None:
        """The line the run prints, or None."""
        return None if self.where is None else f"wrote {self.where}: {self.what}"


class Output:
    """Base class of output plugins; register subclasses in `register_outputs`."""

    name: ClassVar[str]
    """The plugin name used in `outputs:` and in `-o NAME[:TARGET]`."""
    options_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    """JSON Schema (draft 2020-12) of the `options` mapping."""
    target_option: ClassVar[str | None] = None
    """The option that `-o NAME:TARGET` sets (e.g. `path`); None if the output takes no target."""

    def __init__(self, options: Mapping[str, Any], base_dir: Path) -> None:
        self.options = options
        self.base_dir = base_dir

    def write(self, results: Results) -> Written | None:
        """Write the results and say what was written (`return self.wrote("48 rows")`), or return
        None to print no confirmation; raise OutputError on failure, leaving no half-written
        file."""
        raise NotImplementedError

    def open_target(self, option: str | None = None) -> AbstractContextManager[IO[bytes]]:
        """The file the `target_option` (or another path `option`) names, open for bytes: `-` is
        standard output; a device, FIFO or /dev/stdout is written straight through; a regular
        file (a symlink's target) or new path is replaced when the `with` body finishes, and
        left as it was if it fails."""
        target = self._target() if option is None else str(self.options[option])
        return open_target(target, self.base_dir)

    def record_run(self, run_id: str | None, sha256: str, option: str | None = None) -> None:
        """Once the target (or another path `option`) is written, for a format with no place for
        the run's id (a CSV): write `TARGET.run.json` beside it with the id (`results.run_id`)
        and the SHA-256 of the bytes written (docs/results.md). Nothing for standard output, a
        device or a FIFO."""
        target = self._target() if option is None else str(self.options[option])
        if not to_standard_stream(target, self.base_dir):
            write_run_record(target_path(target, self.base_dir), run_id, sha256)

    def wrote(self, what: str, option: str | None = None) -> Written:
        """What `write` returns for its target (or another path `option`): `wrote <target>:
        <what>`, none for stdout."""
        target = self._target() if option is None else str(self.options[option])
        where = None if to_standard_stream(target, self.base_dir) else shown(target, self.base_dir)
        return Written(where, what)

    def _target(self) -> str:
        if self.target_option is None:
            raise TypeError(f"output '{self.name}' has no target_option: it writes no file")
        return str(self.options[self.target_option])
