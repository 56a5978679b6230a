"""The Optimizer contract, run over both optimisers with the analytic stand-in."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import CENTRE, analytic_d, analytic_feasible
from scalebridge.calibration.bo import BatchBO, BOSettings
from scalebridge.calibration.paper import PaperEGO, PaperSettings, expected_improvement
from scalebridge.errors import InputError


def _paper(seed: int = 0) -> PaperEGO:
    return PaperEGO(4, PaperSettings(n_initial=20, n_candidates=2048, n_restarts=0, seed=seed))


def _bo(seed: int = 0) -> BatchBO:
    return BatchBO(4, BOSettings(n_initial=12, num_restarts=2, raw_samples=64, seed=seed))


def _tell(opt, x: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    ok = np.array([analytic_feasible(u) for u in x])
    d = np.array([analytic_d(u) if f else np.nan for u, f in zip(x, ok, strict=True)])
    opt.tell(x, d, ok)


@pytest.mark.parametrize("make,batch,iterations", [(_paper, 1, 12), (_bo, 3, 5)])
def test_optimizer_contract_and_improvement(make, batch, iterations) -> None:  # type: ignore[no-untyped-def]
    opt = make()
    x0 = opt.initial_design()
    assert np.array_equal(x0, make().initial_design())  # deterministic in the seed
    _tell(opt, x0)
    initial_best = opt.history.best
    for it in range(1, iterations + 1):
        x = opt.ask(batch, it)
        assert x.shape == (batch, 4)
        assert ((x >= 0) & (x <= 1)).all()
        _tell(opt, x)
    assert opt.history.best < initial_best
    assert opt.history.best < 0.05 + 0.05  # within ~0.22 of the centre in the unit cube


@pytest.mark.parametrize("make", [_paper, _bo])
def test_ask_is_deterministic_given_data_seed_and_iteration(make) -> None:  # type: ignore[no-untyped-def]
    a, b = make(), make()
    for opt in (a, b):
        _tell(opt, opt.initial_design())
    assert np.allclose(a.ask(2, 1), b.ask(2, 1))


def test_expected_improvement_known_values() -> None:
    # sd -> 0: EI = max(best - mu, 0); mu = best: EI = sd / sqrt(2 pi)
    ei = expected_improvement(np.array([0.5, 1.5, 1.0]), np.array([0.0, 0.0, 2.0]), 1.0)
    assert ei == pytest.approx([0.5, 0.0, 2.0 / np.sqrt(2 * np.pi)], abs=1e-9)


def test_paper_ei_is_zero_near_infeasible_points() -> None:
    opt = _paper()
    x0 = opt.initial_design()
    _tell(opt, x0)
    bad = np.array([[0.5, 0.95, 0.5, 0.5]])
    opt.tell(bad, np.array([np.nan]), np.array([False]))
    rng = np.random.default_rng(0)
    near = bad + 0.02 * rng.uniform(-1, 1, size=(50, 4)) / 2
    far = np.tile(CENTRE, (5, 1)) + 0.01 * rng.uniform(-1, 1, size=(5, 4))
    ei = opt.acquisition(np.vstack([near, far]), iteration=1)
    assert (ei[:50] == 0.0).all()
    assert (ei[50:] > 0.0).all()


def test_paper_fits_a_local_gp_on_the_nearest_neighbours_after_the_first_iteration() -> None:
    opt = PaperEGO(4, PaperSettings(n_initial=300, n_neighbours=200, n_restarts=0))
    x = opt.initial_design()
    _tell(opt, x)
    n_ok = int(opt.history.feasible.sum())
    assert opt.training_set(1)[0].shape[0] == n_ok  # first iteration: global
    x_local, _ = opt.training_set(2)
    assert x_local.shape[0] == 200
    newest = opt.history.x[-1]
    radius = np.linalg.norm(x_local - newest, axis=1).max()
    ok = opt.history.feasible
    outside = np.linalg.norm(opt.history.x[ok] - newest, axis=1)
    assert np.sum(outside <= radius) == 200


def test_bo_models_infeasibility_and_avoids_the_infeasible_corner() -> None:
    opt = _bo(seed=1)
    _tell(opt, opt.initial_design())
    bad = np.random.default_rng(5).uniform(size=(15, 4))
    bad[:, 1] = 0.86 + 0.14 * bad[:, 1]
    _tell(opt, bad)  # the whole band u0 > 0.85 is infeasible, and told as such
    assert (~opt.history.feasible).sum() >= 15
    asked = np.vstack([opt.ask(3, it) for it in (1, 2)])
    assert (asked[:, 1] < 0.85).sum() >= 5  # the band is 15 % of the box
    import torch

    feasibility = opt.feasibility_model()
    band = torch.tensor(bad[:5], dtype=torch.double)
    assert (feasibility.posterior(band).mean.detach().numpy() > 0.5).all()


def test_bo_trust_region_grows_on_success_and_shrinks_on_failure() -> None:
    opt = BatchBO(4, BOSettings(n_initial=4, success_tolerance=2, failure_tolerance=2))
    x = np.full((2, 4), 0.5)
    opt.tell(x, np.array([1.0, 2.0]), np.array([True, True]))
    assert opt.trust_length() == pytest.approx(0.8)
    for d in (0.9, 0.8):  # two improving batches: doubles
        opt.tell(x, np.array([d, 5.0]), np.array([True, True]))
    assert opt.trust_length() == pytest.approx(1.6)
    for _ in range(4):  # four batches without improvement: halves twice
        opt.tell(x, np.array([0.8, np.nan]), np.array([True, False]))
    assert opt.trust_length() == pytest.approx(0.4)
    region = opt._trust_region(objective=None)
    assert np.all(region[0] <= 0.5) and np.all(region[1] >= 0.5)
    assert np.all(region[1] - region[0] <= 0.4 * 4 + 1e-12)


def test_bo_restarts_a_spent_trust_region_away_from_it() -> None:
    opt = BatchBO(
        4, BOSettings(n_initial=4, failure_tolerance=1, length_min=0.1, restart_radius=0.25)
    )
    first = np.array([[0.5, 0.5, 0.5, 0.5], [0.9, 0.1, 0.9, 0.1], [0.2, 0.2, 0.2, 0.2]])
    opt.tell(first, np.array([1.0, 2.0, 3.0]), np.ones(3, dtype=bool))
    assert opt.trust_state().centre == 0 and opt.trust_state().restarts == 0
    # no improvement: 0.8 -> 0.4 -> 0.2 -> 0.1, no restart yet; one point asked on the way
    # lies outside the region and beats the initial design's second best
    rim = np.array([[0.5, 0.5, 0.5, 0.85]])
    opt.tell(np.vstack([np.full((1, 4), 0.52), rim]), np.array([1.5, 1.9]), np.ones(2, bool))
    for _ in range(2):
        opt.tell(np.full((2, 4), 0.52), np.array([1.5, 1.5]), np.ones(2, dtype=bool))
    assert opt.trust_state().length == pytest.approx(0.1)
    opt.tell(np.full((2, 4), 0.52), np.array([1.5, 1.5]), np.ones(2, bool))  # 0.05 < 0.1
    state = opt.trust_state()
    assert state.restarts == 1 and state.since == 5
    assert state.length == pytest.approx(opt.settings.length_init)
    # the best point of the initial design outside the spent region, not the rim point
    assert state.centre == 1
    assert np.allclose(state.spent, [[0.5, 0.5, 0.5, 0.5]])
    region = opt._trust_region(objective=None, state=state)
    assert np.all(region[0] <= first[1]) and np.all(region[1] >= first[1])
    # an improvement in the new region moves its centre; the spent one is not revisited
    opt.tell(np.full((1, 4), 0.85), np.array([1.8]), np.ones(1, dtype=bool))
    assert opt.trust_state().centre == len(opt.history.d) - 1
    assert opt.trust_state().restarts == 1
    # without an initial-design point outside every spent region, the best later one leads
    last = len(opt.history.d) - 1
    assert opt._restart_centre(opt.history.d, first[:1], 1) == last
    assert opt._restart_centre(opt.history.d, first[:2], 3) == 2
    assert opt._restart_centre(opt.history.d, first, 3) == last
    everywhere = np.array([[0.5, 0.5, 0.5, 0.7], [0.85, 0.85, 0.85, 0.85]])
    # nothing outside: the point farthest from every spent centre
    assert opt._restart_centre(opt.history.d, np.vstack([first, everywhere]), 3) == 4


def test_bo_keeps_later_searches_out_of_a_spent_region() -> None:
    settings = BOSettings(
        n_initial=10,
        num_restarts=2,
        raw_samples=32,
        failure_tolerance=1,
        length_min=0.3,
        exclusion_radius=0.25,
    )
    opt = BatchBO(4, settings)
    _tell(opt, opt.initial_design())
    iteration = 0
    while opt.trust_state().restarts == 0:  # 0.8 -> 0.4 -> 0.2 < 0.3 without improvements
        iteration += 1
        _tell(opt, opt.ask(3, iteration))
        assert iteration < 12
    state = opt.trust_state()
    assert opt._gap(opt.history.x[[state.centre]], state.spent)[0] > settings.restart_radius
    asked = np.vstack([opt.ask(3, iteration + 1), opt.ask(3, iteration + 2)])
    assert opt._gap(asked, state.spent).min() > 0.9 * settings.exclusion_radius


def test_bo_asks_the_same_after_a_resume_as_without_one() -> None:
    # hyper-parameters are warm-started from the fit of an anchor iteration, which a
    # resumed optimiser (told everything, asked nothing) must recompute identically
    settings = BOSettings(n_initial=10, num_restarts=2, raw_samples=32, refit_every=3, seed=2)
    running = BatchBO(4, settings)
    _tell(running, running.initial_design())
    batches = []
    for it in range(1, 6):
        batches.append(running.ask(2, it))
        _tell(running, batches[-1])
    resumed = BatchBO(4, settings)
    _tell(resumed, resumed.initial_design())
    for x in batches:
        _tell(resumed, x)
    assert np.allclose(resumed.ask(2, 6), running.ask(2, 6), atol=1e-9)


def test_bo_runs_torch_single_threaded_and_restores_the_setting() -> None:
    import torch

    before = torch.get_num_threads()
    opt = _bo()
    _tell(opt, opt.initial_design())
    seen = []
    original = opt._ask

    def spy(n: int, iteration: int) -> np.ndarray:
        seen.append(torch.get_num_threads())
        return original(n, iteration)

    opt._ask = spy  # type: ignore[method-assign]
    opt.ask(2, 1)
    assert seen == [1]
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    "make,field",
    [
        (lambda: BOSettings(n_initial=1), "n_initial"),
        (lambda: BOSettings(raw_samples=0), "raw_samples"),
        (lambda: BOSettings(refit_every=0), "refit_every"),
        (lambda: BOSettings(length_min=0.9), "length_init"),
        (lambda: BOSettings(restart_radius=-0.1), "restart_radius"),
        (lambda: BOSettings(exclusion_radius=float("nan")), "exclusion_radius"),
        (lambda: PaperSettings(n_candidates=1), "n_candidates"),
        (lambda: PaperSettings(n_restarts=-1), "n_restarts"),
        (lambda: PaperSettings(exclusion_radius=-0.01), "exclusion_radius"),
    ],
)
def test_bad_optimizer_settings_raise_input_errors_naming_the_field(make, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        make()
    assert caught.value.field == field
    assert caught.value.expected


def test_the_loop_refuses_an_initial_design_larger_than_the_budget(tmp_path, stub) -> None:  # type: ignore[no-untyped-def]
    from scalebridge.calibration.bounds import PUBLISHED_SPACE
    from scalebridge.calibration.evaluations import EvaluationLog
    from scalebridge.calibration.loop import CalibrationLoop, InProcessMapper
    from scalebridge.calibration.workflow import CalibrationSettings, _task_factory

    make = _task_factory(CalibrationSettings(method="paper", budget=30))
    log = EvaluationLog(tmp_path / "evaluations.csv")
    loop = CalibrationLoop(
        _paper(), PUBLISHED_SPACE, log, make, stub, seed=0, budget=10, batch=1, stop_below=0.0
    )
    with pytest.raises(InputError, match="smaller than the initial design"):
        loop.run(InProcessMapper())
    assert stub.calls == 0
    with pytest.raises(InputError, match="batch"):
        CalibrationLoop(
            _paper(), PUBLISHED_SPACE, log, make, stub, seed=0, budget=10, batch=0, stop_below=0
        )
