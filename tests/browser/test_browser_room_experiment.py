"""The class experiment in a real headless Chromium (issue #27, part 2): a teacher's board and four
students' pages in one room.

The teacher asks the collapse lesson's first question live: each student answers on their own page and
the board counts the answers; Reveal shows the students the room's answers. The teacher sends a lesson
step (follow the teacher): every student's lesson panel moves to it, with a notice. The teacher assigns
two variants: three students' Train tabs switch to their variant and seed, a fourth who joins later
gets the next slot; they press Start and the board counts their runs by variant beside the committed
5-seed table. A step sent while they train leaves their runs running. The CSV lists every run with its
assigned variant, and the board downloads as a PNG. Screenshots of the board during the experiment, at
1920 px (a projector) and 1280 px, go to tests/artifacts/ (docs/screenshot-board-experiment*.png are
copies of them).
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from conftest import poll_until, shown_step

expect = pytest.importorskip("playwright.sync_api").expect
Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

VARIANTS = ("ring8-collapse", "ring8-collapse+ttur")


@pytest.fixture
def contexts(browser):
    """browser.new_context, each closed after the test even when it fails (its pages stop polling)."""
    made = []

    def new(**kwargs):
        made.append(browser.new_context(**kwargs))
        return made[-1]

    yield new
    for ctx in made:
        try:
            ctx.close()
        except Exception:  # (closed by the test already)
            pass


def violations(page) -> list[str]:
    """axe-core's violations of any impact, once the page settled (an output Gradio dims while its event runs
    fails contrast for that moment: asked again for up to 30 s)."""
    seen = []

    def clean() -> bool:
        seen[:] = [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
                   for v in Axe().run(page).response["violations"]]
        return not seen

    poll_until(clean, timeout_s=30, every_s=2)
    return seen


def open_board(teacher, url: str) -> str:
    teacher.goto(url)
    teacher.get_by_role("tab", name="Class board").click()
    teacher.locator("#board-new").click()
    expect(teacher.locator("#board-room")).to_contain_text("?room=", timeout=20_000)
    return re.search(r"Room (\w+)", teacher.locator("#board-room").inner_text()).group(1)


def join(contexts, url: str, code: str):
    page = contexts(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{url}?room={code}")
    expect(page.locator("#room-info")).to_contain_text(f"room {code}", timeout=20_000)
    return page


def pick(page, elem_id: str, option: str) -> None:
    """Pick `option` in the dropdown #elem_id (typing, then the option: a real pick)."""
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def answer(page, choice: str) -> None:
    expect(page.locator("#room-question")).to_be_visible(timeout=20_000)
    page.locator("#room-answer-choice").get_by_text(choice, exact=False).click()
    page.locator("#room-answer-send").click()
    expect(page.locator("#room-answer-result")).to_contain_text("Your answer", timeout=15_000)


def test_a_room_predicts_follows_and_measures_together(app_server, contexts, wait_for, artifacts, fast_unload,
                                                        monkeypatch):
    demo, url = app_server
    monkeypatch.setattr(demo.ctx.registry, "reconnect_s", 1.0)
    teacher = contexts(viewport={"width": 1920, "height": 1080}, accept_downloads=True).new_page()
    code = open_board(teacher, url)
    students = [join(contexts, url, code) for _ in range(3)]
    live = teacher.locator("#board-experiment-live")

    # predict: the step's question, asked live; each answers on their own page, the board counts
    teacher.locator("#xp-ask").click()
    expect(live).to_contain_text("0 of 3 answered", timeout=15_000)
    for page, choice in zip(students, ["A. D's weak spot", "A. D's weak spot", "B. G forgets"]):
        answer(page, choice)
    expect(live).to_contain_text("3 of 3 answered", timeout=15_000)
    students[0].screenshot(path=str(artifacts / "room_question_student_1280.png"))
    assert violations(students[0]) == []  # (the question, its choices and Send, on a student's page)
    assert [b.inner_text() for b in live.locator(".xp-bar b").all()] == ["2", "1", "0"]
    answer(students[2], "A. D's weak spot")  # an answer may change until the reveal: still one per student
    expect(live.locator(".xp-bar b").first).to_have_text("3", timeout=15_000)
    expect(live).to_contain_text("3 of 3 answered")
    teacher.locator("#xp-reveal").click()
    for page in students:
        expect(page.locator("#room-answer-result")).to_contain_text("The room's answers", timeout=15_000)
        expect(page.locator("#room-answer-send")).to_be_hidden()

    # follow the teacher: step 3 of the collapse lesson on every page, with a notice
    pick(teacher, "xp-step", "3. Fix 1: two time-scales (D faster)")
    expect(teacher.locator("#xp-question textarea")).to_have_value(re.compile("Which player"), timeout=10_000)
    teacher.locator("#xp-send").click()
    for page in students:
        expect(page.locator("#room-notice")).to_contain_text("moved the class to", timeout=20_000)
        expect(page.locator("#lesson-card")).to_contain_text("Fix 1: two time-scales")
        expect(page.locator("#preset input")).to_have_value("ring8-collapse+ttur")
    assert "step=3" in students[0].url

    # assign and run: two variants, round robin in joining order, every seed different
    expect(teacher.locator("#xp-variants")).to_contain_text("ring8-collapse+ttur")
    teacher.locator("#xp-assign").click()
    expect(teacher.locator("#xp-note")).to_contain_text("Assigned 3", timeout=15_000)
    late = join(contexts, url, code)  # joins after the assignment: the next slot
    students.append(late)
    for i, page in enumerate(students):
        variant = VARIANTS[i % 2]
        expect(page.locator("#room-notice")).to_contain_text(f"assigned you {variant} with seed {i}", timeout=20_000)
        expect(page.locator("#preset input")).to_have_value(variant)
        expect(page.locator("#notice")).to_contain_text("press Start")
    for page in students:
        page.locator("#start").click()
    for page in students:
        expect(page.locator("#status")).to_contain_text("running", timeout=40_000)

    # measure together: the board counts the runs by variant, beside the committed 5-seed table
    table = live.locator(".xp-table")
    expect(table).to_contain_text("healthy in 5 of 5 seeds", timeout=15_000)
    rows = lambda: {r.locator("th").inner_text(): [c.inner_text() for c in r.locator("td").all()]  # noqa: E731
                    for r in table.locator("tbody tr").all()}
    assert wait_for(lambda: all(v[0] == "2" and v[4] == "0" for v in rows().values()) and len(rows()) == 2, 60), rows()
    assert "0 of 5" in rows()["ring8-collapse"][5]
    expect(teacher.locator("#class-board canvas.board-thumb")).to_have_count(4, timeout=30_000)
    teacher.locator("#board-experiment").scroll_into_view_if_needed()
    teacher.screenshot(path=str(artifacts / "screenshot-board-experiment-1920.png"), full_page=True)
    teacher.set_viewport_size({"width": 1280, "height": 900})
    teacher.screenshot(path=str(artifacts / "screenshot-board-experiment.png"), full_page=True)
    teacher.set_viewport_size({"width": 1920, "height": 1080})
    assert violations(teacher) == []  # (the experiment's panel, its bars and table, on the projector)
    students[1].evaluate("window.scrollTo(0, 0)")
    students[1].screenshot(path=str(artifacts / "room_assigned_student_1280.png"))

    # a step sent while they train changes their settings, never their runs
    before = shown_step(students[0])
    pick(teacher, "xp-step", "4. Fix 2: minibatch std-dev")
    teacher.locator("#xp-send").click()
    expect(students[0].locator("#lesson-card")).to_contain_text("Fix 2: minibatch std-dev", timeout=20_000)
    expect(students[0].locator("#status")).to_contain_text("running")
    assert wait_for(lambda: shown_step(students[0]) > before, 30), "the student's run stopped"
    expect(students[0].locator("#notice")).to_contain_text("press Start")

    # take it home: the CSV lists every run with its assigned variant; the board as a picture
    teacher.locator("#board-teacher").get_by_text("Teacher link").click()
    teacher.locator("#board-export").click()
    link = teacher.locator(f"#board-export-file a[download='room-{code}-results.csv']")
    expect(link).to_be_visible(timeout=15_000)
    rows_csv = list(csv.DictReader(io.StringIO(teacher.request.get(link.get_attribute("href")).text())))
    assert [(r["preset"], r["assigned"], r["seed"]) for r in rows_csv] == [
        (VARIANTS[i % 2], VARIANTS[i % 2], str(i)) for i in range(4)], rows_csv
    assert all(int(r["steps"]) > 0 for r in rows_csv)
    with teacher.expect_download() as download:
        teacher.locator("#board-picture").click()
    path = artifacts / "board-experiment-download.png"
    download.value.save_as(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000

    for page in students:
        page.context.close()
    registry = demo.ctx.registry  # their runs go (1 s for a reload that does not come): none left for the next test
    assert wait_for(lambda: not any(registry.peek(s) for s in list(registry._owner)), 60)
