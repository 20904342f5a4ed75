"""Safe YAML loading that remembers the line and column of every key and value.

Nodes come from yaml's event stream (libyaml when installed) and the values are built here by
hand, so only plain data can come out, every node keeps its position, and hostile shapes (alias
bombs, deep nesting, huge files) are refused before they cost anything. yaml's own composer is
not used: it recurses once per nesting level and expands aliases without counting.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from types import MappingProxyType
from typing import Any, Final, NoReturn, Protocol

import yaml

from kpiengine.errors import ConfigError
from kpiengine.files import FileTooLarge, read_regular_file
from kpiengine.plan.problems import Path, Problem, Severity

MAX_BYTES: Final = 2 * 1024 * 1024
MAX_DEPTH: Final = 64
MAX_ALIASES: Final = 100
MAX_ALIAS_VALUES: Final = 10_000
MAX_VALUES: Final = 20_000
MAX_NUMBER_CHARS: Final = 100

_LOADER: Final = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_STD: Final = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_STD + name for name in ("str", "int", "float", "bool", "null"))
_COLLECTION_TAGS: Final[dict[str, type]] = {_STD + "map": dict, _STD + "seq": list}
_PLAIN_ONLY: Final = "a ruleset holds plain text, numbers, yes/no, lists and mappings only"
# What YAML allows in a stream (YAML 1.2 §5.1), checked up front so the reader never has to.
_NOT_PRINTABLE: Final = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in the YAML text."""

    line: int
    column: int


START: Final = Mark(1, 1)


@dataclass(frozen=True)
class Document:
    """A loaded YAML file: its plain data and where each key and value was written.

    `data` holds only dict (text keys), list, str, int, float, bool and None; dates stay text.
    A value reached through an alias is the anchored object itself (shared, not copied) and
    its inner positions fall back to the alias's mark. Treat `data` as read-only.
    `float_texts` holds each float as it was written (`0.05`, `.nan`), by its path: a float
    keeps about 15 digits, and what was written decides whether it kept them all.
    """

    file: str
    data: Any
    text: str
    value_marks: Mapping[Path, Mark]
    key_marks: Mapping[Path, Mark]
    float_texts: Mapping[Path, str] = field(default_factory=lambda: MappingProxyType({}))

    def locate(self, path: Path, *, key: bool = False) -> Mark:
        """The mark of the node at `path` (of its key with key=True), or of its nearest ancestor."""
        if key and path in self.key_marks:
            return self.key_marks[path]
        for end in range(len(path), -1, -1):
            mark = self.value_marks.get(path[:end])
            if mark is not None:
                return mark
        return START

    def problem(
        self, path: Path, message: str, *, key: bool = False, severity: Severity = "error"
    ) -> Problem:
        """A Problem located at `path` in this document."""
        mark = self.locate(path, key=key)
        return Problem(self.file, mark.line, mark.column, path, message, severity)


def load_document(path: FilePath, display: str | None = None) -> Document:
    """Load a YAML file; `display` is the name problems show (default: the path as given)."""
    file = display if display is not None else str(path)
    return load_text(_decode(_read_limited(path, file), file), file)


def load_text(text: str, file: str) -> Document:
    """Load YAML text, raising ConfigError with every problem found (never a traceback)."""
    _check_text(text, file)
    builder = _Builder(file)
    syntax_error = _feed(builder, text)
    if syntax_error is not None:
        builder.fail(syntax_error)
    return builder.document(text)


def _feed(builder: _Builder, text: str) -> Problem | None:
    """Feed yaml's events to the builder; a syntax error comes back as a Problem."""
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        return _syntax_problem(exc, text, builder.file)
    except yaml.YAMLError as exc:  # unmarked errors carry no position; the reader checks ran above
        return Problem(builder.file, 1, 1, (), f"YAML error: {exc}")
    return None


# -- the bytes and characters of the file --------------------------------------------------


def _at_start(file: str, message: str) -> ConfigError:
    return ConfigError([Problem(file, 1, 1, (), message)])


def _too_big() -> str:
    return (
        f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB; that is too big for a ruleset"
    )


def _read_limited(path: FilePath, file: str) -> bytes:
    try:
        return read_regular_file(path, MAX_BYTES)  # a FIFO or /dev/zero cannot hang us
    except FileTooLarge:
        raise _at_start(file, _too_big()) from None
    except OSError as exc:
        raise _at_start(file, f"cannot read the file: {exc.strerror or exc}") from exc


def _position(before: str) -> tuple[int, int]:
    """1-based line and column of the character that follows `before`."""
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _decode(raw: bytes, file: str) -> str:
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(raw[: exc.start].decode("utf-8", "replace"))
        message = (
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} here); "
            "save it as UTF-8 (in Excel or Notepad: 'Save as' → 'UTF-8')"
        )
        raise ConfigError([Problem(file, line, column, (), message)]) from exc


def _check_text(text: str, file: str) -> None:
    if len(text) > MAX_BYTES:  # a character is at least one byte: refuse before encoding
        raise _at_start(file, _too_big())
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, column = _position(text[: bad.start()])
        message = f"the character U+{ord(bad.group()):04X} is not allowed in YAML; remove it"
        raise ConfigError([Problem(file, line, column, (), message)])
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise _at_start(file, _too_big())


# -- scalars: YAML 1.2 core schema, with dates and yes/no left as the user wrote them ---------


def _sign(text: str) -> float:
    return -1.0 if text.startswith("-") else 1.0


_INT_FORMS: Final[list[tuple[re.Pattern[str], Callable[[str], int]]]] = [
    (re.compile(r"[-+]?[0-9]+"), int),
    (re.compile(r"0o[0-7]+"), lambda s: int(s[2:], 8)),
    (re.compile(r"0x[0-9a-fA-F]+"), lambda s: int(s[2:], 16)),
]
_FLOAT_FORMS: Final[list[tuple[re.Pattern[str], Callable[[str], float]]]] = [
    (re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"), float),
    (re.compile(r"[-+]?\.(inf|Inf|INF)"), lambda s: _sign(s) * float("inf")),
    (re.compile(r"\.(nan|NaN|NAN)"), lambda s: float("nan")),
]
_NULL_FORM: Final = re.compile(r"~|null|Null|NULL|")
_BOOL_FORMS: Final = {"true": True, "True": True, "TRUE": True}
_BOOL_FORMS.update({"false": False, "False": False, "FALSE": False})
_INVALID: Final = object()


def _as_int(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS:  # not a sensible number; keeps int() below its digit limit
        return _INVALID
    return next((conv(text) for form, conv in _INT_FORMS if form.fullmatch(text)), _INVALID)


def _as_float(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        return _INVALID
    whole = _as_int(text)
    if whole is not _INVALID:
        return float(whole)
    return next((conv(text) for form, conv in _FLOAT_FORMS if form.fullmatch(text)), _INVALID)


def _as_bool(text: str) -> Any:
    return _BOOL_FORMS.get(text, _INVALID)


def _as_null(text: str) -> Any:
    return None if _NULL_FORM.fullmatch(text) else _INVALID


_MAY_RESOLVE: Final = frozenset("0123456789+-.~nNtTfF")


def _core(text: str) -> Any:
    """A plain scalar: null, bool, int, float per YAML 1.2 core; anything else stays text."""
    if text and text[0] not in _MAY_RESOLVE:  # most text: skip the patterns
        return text
    for resolve in (_as_null, _as_bool, _as_int, _as_float):
        value = resolve(text)
        if value is not _INVALID:
            return value
    return text


_EXPLICIT: Final[dict[str, tuple[Callable[[str], Any], str]]] = {
    _INT: (_as_int, "whole number"),
    _FLOAT: (_as_float, "number"),
    _BOOL: (_as_bool, "yes/no value (true or false)"),
    _NULL: (_as_null, "null"),
}


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix(_STD) if tag.startswith(_STD) else tag


# -- building values from events --------------------------------------------------------------


class _YamlMark(Protocol):
    line: int
    column: int


def _mark(mark: _YamlMark | None) -> Mark:
    return START if mark is None else Mark(mark.line + 1, mark.column + 1)


@dataclass(frozen=True)
class _Anchored:
    value: Any
    size: int  # values in it, counting itself
    height: int  # nesting levels in it: 0 for a scalar


@dataclass
class _Node:
    """A mapping or list being built."""

    value: dict[str, Any] | list[Any]
    path: Path
    mark: Mark
    anchor: str | None
    key: str | None = None  # a mapping's key still waiting for its value
    first_keys: dict[str, Mark] = field(default_factory=dict)
    size: int = 1
    height: int = 1


def _kind(value: Any) -> str:
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else ""


def _key_not_text(key: Any, raw: str | None) -> str:
    if raw == "":
        return "a key is missing before ':'"
    if raw is not None:
        return f"the key {raw} must be text — write it in quotes: '{raw}'"
    return f"a key must be text, not {_kind(key) or repr(key)}"


class _Builder:
    """Turns yaml events into plain values, marks and problems, one event at a time."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.stack: list[_Node] = []
        self.anchors: dict[str, _Anchored] = {}
        self.alias_uses = 0
        self.values = 0
        self.alias_values = 0
        self.documents = 0
        self.root: Any = None
        self.value_marks: dict[Path, Mark] = {}
        self.key_marks: dict[Path, Mark] = {}
        self.float_texts: dict[Path, str] = {}

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        elif isinstance(event, yaml.MappingStartEvent):
            self._open(event, {})
        elif isinstance(event, yaml.SequenceStartEvent):
            self._open(event, [])
        elif isinstance(event, yaml.CollectionEndEvent):
            self._close()
        elif isinstance(event, yaml.DocumentStartEvent):
            self._document(event)

    def document(self, text: str) -> Document:
        if self.problems:
            raise ConfigError(self._sorted(self.problems))
        return Document(
            self.file,
            self.root,
            text,
            MappingProxyType(self.value_marks),
            MappingProxyType(self.key_marks),
            MappingProxyType(self.float_texts),
        )

    def fail(self, problem: Problem) -> NoReturn:
        """A refusal that stops loading, reported with the problems found before it."""
        raise ConfigError(self._sorted([*self.problems, problem]))

    @staticmethod
    def _sorted(problems: list[Problem]) -> list[Problem]:
        return sorted(problems, key=lambda p: (p.line, p.column))

    def _problem(self, mark: Mark, path: Path, message: str) -> Problem:
        return Problem(self.file, mark.line, mark.column, path, message)

    def _soft(self, mark: Mark, path: Path, message: str) -> None:
        self.problems.append(self._problem(mark, path, message))

    def _slot(self) -> tuple[Path, bool]:
        """The path of the node that starts now, and whether it stands where a key goes."""
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if isinstance(top.value, list):
            return (*top.path, len(top.value)), False
        if top.key is None:
            return top.path, True
        return (*top.path, top.key), False

    def _document(self, event: yaml.DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents > 1:
            message = "a second YAML document starts here ('---'); a ruleset file holds one"
            self.fail(self._problem(_mark(event.start_mark), (), message))

    def _too_deep(self, mark: Mark, path: Path) -> NoReturn:
        message = f"the YAML is nested more than {MAX_DEPTH} levels deep; flatten it"
        self.fail(self._problem(mark, path[:1], message))  # the full path would be 64 parts long

    def _open(self, event: yaml.CollectionStartEvent, value: dict[str, Any] | list[Any]) -> None:
        mark = _mark(event.start_mark)
        path, in_key = self._slot()
        if len(self.stack) + 1 > MAX_DEPTH:
            self._too_deep(mark, path)
        tag = event.tag
        if tag is not None and tag != "!" and _COLLECTION_TAGS.get(tag) is not type(value):
            self._soft(mark, path, f"the tag '{_tag_name(tag)}' is not allowed; {_PLAIN_ONLY}")
        if not in_key:
            self.value_marks[path] = mark
        self.stack.append(_Node(value, path, mark, event.anchor))

    def _close(self) -> None:
        node = self.stack.pop()
        self._place(node.value, node.mark, _Anchored(node.value, node.size, node.height))
        if node.anchor is not None:
            self.anchors[node.anchor] = _Anchored(node.value, node.size, node.height)

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        mark = _mark(event.start_mark)
        path, in_key = self._slot()
        value = self._resolve(event, mark, path)
        if in_key and value == "<<" and event.tag is None and event.implicit[0]:
            message = "merge keys ('<<') are not supported; write the keys out in full"
            self._soft(mark, path, message)
        if not in_key:
            self.value_marks[path] = mark
            if isinstance(value, float):
                self.float_texts[path] = event.value
        self._place(value, mark, _Anchored(value, 1, 0), raw=event.value)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchored(value, 1, 0)

    def _resolve(self, event: yaml.ScalarEvent, mark: Mark, path: Path) -> Any:
        tag, text = event.tag, event.value
        if tag is None:
            return _core(text) if event.implicit[0] else text
        if tag in ("!", _STR):
            return text
        if tag not in _EXPLICIT:
            self._soft(mark, path, f"the tag '{_tag_name(tag)}' is not allowed; {_PLAIN_ONLY}")
            return text
        convert, word = _EXPLICIT[tag]
        value = convert(text)
        if value is _INVALID:
            message = f"'{text}' is not a {word}, but it is tagged {_tag_name(tag)}"
            self._soft(mark, path, message)
            return text
        return value

    def _alias(self, event: yaml.AliasEvent) -> None:
        mark = _mark(event.start_mark)
        path, in_key = self._slot()
        self.alias_uses += 1
        if self.alias_uses > MAX_ALIASES:
            message = f"more than {MAX_ALIASES} aliases ('*name'); write the values out instead"
            self.fail(self._problem(mark, path, message))
        target = self._anchored(event.anchor or "", mark, path)
        self.alias_values += target.size
        if self.alias_values > MAX_ALIAS_VALUES:
            message = (
                f"the aliases in this file would expand to more than {MAX_ALIAS_VALUES:,} "
                "values; write the values out instead"
            )
            self.fail(self._problem(mark, path, message))
        if len(self.stack) + target.height > MAX_DEPTH:
            self._too_deep(mark, path)
        if not in_key:
            self.value_marks[path] = mark
        self._place(target.value, mark, target)

    def _anchored(self, name: str, mark: Mark, path: Path) -> _Anchored:
        if any(node.anchor == name for node in self.stack):
            message = f"the alias '*{name}' is inside the value '&{name}' names, so it never ends"
        elif name not in self.anchors:
            message = f"the alias '*{name}' has no anchor '&{name}' before it"
        else:
            return self.anchors[name]
        self._soft(mark, path, message)
        return _Anchored(None, 1, 0)

    def _place(self, value: Any, mark: Mark, shape: _Anchored, raw: str | None = None) -> None:
        """Put a finished value where it belongs: the root, a list, or a mapping's key or value."""
        self.values += shape.size
        if self.values > MAX_VALUES:
            message = f"the file holds more than {MAX_VALUES:,} values; that is too many"
            self.fail(self._problem(mark, self.stack[-1].path[:1] if self.stack else (), message))
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top.size += shape.size
        top.height = max(top.height, shape.height + 1)
        if isinstance(top.value, list):
            top.value.append(value)
        elif top.key is None:
            self._take_key(top, value, mark, raw)
        else:
            top.value[top.key] = value
            top.key = None

    def _take_key(self, top: _Node, key: Any, mark: Mark, raw: str | None) -> None:
        if not isinstance(key, str):
            self._soft(mark, top.path, _key_not_text(key, raw))
            key = f"<key at line {mark.line}, column {mark.column}>"  # refused anyway: keep going
        first = top.first_keys.get(key)
        if first is not None:
            message = f"key '{key}' appears twice; the first is at line {first.line}"
            self._soft(mark, (*top.path, key), message)
        else:
            top.first_keys[key] = mark
            self.key_marks[(*top.path, key)] = mark
        top.key = key


# -- syntax errors in the user's words ----------------------------------------------------------

_FRIENDLY: Final[list[tuple[re.Pattern[str], str]]] = [
    (
        re.compile(r"maximum nesting depth"),
        f"the YAML is nested more than {MAX_DEPTH} levels deep; flatten it",
    ),
    (
        re.compile(r"mapping values are not allowed"),
        "a ':' here starts a second key on one line — put text containing ': ' in quotes, "
        "or check the indentation",
    ),
    (re.compile(r"expected ',' or '\]'"), "a [ list ] is not closed: expected ',' or ']'"),
    (re.compile(r"expected ',' or '\}'"), "a { mapping } is not closed: expected ',' or '}'"),
    (
        re.compile(r"did not find expected key|expected <block end>"),
        "this does not fit here — check its indentation against the lines above, "
        "or put the value in quotes",
    ),
    (
        re.compile(r"expected '-' indicator"),
        "expected a '- ' list item here; check the indentation",
    ),
    (re.compile(r"expected (the )?node content"), "a value was expected here"),
    (re.compile(r"could not find expected ':'"), "a ':' is missing after this key"),
    (
        re.compile(r"unexpected end of stream"),
        "the file ends before this is finished — is a closing quote or bracket missing?",
    ),
    (
        re.compile(r"undefined tag handle"),
        f"unknown tag (text starting with '!'); {_PLAIN_ONLY}",
    ),
]
_CONTEXTS: Final = {
    "flow sequence": "the [ list ]",
    "flow mapping": "the { mapping }",
    "block mapping": "the mapping",
    "block collection": "the list",
    "quoted scalar": "the quoted text",
    "block scalar": "the block text",
}


def _char_at(text: str, mark: yaml.Mark) -> str:
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column] if mark.column < len(line) else ""


def _unexpected_char(char: str) -> str:
    if char == "\t":
        return "a tab cannot be used here; indent with spaces"
    return f"a value cannot start with '{char}' — put the value in quotes"


def _friendly(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or ""
    if "cannot start any token" in problem and exc.problem_mark is not None:
        return _unexpected_char(_char_at(text, exc.problem_mark))
    for pattern, message in _FRIENDLY:
        if pattern.search(problem):
            return message
    return f"YAML syntax error: {problem}"


def _context(exc: yaml.MarkedYAMLError) -> str:
    found = re.search(r"while (?:parsing|scanning) an? (.+)", exc.context or "")
    noun = _CONTEXTS.get(found.group(1)) if found else None
    if noun is None or exc.context_mark is None:
        return ""
    where = _mark(exc.context_mark)
    return f" (in {noun} that starts at line {where.line}, column {where.column})"


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    message = _friendly(exc, text)
    if "simple key" in (exc.context or ""):  # the scanner gives up a line later: show the key
        mark = _mark(exc.context_mark or exc.problem_mark)
    else:
        mark = _mark(exc.problem_mark)
        message += "" if "nested more than" in message else _context(exc)
    return Problem(file, mark.line, mark.column, (), message)
