"""End to end, in real pseudo-terminals: what a person sees, whatever ends the program."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.support.ptyrun import PtyProcess, clean_env

DRIVERS = ["thread", "asyncio", "process"]


def program(body: str, driver: str = "thread", after: str = "") -> str:
    """A script that runs ``body`` inside a spinner driven by ``driver``, then ``after``."""
    body = textwrap.indent(textwrap.dedent(body), "        ")
    return _program(body, driver) + textwrap.dedent(after)


def _program(body: str, driver: str) -> str:
    if driver == "asyncio":
        return textwrap.dedent("""\
            import asyncio, os, signal, sys, time, twirly
            async def main():
                async with twirly.spinner("spinning text", driver="asyncio") as sp:
            {body}
            asyncio.run(main())
            """).format(body=body)
    return textwrap.dedent("""\
        import os, signal, sys, time, twirly
        def main():
            with twirly.spinner("spinning text", driver={driver!r}) as sp:
        {body}
        main()
        """).format(body=body, driver=driver)


def start(code: str, **kwargs: object) -> PtyProcess:
    return PtyProcess.python(code, **kwargs)


def assert_clean_screen(p: PtyProcess) -> None:
    screen = p.screen()
    assert screen.cursor_visible, bytes(p.output)
    assert "spinning text" not in screen.text, screen.text


@pytest.mark.parametrize("driver", DRIVERS)
def test_cursor_hidden_while_spinning_and_line_cleared_on_normal_exit(driver: str) -> None:
    code = program("print('READY', flush=True); time.sleep(0.3)", driver)
    with start(code) as p:
        # READY may come in two writes (its text, then its newline): between them it is an
        # unfinished line with the cursor after it, as a prompt is. Wait for the row below it.
        screen = p.read_until_screen(
            lambda s: s.text_lines[0] == "READY" and "spinning text" in s.text_lines[1]
        )
        assert not screen.cursor_visible
        assert p.wait() == 0
        assert_clean_screen(p)
        assert p.screen().text_lines[0] == "READY"


@pytest.mark.parametrize("driver", DRIVERS)
def test_exception_leaves_a_failed_line_and_propagates(driver: str) -> None:
    code = program("time.sleep(0.1); raise ValueError('boom')", driver)
    with start(code) as p:
        assert p.wait() == 1
        screen = p.screen()
        assert screen.cursor_visible
        assert "✖ spinning text" in screen.text_lines
        assert "ValueError: boom" in screen.text


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("end", ["ok", "exception"])
def test_the_final_line_after_an_unfinished_print_starts_a_line_of_its_own(
    driver: str, end: str
) -> None:
    finish = "sp.ok('step done')" if end == "ok" else "raise ValueError('boom')"
    body = f"""
    print("Progress: ", end="", flush=True)
    for _ in range(3):
        print(".", end="", flush=True)
        time.sleep(0.05)
    {finish}
    """
    with start(program(body, driver)) as p:
        p.wait()
        lines = p.screen().text_lines
    final = "✔ step done" if end == "ok" else "✖ spinning text"
    assert lines[:2] == ["Progress: ...", final], lines


def _wait_until_asleep(p: PtyProcess) -> None:
    """Wait until the program's main thread sleeps in ``time.sleep``.

    CPython checks for a signal between two bytecodes and when a sleep is interrupted; one
    taken in between (after ``print`` returned, before the sleep began) is handled only when
    the sleep ends by itself: 30 s here, with or without twirly. That is CPython's race, not
    what this test is about.
    """
    wchan = f"/proc/{p.proc.pid}/wchan"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(wchan) as f:
                if "nanosleep" in f.read():
                    return
        except OSError:
            return  # no /proc here: nothing to wait on
        p.read_for(0.02)


@pytest.mark.parametrize("driver", DRIVERS)
def test_cursor_restored_after_ctrl_c(driver: str) -> None:
    wait = "await asyncio.sleep(30)" if driver == "asyncio" else "time.sleep(30)"
    code = program(f"print('READY', flush=True); {wait}", driver)
    with start(code) as p:
        p.read_until("READY")
        p.read_until("spinning text")
        if driver != "asyncio":  # (the event loop's wakeup descriptor ends its wait at once)
            _wait_until_asleep(p)
        p.type("\x03")  # the line discipline sends SIGINT to the foreground group
        status = p.wait()
        assert status in (-signal.SIGINT, 1, 130)
        assert p.screen().cursor_visible
        assert "KeyboardInterrupt" in p.screen().text


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_cursor_restored_then_same_signal(driver: str, signum: int) -> None:
    code = program("print('READY', flush=True); time.sleep(30)", driver)
    with start(code) as p:
        p.read_until("READY")
        p.read_until("spinning text")
        time.sleep(0.2)  # let the process driver's child take over the drawing
        p.send_signal(signum)
        assert p.wait() == -signum
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", DRIVERS)
def test_sys_exit_inside_the_block(driver: str) -> None:
    code = program("time.sleep(0.1); sys.exit(3)", driver)
    with start(code) as p:
        assert p.wait() == 3
        assert p.screen().cursor_visible
        assert p.screen().text_lines[0] == "✖ spinning text"  # a failed exit is a failure
    with start(code.replace("sys.exit(3)", "sys.exit(0)")) as p:
        assert p.wait() == 0
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", ["thread", "process"])
def test_forgotten_spinner_neither_keeps_the_process_alive_nor_leaves_a_frame(
    driver: str,
) -> None:
    code = f"""
import time, twirly
sp = twirly.spinner("spinning text", driver={driver!r})
sp.start()
time.sleep(0.3)
print("END")
"""
    with start(code) as p:
        assert p.wait(timeout=10) == 0
        assert_clean_screen(p)
        assert "END" in p.screen().text


def test_forgotten_asyncio_spinner_is_cleared_when_the_loop_ends() -> None:
    code = """
import asyncio, twirly
async def main():
    twirly.spinner("spinning text").start()
    await asyncio.sleep(0.3)
asyncio.run(main())
print("END")
"""
    with start(code) as p:
        assert p.wait(timeout=10) == 0
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", DRIVERS)
def test_print_and_logging_from_threads_go_above_the_spinner(driver: str) -> None:
    body = """
    import logging, threading
    logging.basicConfig(level=logging.INFO, format="log %(message)s")
    def work(n):
        for i in range(20):
            print(f"t{n} line {i}")
            logging.info(f"t{n} entry {i}")
    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads: t.start()
    for t in threads: t.join()
    sp.write("via write")
    time.sleep(0.2)
    """
    code = "import sys\noriginal = sys.stdout, sys.stderr\n" + program(
        body, driver, after="print('RESTORED', (sys.stdout, sys.stderr) == original)\n"
    )
    with start(code, rows=200) as p:
        assert p.wait() == 0
        lines = p.screen().text_lines
        for n in range(3):
            mine = [line for line in lines if line.startswith(f"t{n} line")]
            assert mine == [f"t{n} line {i}" for i in range(20)]
            logged = [line for line in lines if line.startswith(f"log t{n} entry")]
            assert logged == [f"log t{n} entry {i}" for i in range(20)]
        assert "via write" in lines
        assert "RESTORED True" in lines
        assert not any("spinning" in line for line in lines)


def test_two_spinners_in_two_threads_take_separate_rows() -> None:
    code = """
import threading, twirly
go = threading.Event()
def one(text, started):
    with twirly.spinner(text):
        started.set()
        go.wait(5)
for text in ("first task", "second task"):
    started = threading.Event()
    threading.Thread(target=one, args=(text, started)).start()
    started.wait(5)
go.wait(0.3)
print("CHECK", flush=True)
go.wait(0.3)
go.set()
"""
    with start(code) as p:
        p.read_until("CHECK")
        p.read_for(0.15)
        lines = p.screen().text_lines
        rows = [line for line in lines if "task" in line]
        assert len(rows) == 2
        assert rows[0].endswith("first task")
        assert rows[1].endswith("second task")
        assert p.wait() == 0
        assert p.screen().cursor_visible


def test_nested_spinners_take_separate_rows() -> None:
    code = """
import time, twirly
with twirly.spinner("outer task"):
    with twirly.spinner("inner task") as inner:
        time.sleep(0.3)
        print("CHECK", flush=True)
        time.sleep(0.3)
        inner.ok("inner done")
    time.sleep(0.2)
"""
    with start(code) as p:
        p.read_until("CHECK")
        p.read_for(0.15)
        lines = [line for line in p.screen().text_lines if "task" in line]
        assert len(lines) == 2
        assert lines[0].endswith("outer task")
        assert lines[1].endswith("inner task")
        assert p.wait() == 0
        assert [line for line in p.screen().text_lines if line][-1] == "✔ inner done"


@pytest.mark.parametrize("driver", DRIVERS)
def test_resize_while_spinning_leaves_no_garbage(driver: str) -> None:
    wait = "await asyncio.sleep(1.2)" if driver == "asyncio" else "time.sleep(1.2)"
    body = f"print('READY', flush=True); {wait}"
    code = program(body, driver).replace('"spinning text"', '"spinning text " + "x" * 70')
    with start(code, cols=80) as p:
        p.read_until("READY")
        p.read_for(0.4)
        p.resize(24, 30)
        p.read_for(0.5)
        lines = p.screen().text_lines
        spinner_rows = [line for line in lines if "spinning" in line]
        assert len(spinner_rows) == 1
        assert spinner_rows[0].endswith("…")
        assert len(spinner_rows[0]) <= 30
        assert p.wait() == 0
        assert_clean_screen(p)


def test_untrusted_text_is_shown_not_obeyed() -> None:
    code = r"""
import time, twirly
with twirly.spinner("name \x1b]0;pwned\x07 \x1b[2J end") as sp:
    sp.write("line \x1b]52;c;AAAA\x07 \x9b31m")
    time.sleep(0.2)
    sp.fail("bad \x1b[H\x08 file")
"""
    with start(code) as p:
        assert p.wait() == 0
        out = bytes(p.output)
        assert b"\x1b]" not in out
        assert b"\x1b[2J" not in out
        assert b"\x1b[H" not in out
        assert "\x9b".encode() not in out
        text = p.screen().text
        assert "line \\x1b]52;c;AAAA\\x07 \\x9b31m" in text
        assert "✖ bad \\x1b[H\\x08 file" in text


def _run_piped(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env=env or clean_env(),
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("driver", DRIVERS)
def test_off_a_terminal_text_once_and_final_line_once(driver: str) -> None:
    code = program("time.sleep(0.3); sp.text = 'changed'; time.sleep(0.2); sp.ok('done')", driver)
    result = _run_piped(code)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.decode().splitlines()
    assert lines[:2] == ["spinning text", "✔ done"]
    if driver == "asyncio":
        # time.sleep blocked the loop: the watchdog's summary, once, at the end, plain. (Half
        # a second of sleeps; a loaded machine may add a tenth or more.)
        headline = re.fullmatch(
            r"⚠ event loop blocked 1 time, ~(\d\.\d) s in total \(longest ~\1 s\)", lines[2]
        )
        assert headline is not None, lines
        assert 0.4 <= float(headline[1]) <= 1.5, lines
        # (the line of `sp.ok` that ended the step; Python 3.13 also shows `-c` code's text)
        assert re.match(
            rf"  ~{headline[1]} s  main\(\)  <string>:4  (time\.sleep.*  )?task Task-1 · ",
            lines[3],
        ), lines
        assert len(lines) == 4
    else:
        assert len(lines) == 2
    assert b"\x1b" not in result.stderr


def test_force_color_colours_but_never_animates_a_pipe() -> None:
    code = program("time.sleep(0.3); sp.fail('broken')")
    result = _run_piped(code, clean_env({"FORCE_COLOR": "1"}))
    assert result.stderr.decode() == "spinning text\n\x1b[31m✖\x1b[0m broken\n"


@pytest.mark.parametrize("env", [{"CI": "true"}, {"TERM": "dumb"}, {"TWIRLY_ANIMATE": "0"}])
def test_no_animation_on_a_terminal_when_told(env: dict[str, str]) -> None:
    code = program("time.sleep(0.3); sp.ok('done')")
    with PtyProcess.python(code, env=clean_env(env)) as p:
        assert p.wait() == 0
        out = bytes(p.output)
        if "TWIRLY_ANIMATE" not in env:  # off a terminal: not one escape byte
            assert b"\x1b" not in out
        assert b"\r" not in out.replace(b"\r\n", b"")
        assert p.screen().text_lines[:2] == [
            "spinning text",
            "✔ done" if "TERM" not in env else "OK done",
        ]


def test_no_color_keeps_the_animation() -> None:
    code = program("time.sleep(0.4); sp.ok('done')")
    with PtyProcess.python(code, env=clean_env({"NO_COLOR": "1"})) as p:
        assert p.wait() == 0
        out = bytes(p.output)
        assert "⠙".encode() in out
        assert b"\x1b[32m" not in out


def test_a_reader_that_goes_away_gives_no_traceback() -> None:
    code = program("for i in range(200): sp.write(f'line {i}'); time.sleep(0.001)")
    code = code.replace(
        'twirly.spinner("spinning text"', 'twirly.spinner("spinning text", stream=sys.stdout'
    )
    pipeline = subprocess.run(
        f"{sys.executable} -c {shlex_quote(code)} | head -c 10",
        shell=True,
        capture_output=True,
        env=clean_env(),
        timeout=30,
        check=False,
    )
    assert pipeline.stdout == b"spinning t"
    assert b"Traceback" not in pipeline.stderr, pipeline.stderr
    assert b"BrokenPipeError" not in pipeline.stderr


def shlex_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def test_process_driver_child_clears_its_line_when_the_parent_is_killed() -> None:
    code = program("print('READY', flush=True); time.sleep(30)", "process")
    with start(code) as p:
        p.read_until("READY")
        p.read_for(0.3)
        pid = p.proc.pid
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
        assert children, "the process driver started no child"
        os.kill(pid, signal.SIGKILL)
        p.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(c) for c in children):
            p.read_for(0.05)
        assert not any(_alive(c) for c in children)
        p.read_for(0.1)
        assert_clean_screen(p)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_import_twirly_imports_no_asyncio_multiprocessing_or_logging() -> None:
    code = (
        "import sys, twirly; twirly.spinner; "
        "print(sorted(m for m in ('asyncio', 'multiprocessing', 'logging', 'subprocess') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=clean_env(), check=True
    )
    assert result.stdout.decode().strip() == "[]"


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_process_driver_works_under_every_start_method(method: str) -> None:
    code = f"""
import multiprocessing, time, twirly
if __name__ == "__main__":
    multiprocessing.set_start_method({method!r})
    with twirly.spinner("spinning text", driver="process") as sp:
        time.sleep(1.0)  # generous: the child interpreter may start slowly on a busy machine
        sp.ok("finished")
"""
    with start(code) as p:
        assert p.wait() == 0
        assert "✔ finished" in p.screen().text_lines
        assert p.screen().cursor_visible
        assert b"\xe2\xa0\x99" in bytes(p.output)  # a later frame was drawn


@pytest.mark.parametrize("driver", ["thread", "process"])
def test_input_prompt_pauses_the_spinner_until_answered(driver: str) -> None:
    code = program(
        """
        time.sleep(0.2)
        name = input("Name: ")
        print("hello", name)
        time.sleep(0.3)
        """,
        driver,
    )
    with start(code) as p:
        p.read_until("Name: ")
        p.read_for(0.3)  # the spinner must not draw over the prompt meanwhile
        assert p.screen().text == "Name:"
        assert p.screen().cursor_visible
        p.type("Ada\r")
        p.read_until("hello Ada")
        p.read_for(0.2)
        lines = p.screen().text_lines
        assert lines[:2] == ["Name: Ada", "hello Ada"]
        assert lines[2].endswith("spinning text")
        assert p.wait() == 0
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize(
    "asking",
    [
        [sys.executable, "-c", "name = input('Name: '); print('hello', name)"],
        ["bash", "--norc", "-c", "read -p 'Name: ' name; echo hello $name"],
    ],
    ids=["python-input", "bash-read"],
)
def test_a_subprocess_prompt_is_shown_and_its_answer_echoed(driver: str, asking: list[str]) -> None:
    # The child writes its prompt to fd 1 (held in twirly's capture as an unfinished line)
    # and reads the terminal, which twirly had set not to echo: the prompt must show, the
    # answer be seen as it is typed, and the spinner come back after.
    body = f"""
        import subprocess
        subprocess.run({asking!r})
        print("ASKED", flush=True)
        time.sleep(0.3)
        """
    if driver == "asyncio":
        body = f"""
        proc = await asyncio.create_subprocess_exec(*{asking!r})
        await proc.wait()
        print("ASKED", flush=True)
        await asyncio.sleep(0.3)
        """
    with start(program(body, driver)) as p:
        screen = p.read_until_screen(lambda s: s.text_lines[0] == "Name:")
        assert screen.cursor_visible
        assert "spinning text" not in screen.text  # (not drawn over the prompt)
        p.type("Ada")
        p.read_until_screen(lambda s: s.text_lines[0] == "Name: Ada")  # echoed as typed
        p.type("\r")
        screen = p.read_until_screen(lambda s: "spinning text" in s.text)  # back after
        assert screen.text_lines[:3] == ["Name: Ada", "hello Ada", "ASKED"]
        assert p.wait() == 0
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize(
    "asking",
    [
        [sys.executable, "-c", "import time; WAIT; name = input('NAME? '); print('hello', name)"],
        ["bash", "--norc", "-c", "WAIT; read -p 'NAME? ' name; echo hello $name"],
    ],
    ids=["python-input", "bash-read"],
)
@pytest.mark.parametrize("wait", ["0", "0.8"], ids=["at-once", "after-a-while"])
def test_two_subprocess_prompts_in_a_row_are_both_shown_and_answered(
    driver: str, asking: list[str], wait: str
) -> None:
    # The second child starts as soon as the first has its answer, while the rows are still
    # aside, and asks at once or after a while (when the rows may be back): its prompt must
    # come after the first child's output, not be drawn over, and its answer be seen as it
    # is typed.
    def child(word: str, seconds: str) -> list[str]:
        pause = f"time.sleep({seconds})" if "python" in asking[0] else f"sleep {seconds}"
        return [arg.replace("NAME", word).replace("WAIT", pause) for arg in asking]

    first, second = child("First", "0"), child("Second", wait)
    body = f"""
        import subprocess
        subprocess.run({first!r})
        subprocess.run({second!r})
        print("ASKED", flush=True)
        time.sleep(0.3)
        """
    if driver == "asyncio":
        body = f"""
        for asking in ({first!r}, {second!r}):
            proc = await asyncio.create_subprocess_exec(*asking)
            await proc.wait()
        print("ASKED", flush=True)
        await asyncio.sleep(0.3)
        """
    with start(program(body, driver)) as p:
        p.read_until_screen(lambda s: s.text_lines[0] == "First?")
        p.type("Ada\r")
        p.read_until_screen(lambda s: s.text_lines[2] == "Second?")
        p.read_for(0.5)  # (longer than the rows take to come back once nobody asks)
        screen = p.screen()
        assert screen.text_lines[2] == "Second?", screen.text
        assert screen.cursor_visible
        assert "spinning text" not in screen.text
        p.type("Bob")
        p.read_until_screen(lambda s: s.text_lines[2] == "Second? Bob")  # echoed as typed
        p.type("\r")
        screen = p.read_until_screen(lambda s: "spinning text" in s.text)  # back after
        assert screen.text_lines[:5] == [
            "First? Ada",
            "hello Ada",
            "Second? Bob",
            "hello Bob",
            "ASKED",
        ]
        assert p.wait() == 0
        assert_clean_screen(p)


def test_a_flushed_partial_line_is_shown_and_completed_in_place() -> None:
    code = program(
        """
        print("Counting:", end=" ", flush=True)
        time.sleep(0.3)
        print("1 2 3")
        time.sleep(0.3)
        """
    )
    with start(code) as p:
        p.read_until("Counting:")
        p.read_for(0.2)
        assert p.screen().text == "Counting:"
        assert p.wait() == 0
        assert p.screen().text == "Counting: 1 2 3"
        assert p.screen().cursor_visible
