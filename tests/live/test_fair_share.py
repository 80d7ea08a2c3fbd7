"""The class loop's fair share (live/classroom/fair_share.py): every run an equal share of the loop's time."""

from __future__ import annotations

import pytest

from live.classroom.fair_share import FairShare


def simulate(costs: dict, runs: dict, rounds: int) -> dict:
    """Seconds each account took over `rounds` rounds, each unit costing costs[account] seconds."""
    fair, spent = FairShare(quantum_s=0.002), dict.fromkeys(costs, 0.0)
    for _ in range(rounds):
        for account in fair.due(runs):
            fair.spent(account, costs[account], runs[account])
            spent[account] += costs[account]
    return spent


def test_a_costly_run_takes_one_runs_share_of_a_class_of_thirty():
    """Thirty runs stepped together at 5 ms a step and one run alone at 12 ms a step: the lone run gets
    1/31 of the loop's time, however costly its step."""
    spent = simulate({"class": 0.005, "costly": 0.012}, {"class": 30, "costly": 1}, rounds=3000)
    share = spent["costly"] / (spent["class"] + spent["costly"])
    assert share == pytest.approx(1 / 31, rel=0.15)


def test_equal_runs_get_equal_time_and_a_lone_account_steps_every_round():
    spent = simulate({"a": 0.004, "b": 0.004}, {"a": 1, "b": 1}, rounds=1000)
    assert spent["a"] == pytest.approx(spent["b"], rel=0.01)
    fair = FairShare()
    for _ in range(50):
        assert fair.due({"alone": 1}) == ["alone"]
        fair.spent("alone", 0.5)


def test_an_account_back_from_idle_gets_no_credit_for_the_time_it_did_not_want():
    fair = FairShare(quantum_s=0.002)
    for _ in range(100):  # only the class wants work: its charge grows
        for account in fair.due({"class": 30}):
            fair.spent(account, 0.005, 30)
    assert fair.charge["class"] > 0.01
    assert set(fair.due({"class": 30, "newcomer": 1})) == {"class", "newcomer"}  # starts level, not far behind
    fair.spent("newcomer", 0.012)
    assert fair.due({"class": 30, "newcomer": 1}) == ["class"]  # then waits its turn


def test_forget_drops_accounts_that_left():
    fair = FairShare()
    fair.due({"a": 1, "b": 2})
    fair.forget({"a"})
    assert set(fair.charge) == {"a"}
