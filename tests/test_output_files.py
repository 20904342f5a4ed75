"""Output files: `-` and /dev/stdout are standard output, a symlink keeps its link, a device or
FIFO is written through, modes follow the umask, a killed write leaves the previous file, and
each file written is confirmed on stderr (never on stdout)."""

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from kpitest import EXAMPLE, invoke

from kpiengine import Output, OutputError, Written, atomic_write
from kpiengine.cli.runner import confirmations, write_outputs, write_side_by_side, writes_a_file
from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry
from kpiengine_csv import CsvOutput
from kpiengine_json import JsonOutput

KPIENGINE = Path(sys.executable).with_name("kpiengine")
ROWS = 48
"""Subject × period rows the example plan gives for all its periods."""


def kpiengine_run(*outputs, cwd, umask=None, **kwargs):
    """`kpiengine run` of the example plan as its own process, its stdout a pipe unless given."""
    args = [str(KPIENGINE), "run", "--ruleset", str(EXAMPLE)]
    args += [a for o in outputs for a in ("-o", o)]
    kwargs.setdefault("stdout", subprocess.PIPE)
    preexec = None if umask is None else (lambda: os.umask(umask))
    return subprocess.run(
        args, cwd=cwd, stderr=subprocess.PIPE, preexec_fn=preexec, check=False, **kwargs
    )


@pytest.fixture(scope="module")
def example():
    """The example plan's results, for the tests that write them directly."""
    reg = registry()
    run = evaluate(load_ruleset(EXAMPLE, reg).ruleset, reg, ())
    run.store.close()
    return run.results


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --- standard output ------------------------------------------------------------------------


def test_csv_dash_prints_the_csv_on_stdout_and_confirms_nothing(tmp_path):
    done = kpiengine_run("csv:-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    assert lines[0].startswith("subject,name,period,")  # plain UTF-8: no BOM on stdout
    assert len(lines) == 1 + ROWS
    assert b"wrote" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["/dev/stdout", "/proc/self/fd/1"])
def test_json_to_dev_stdout_prints_the_document(tmp_path, name):
    if not Path(name).exists():
        pytest.skip(f"{name} does not exist here")
    done = kpiengine_run(f"json:{name}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert len(json.loads(done.stdout)["results"]) == ROWS
    assert b"wrote" not in done.stderr
    assert Path(name).is_symlink() or not Path(name).is_file()  # not replaced by a file


@pytest.mark.parametrize("linked", [False, True], ids=["/dev/stdout", "a link to it"])
def test_dev_stdout_appended_to_a_file_is_written_through_not_replaced(tmp_path, linked):
    log = tmp_path / "log.txt"
    log.write_text("earlier line\n", "utf-8")
    before = os.stat(log).st_ino
    name = "/dev/stdout"
    if linked:
        (tmp_path / "links").mkdir()
        (tmp_path / "links" / "out.json").symlink_to(name)
        name = "links/out.json"
    with open(log, "ab") as handle:
        done = kpiengine_run(f"json:{name}", cwd=tmp_path, stdout=handle)
    assert done.returncode == 0, done.stderr.decode()
    text = log.read_text("utf-8")
    assert text.startswith("earlier line\n{")  # appended, not truncated
    assert len(json.loads(text.removeprefix("earlier line\n"))["results"]) == ROWS
    assert os.stat(log).st_ino == before
    assert b"wrote" not in done.stderr
    files = [p for p in tmp_path.rglob("*") if not p.is_dir()]
    assert sorted(p.name for p in files if not p.is_symlink()) == ["log.txt"]
    assert all(os.readlink(p) == "/dev/stdout" for p in files if p.is_symlink())


class LinesOutput(Output):
    """A third party's file output with a `path` target, written through `open_target`."""

    name = "lines"
    target_option = "path"

    def write(self, results):
        with self.open_target() as handle:
            handle.write(f"{results}\n".encode())
        return self.wrote("1 line")


def test_dash_is_stdout_for_any_output_with_a_path_target(tmp_path, capsys):
    written = LinesOutput({"path": "-"}, tmp_path).write("the results")
    assert capsys.readouterr().out == "the results\n"
    assert written == Written(None, "1 line") and written.confirmation() is None
    assert list(tmp_path.iterdir()) == []


def test_outputs_to_stdout_are_not_written_side_by_side(tmp_path):
    assert not writes_a_file(JsonOutput({"path": "/dev/stdout"}, tmp_path))
    assert not writes_a_file(CsvOutput({"path": "-"}, tmp_path))
    assert writes_a_file(CsvOutput({"path": "out.csv"}, tmp_path))


# --- new files, modes and confirmations -----------------------------------------------------


def test_new_files_get_the_umask_mode_and_each_is_confirmed_on_stderr(tmp_path):
    done = kpiengine_run("csv:out.csv", "json:sub/results.json", cwd=tmp_path, umask=0o022)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert [line for line in lines if line.startswith("wrote ")] == [
        f"wrote out.csv: {ROWS} rows",
        f"wrote sub/results.json: {ROWS} results, 28 groups",
    ]
    assert mode_of(tmp_path / "out.csv") == 0o644
    assert mode_of(tmp_path / "sub" / "results.json") == 0o644


def test_a_stricter_umask_gives_a_stricter_mode(tmp_path):
    previous = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "r.txt") as handle:
            handle.write("text\n")
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / "r.txt") == 0o640


def test_an_existing_file_keeps_its_mode(tmp_path, umask_022):
    target = tmp_path / "out.csv"
    target.write_text("previous\n", "utf-8")
    target.chmod(0o640)
    result = invoke("run", "--ruleset", EXAMPLE, "-o", f"csv:{target}")
    assert result.exit_code == 0, result.output
    assert mode_of(target) == 0o640
    assert target.read_text("utf-8-sig").startswith("subject,name,period,")
    assert f"wrote {target}: {ROWS} rows" in result.stderr  # outside the current folder: whole


def test_a_third_party_output_returning_none_confirms_nothing(tmp_path):
    class Quiet(Output):
        name = "quiet"

        def write(self, results):
            return None

    written = write_outputs([Quiet({}, tmp_path), LinesOutput({"path": "a.txt"}, tmp_path)], "r")
    assert confirmations(written) == [f"wrote {tmp_path / 'a.txt'}: 1 line"]


# --- symlinks, devices and FIFOs ------------------------------------------------------------


def test_a_symlinked_output_keeps_its_link_and_its_target_gets_the_results(tmp_path, umask_022):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "results.json"
    target.write_text("previous\n", "utf-8")
    target.chmod(0o600)
    link = tmp_path / "latest.json"
    link.symlink_to(Path("store") / "results.json")
    result = invoke("run", "--ruleset", EXAMPLE, "-o", f"json:{link}")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(Path("store") / "results.json")
    assert len(json.loads(target.read_text("utf-8"))["results"]) == ROWS
    assert mode_of(target) == 0o600
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["latest.json", "results.json", "store"]


def test_a_dangling_symlink_gets_its_target_created(tmp_path, umask_022, example):
    link = tmp_path / "latest.csv"
    link.symlink_to("made.csv")
    CsvOutput({"path": "latest.csv"}, tmp_path).write(example)
    assert link.is_symlink()
    assert (tmp_path / "made.csv").read_text("utf-8-sig").startswith("subject,")
    assert mode_of(tmp_path / "made.csv") == 0o644


def test_a_fifo_is_written_through_to_its_reader(tmp_path):
    fifo = tmp_path / "results.csv"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = invoke("run", "--ruleset", EXAMPLE, "-o", f"csv:{fifo}")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    lines = received[0].decode("utf-8-sig").splitlines()
    assert lines[0].startswith("subject,name,period,") and len(lines) == 1 + ROWS
    assert f"wrote {fifo}: {ROWS} rows" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_a_device_is_written_through(tmp_path):
    with atomic_write(Path("/dev/null"), mode="wb", encoding=None) as handle:
        handle.write(b"nothing to keep\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_folder_is_refused_with_a_sentence(tmp_path, example):
    (tmp_path / "out").mkdir()
    with pytest.raises(OutputError, match=r"cannot write .*out: Is a directory"):
        CsvOutput({"path": "out"}, tmp_path).write(example)


# --- a killed write -------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kpiengine import atomic_write

    with atomic_write(Path(sys.argv[1]), mode="wb", encoding=None) as handle:
        handle.write(b"half of the new results\\n" * 100_000)
        handle.flush()
        print("writing", flush=True)
        time.sleep(120)
        handle.write(b"the end\\n")
    """
)


def test_kill_9_during_a_write_leaves_the_previous_file_and_the_next_write_cleans_up(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous results\n", "utf-8")
    target.chmod(0o640)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline() == "writing\n"
        leftover = tmp_path / f".out.csv.{child.pid}.kpiengine-tmp"
        assert leftover.stat().st_size > 0
        assert mode_of(leftover) == 0o600  # the group may read only the whole file
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert target.read_text("utf-8") == "previous results\n"
    assert leftover.exists()

    with atomic_write(target) as handle:
        handle.write("new results\n")
    assert target.read_text("utf-8") == "new results\n"
    assert mode_of(target) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_temp_file_of_a_running_process_is_left_alone(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        theirs = tmp_path / f".out.csv.{sleeper.pid}.kpiengine-tmp"
        theirs.write_text("being written\n", "utf-8")
        other = tmp_path / ".other.csv.999999999.kpiengine-tmp"  # another file's: not ours
        other.write_text("x", "utf-8")
        with atomic_write(tmp_path / "out.csv") as handle:
            handle.write("new\n")
        assert theirs.exists() and other.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_one_file_written_twice_at_once_ends_whole(tmp_path, example):
    outputs = [CsvOutput({"path": "same.csv"}, tmp_path) for _ in range(3)]
    write_side_by_side(outputs, example)
    lines = (tmp_path / "same.csv").read_text("utf-8-sig").splitlines()
    assert len(lines) == 1 + ROWS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.csv", "same.csv.run.json"]
