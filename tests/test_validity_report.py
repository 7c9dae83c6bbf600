"""The validity benchmark's verdicts and report, from figures given by hand."""

from __future__ import annotations

from orchestration.devtools.validity import CompanyResult, lead_times_for, report_lines


def result(**figures: object) -> CompanyResult:
    base = CompanyResult("product_led", 1, 2000, 6, {"monthly": [7]})
    for key, value in figures.items():
        setattr(base, key, value)
    return base


def test_the_bar_is_judged_part_by_part() -> None:
    ordered = [("red", 0.2, 100), ("amber", 0.06, 300), ("green", 0.02, 1000)]
    met = result(
        auc_calibrated=0.80, auc_naive_usage=0.74, auc_best_signal=0.76, auc_ceiling=0.86,
        band_churn_rates=ordered,
    )  # fmt: skip
    assert met.bar() == {"beats baselines": True, "near ceiling": True, "bands ordered": True}
    close = result(
        auc_calibrated=0.78, auc_naive_usage=0.76, auc_best_signal=0.70, auc_ceiling=0.90,
        band_churn_rates=[("red", 0.05, 10), ("amber", 0.06, 30), ("green", 0.02, 100)],
    )  # fmt: skip
    assert close.bar() == {"beats baselines": False, "near ceiling": False, "bands ordered": False}
    assert result().bar() == {
        "beats baselines": None,
        "near ceiling": None,
        "bands ordered": None,
    }


def test_the_report_prints_every_figure_and_verdict() -> None:
    lines = report_lines(
        [
            result(
                held_out_renewals=1375,
                held_out_churns=65,
                auc_configured=0.757,
                auc_calibrated=0.801,
                auc_naive_usage=0.765,
                auc_best_signal=0.77,
                auc_black_box=0.78,
                auc_ceiling=0.861,
                best_signal="events_7d",
                band_churn_rates=[("red", 0.2, 100), ("amber", 0.05, 200), ("green", 0.02, 900)],
            ),  # fmt: skip
            result(archetype="usage_smb", error="no held-out renewal was scored by both builds"),
        ]
    )
    text = "\n".join(lines)
    assert "product_led seed 1" in text and "1,375" in text and "0.801" in text
    assert "red 20.0%; amber 5.0%; green 2.0%" in text
    assert "usage_smb seed 1           no held-out renewal was scored by both builds" in text
    assert (
        "product_led seed 1: beats baselines met, near ceiling met, bands ordered met "
        "(best single signal: events_7d)"
    ) in text


def test_lead_times_fill_the_classes_an_archetype_does_not_name() -> None:
    leads = lead_times_for({"monthly": (7,), "annual": (30, 60)})
    assert leads == {"monthly": [7], "quarterly": [21, 45], "annual": [30, 60]}
