"""The one error type users see: a bad input, described in one line."""

from __future__ import annotations

import errno
import unicodedata


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
        return self._line(str(self.allowed), ": ")

    def text(self, lang: str) -> str:
        """The line in ``lang``: in Chinese if what is allowed was written in both (a :class:`Note`)."""
        if lang != "zh" or not isinstance(self.allowed, Note):
            return str(self)
        return self._line(self.allowed.zh, "：")

    def _line(self, allowed: str, sep: str) -> str:
        parts = []
        if self.file:
            parts.append(printable(self.file, 240))
        head = self.key or ""
        if self.value is not self._NO_VALUE:
            head = f"{head} = {_show(self.value)}" if head else _show(self.value)
        if head:
            parts.append(head)
        parts.append(allowed)
        return printable(sep.join(parts))


def printable(text: str, limit: int | None = None) -> str:
    """``text`` safe for one terminal line: control characters (escape sequences, newlines, NUL, bidi
    overrides) shown as ``\\xNN``/``\\uNNNN``; cut to ``limit`` characters with "…"."""
    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch == "\n" or ch == "\t":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Zl", "Zp") and ch not in "\u200d":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    text = "".join(out)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + printable(value, 80) + '"'
    if isinstance(value, int) and abs(value) >= 10**18:
        return f"a whole number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dict):
        return "{…}"
    text = printable(repr(value))
    return text if len(text) <= 60 else text[:57] + "…"


def did_you_mean(name, options, show=None) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options`` to ``name``, or "" (``show`` maps the
    match to how the user would write it). The one place the project suggests names."""
    import difflib  # here: `scensim` imports this module first, before its Ctrl-C handler is in place

    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    if not close:
        return ""
    return f" (did you mean {(show or str)(close[0])!r}?)"


class EnvironmentFailure(Exception):
    """The machine, not the input, failed (disk full, file too large, permission denied while writing):
    one line on stderr, exit status 1. ``path`` and ``what`` may be :class:`Note` s (then :meth:`text`
    gives the line in Chinese too)."""

    def __init__(self, path, what: str, err: OSError | None = None):
        self.path = str(path)
        self._where, self._what, self._err = path, what, err
        reason = (err.strerror or str(err)) if err is not None else ""
        super().__init__(f"{self.path}: {what}" + (f": {reason}" if reason else ""))

    def text(self, lang: str) -> str:
        if lang != "zh":
            return str(self)
        err = self._err
        reason = os_reason(err, lang, err.strerror or str(err)) if err is not None else ""
        return f"{in_lang(self._where, lang)}：{in_lang(self._what, lang)}" + (f"：{reason}" if reason else "")


# the system's reasons a sweep's user meets most, as glibc's Chinese messages word them
_OS_REASONS_ZH = {errno.ENOSPC: "设备上没有空间", errno.EDQUOT: "超出磁盘限额", errno.EROFS: "只读文件系统",
                  errno.EACCES: "权限不够", errno.EPERM: "不允许的操作", errno.EFBIG: "文件过大",
                  errno.ENOENT: "没有那个文件或目录", errno.EIO: "输入/输出错误", errno.ENOMEM: "无法分配内存"}


def os_reason(err: BaseException, lang: str, default: str) -> str:
    """Why the system refused, in Chinese where ``lang`` is and the reason is a known one, else ``default``
    (the system's own words, ``err.strerror``)."""
    code = getattr(err, "errno", None)
    return _OS_REASONS_ZH[code] if lang == "zh" and code in _OS_REASONS_ZH else default


# Kept for readability at call sites that deal with case files.
CaseError = InputError


class Note(str):
    """A note for the user: the string is its English wording, ``zh`` its Chinese one (lower layers
    write both; the command or report picks with :meth:`text`)."""

    zh: str

    def __new__(cls, en: str, zh: str):
        note = super().__new__(cls, en)
        note.zh = zh
        return note

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else str(self)

    def __reduce__(self):  # picklable (an error raised in a worker process carries its notes to the parent)
        return (type(self), (str(self), self.zh))


def in_lang(note: str, lang: str) -> str:
    """``note`` in ``lang`` if it is a :class:`Note`, else as it is."""
    return note.text(lang) if isinstance(note, Note) else note
