"""Parent roll-ups (marts.parent_account_health) on the session's built warehouse, recomputed in
Python from the CRM's parents (stg_crm__accounts) and the members' scores (account_health on the
as-of date, account_health_history on the other dates), with the default method, arr_weighted.
The hand-worked cases (a two-level tree, each method, a cycle, no scored member) are the dbt
unit tests of models/marts/parents and models/intermediate/hierarchy."""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.analysis.review import read_parent_rollups
from orchestration.runtime.dbt_invoke import DbtError, run_dbt
from tests.conftest import SMALL_END_DATE, BuiltWarehouse, query

MAX_DEPTH = 10  # healthscore_max_hierarchy_depth's default


def descendants_by_parent(accounts: list[tuple[str, str | None]]) -> dict[str, set[str]]:
    """Every account's descendants at every depth, walking up from each account; a parent that
    names no account is no parent."""
    known = {account_id for account_id, _ in accounts}
    parent_of = {a: p for a, p in accounts if p is not None and p in known}
    out: dict[str, set[str]] = defaultdict(set)
    for account_id in known:
        ancestor = parent_of.get(account_id)
        for _ in range(MAX_DEPTH):
            if ancestor is None or ancestor == account_id:
                break
            out[ancestor].add(account_id)
            ancestor = parent_of.get(ancestor)
    return out


def band_of(score: float | None, bands: list[tuple[str, float, float]]) -> str | None:
    if score is None:
        return None
    for name, low, high in bands:
        if low <= score < high or (high >= 100 and low <= score <= high):
            return name
    return None


def expected_rollup(
    parent: str, members: set[str], scores: dict[str, tuple[float | None, float | None, float]]
) -> dict[str, object]:
    """The arr_weighted roll-up of one parent on one date. scores: account -> (score, ARR,
    coverage) of the accounts with a row on the date."""
    rows = {m: scores[m] for m in members if m in scores}
    if parent in scores and scores[parent][0] is not None:
        rows[parent] = scores[parent]
    scored = {m: v for m, v in rows.items() if v[0] is not None}
    weights = {m: (v[1] if v[1] and v[1] > 0 else 0.0) for m, v in scored.items()}
    total_weight = sum(weights.values())
    if not scored:
        score = coverage = None
    elif total_weight > 0:
        score = sum(weights[m] * v[0] for m, v in scored.items()) / total_weight
        coverage = sum(weights[m] * v[2] for m, v in scored.items()) / total_weight
    else:
        score = sum(v[0] for v in scored.values()) / len(scored)
        coverage = sum(v[2] for v in scored.values()) / len(scored)
    ranked = sorted(
        ((v[0], m) for m, v in scored.items() if m != parent), key=lambda item: (item[0], item[1])
    )
    arrs = [v[1] for v in rows.values() if v[1] is not None]
    return {
        "score": score,
        "coverage": coverage,
        "members": len(members) + (1 if parent in scored else 0),
        "members_scored": len(scored),
        "total_arr": sum(arrs) if arrs else None,
        "worst": [m for _, m in ranked[:3]],
        "method": "arr_weighted" if total_weight > 0 or not scored else "mean_without_arr",
    }


@pytest.fixture(scope="module")
def reshaped_tree(
    built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> ReshapedTree:
    """A copy of the built warehouse whose CRM tree (its stg_crm__accounts table) is reshaped,
    then the hierarchy, the roll-ups and their tests rebuilt with dbt: the small company's
    parent acc_00043 becomes a child of the other parent, acc_00062 (a two-level tree), the red
    account with the most ARR a child of acc_00043 (children in different bands), acc_00001
    and acc_00002 each other's parent (a cycle), and acc_00003's parent an account that does
    not exist."""
    database = tmp_path_factory.mktemp("reshaped_tree") / "healthscore.duckdb"
    shutil.copyfile(built_warehouse.database, database)
    con = duckdb.connect(str(database))
    try:
        (red,) = con.execute(
            """
            select account_id from marts.account_health
            where health_band = 'red' and parent_account_id is null
              and account_id not in ('acc_00001', 'acc_00002', 'acc_00003', 'acc_00043',
                                     'acc_00062')
              and account_id not in (select parent_account_id from staging.stg_crm__accounts
                                     where parent_account_id is not null)
            order by arr desc nulls last, account_id limit 1
            """
        ).fetchone()
        for child, parent in (
            ("acc_00043", "acc_00062"),
            (red, "acc_00043"),
            ("acc_00001", "acc_00002"),
            ("acc_00002", "acc_00001"),
            ("acc_00003", "acc_99999"),
        ):
            con.execute(
                "update staging.stg_crm__accounts set parent_account_id = ? where account_id = ?",
                [parent, child],
            )
    finally:
        con.close()
    result = run_dbt(
        [
            "build",
            "--select",
            "int_account_hierarchy+",
            "stg_crm__accounts,test_type:data",
            "--exclude",
            "test_type:unit",
        ],
        database=database,
        as_of=SMALL_END_DATE,
        say=lambda _: None,
    )
    return ReshapedTree(database, red, result.problems)


@dataclass(frozen=True)
class ReshapedTree:
    database: Path
    red_account_id: str
    problems: list[str]  # the dbt build's WARN, FAIL and ERROR lines


def compare_with_python(database: Path) -> int:
    """Assert every row of parent_account_health equals its Python recomputation; return the
    number of rows compared."""
    accounts = query(
        database, "select account_id, parent_account_id from staging.stg_crm__accounts"
    )
    tree = descendants_by_parent(accounts)
    # The small company has parents (subsidiaries of enterprise accounts); a change of the
    # generator that removes them must not leave this test checking nothing.
    assert tree, "the test company has no parent accounts"
    bands = [
        (name, float(low), float(high))
        for name, low, high in query(
            database, "select health_band, min_score, max_score from config.health_bands"
        )
    ]
    (as_of,) = query(database, "select max(as_of_date) from marts.account_health")[0]
    scores: dict[object, dict[str, tuple[float | None, float | None, float]]] = defaultdict(dict)
    for account_id, date, score, arr, coverage in query(
        database,
        "select account_id, as_of_date, health_score, cast(arr as double), coverage "
        "from marts.account_health_history where as_of_date <> ? "
        "union all select account_id, as_of_date, health_score, cast(arr as double), coverage "
        "from marts.account_health",
        [as_of],
    ):
        scores[date][account_id] = (score, arr, coverage)

    mart = {
        (parent, date): row
        for parent, date, *row in query(
            database,
            "select parent_account_id, as_of_date, health_score, health_band, coverage, members, "
            "members_scored, cast(total_arr as double), worst_members, worst_member_account_id, "
            "rollup_method, is_current from marts.parent_account_health",
        )
    }
    expected_keys = {
        (parent, date)
        for date, day in scores.items()
        for parent, members in tree.items()
        if any(m in day for m in members) or (day.get(parent, (None,))[0] is not None)
    }
    assert set(mart) == expected_keys
    assert {parent for parent, date in mart if date == as_of} == set(tree)

    scored_rows = 0
    for (parent, date), row in mart.items():
        (
            score,
            band,
            coverage,
            members,
            members_scored,
            total_arr,
            worst,
            worst_id,
            method,
            is_current,
        ) = row
        want = expected_rollup(parent, tree[parent], scores[date])
        assert is_current == (date == as_of)
        assert method == want["method"], (parent, date)
        assert members == want["members"] and members_scored == want["members_scored"]
        if want["score"] is None:
            assert score is None and band is None and coverage is None
        else:
            scored_rows += 1
            assert score == pytest.approx(want["score"], abs=1e-6), (parent, date)
            assert coverage == pytest.approx(want["coverage"], abs=1e-6), (parent, date)
            assert band == band_of(score, bands)
        if want["total_arr"] is None:
            assert total_arr is None
        else:
            assert total_arr == pytest.approx(want["total_arr"], abs=1e-3)
        listed = (
            []
            if worst is None
            else [item.split(" (")[-1].split(")")[0] for item in worst.split("; ")]
        )
        assert listed == want["worst"], (parent, date, worst)
        assert worst_id == (want["worst"][0] if want["worst"] else None)
    assert scored_rows > 0
    return len(mart)


def test_parent_rollups_match_a_python_recomputation(built_warehouse: BuiltWarehouse) -> None:
    assert compare_with_python(built_warehouse.database) > 0


def test_a_two_level_tree_with_a_cycle_rolls_up_and_warns(reshaped_tree: ReshapedTree) -> None:
    database = reshaped_tree.database
    # The cycle and the unknown parent warn; nothing fails.
    assert not [line for line in reshaped_tree.problems if not line.strip().startswith("WARN")]
    warned = " ".join(reshaped_tree.problems)
    assert "assert_account_hierarchy_has_no_cycles_or_chains_deeper_than_max_depth" in warned
    assert "relationships_stg_crm__accounts_parent_account_id" in warned
    assert len(reshaped_tree.problems) == 2
    assert compare_with_python(database) > 0
    hierarchy = set(
        query(
            database,
            "select account_id, ancestor_account_id, ancestor_depth, hierarchy_issue "
            "from intermediate.int_account_hierarchy",
        )
    )
    red = reshaped_tree.red_account_id
    assert {
        ("acc_00043", "acc_00062", 1, None),
        ("acc_00027", "acc_00043", 1, None),
        ("acc_00027", "acc_00062", 2, None),
        (red, "acc_00043", 1, None),
        (red, "acc_00062", 2, None),
        ("acc_00001", "acc_00002", 1, "cycle"),
        ("acc_00002", "acc_00001", 1, "cycle"),
    } <= hierarchy
    assert not [row for row in hierarchy if row[0] == "acc_00003"]  # unknown parent: top level
    (top,) = query(
        database,
        "select members, worst_member_account_id, worst_member_health_band, members_per_band, "
        "hierarchy_issue from marts.parent_account_health where is_current "
        "and parent_account_id = 'acc_00062'",
    )
    # acc_00062 (scored) with acc_00016, acc_00111, acc_00043, and two levels down acc_00027
    # and the red account.
    assert top == (6, red, "red", top[3], None) and top[3].startswith("red 1,")
    flagged = query(
        database,
        "select distinct parent_account_id from marts.parent_account_health "
        "where hierarchy_issue = 'cycle'",
    )
    assert sorted(flagged) == [("acc_00001",), ("acc_00002",)]


def test_the_review_lists_parents_below_the_best_band_or_with_a_red_member(
    reshaped_tree: ReshapedTree,
) -> None:
    con = duckdb.connect(str(reshaped_tree.database), read_only=True)
    try:
        (as_of,) = con.execute("select max(as_of_date) from marts.account_health").fetchone()
        rollups = read_parent_rollups(con, as_of)
        expected = con.execute(
            """
            select parent_account_id from marts.parent_account_health
            where is_current and (health_band in ('red', 'amber') or worst_band_members > 0)
            """
        ).fetchall()
        parents = con.execute(
            "select count(*) from marts.parent_account_health where is_current"
        ).fetchone()[0]
    finally:
        con.close()
    assert rollups is not None and rollups.parents == parents > 0
    listed = {p.parent_account_id for p in rollups.listed}
    # Both parents above the red account have a red member.
    assert {"acc_00062", "acc_00043"} <= listed == {row[0] for row in expected}
    worst = {p.parent_account_id: p.worst_members for p in rollups.listed}
    assert f"({reshaped_tree.red_account_id}): " in worst["acc_00043"]


def test_an_unknown_rollup_method_fails_with_one_clear_line() -> None:
    with pytest.raises(DbtError) as failure:
        run_dbt(
            ["compile", "--select", "parent_account_health"],
            database=None,
            target="memory",
            dbt_vars={"healthscore_parent_rollup_method": "median"},
            say=lambda _: None,
        )
    assert (
        "healthscore_parent_rollup_method must be 'arr_weighted', 'min' or 'mean', got 'median'."
        in str(failure.value)
    )
