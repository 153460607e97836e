"""The scale benchmark's data and budget, without a database: the stream a ledger grows by is
the same however it is cut, and a backend stops when its next size would not fit."""

from __future__ import annotations

from typing import Any

from bench.scale import HEAVY_ID, Stream, decide, estimate_step, growth, stopped_report

# A size measured at 100,000: its rates and how long its queries took.
LAST: dict[str, Any] = {
    "disclosures": 100_000,
    "ingest": {"disclosures_per_s": 4_000},
    "query_seconds": 200.0,
    "import": {"lines_per_s": 2_000},
    "rebuild": {"events_per_s": 10_000},
    "verify": {"events_per_s": 50_000},
}


def test_the_stream_is_the_same_grown_in_steps_or_at_once() -> None:
    stream = Stream(seed=3, heavy_first=400)
    at_once = [facts for _, facts in stream.items(0, 12_500)]
    in_steps = [
        facts
        for start, stop in ((0, 2_000), (2_000, 10_007), (10_007, 12_500))
        for _, facts in stream.items(start, stop)
    ]
    assert in_steps == at_once
    assert {facts.subject.id for facts in at_once[:400]} == {HEAVY_ID}
    assert HEAVY_ID not in {facts.subject.id for facts in at_once[400:]}
    assert len({facts.source.reference for facts in at_once}) == len(at_once)


def test_most_people_have_tens_of_disclosures_and_a_few_thousands() -> None:
    stream = Stream(seed=3, heavy_first=2_000)
    counts: dict[str, int] = {}
    for _, facts in stream.items(0, 150_000):
        counts[facts.subject.id] = counts.get(facts.subject.id, 0) + 1
    ordered = sorted(counts.values())
    assert 10 <= ordered[len(ordered) // 2] < 100
    assert counts[HEAVY_ID] == 2_000
    assert sum(1 for n in ordered if n >= 1_000) >= 2
    assert sum(1 for n in ordered if n >= 1_000) < len(ordered) / 100


def test_the_next_size_is_estimated_phase_by_phase_from_the_last_rates() -> None:
    estimate = estimate_step(new=900_000, events=100_000, import_lines=100_000, last=LAST)
    assert estimate == {
        "ingest": 225.0,
        "queries": 300.0,
        "import": 50.0,
        "maintenance": 1_000_000 / 10_000 + 1_000_000 / 50_000,
    }


def test_a_size_that_fits_runs_whole() -> None:
    estimate = estimate_step(new=900_000, events=100_000, import_lines=100_000, last=LAST)
    assert decide(estimate, left=3_000) == (False, None)


def test_a_size_whose_rebuild_and_verify_do_not_fit_runs_without_them() -> None:
    estimate = estimate_step(new=900_000, events=100_000, import_lines=100_000, last=LAST)
    stop, skipped = decide(estimate, left=600)
    assert not stop
    assert skipped is not None
    assert "rebuild and verify would take about 120 s" in skipped


def test_a_size_that_does_not_fit_stops_the_backend_saying_what_would_finish_it() -> None:
    estimate = estimate_step(new=9_000_000, events=1_000_000, import_lines=100_000, last=LAST)
    assert decide(estimate, left=1_000) == (True, None)
    report = stopped_report(
        size=10_000_000, new=9_000_000, estimate=estimate, left=1_000, elapsed=2_600, last=LAST
    )
    assert report["at_size"] == 10_000_000
    assert report["estimate_seconds"]["ingest"] == 2_250
    assert "would take about" in report["reason"]
    # 9,000,000 disclosures in the 1,000 s left less the queries' 300 s and the import's 50 s.
    assert report["would_finish_with"].startswith("an ingest rate of 13846 disclosures/s")
    assert "(measured 4000/s at 100000)" in report["would_finish_with"]


def test_growth_is_the_p95_at_the_largest_size_over_the_smallest() -> None:
    def step(size: int, p95: float) -> dict[str, Any]:
        summary = {"samples": 10, "p95_ms": p95}
        return {
            "disclosures": size,
            "in_process": {"light_disclosures": summary},
            "http": {"light_disclosures": summary, "light_bundle": None},
        }

    found = growth([step(10_000, 2.0), step(100_000, 3.0), step(1_000_000, 5.0)])
    assert found == {
        "from_size": 10_000,
        "to_size": 1_000_000,
        "in_process_light_disclosures_p95_growth": 2.5,
        "http_light_disclosures_p95_growth": 2.5,
        "http_light_bundle_p95_growth": None,
    }
