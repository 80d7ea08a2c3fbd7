"""The class board in a real headless Chromium: a teacher's board and three students' tabs in one room.

The teacher presses New room; three students open the room's link (each its own browser context,
so its own session), one types a nickname, all press Start. The board shows three live thumbnails
(one canvas per run inside #class-board, drawn from its numbers) with the right counts, a click puts
one full size, and a
student closing their tab takes their run off the board. The teacher starts a class run and a
student watches it, every control hidden. The teacher link (folded away under the board, never on a
student's page) opens the same board on a second screen; Close room closes it, and the students' pages
say so.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

expect = pytest.importorskip("playwright.sync_api").expect


def board_steps(page) -> list[int]:
    return [int(s.replace(",", "")) for s in re.findall(r"step ([\d,]+)", page.locator("#class-board").inner_text())]


@pytest.fixture
def fast_unload(monkeypatch):
    monkeypatch.setenv("GRADIO_HEARTBEAT_INTERVAL", "1")  # the server notices a closed page within ~1 s


@pytest.fixture
def contexts(browser):
    """browser.new_context, each closed after the test even when it fails: a failed test's pages must not go on
    polling (and so keep the class run training) through the rest of the suite."""
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


def test_three_students_runs_show_live_on_the_board(app_server, contexts, wait_for, artifacts, fast_unload,
                                                   monkeypatch):
    demo, url = app_server
    monkeypatch.setattr(demo.ctx.registry, "reconnect_s", 1.0)  # (a closed tab's run waits 1 s for a reload, not 60)
    teacher = contexts(viewport={"width": 1920, "height": 1080}).new_page()
    teacher.goto(url)
    teacher.get_by_role("tab", name="Class board").click()
    teacher.locator("#board-new").click()
    expect(teacher.locator("#board-room")).to_contain_text("?room=", timeout=60_000)
    code = re.search(r"Room (\w+)", teacher.locator("#board-room").inner_text()).group(1)
    expect(teacher.locator("#class-board")).to_contain_text("No runs in this room yet")
    expect(teacher.locator("#board-teacher-link")).to_be_hidden()  # (folded: a projected board shows no key)
    teacher.locator("#board-teacher").get_by_text("Teacher link").click()
    link_box = teacher.locator("#board-teacher-link textarea, #board-teacher-link input").first
    expect(link_box).to_have_value(re.compile(rf"\?room={code}&teacher=[\w-]{{22}}$"), timeout=60_000)
    teacher_link = link_box.input_value()
    key = teacher_link.split("&teacher=")[1]
    assert key not in teacher.locator("#board-room").inner_text()
    teacher.locator("#board-teacher").get_by_text("Teacher link").click()  # folded again, as on a projector
    expect(link_box).to_be_hidden()

    students = []
    for i in range(3):
        page = contexts(viewport={"width": 1280, "height": 800}).new_page()
        page.goto(f"{url}?room={code.lower()}")  # (a code typed in lower case still opens the room)
        expect(page.locator("#room-info")).to_contain_text(f"room {code}", timeout=60_000)
        assert key not in page.content()  # the teacher key never reaches a student's page
        students.append(page)
    nick = students[0].locator("#room-nickname textarea, #room-nickname input").first
    nick.fill("<b>Ana</b>")
    nick.press("Enter")
    expect(students[0].locator("#room-info")).to_contain_text("<b>Ana</b>", timeout=60_000)
    expect(teacher.locator("#class-board")).to_contain_text("3 have not started", timeout=60_000)
    students[0].screenshot(path=str(artifacts / "board_student_1280.png"))
    for page in students:
        page.locator("#start").click()
    for page in students:
        expect(page.locator("#status")).to_contain_text("running", timeout=60_000)

    board = teacher.locator("#class-board")
    thumbs = board.locator("canvas.board-thumb")
    expect(thumbs).to_have_count(3, timeout=60_000)
    expect(board).to_contain_text("of 3 runs cover all 8 modes", timeout=60_000)
    expect(board).to_contain_text("<b>Ana</b>")  # the nickname, escaped: shown as typed, not as HTML
    assert board.locator("b", has_text="Ana").count() == 0
    first = board_steps(teacher)
    assert len(first) == 3
    assert wait_for(lambda: (lambda now: len(now) == 3 and all(a > b for a, b in zip(now, first)))(
        board_steps(teacher)), timeout_s=60), "the board's step counts did not rise: not live"
    def drawn():  # what each canvas shows (its pixels), and that it is not blank
        return teacher.evaluate("""() => Array.from(document.querySelectorAll('#class-board canvas.board-thumb'),
            (c) => c.toDataURL())""")

    srcs = drawn()
    assert all(len(set(teacher.evaluate(f"""() => {{ const c = document.querySelectorAll(
        '#class-board canvas.board-thumb')[{i}], d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return Array.from(d.slice(0, 4000)); }}"""))) > 4 for i in range(3)), "a thumbnail was drawn blank"
    assert wait_for(lambda: drawn() != srcs, timeout_s=60), "the thumbnails were not redrawn"
    teacher.screenshot(path=str(artifacts / "board_1920.png"))

    # the room's results to take home: a CSV of every run, from the teacher's private panel
    teacher.locator("#board-teacher").get_by_text("Teacher link").click()
    teacher.locator("#board-export").click()
    link = teacher.locator(f"#board-export-file a[download='room-{code}-results.csv']")
    expect(link).to_be_visible(timeout=60_000)
    rows = list(csv.DictReader(io.StringIO(teacher.request.get(link.get_attribute("href")).text())))
    assert sorted(r["name"] for r in rows) == ["<b>Ana</b>", "Run 2", "Run 3"], rows
    assert all(r["preset"] == "ring8" and int(r["steps"]) > 0 for r in rows)
    teacher.locator("#board-teacher").get_by_text("Teacher link").click()  # folded again

    board.locator("figure").first.click()  # a thumbnail, full size on the projector: drawn by the browser
    focus = teacher.locator("#board-focus .gl-picture")
    expect(focus).to_have_attribute("data-drawn-step", re.compile(r"^[1-9]"), timeout=60_000)
    expect(teacher.locator("#board-focus canvas.gl-field")).to_be_visible()
    expect(teacher.locator("#board-focus-line")).to_contain_text("step")
    drawn_at = int(focus.get_attribute("data-drawn-step"))
    assert wait_for(lambda: int(focus.get_attribute("data-drawn-step")) > drawn_at, timeout_s=60), "not live"
    width = teacher.evaluate("() => document.querySelector('#board-focus canvas.gl-field').offsetWidth")
    assert width >= 700, f"the projector's field is {width} px wide"  # (1920 px: big enough for the back row)
    teacher.screenshot(path=str(artifacts / "board_focus_1920.png"))
    teacher.locator("#board-back").click()
    expect(board).to_be_visible()
    tile = board.locator("figure").nth(1)  # from the keyboard too: a tile takes focus, Enter opens it
    expect(tile).to_contain_text("covers all")  # (the pile in words: not the frame's colour alone)
    tile.focus()
    teacher.keyboard.press("Enter")
    expect(teacher.locator("#board-focus canvas.gl-field")).to_be_visible(timeout=60_000)
    teacher.locator("#board-back").click()
    expect(board).to_be_visible()

    # the class run: the teacher starts it, a student watches it with the tabs (every control) hidden
    teacher.locator("#class-run").click()
    teacher.locator("#class-run-start").click()
    expect(teacher.locator("#class-run-line")).to_contain_text("running", timeout=60_000)
    watcher = students[1]
    watcher.locator("#room-watch input").check()
    expect(watcher.locator("#class-run-live .gl-picture[data-drawn-step]")).to_be_attached(timeout=60_000)
    expect(watcher.locator("#class-run-live img.gl-samples")).to_be_visible()  # (mnist5k: a sample grid)
    expect(watcher.locator("#class-run-live-status")).to_contain_text("Class run")
    expect(watcher.locator("#class-run-status")).to_contain_text("Class run")
    expect(watcher.locator("#start")).to_be_hidden()
    watcher.screenshot(path=str(artifacts / "board_watch_1280.png"))
    watcher.locator("#room-watch input").uncheck()
    expect(watcher.locator("#start")).to_be_visible(timeout=60_000)

    students[2].context.close()  # a tab closes: once no reload came, its run ends and leaves the board
    expect(thumbs).to_have_count(2, timeout=90_000)  # (the page's close is noticed by its heartbeat: slow on a busy CI)
    expect(board).to_contain_text("of 2 runs")

    # the teacher link opens the board on a second screen; the old `&teacher=1` only says it is not one
    screen = contexts(viewport={"width": 1280, "height": 800}).new_page()
    screen.goto(teacher_link)
    expect(screen.locator("#class-board canvas.board-thumb")).to_have_count(2, timeout=60_000)
    screen.goto(f"{url}?room={code}&teacher=1")
    expect(screen.locator("#board-room")).to_contain_text("teacher link", timeout=60_000)
    expect(screen.locator("#class-board canvas.board-thumb")).to_have_count(0)

    teacher.locator("#board-teacher").get_by_text("Teacher link").click()
    teacher.locator("#board-close").click()  # Close room: the students' pages say so at their next heartbeat
    expect(teacher.locator("#board-room")).to_contain_text("is closed", timeout=60_000)
    expect(students[0].locator("#room-info")).to_contain_text("has closed", timeout=60_000)
    assert demo.ctx.rooms.class_session(code) is None
    for page in [teacher, screen] + students[:2]:
        page.context.close()
    registry = demo.ctx.registry  # their runs go (1 s for a reload that does not come): none left for the next test
    assert wait_for(lambda: not any(registry.peek(s) for s in list(registry._owner)), 60)
