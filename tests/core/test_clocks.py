"""The clocks: deadlines, who writes, and stopping at once."""

from __future__ import annotations

import io
import threading

import twirly
from twirly.state import Row


class ThreadRecorder(io.StringIO):
    """Records which thread wrote what."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[int, str]] = []
        self.seen = threading.Condition()

    def write(self, text: str) -> int:
        with self.seen:
            self.writes.append((threading.get_ident(), text))
            self.seen.notify_all()
        return super().write(text)

    def wait_for(self, needle: str, timeout: float = 10.0) -> tuple[int, str]:
        with self.seen:
            found = self.seen.wait_for(
                lambda: any(needle in text for _, text in self.writes), timeout
            )
        assert found, self.writes
        return next(w for w in self.writes if needle in w[1])


def test_frames_follow_deadlines_not_sleeps_after_drawing() -> None:
    row = Row("x", ("a", "b"), 1, 0.1, started=10.0)
    assert row.next_change(10.0) == 10.1
    assert row.next_change(10.13) == 10.2  # drawn late: the next frame is not pushed back
    assert row.frame_index(10.25) == 0  # the glyph is a function of the time
    assert row.frame_index(10.35) == 1


def test_timer_rows_also_wake_when_the_second_changes() -> None:
    row = Row("x", ("a",), 1, 10.0, started=0.0, timer=True)
    assert row.next_change(0.5) == 1.0


def test_a_text_update_does_no_io_on_the_callers_thread() -> None:
    out = ThreadRecorder()
    sp = twirly.spinner("before", stream=out, animate=True, driver="thread").start()
    try:
        writes_before = len(out.writes)
        sp.text = "after the update"
        assert len(out.writes) == writes_before
        writer, _ = out.wait_for("after the update")
        assert writer != threading.get_ident()
    finally:
        sp.stop()


def test_stop_does_not_wait_for_the_next_frame() -> None:
    # With a minute between frames, a stop that waited for the frame would hang this test.
    slow = twirly.Style(["a", "b"], interval=60)
    sp = twirly.spinner("x", style=slow, stream=io.StringIO(), animate=True, driver="thread")
    sp.start()
    clock_threads = [t for t in threading.enumerate() if t.name == "twirly-spinner"]
    assert len(clock_threads) == 1
    assert clock_threads[0].daemon
    sp.stop()
    assert not clock_threads[0].is_alive()


def test_write_from_another_thread_goes_through_the_one_writer() -> None:
    out = ThreadRecorder()
    sp = twirly.spinner("x", stream=out, animate=True, driver="thread").start()
    try:
        worker = threading.Thread(target=sp.write, args=("from a worker",))
        worker.start()
        worker.join()
        _, text = out.wait_for("from a worker")
        assert text.index("from a worker") < text.index("x")  # the line, then the row below
    finally:
        sp.stop()


def test_a_style_faster_than_the_eye_never_makes_the_clock_spin() -> None:
    from twirly.styles import MIN_INTERVAL

    blur = twirly.Style(["a", "b"], interval=1e-6)
    assert blur.interval == 1e-6  # the style says what it was given
    sp = twirly.spinner("x", style=blur, stream=io.StringIO(), animate=True)
    row = sp._row
    assert row.interval == MIN_INTERVAL  # the clock draws at most this often
    assert row.next_change(0.0) == MIN_INTERVAL
