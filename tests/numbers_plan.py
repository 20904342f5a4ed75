"""A small plan and its data for the tests of numbers and kinds, written into a folder with a
change or two, and `validate` run on it."""

import textwrap

from kpitest import invoke

REPS = "id,name,team\nR1,甲,t1\nR2,乙,t1\n"
DEALS = (
    "owner,amount,stage,closed_on\n"
    "R1,600000,won,2025-01-10\n"
    "R1,300000,won,2025-02-10\n"
    "R2,1200000,won,2025-03-10\n"
)
PLAN = """\
kpiengine: 1
name: numbers
currency: CNY
calendar: {year: 2025, frequency: quarter}
sources:
  reps: {plugin: csv, options: {path: reps.csv}}
  deals: {plugin: csv, options: {path: deals.csv}}
  targets: {plugin: csv, options: {path: targets.csv}}
subjects: {source: reps, id: id, name: name, groups: [team]}
metrics:
  won_deals: {source: deals, count: "*", where: "stage == 'won'", date: closed_on}
indicators:
  - id: revenue
    name: 销售额
    weight: 100
    actual: {source: deals, sum: amount, where: "stage == 'won'", date: closed_on}
    target: 1000000
grades:
  - {grade: A, min: 90}
  - {grade: B, min: 0}
incentives:
"""
COMMISSION = """\
  - id: commission
    base: revenue.actual
    tiers:
      "on": revenue.attainment
      mode: marginal
      rates:
        - {from: 0, rate: 0.01}
        - {from: 1.0, rate: 0.03}
"""


def prepare(folder, monkeypatch):
    """The data files in `folder`, which becomes the working folder."""
    monkeypatch.chdir(folder)
    (folder / "reps.csv").write_text(REPS, "utf-8")
    (folder / "deals.csv").write_text(DEALS, "utf-8")
    (folder / "targets.csv").write_text("subject,indicator,period,value\n", "utf-8")
    return folder


def write(folder, incentives=COMMISSION, plan=PLAN, **replace):
    """plan.yaml in `folder`: the plan with these incentives, each `replace` value (a pair
    old text → new text) applied once."""
    text = plan + textwrap.indent(textwrap.dedent(incentives), "  ")
    for old, new in replace.values():
        assert old in text, old
        text = text.replace(old, new, 1)
    (folder / "plan.yaml").write_text(text, "utf-8")
    return folder / "plan.yaml"


def problems(folder):
    """`validate`'s exit code and its lines without the file name."""
    result = invoke("validate", "plan.yaml")
    return result.exit_code, [
        line.removeprefix("plan.yaml:") for line in result.stderr.splitlines()
    ]
