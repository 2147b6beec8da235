"""twirly: terminal spinners that keep turning in every Python concurrency model.

One spinner, three clocks::

    async with twirly.spinner("thinking!"):          # an asyncio Task on the running loop
        await slow()
    with twirly.spinner("thinking!"):                # a daemon thread
        slow()
    with twirly.spinner("crunching", driver="process"):  # a child process draws
        heavy()

Importing twirly is cheap: the names below are loaded on first use, and asyncio,
multiprocessing and logging are never imported by twirly unless a spinner needs them.
"""

# No `typing` or `__future__` import here: each costs measurable time on a bare interpreter.
TYPE_CHECKING = False

__version__ = "0.1.0"

__all__ = [
    "Group",
    "Spinner",
    "Style",
    "TaskGroup",
    "TaskRow",
    "__version__",
    "current",
    "group",
    "spin",
    "spinner",
    "step",
    "style_names",
    "track",
]

if TYPE_CHECKING:
    from twirly._group import Group, TaskGroup, TaskRow, current, group, step
    from twirly._spinner import Spinner, spin
    from twirly._spinner import Spinner as spinner
    from twirly._track import track
    from twirly.styles import Style, style_names

_LAZY = {
    "Spinner": ("twirly._spinner", "Spinner"),
    "spinner": ("twirly._spinner", "Spinner"),
    "spin": ("twirly._spinner", "spin"),
    "Style": ("twirly.styles", "Style"),
    "style_names": ("twirly.styles", "style_names"),
    "Group": ("twirly._group", "Group"),
    "TaskGroup": ("twirly._group", "TaskGroup"),
    "TaskRow": ("twirly._group", "TaskRow"),
    "current": ("twirly._group", "current"),
    "group": ("twirly._group", "group"),
    "step": ("twirly._group", "step"),
    "track": ("twirly._track", "track"),
}


def __getattr__(name: str) -> object:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'twirly' has no attribute {name!r}") from None
    # __import__ rather than importlib.import_module: importing importlib costs `warnings` too.
    value = getattr(__import__(module_name, fromlist=[attribute]), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
