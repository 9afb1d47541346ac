"""The training command's parser and signals: --help from TrainConfig's comments, mistyped flags named, SIGTERM and SIGHUP as Ctrl-C.

training/train.py's main() uses these; they hold nothing of the training itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import inspect
import re
import signal


def field_help(defaults) -> dict[str, str]:
    """Each field's --help text, for a dataclass instance `defaults` (a TrainConfig): the first sentence of the
    comment on or above the field in its class's source (none for a field without one), then its default
    there. Read from the source, so the comments stay the one place that describes a field."""
    try:
        lines = inspect.getsource(type(defaults)).splitlines()
    except (OSError, TypeError):  # No source (a frozen build): the defaults alone.
        lines = []
    comments, above = {}, []
    for line in lines:
        text = line.strip()
        field = re.match(r"(\w+): \w+ = [^#]*?(?:#\s*(.*))?$", text)
        if text.startswith("#"):
            above.append(text.lstrip("# "))
        elif field:
            comments[field.group(1)] = " ".join(above + [field.group(2) or ""]).strip()
            above = []
        else:
            above = []
    helps = {}
    for field in dataclasses.fields(defaults):
        # The first sentence: "e.g. a" does not end one, a full stop before a capital or a figure does.
        sentence = re.split(r"(?<=\.)\s+(?=[A-Z0-9])", comments.get(field.name, ""))[0]
        value = getattr(defaults, field.name)
        shown = repr(value) if isinstance(value, str) else value
        helps[field.name] = ((f"{sentence} " if sentence else "") + f"(default: {shown})").replace("%", "%%")  # argparse formats help with %
    return helps


def unknown_flags_error(parser: argparse.ArgumentParser, unknown: list[str]) -> None:
    """Exit 2 naming the arguments argparse did not recognise, and the flag each one most likely meant
    (`--epoch 2`: did you mean --epochs?); prefixes are not accepted, so a typo is never another flag."""
    flags = [flag for action in parser._actions for flag in action.option_strings]
    hints = []
    for argument in unknown:
        close = difflib.get_close_matches(argument.split("=")[0], flags, n=1) if argument.startswith("--") else []
        if close:
            hints.append(f"{argument}: did you mean {close[0]}?")
    parser.error(f"unrecognized arguments: {' '.join(unknown)}" + (f" ({'; '.join(hints)})" if hints else ""))


def interrupt_on(*signals: int):
    """Make each of `signals` (SIGTERM: a killed job; SIGHUP: a closed terminal) raise KeyboardInterrupt, as
    Ctrl-C does, so that a run stopped any of these ways removes its staging folder and says so; returns the
    handlers to put back."""

    def interrupt(signal_number, frame):
        raise KeyboardInterrupt

    previous = {}
    for number in signals:
        try:
            previous[number] = signal.signal(number, interrupt)
        except ValueError:  # Not the main thread: signals stay as they are.
            pass
    return previous
