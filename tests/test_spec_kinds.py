"""An experiment file given to the wrong command (a policy-mix file to `scensim sweep`, a sweep spec
to `scensim calibrate`, …) is named for what it is and the command that reads it — not refused as an
"unknown key" with a misleading suggestion (`mixes` → "did you mean 'fixed'?")."""

import pytest

from sim.base.errors import InputError

from .conftest import ROOT

EXP = ROOT / "experiments"


def _sweep(p):
    from sim.engine.sweep import load_spec
    return load_spec(p)


def _compare(p):
    from sim.analysis.compare import load_comparison
    return load_comparison(p)


def _calibrate(p):
    from sim.analysis.calibrate import load_spec
    return load_spec(p)


@pytest.mark.parametrize("loader,file,command", [
    (_sweep, "hunan_policy_mixes.toml", "scensim compare"),
    (_sweep, "synthetic_calibrate.toml", "scensim calibrate"),
    (_compare, "voucher_sweep.toml", "scensim sweep"),
    (_compare, "synthetic_calibrate.toml", "scensim calibrate"),
    (_calibrate, "voucher_sweep.toml", "scensim sweep"),
    (_calibrate, "hunan_policy_mixes.toml", "scensim compare"),
], ids=["mixes→sweep", "calibration→sweep", "sweep→compare", "calibration→compare", "sweep→calibrate",
        "mixes→calibrate"])
def test_a_file_for_another_command_is_named_with_the_command_that_reads_it(loader, file, command):
    with pytest.raises(InputError) as e:
        loader(EXP / file)
    msg = str(e.value)
    assert f"`{command} " in msg and "did you mean" not in msg and "unknown key" not in msg, msg
    assert "\n" not in msg
