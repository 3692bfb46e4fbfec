"""``bench/fingerprint.py``, the bit-for-bit check for refactors, finds a run identical to itself and a
changed table changed (on the small case: it asserts nothing about the model's numbers)."""

import importlib.util
import json

from .conftest import ROOT


def _tool():
    spec = importlib.util.spec_from_file_location("fingerprint", ROOT / "bench" / "fingerprint.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_fingerprint_is_stable_and_notices_a_changed_table(tmp_path, capsys):
    tool = _tool()
    ref = tmp_path / "ref.json"
    assert tool.main(["--quick", "--save", str(ref)]) == 0
    assert tool.main(["--quick", "--check", str(ref)]) == 0  # the same run again: identical
    hashes = json.loads(ref.read_text(encoding="utf-8"))
    assert set(hashes) == {f"small/1/{t}" for t in (*tool.TABLES, "run")}
    hashes["small/1/targets"] = "0" * 16
    ref.write_text(json.dumps(hashes), encoding="utf-8")
    assert tool.main(["--quick", "--check", str(ref)]) == 1
    assert "1 of 7 hashes differ: small/1/targets" in capsys.readouterr().out


def test_the_national_state_hash_is_stable_and_notices_a_changed_run():
    import sim

    tool = _tool()
    path = ROOT / "tests" / "specs" / "national_small.toml"
    a = tool.national_state(sim.NationalMarket(path, seed=3).run())
    assert a == tool.national_state(sim.NationalMarket(path, seed=3).run())
    other = sim.NationalMarket(path, seed=3)
    other.run()
    other.regions[0].suppliers.cash[0] += 1.0  # one yuan anywhere in the state changes it
    assert tool.national_state(other) != a
