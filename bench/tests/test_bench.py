"""The benchmark's own checks: deterministic data, baselines that agree, honest measurement.

Run with `/work/.venv/bin/pytest bench/tests` (not part of the default `pytest`, whose
testpaths are tests/).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import baseline_duckdb
import baseline_loop
import baseline_pandas
import generate
import pandas as pd
import plan
import pytest
import run
from measure import measure
from table import COLUMNS, INCENTIVE_COLUMNS, differences, read_table, same

BENCH = Path(__file__).resolve().parent.parent


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_generator_gives_identical_files_for_the_same_seed(tmp_path):
    params = generate.Params(deals=3_000, reps=25, seed=11)
    generate.generate(params, tmp_path / "a")
    generate.generate(params, tmp_path / "b")
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_generator_reuses_current_data_and_notices_stale(tmp_path):
    params = generate.Params(deals=1_000, reps=10, seed=1)
    generate.generate(params, tmp_path)
    assert generate.is_current(params, tmp_path)
    assert not generate.is_current(generate.Params(deals=1_000, reps=10, seed=2), tmp_path)


def test_generated_data_has_the_promised_shape(small_data):
    deals = pd.read_csv(small_data / "deals.csv", keep_default_na=False)
    targets = pd.read_csv(small_data / "targets.csv")
    assert len(deals) == 20_000
    assert set(deals["stage"]) == {"won", "lost", "open"}
    assert (deals.loc[deals["stage"] == "open", "closed_on"] == "").all()
    assert (deals.loc[deals["stage"] != "open", "closed_on"] != "").all()
    assert (deals["created_on"] < "2025-01-01").any()  # some 2024 deals close in 2025
    assert (targets["value"] % 12 == 0).all() and (targets["value"] > 0).all()
    assert set(targets["indicator"]) == set(plan.FILE_TARGETS)


def test_generated_amounts_are_whole_yuan_or_cents(small_data):
    text = pd.read_csv(small_data / "deals.csv", dtype={"amount": str})["amount"]
    decimals = text.str.partition(".")[2].str.len()
    assert set(decimals) <= {0, 1, 2}
    assert (decimals == 0).mean() > 0.5 and (decimals > 0).any()


def test_parquet_amounts_equal_the_csv_amounts(small_data):
    csv_amounts = pd.read_csv(small_data / "deals.csv", dtype={"amount": str})["amount"]
    parquet = pd.read_parquet(small_data / "deals.parquet")["amount"]
    assert [Decimal(a) for a in csv_amounts] == list(parquet)


def test_plan_constants_match_the_ruleset():
    assert plan.drift() == []


def test_plan_notices_a_changed_weight(tmp_path):
    changed = tmp_path / "ruleset.yaml"
    changed.write_text(plan.RULESET.read_text(encoding="utf-8").replace("weight: 30", "weight: 35"))
    assert any("revenue" in problem for problem in plan.drift(changed))


def test_parquet_ruleset_differs_from_the_csv_ruleset_only_in_sources():
    csv_doc = plan.load_yaml(BENCH / "ruleset.yaml")
    parquet_doc = plan.load_yaml(BENCH / "ruleset.parquet.yaml")
    for doc in (csv_doc, parquet_doc):
        del doc["sources"], doc["name"]
    assert csv_doc == parquet_doc


def test_tiers_on_stays_a_key_not_a_boolean():
    doc = plan.load_yaml(BENCH / "ruleset.yaml")
    assert doc["incentives"][0]["tiers"]["on"] == "revenue.attainment"


def test_without_incentives_drops_only_the_incentives_block():
    text = (BENCH / "ruleset.yaml").read_text(encoding="utf-8")
    stripped = run.without_incentives(text)
    assert "incentives:" not in stripped and "commission" not in stripped
    assert "grades:" in stripped and "outputs:" in stripped


def run_baselines(data: Path, out: Path, parquet: bool = False, incentives: bool = True):
    paths = {}
    for name, module in (("duckdb", baseline_duckdb), ("pandas", baseline_pandas)):
        paths[name] = out / f"{name}-{parquet}.csv"
        module.run(data, paths[name], out / f"{name}.jsonl", parquet, incentives)
    paths["loop"] = out / f"loop-{parquet}.csv"
    ruleset = data / ("ruleset.parquet.yaml" if parquet else "ruleset.yaml")
    baseline_loop.run(baseline_loop.Plan(ruleset), paths["loop"], None, 1.0, incentives)
    return paths


@pytest.mark.parametrize("parquet", [False, True], ids=["csv", "parquet"])
def test_the_three_baselines_agree_exactly(small_data, tmp_path, parquet):
    paths = run_baselines(small_data, tmp_path, parquet)
    reference = read_table(paths["duckdb"])
    assert len(reference) == 40 * 12
    for name in ("pandas", "loop"):
        assert differences(reference, read_table(paths[name]), COLUMNS, None) == [], name


def test_baselines_without_incentives_leave_their_columns_out(small_data, tmp_path):
    paths = run_baselines(small_data, tmp_path, incentives=False)
    columns = [c for c in COLUMNS if c not in INCENTIVE_COLUMNS]
    reference = read_table(paths["duckdb"], columns)
    for name in ("pandas", "loop"):
        header = paths[name].read_text(encoding="utf-8").splitlines()[0].split(",")
        assert not set(header) & set(INCENTIVE_COLUMNS)
        assert differences(reference, read_table(paths[name], columns), columns, None) == []


def test_loop_slice_covers_whole_teams_and_agrees(small_data, tmp_path):
    out = tmp_path / "loop.csv"
    plan_ = baseline_loop.Plan(small_data / "ruleset.yaml")
    stats = baseline_loop.run(plan_, out, None, 0.5, True)
    assert (stats.reps, stats.all_reps) == (20, 40)  # two of the four teams
    assert stats.records == 20_000 and 0 < stats.evaluated < 20_000
    sliced = read_table(out)
    reference = read_table(run_baselines(small_data, tmp_path)["duckdb"])
    columns = [c for c in COLUMNS if c != "rank.region"]
    assert differences(reference, sliced, columns, sliced.keys()) == []


HALF_CENTS = [
    # (February's won amounts, annual revenue target, the commission worked by hand)
    # 375,774.50 of 233,000 a month (attainment ≈ 1.6128): 0.02 × 0.4 × 233,000 = 1,864
    # + 0.04 × 0.3 × 233,000 = 2,796 + 0.07 × (375,774.50 − 302,900) = 5,101.215 → 9,761.215
    pytest.param(("100000", "175774.50", "100000"), 2_796_000, "9761.22", id="9761.215"),
    # 1,473,081.25 of 1,862,000 a month (attainment ≈ 0.7911, a repeating decimal):
    # 0.02 × (1,473,081.25 − 0.6 × 1,862,000) = 0.02 × 355,881.25 = 7,117.625
    pytest.param(("500000", "500000", "473081.25"), 22_344_000, "7117.63", id="7117.625"),
]


def half_cent_folder(folder: Path, amounts: tuple[str, ...], annual: int) -> Path:
    """One rep whose February commission is an exact half cent; January has no sales."""
    (folder / "reps.csv").write_text("rep_id,name,team,region\nR1,张三,华东一组,华东\n")
    deals = ["deal_id,owner,amount,stage,product,created_on,closed_on"]
    deals += [
        f"D{i},R1,{a},won,云ERP,2025-02-0{i},2025-02-1{i}" for i, a in enumerate(amounts, start=1)
    ]
    deals.append("D9,R1,5000,lost,CRM,2025-02-05,2025-02-13")
    (folder / "deals.csv").write_text("\n".join(deals) + "\n")
    (folder / "targets.csv").write_text(
        f"subject,indicator,period,value\nR1,revenue,2025,{annual}\n"
        "R1,cloud_revenue,2025,1200000\nR1,big_deals,2025,12\n"
    )
    text = (BENCH / "ruleset.yaml").read_text(encoding="utf-8").replace("path: data/", "path: ")
    (folder / "ruleset.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("amounts", "annual", "commission"), HALF_CENTS)
def test_baselines_round_a_half_cent_commission_up(tmp_path, amounts, annual, commission):
    data = half_cent_folder(tmp_path, amounts, annual)
    out = tmp_path / "out"
    out.mkdir()
    for name, path in run_baselines(data, out).items():
        row = read_table(path)[("R1", "2025-02")]
        assert Decimal(row["revenue.actual"]) == sum(Decimal(a) for a in amounts), name
        assert row["commission"] == commission, name
        assert (row["champion"], row["honors"]) == ("3000.00", "销售冠军"), name
        january = read_table(path)[("R1", "2025-01")]  # nothing sold: nobody is champion
        assert (january["champion"], january["honors"]) == ("0.00", ""), name


ENGINE_HALF_CENTS = [HALF_CENTS[0], pytest.param(*HALF_CENTS[1].values, id="7117.625")]


@pytest.mark.parametrize(("amounts", "annual", "commission"), ENGINE_HALF_CENTS)
def test_kpiengine_rounds_a_half_cent_commission_up(tmp_path, amounts, annual, commission):
    """The bench found kpiengine paying a cent less on exact half cents (a rounded attainment
    in the tier arithmetic); e4e4bb5 settles lines to six decimals, which covers small bases."""
    kpiengine = Path(sys.executable).with_name("kpiengine")
    if not kpiengine.exists():
        pytest.skip("kpiengine is not installed beside this Python")
    data = half_cent_folder(tmp_path, amounts, annual)
    out = tmp_path / "engine.csv"
    ruleset = str(data / "ruleset.yaml")
    subprocess.run([str(kpiengine), "run", "--ruleset", ruleset, "-o", f"csv:{out}"], check=True)
    assert read_table(out)[("R1", "2025-02")]["commission"] == commission


def test_loop_marginal_tiers_split_at_each_boundary():
    loop_plan = baseline_loop.Plan(BENCH / "ruleset.yaml")
    spec = loop_plan.doc["incentives"][0]
    target = Fraction(233_000)

    def paid(actual: Fraction) -> Fraction:
        names = {"revenue": {"actual": actual, "attainment": actual / target}, "won_deals": 3}
        return baseline_loop.line_amount(loop_plan, spec, names, honored=False)

    assert paid(Fraction("139800")) == 0  # exactly 0.6: the 2% tier starts, nothing above it
    assert paid(Fraction("233000")) == Fraction("1864")  # 0.02 × 0.4 × 233,000
    assert paid(Fraction("302900")) == Fraction("4660")  # + 0.04 × 0.3 × 233,000
    assert paid(Fraction("375774.50")) == Fraction("9761.22")


def test_pandas_commission_matches_the_hand_worked_tiers():
    frame = pd.DataFrame(
        {
            "revenue": [13_980_000, 23_300_000, 37_577_450],
            "revenue_target": [23_300_000] * 3,
            "won_deals": [3, 3, 2],
        }
    )
    assert list(baseline_pandas.commission_cents(frame)) == [0, 186_400, 0]  # the last: gate


@pytest.mark.parametrize(
    ("column", "a", "b", "expected"),
    [
        ("commission", "9761.22", "9761.220", True),
        ("commission", "9761.22", "9761.21", False),
        ("total", "87.864076489510", "87.8640764895104895104895", True),
        ("total", "87.8640", "87.8641", False),
        ("grade", "A", "A", True),
        ("conversion.actual", "", "", True),
        ("conversion.actual", "", "0", False),
        ("honors", "销售冠军; 优秀员工", "优秀员工; 销售冠军", True),
    ],
)
def test_table_cells_compare_by_their_kind(column, a, b, expected):
    assert same(column, a, b) is expected


def test_measure_reports_the_childs_own_peak_rss():
    big = measure(
        [sys.executable, "-c", "x = bytearray(300 * 2**20); x[::4096] = b'1' * len(x[::4096])"]
    )
    small = measure(["true" if shutil.which("true") else sys.executable])
    assert big.returncode == 0 and big.peak_rss_mib >= 300
    assert small.peak_rss_mib < 100  # not the runner's own footprint (pandas, numpy, …)


def test_measure_keeps_a_failing_commands_exit_code_and_stderr():
    result = measure([sys.executable, "-c", "import sys; sys.exit('no such plan')"])
    assert result.returncode == 1 and "no such plan" in result.stderr
