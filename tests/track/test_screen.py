"""What a person sees while a loop is tracked: a virtual terminal and a clock the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

import twirly
from tests.track.screen import SpinnerDisplay
from twirly.testing import VirtualTerminal


@pytest.fixture
def display(monkeypatch: pytest.MonkeyPatch) -> SpinnerDisplay:
    return SpinnerDisplay().install(monkeypatch)


def take(items: Iterator[object], count: int) -> None:
    for _ in range(count):
        next(items)


def row(display: SpinnerDisplay) -> str:
    """The bottom row with text, without its glyph."""
    return display.used[-1][2:]


def test_the_row_shows_count_percent_rate_and_time_left(display: SpinnerDisplay) -> None:
    items = iter(twirly.track(range(10_000), "Hashing", **display.options))
    next(items)
    assert row(display) == "Hashing  0/10,000 · 0%"  # (the first frame already counts)
    take(items, 812)  # (the 812th is done once the 813th is asked for)
    display.tick(1.0)
    assert row(display) == "Hashing  812/10,000 · 8% · 812/s · 0:12 left"
    for _ in range(3):
        take(items, 812)
        display.tick(1.0)
    assert row(display) == "Hashing  3,248/10,000 · 32% · 812/s · 0:09 left"


def test_the_end_leaves_a_final_line_with_the_average_rate(display: SpinnerDisplay) -> None:
    items = iter(twirly.track(range(10_000), "Hashing", **display.options))
    for _ in range(12):
        take(items, 812)
        display.tick(1.0)
    display.clock.now += 0.32
    assert list(items) == list(range(9744, 10_000))
    assert display.used == ["✔ Hashing  10,000/10,000 · 812/s · 0:12"]


def test_text_is_made_at_frames_not_per_item(display: SpinnerDisplay) -> None:
    sp = twirly.spinner("Hashing", **display.options).start()
    items = iter(sp.track(range(100_000)))
    next(items)
    before = sp.text
    take(items, 50_000)
    assert sp.text is before  # (fifty thousand items, no frame: not one string made)
    display.tick()
    assert sp.text.startswith("Hashing  50,000/100,000 · 50%")  # (the 50,001st under way)
    sp.stop()


def test_a_frame_writes_what_changed_not_the_whole_row(display: SpinnerDisplay) -> None:
    items = iter(twirly.track(range(10**6), "Hashing a long list of files", **display.options))
    next(items)
    for _ in range(5):
        take(items, 1000)
        display.tick(1.0)
    take(items, 1000)
    written = display.tick(1.0)
    assert (
        row(display) == "Hashing a long list of files  6,000/1,000,000 · 0% · 1,000/s · 16:34 left"
    )
    # The label and what follows it unchanged are stepped over: the glyph, one cursor
    # move, and the text from the first character that changed ("6,000" was "5,000").
    changed = row(display)[row(display).index("6,000") :]
    assert written == f"{display.used[-1][0]}\x1b[31C{changed}\r"


def test_the_rate_follows_a_change_of_pace_smoothly(display: SpinnerDisplay) -> None:
    items = iter(twirly.track(range(10**6), "x", **display.options))
    for _ in range(10):
        take(items, 100)
        display.tick(0.5)  # 200 a second
    rates = []
    for _ in range(10):
        take(items, 1000)
        display.tick(0.5)  # 2,000 a second
        rates.append(int(row(display).split(" · ")[2].removesuffix("/s").replace(",", "")))
    assert rates == sorted(rates)
    assert 200 < rates[0] < 800
    assert rates[-1] > 1500


def test_without_a_total_no_percent_and_no_time_left(display: SpinnerDisplay) -> None:
    items = iter(twirly.track(iter(range(10_000)), "Reading", **display.options))
    take(items, 501)
    display.tick(2.0)
    assert row(display) == "Reading  500 · 250/s · 0:02"
    list(items)
    assert display.used[-1].startswith("✔ Reading  10,000 · ")


def test_total_given_for_an_iterable_without_len(display: SpinnerDisplay) -> None:
    items = iter(twirly.track(iter(range(40)), "Reading", total=40, **display.options))
    take(items, 11)
    display.tick(1.0)
    assert row(display) == "Reading  10/40 · 25% · 10/s · 0:03 left"


class Lying:
    """Says it has ``claimed`` items, and has ``real``."""

    def __init__(self, claimed: int, real: int) -> None:
        self.claimed, self.real = claimed, real

    def __len__(self) -> int:
        return self.claimed

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.real))


def test_a_len_that_says_too_few_never_shows_more_than_100_percent(
    display: SpinnerDisplay,
) -> None:
    items = iter(twirly.track(Lying(10, 30), "x", **display.options))
    seen = []
    for _ in range(30):
        next(items)
        display.tick(0.1)
        seen.append(row(display))
    assert all(int(p[:-1]) <= 100 for line in seen for p in line.split(" · ") if p.endswith("%"))
    assert seen[-1].startswith("x  29 · ")  # (past the total: the count alone)
    assert list(items) == []
    assert display.used[-1].startswith("✔ x  30 · ")


def test_a_len_that_says_too_many_ends_with_the_real_count(display: SpinnerDisplay) -> None:
    assert list(twirly.track(Lying(10, 3), "x", **display.options)) == [0, 1, 2]
    assert display.used[-1].startswith("✔ x  3/10 · ")


def test_an_error_getting_an_item_leaves_a_failure_line(display: SpinnerDisplay) -> None:
    def broken() -> Iterator[int]:
        yield from range(5)
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        for _ in twirly.track(broken(), "Reading", total=10, **display.options):
            pass
    assert display.used[-1].startswith("✖ Reading  5/10 · ")


def test_break_is_not_a_failure(display: SpinnerDisplay) -> None:
    for item in twirly.track(range(10), "Scanning", **display.options):
        if item == 3:
            break
    assert display.used[-1].startswith("ℹ Scanning  3/10 · ")  # (the fourth was not done)


def test_an_error_in_the_loop_body_is_a_loop_left_early(display: SpinnerDisplay) -> None:
    with pytest.raises(ValueError, match="bad item"):
        for item in twirly.track(range(10), "Scanning", **display.options):
            if item == 2:
                raise ValueError("bad item")
    assert display.used[-1].startswith("ℹ Scanning  2/10 · ")
    assert display.terminal.rows == ()


def test_ascii_terminals_get_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    display = SpinnerDisplay(unicode=False).install(monkeypatch)
    items = iter(twirly.track(range(10_000), "Hashing", **display.options))
    take(items, 3001)
    display.tick(1.0)
    assert row(display) == "Hashing  3,000/10,000, 30%, 3,000/s, 0:03 left"
    list(items)
    assert display.used[-1].startswith("OK Hashing  10,000/10,000, ")


def test_a_tracked_iterable_can_be_looped_over_again(display: SpinnerDisplay) -> None:
    tracked = twirly.track([1, 2, 3], "Pass", **display.options)
    assert list(tracked) == [1, 2, 3]
    assert list(tracked) == [1, 2, 3]
    assert display.used[0].startswith("✔ Pass  3/3 · ")
    assert display.used[1].startswith("✔ Pass  3/3 · ")


def test_on_a_spinner_the_count_follows_its_text(display: SpinnerDisplay) -> None:
    with twirly.spinner("Hashing", **display.options) as sp:
        items = iter(sp.track(range(100)))
        take(items, 41)
        display.tick(1.0)
        assert row(display) == "Hashing  40/100 · 40% · 40/s · 0:02 left"
        sp.text = "Hashing b.txt"  # (the program's own text: the count goes after it)
        take(items, 40)
        display.tick(1.0)
        assert row(display).startswith("Hashing b.txt  80/100 · 80% · ")
        list(items)
        assert sp.running  # (the spinner goes on after the loop, with the final count)
        display.tick(1.0)
        assert row(display).startswith("Hashing b.txt  100/100 · ")
        sp.ok()
    assert display.used[-1].startswith("✔ Hashing b.txt  100/100 · ")


def test_on_a_group_row_the_count_follows_the_title(display: SpinnerDisplay) -> None:
    with display.group("Files", show_after=0) as g, g.task("copy") as task:
        items = iter(task.track(range(200)))
        take(items, 51)
        display.tick(1.0)
        assert "⠋ copy  50/200 · 25% · 50/s · 0:03 left (1s)" in display.used
        list(items)
        display.tick(1.0)
        assert any(line[2:].startswith("copy  200/200 · 200/s · 0:01") for line in display.used)
        assert task.status == "running"  # (the task's outcome is its own)


async def numbers(count: int) -> AsyncIterator[int]:
    for number in range(count):
        await asyncio.sleep(0)
        yield number


def test_async_for_over_an_async_iterable(display: SpinnerDisplay) -> None:
    async def main() -> list[int]:
        got = []
        async for number in twirly.track(numbers(20), "Reading", total=20, **display.options):
            got.append(number)
            if number == 10:
                display.tick(1.0)
                assert row(display) == "Reading  10/20 · 50% · 10/s · 0:01 left"
        return got

    assert asyncio.run(main()) == list(range(20))
    assert display.used[-1].startswith("✔ Reading  20/20 · ")


def test_async_for_over_a_plain_iterable_and_on_a_spinner(display: SpinnerDisplay) -> None:
    async def main() -> None:
        async with twirly.spinner("Sum", **display.options) as sp:
            total = 0
            async for number in sp.track(range(5)):
                total += number
            sp.ok(f"{sp.text} = {total}")

    asyncio.run(main())
    assert display.used[-1].startswith("✔ Sum  5/5 · ")
    assert display.used[-1].endswith(" = 10")


def test_an_async_loop_left_early_is_not_a_failure(display: SpinnerDisplay) -> None:
    async def main() -> None:
        async for number in twirly.track(numbers(20), "Reading", **display.options):
            if number == 4:
                break
        # At once, with no turn of the event loop: the row is gone and the line written
        # before the program's next line runs (four items done, the fifth was not).
        assert display.used[-1].startswith("ℹ Reading  4 · ")
        assert display.terminal.rows == ()

    asyncio.run(main())
    assert display.used[-1].startswith("ℹ Reading  4 · ")


def test_an_exception_in_an_async_loop_body_ends_it_at_once(display: SpinnerDisplay) -> None:
    async def main() -> None:
        with pytest.raises(ValueError, match="bad item"):
            async for number in twirly.track(numbers(20), "Reading", **display.options):
                if number == 2:
                    raise ValueError("bad item")
        assert display.used[-1].startswith("ℹ Reading  2 · ")  # (before the loop turns)
        assert display.terminal.rows == ()

    asyncio.run(main())


def test_an_async_loop_closed_by_aclose_ends_as_left_early(display: SpinnerDisplay) -> None:
    async def main() -> None:
        loop = aiter(twirly.track(numbers(20), "Reading", **display.options))
        assert await anext(loop) == 0
        assert await anext(loop) == 1
        await loop.aclose()  # type: ignore[attr-defined]  # (as contextlib.aclosing calls it)
        assert display.used[-1].startswith("ℹ Reading  1 · ")
        with pytest.raises(StopAsyncIteration):
            await anext(loop)

    asyncio.run(main())
    assert display.used[-1].startswith("ℹ Reading  1 · ")  # (and nothing more at its end)


def test_an_async_loop_cancelled_in_its_body_or_waiting_for_an_item(
    display: SpinnerDisplay,
) -> None:
    async def main() -> None:
        waiting, forever = asyncio.Event(), asyncio.Event()

        async def items() -> AsyncIterator[int]:
            yield 1
            waiting.set()
            await forever.wait()
            yield 2

        async def in_body() -> None:
            async for _ in twirly.track(numbers(20), "Body", **display.options):
                waiting.set()
                await forever.wait()

        async def for_an_item() -> None:
            async for _ in twirly.track(items(), "Fetch", **display.options):
                pass

        for loop, line in ((in_body, "ℹ Body  0 · "), (for_an_item, "✖ Fetch  1 · ")):
            waiting.clear()
            task = asyncio.create_task(loop())
            await waiting.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert display.used[-1].startswith(line)
            assert display.terminal.rows == ()

    asyncio.run(main())


def test_a_break_ends_an_asyncio_clock_at_once() -> None:
    # A real clock: the spinner's clock is an asyncio Task, and the watchdog watches the
    # loop. Nothing here waits for time: the first frame is drawn as the loop starts.
    async def main(vt: VirtualTerminal) -> None:
        async for number in twirly.track(numbers(20), "Reading", driver="asyncio"):
            if number == 3:
                break
        clocks = [task for task in asyncio.all_tasks() if task.get_name() == "twirly-spinner"]
        assert clocks  # (cancelled, not yet ended: no await since)
        assert all(task.cancelling() or task.done() for task in clocks)
        print("after the loop")
        assert vt.lines[0].startswith("ℹ Reading  3 · ")
        assert vt.lines[1:3] == ["after the loop", ""]
        assert vt.cursor_visible
        await asyncio.sleep(0)  # (the cancelled clock ends on this turn)
        assert all(task.done() for task in clocks)

    with VirtualTerminal(clock="real") as vt:
        asyncio.run(main(vt))


def test_show_after_quick_work_writes_nothing_at_all() -> None:
    async def awaited() -> int:
        return 42

    for tty in (True, False):
        with VirtualTerminal(tty=tty) as vt:
            for _ in twirly.track(range(3), "Done", show_after=0.5):
                vt.advance(0.1)
            for _ in twirly.track(range(10), "Left", show_after=0.5):
                break
            with pytest.raises(KeyError), twirly.spinner("Failed", show_after=0.5):
                raise KeyError("quick")
            assert asyncio.run(twirly.spin(awaited(), "Spun", show_after=0.5)) == 42
        assert vt.output == ""


def test_show_after_an_ok_the_program_asks_for_is_written_however_quick() -> None:
    with VirtualTerminal() as vt, twirly.spinner("Quick", show_after=0.5) as sp:
        sp.ok("asked for")
    assert vt.screen_text == "✔ asked for"


def test_show_after_the_first_frame_shown_has_the_count_of_then() -> None:
    with VirtualTerminal() as vt:
        for _ in twirly.track(range(8), "Slow", show_after=0.3):
            vt.advance(0.1)
        shown = [lines[0] for lines in vt.screens() if lines[0]]
    assert shown[0] == "⠋ Slow  2/8 · 25%"  # (shown at 0.3 s, the third item under way)
    assert shown[-1] == "✔ Slow  8/8 · 0:00"


def test_off_a_terminal_the_time_is_the_virtual_terminal_s_too() -> None:
    with VirtualTerminal(tty=False) as vt:
        for number in twirly.track(range(1000), "Pipe"):
            if number % 100 == 0:
                vt.advance(0.5)
        sp = twirly.spinner("Sum")  # (not started: no terminal of its own yet)
        for number in sp.track(range(1000)):
            if number % 100 == 0:
                vt.advance(0.5)
        sp.ok()
    assert vt.output == (
        "Pipe\n✔ Pipe  1,000/1,000 · 200/s · 0:05\n✔ Sum  1,000/1,000 · 200/s · 0:05\n"
    )
