"""The one error type users see: a bad input, described in one line."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: names the file, the key, the value given and what is allowed.

    ``str(err)`` is a single line suitable for stderr, e.g.::

        scenarios/x.toml: levers.vouchers.share.value = 1.5: must be a number between 0 and 1
    """

    _NO_VALUE = object()

    def __init__(self, file, key: str | None, allowed: str, value=_NO_VALUE):
        self.file = str(file) if file is not None else None
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(str(self))

    def __reduce__(self):
        """Picklable, so that an error raised in a worker process reaches the parent (multiprocessing
        otherwise fails to rebuild it, and a pool waits forever)."""
        value = () if self.value is self._NO_VALUE else (self.value,)
        return (type(self), (self.file, self.key, self.allowed, *value))

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        head = self.key or ""
        if self.value is not self._NO_VALUE:
            head = f"{head} = {_show(self.value)}" if head else _show(self.value)
        if head:
            parts.append(head)
        parts.append(self.allowed)
        return ": ".join(parts).replace("\n", " ")


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dict):
        return "{…}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


# Kept for readability at call sites that deal with case files.
CaseError = InputError
