"""When the Trainer draws its pictures: while someone reads snapshots, at every pause and after
every Step job, and never for a run nobody watches (drawing costs ~1-2% of the steps)."""

import pytest

from live.single import trainer as trainer_mod

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def drawings(monkeypatch):
    """The step of every picture the Trainer draws."""
    steps = []
    real = trainer_mod.render_visuals

    def counting(gan, fixed_z, fixed_y):
        steps.append(gan.step)
        return real(gan, fixed_z, fixed_y)

    monkeypatch.setattr(trainer_mod, "render_visuals", counting)
    return steps


def test_an_unwatched_run_draws_only_when_it_pauses(make_trainer, drawings, wait_for):
    t = make_trainer(visual_every_s=0.0)  # would draw after every read-back if anyone watched
    t.start()
    assert wait_for(lambda: t.gan.step >= 200)  # (reads the step, not a snapshot: nobody watches)
    assert drawings == []
    t.pause()
    assert wait_for(lambda: len(drawings) == 1)
    s = t.snapshot()
    assert s.status == "paused" and s.visual_step == s.step == drawings[0] >= 200


def test_a_watched_run_keeps_drawing(make_trainer, drawings, wait_for):
    t = make_trainer(visual_every_s=0.0)
    t.start()
    shown = set()
    assert wait_for(lambda: shown.add(t.snapshot().visual_step) or len(shown - {-1}) >= 3)
    t.pause()
    assert len(drawings) >= 3 and drawings == sorted(drawings)
    s = t.snapshot()
    assert s.samples is None and s.field is not None


def test_drawing_waits_visual_every_s(make_trainer, drawings, wait_for):
    t = make_trainer(visual_every_s=60.0)
    t.step(5)  # a Step job always ends with a picture
    assert drawings == [5]
    t.start()
    assert wait_for(lambda: t.snapshot().step >= 200)  # watched, but the minute is not up
    t.pause()
    assert wait_for(lambda: len(drawings) == 2)  # the pause draws the step it stopped at
    assert t.snapshot().visual_step == drawings[1] >= 200


def test_stop_shows_the_last_step(make_trainer, drawings, wait_for):
    t = make_trainer()
    t.start()
    assert wait_for(lambda: t.gan.step >= 50)
    t.stop()
    s = t.snapshot()
    assert s.status == "stopped" and s.visual_step == s.step >= 50 and s.field is not None
