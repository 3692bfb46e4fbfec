"""``scensim calibrate`` under two processes and interruptions: its hidden work folder beside --out
(pyabc's history database) is one process's at a time and never left behind."""

from pathlib import Path

from sim.base.files import folder_lock
from sim.cli.main import main

from .conftest import ROOT

SPEC = ROOT / "experiments" / "synthetic_calibrate.toml"


def test_a_second_calibration_into_the_same_folder_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    """It used to delete the running calibration's history database and die with a 250-line
    sqlalchemy traceback (or, started first, lose its own database to the second)."""
    import sim.analysis.calibrate as cal

    def never(*a, **k):
        raise AssertionError("the second calibration must not start")

    monkeypatch.setattr(cal, "calibrate", never)
    out = tmp_path / "cal"
    work = tmp_path / ".cal.calibrating"
    with folder_lock(work, ".lock", "another scensim calibrate"):  # the first calibration, running
        (work / "abc.sqlite").write_bytes(b"the first calibration's history")
        assert main(["calibrate", str(SPEC), "--out", str(out), "--quiet"]) == 2
        assert (work / "abc.sqlite").read_bytes() == b"the first calibration's history"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another scensim calibrate (process" in err[0] and "--out" in err[0], err
    assert "--wait" not in err[0]  # calibrate has no --wait


def test_an_interrupted_calibration_leaves_no_work_folder_behind(tmp_path, monkeypatch):
    import sim.analysis.calibrate as cal

    def interrupted(spec, ex, db):
        Path(db).write_bytes(b"half a history")
        raise KeyboardInterrupt

    monkeypatch.setattr(cal, "calibrate", interrupted)
    assert main(["calibrate", str(SPEC), "--out", str(tmp_path / "cal"), "--quiet"]) == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no .cal.calibrating/abc.sqlite, no cal/
