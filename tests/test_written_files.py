"""Writes stay where the user meant: a ruleset writes inside its folder (or --output-dir), -o
anywhere the user can, and nothing is ever written onto the ruleset or a file the run reads.
Each output carries the run's id, so files of one run can be matched."""

import csv
import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pytest
from kpitest import invoke

from kpiengine.results.write_lock import folders_locked

PLAN = """\
kpiengine: 1
name: writes
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals: {{plugin: csv, options: {{path: deals.csv{deals_options}}}}}
subjects: {{source: reps, id: rep_id, name: name}}
indicators:
  - {{id: revenue, name: Revenue, weight: 100, target: 100,
     actual: {{source: deals, sum: amount, date: closed_on}}}}
grades:
  - {{grade: A, min: 0}}
{outputs}"""
DEALS = "owner,amount,closed_on\nR001,5,2025-01-02\nR002,7,2025-04-02\n"


def make_plan(folder, outputs="", deals_options=""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reps.csv").write_text("rep_id,name\nR001,Ann\nR002,Bob\n", "utf-8")
    (folder / "deals.csv").write_text(DEALS, "utf-8")
    plan = folder / "plan.yaml"
    plan.write_text(PLAN.format(outputs=outputs, deals_options=deals_options), "utf-8")
    return plan


def csv_output(path):
    return f'outputs:\n  - {{plugin: csv, options: {{path: "{path}"}}}}\n'


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A stand-in home folder, with a .bashrc the ruleset must not reach."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / ".bashrc").write_text("# the user's own\n", "utf-8")
    monkeypatch.setenv("HOME", str(folder))
    return folder


# -- a ruleset writes inside its folder --------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["{home}/.bashrc", "../out.csv", "results/../../out.csv", "${{HOME}}/.bashrc"],
    ids=["absolute", "parent", "parent-inside", "variable"],
)
def test_ruleset_output_outside_plan_folder_is_refused(tmp_path, home, monkeypatch, path):
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "HOME")  # even allowed, a variable names no output
    plan = make_plan(tmp_path / "plan", csv_output(path.format(home=home)))
    for command in (["validate", plan], ["run", "--ruleset", plan]):
        result = invoke(*command)
        assert result.exit_code == 1
        assert "plan.yaml:14:35: " in result.stderr and "outputs[0].options.path: " in result.stderr
    assert (home / ".bashrc").read_text("utf-8") == "# the user's own\n"
    assert not (tmp_path / "out.csv").exists()


def test_ruleset_output_onto_a_hidden_file_is_refused(home):
    plan = make_plan(home, csv_output(".bashrc"))  # a ruleset kept in the home folder itself
    result = invoke("run", "--ruleset", plan)
    assert result.exit_code == 1
    assert "outputs[0].options.path: names a hidden file or folder ('.bashrc')" in result.stderr
    assert (home / ".bashrc").read_text("utf-8") == "# the user's own\n"


def test_ruleset_output_through_a_link_out_of_the_folder_is_refused(tmp_path, home):
    plan = make_plan(tmp_path / "plan", csv_output("results/out.csv"))
    (tmp_path / "plan" / "results").symlink_to(home)
    result = invoke("run", "--ruleset", plan)
    assert result.exit_code == 1
    assert "outputs[0].options.path: results/out.csv leads out of the folder" in result.stderr
    assert sorted(p.name for p in home.iterdir()) == [".bashrc"]


def test_ruleset_output_inside_its_folder_is_written(tmp_path):
    plan = make_plan(tmp_path, csv_output("results/out.csv"))
    result = invoke("run", "--ruleset", plan)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "out.csv").exists()


def test_output_dir_holds_the_rulesets_outputs(tmp_path, monkeypatch):
    plan = make_plan(tmp_path / "plan", csv_output("results/out.csv"))
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "--ruleset", plan, "--output-dir", "shared/2025")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "shared" / "2025" / "results" / "out.csv").exists()
    assert not (tmp_path / "plan" / "results").exists()
    assert "wrote shared/2025/results/out.csv: 8 rows" in result.stderr


def test_dash_o_writes_anywhere_the_user_can(tmp_path):
    plan = make_plan(tmp_path / "plan", csv_output("results/out.csv"))
    elsewhere = tmp_path / "elsewhere" / "out.csv"
    result = invoke("run", "--ruleset", plan, "-o", f"csv:{elsewhere}")
    assert result.exit_code == 0, result.output
    assert elsewhere.exists() and not (tmp_path / "plan" / "results").exists()


# -- never onto the ruleset or a file the run reads ---------------------------------------------


@pytest.mark.parametrize("how", ["same", "relative", "link", "hard-link"])
def test_output_onto_the_ruleset_is_refused(tmp_path, monkeypatch, how):
    plan = make_plan(tmp_path)
    before = plan.read_bytes()
    monkeypatch.chdir(tmp_path)
    target = {"same": str(plan), "relative": "./plan.yaml", "link": "p.yaml", "hard-link": "h"}
    if how == "link":
        (tmp_path / "p.yaml").symlink_to(plan)
    if how == "hard-link":
        os.link(plan, tmp_path / "h")
    result = invoke("run", "--ruleset", plan, "-o", f"json:{target[how]}")
    assert result.exit_code == 1
    assert f"error: -o json:{target[how]}: " in result.stderr
    assert f"is the ruleset ({plan}): it is never written" in result.stderr
    assert plan.read_bytes() == before


def test_output_onto_an_input_file_is_refused(tmp_path):
    plan = make_plan(tmp_path)
    deals = tmp_path / "deals.csv"
    result = invoke("run", "--ruleset", plan, "-o", f"csv:{deals}")
    assert result.exit_code == 1
    assert f"is a file this run reads ({deals}): it is never written" in result.stderr
    assert deals.read_text("utf-8") == DEALS


def test_ruleset_output_onto_its_own_input_file_is_refused(tmp_path):
    plan = make_plan(tmp_path, csv_output("deals.csv"))
    result = invoke("run", "--ruleset", plan)
    assert result.exit_code == 1
    assert "outputs[0].options.path: " in result.stderr and "is a file this run reads" in (
        result.stderr
    )
    assert (tmp_path / "deals.csv").read_text("utf-8") == DEALS


def test_output_onto_a_file_a_variable_names_is_refused(tmp_path, monkeypatch):
    plan = make_plan(tmp_path)
    plan.write_text(plan.read_text("utf-8").replace("path: deals.csv", 'path: "${KPI_DEALS}"'))
    monkeypatch.setenv("KPI_DEALS", str(tmp_path / "deals.csv"))
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "KPI_DEALS")
    result = invoke("run", "--ruleset", plan, "-o", f"csv:{tmp_path / 'deals.csv'}")
    assert result.exit_code == 1
    assert "is a file this run reads" in result.stderr


# -- files a source writes (rejects) ------------------------------------------------------------

BAD_DEALS = "owner,amount,closed_on\nR001,5,2025-01-02\nR002,lots,2025-04-02\n"


@pytest.mark.parametrize("path", ["../rejects.csv", "/tmp/rejects.csv", ".rejects.csv"])
def test_rejects_outside_plan_folder_is_refused(tmp_path, path):
    options = f', on_error: skip, rejects: "{path}"'
    plan = make_plan(tmp_path / "plan", deals_options=options)
    result = invoke("validate", plan)
    assert result.exit_code == 1
    assert "sources.deals.options.rejects: " in result.stderr


def test_rejects_are_written_in_the_output_dir(tmp_path):
    plan = make_plan(tmp_path / "plan", deals_options=", on_error: skip, rejects: bad.csv")
    (tmp_path / "plan" / "deals.csv").write_text(BAD_DEALS, "utf-8")
    out = tmp_path / "out"
    result = invoke("run", "--ruleset", plan, "-o", "json:-", "--output-dir", out)
    assert result.exit_code == 0, result.output
    assert (out / "bad.csv").exists() and not (tmp_path / "plan" / "bad.csv").exists()


def test_rejects_onto_the_file_read_is_refused(tmp_path):
    plan = make_plan(tmp_path, deals_options=", on_error: skip, rejects: deals.csv")
    (tmp_path / "deals.csv").write_text(BAD_DEALS, "utf-8")
    result = invoke("run", "--ruleset", plan, "-o", "json:-")
    assert result.exit_code == 1
    assert "sources.deals.options.rejects: " in result.stderr
    assert (tmp_path / "deals.csv").read_text("utf-8") == BAD_DEALS


# -- the csv output's checks file ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["../checks.csv", "/tmp/checks.csv", ".checks.csv", "deals.csv"])
def test_a_checks_file_outside_the_plan_folder_or_onto_an_input_is_refused(tmp_path, path):
    outputs = f'outputs:\n  - {{plugin: csv, options: {{path: out.csv, checks: "{path}"}}}}\n'
    plan = make_plan(tmp_path / "plan", outputs)
    result = invoke("run", "--ruleset", plan)
    assert result.exit_code == 1
    assert "outputs[0].options.checks: " in result.stderr
    assert (tmp_path / "plan" / "deals.csv").read_text("utf-8") == DEALS
    assert not (tmp_path / "plan" / "out.csv").exists()


def test_a_checks_file_is_inert_in_a_spreadsheet_and_carries_the_run_id(tmp_path):
    outputs = "outputs:\n  - {plugin: csv, options: {path: out.csv, checks: checks.csv}}\n"
    plan = make_plan(tmp_path, outputs)
    (tmp_path / "deals.csv").write_text(DEALS + "=HYPERLINK(1),9,2025-01-03\n", "utf-8")
    result = invoke("run", "--ruleset", plan)
    assert result.exit_code == 0, result.output
    found = (tmp_path / "checks.csv").read_bytes()
    rows = list(csv.DictReader(found.decode("utf-8-sig").splitlines()))
    unknown = next(r for r in rows if r["code"] == "owner-unknown")
    assert "=HYPERLINK(1)" in unknown["message"]
    cells = [cell for row in rows for cell in row.values()]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    record = json.loads((tmp_path / "checks.csv.run.json").read_text("utf-8"))
    main = json.loads((tmp_path / "out.csv.run.json").read_text("utf-8"))
    assert record["run"] == main["run"]
    assert record["sha256"] == hashlib.sha256(found).hexdigest()


# -- the run id ---------------------------------------------------------------------------------


def run_both(plan, folder, *extra):
    result = invoke(
        "run", "--ruleset", plan, "-o", f"json:{folder}/r.json", "-o", f"csv:{folder}/r.csv", *extra
    )
    assert result.exit_code == 0, result.output
    document = json.loads((folder / "r.json").read_text("utf-8"))
    record = json.loads((folder / "r.csv.run.json").read_text("utf-8"))
    return document, record


def test_json_and_csv_of_one_run_carry_the_same_run_id(tmp_path):
    plan = make_plan(tmp_path)
    document, record = run_both(plan, tmp_path)
    assert document["run"]["id"] == record["run"]["id"]
    assert len(record["run"]["id"]) == 16
    assert record["file"] == "r.csv"
    assert record["sha256"] == hashlib.sha256((tmp_path / "r.csv").read_bytes()).hexdigest()
    assert "run" not in document["results"][0]  # never inside a result row
    rows = list(csv.reader((tmp_path / "r.csv").read_text("utf-8-sig").splitlines()))
    assert rows[0][0] == "subject"  # the CSV itself is data only
    assert document["run"]["id"] not in (tmp_path / "r.csv").read_text("utf-8-sig")


def test_the_run_id_is_the_same_for_the_same_plan_and_records_only(tmp_path):
    plan = make_plan(tmp_path)
    first = run_both(plan, tmp_path / "one")[0]
    again = run_both(plan, tmp_path / "two")[0]
    assert first == again  # deterministic: same plan, same records, same bytes
    (tmp_path / "deals.csv").write_text(DEALS.replace("R001,5", "R001,6"), "utf-8")
    changed = run_both(plan, tmp_path / "three")[0]
    assert changed["run"]["id"] != first["run"]["id"]
    q1 = run_both(plan, tmp_path / "four", "--period", "2025-Q1")
    assert q1[0]["run"]["id"] not in (first["run"]["id"], changed["run"]["id"])


def test_files_of_two_runs_are_told_apart_by_the_run_id(tmp_path):
    plan = make_plan(tmp_path)
    document, _ = run_both(plan, tmp_path)
    # a second run (other records) rewrites only the CSV, as a run killed half-way would leave it
    (tmp_path / "deals.csv").write_text(DEALS.replace("R001,5", "R001,6"), "utf-8")
    result = invoke("run", "--ruleset", plan, "-o", f"csv:{tmp_path}/r.csv")
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "r.csv.run.json").read_text("utf-8"))
    assert record["run"]["id"] != document["run"]["id"]


def test_a_run_holds_its_output_folder_while_it_writes(tmp_path, monkeypatch):
    """Two runs at once write one after the other: the folder is locked during the writes."""
    import fcntl

    from kpiengine_csv.output import CsvOutput

    seen = []
    write = CsvOutput.write

    def probing(self, results):
        fd = os.open(tmp_path / "out", os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append("free")
        except BlockingIOError:
            seen.append("held")
        finally:
            os.close(fd)
        return write(self, results)

    monkeypatch.setattr(CsvOutput, "write", probing)
    plan = make_plan(tmp_path)
    result = invoke("run", "--ruleset", plan, "-o", f"csv:{tmp_path}/out/r.csv")
    assert result.exit_code == 0, result.output
    assert seen == ["held"]
    with folders_locked([tmp_path / "out"]):  # and it is let go afterwards
        pass


SCRIPT = textwrap.dedent(
    """
    import sys
    from kpiengine.cli.commands import cli
    cli(sys.argv[1:], prog_name="kpiengine")
    """
)


def test_two_runs_at_once_leave_a_json_and_a_csv_of_one_run(tmp_path):
    plan = make_plan(tmp_path)
    out = tmp_path / "out"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, "run", "--ruleset", str(plan), "--period", period,
             "-o", f"json:{out}/r.json", "-o", f"csv:{out}/r.csv"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for period in ("2025-Q1", "2025-Q2")
    ]  # fmt: skip
    for process in runs:
        assert process.wait(timeout=120) == 0, process.stderr.read()
        process.stderr.close()
    document = json.loads((out / "r.json").read_text("utf-8"))
    record = json.loads((out / "r.csv.run.json").read_text("utf-8"))
    assert document["run"]["id"] == record["run"]["id"]
    assert record["sha256"] == hashlib.sha256((out / "r.csv").read_bytes()).hexdigest()
