"""``scensim sweep --lang zh``: every line the command prints is Chinese — the progress bar, notes on
set-aside chunks, the summary line, the runs kept when it is interrupted or stopped, and its errors
(another sweep writing the folder, a full disk, a worker process killed). Only the summary line was,
the rest English. The checks look for English words (outside paths, options, the spec's id and the
command's name), not for particular numbers."""

import os
import re
import threading
import time

import pytest

from sim.base.errors import EnvironmentFailure
from sim.base.files import folder_lock
from sim.cli.main import main
from sim.engine.executor import Executor
from sim.engine.sweep import execute

from .sweep_util import disk_full_for_run_chunks, english_words, write_spec

NAMES = ("tiny", "scensim", "sweep")  # the spec's id and the command: the same in both languages


def sweep(spec, out, *more, lang="zh"):
    return main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--lang", lang, *map(str, more)])


def test_a_sweep_and_its_resume_print_no_english_in_chinese(tmp_path, capsys):
    spec = write_spec(tmp_path)
    out = tmp_path / "o"
    assert sweep(spec, out, "--chunk-runs", 4) == 0  # the progress bar is printed (not a terminal: once, at the end)
    first = capsys.readouterr()
    (out / "runs" / "part-000001.parquet").write_bytes(b"not parquet")  # set aside on resume, with a note
    (out / "runs" / ".part-000009.parquet.123.tmp").write_bytes(b"")    # removed on resume, with a note
    assert sweep(spec, out) == 0
    again = capsys.readouterr()
    text = first.out + first.err + again.out + again.err
    assert "次运行" in first.err and "已搁置 runs/part-000001.parquet" in again.err and "已删除" in again.err, text
    assert re.search(r"复用 \d+", again.err), again.err  # the bar's label says how many runs were reused
    assert english_words(text, NAMES) == [], text
    # the same resume in English has English words: the check above can fail
    assert sweep(spec, out, lang="en") == 0
    assert english_words("".join(capsys.readouterr()), NAMES)


def test_an_interrupted_sweep_says_in_chinese_how_many_runs_it_kept(tmp_path, monkeypatch, capsys):
    spec = write_spec(tmp_path)  # 12 runs, one a batch with --workers 1
    real, calls = execute.run_batch, []

    def third_batch_interrupted(job, batch):
        calls.append(batch)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C (or SIGTERM, which the sweep turns into one)
        return real(job, batch)

    monkeypatch.setattr(execute, "run_batch", third_batch_interrupted)
    assert sweep(spec, tmp_path / "o", "-q") == 130
    err = capsys.readouterr().err
    assert re.search(r"^已中断：12 次运行中已有 \d+ 次保存在 .*/o/；再次运行同一命令即可接着完成$", err, re.M), err
    assert err.strip().splitlines()[-1] == "scensim：已中断；已写入的文件完好无损", err
    assert english_words(err, NAMES) == [], err


def test_a_full_disk_is_one_chinese_line(tmp_path, monkeypatch, capsys):
    spec = write_spec(tmp_path)
    out = tmp_path / "o"
    disk_full_for_run_chunks(monkeypatch)
    assert sweep(spec, out, "-q") == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("scensim：错误：") and str(out / "runs") in last and "设备上没有空间" in last, err
    assert "已停止：12 次运行中已有 0 次保存在" in err, err
    assert english_words(err, NAMES) == [], err


def test_another_sweep_writing_the_folder_is_said_in_chinese_refused_or_waited_for(tmp_path, capsys):
    spec = write_spec(tmp_path)
    out = tmp_path / "o"
    with folder_lock(out, ".lock", "another scensim sweep"):  # a sweep writing it right now
        assert sweep(spec, out, "-q") == 2
    err = capsys.readouterr().err
    assert f"另一个 scensim sweep（进程 {os.getpid()}）正在写入该文件夹" in err and "--wait" in err, err
    assert english_words(err, NAMES) == [], err

    held = threading.Event()

    def writer():
        with folder_lock(out, ".lock", "another scensim sweep"):
            held.set()
            time.sleep(2)  # longer than the writer's own retries (0.5 s): it says it waits

    t = threading.Thread(target=writer)
    t.start()
    held.wait(10)
    try:
        assert sweep(spec, out, "-q", "--wait") == 0
    finally:
        t.join()
    err = capsys.readouterr().err
    assert f"进程 {os.getpid()} 正在写入" in err, err
    assert english_words(err, NAMES) == [], err


def dies(context, x):
    if x == 1:
        os._exit(9)
    return x


def test_a_killed_worker_process_has_a_chinese_line_too():
    with pytest.raises(EnvironmentFailure) as e:
        with Executor(2) as ex:
            ex.map(dies, range(4))
    assert "ended abruptly" in str(e.value)
    zh = e.value.text("zh")
    assert zh.startswith("一个本地工作进程：意外退出") and english_words(zh, ("OOM", "killer", "kill")) == [], zh


def test_sweep_help_says_lang_covers_every_line():
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf), pytest.raises(SystemExit):
        main(["sweep", "--help"])
    assert "language of every line the command prints" in " ".join(buf.getvalue().split())
