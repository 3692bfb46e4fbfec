"""Terminal output shared by the commands: a progress bar on stderr and tables on stdout."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.table import Table


@contextmanager
def progress(description: str, total: int | None, quiet: bool = False):
    """A progress bar (runs done, elapsed, time left) on stderr; yields ``update(n_done)``."""
    if quiet:
        yield lambda n: None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        from sim.report.escape import term

        task = bar.add_task(term(description), total=total)
        yield lambda n: bar.update(task, completed=n)


def print_written(con: Console | None, folder, lang: str, after: str = "") -> None:
    """The closing line of a command that wrote a folder: "Results written to <folder>/" (and ``after``),
    on one line however narrow the terminal (a wrapped path cannot be copied), the path never markup."""
    from sim.report.escape import term
    from sim.report.i18n import t

    (con or Console()).print(f"{t('written', lang)} {term(folder)}/{after}", highlight=False, soft_wrap=True)


def print_report_written(rep, lang: str) -> None:
    """The closing line after a report was written: its HTML and PDF and the time it took, on one line."""
    from sim.report.escape import term
    from sim.report.i18n import t

    Console().print(f"{t('report_written', lang)} {term(rep.html)} , {term(rep.pdf)} "
                    f"({t('report_time', lang).format(s=rep.seconds)})", highlight=False, soft_wrap=True)


def stdout_console(width_when_piped: int = 160) -> Console:
    """The console for results: the terminal's width, or a wide fixed width when piped to a file."""
    probe = Console()
    return Console(width=probe.width if probe.is_terminal else width_when_piped)


def print_table(con: Console, title: str, head: list[str], rows: list[list[str]], left: int | set = 2) -> None:
    """A titled table; the first ``left`` columns (or the columns in the set ``left``) are
    left-aligned, the rest right-aligned."""
    from sim.report.escape import text

    tab = Table(title=text(title), title_justify="left")
    for i, h in enumerate(head):
        is_left = i in left if isinstance(left, set) else i < left
        tab.add_column(text(h), justify="left" if is_left else "right", overflow="fold")
    for r in rows:  # cells hold user strings (target labels, mix names): never markup, never escape codes
        tab.add_row(*[text(c) for c in r])
    con.print(tab)
