"""Pieces of the programs that the process driver's tests run on a pseudo-terminal (each
is source text, at the top level of a program, to be put together with textwrap.dedent)."""

#: Notes each nap of the parent's clock on the event ``napped``; only the child's word can
#: wake that clock in time (NAP: a minute).
NAPS_NOTED = r"""
import threading, twirly.child

twirly.child.NAP = 60.0
napped = threading.Event()
_nap = twirly.child.ChildLink.nap

def _noted(self, others):
    delay = _nap(self, others)
    napped.set()
    return delay

twirly.child.ChildLink.nap = _noted
"""

#: ``drawing_child()``: the pid of the spinner's drawing child, once started (by a thread of
#: the program's: each lists its own children).
DRAWING_CHILD = r"""
import os, time

def drawing_child():
    while True:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as f:
                found = f.read().split()
            if found:
                return int(found[0])
        time.sleep(0.01)
"""

#: ``killed_and_noted(pid)``: kill the drawing child, note when in the file named by the
#: program's first argument (the monotonic clock is the same in every process), and wait
#: (SIGUSR1 blocked beforehand) until the test says enough.
KILLED_AND_NOTED = r"""
import os, signal, sys, time

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})

def killed_and_noted(pid):
    os.kill(pid, signal.SIGKILL)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(time.monotonic()))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    signal.sigtimedwait({signal.SIGUSR1}, 30)
"""
