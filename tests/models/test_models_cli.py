"""`cinegraph models [--models DIR] [--json]`: every model, as a table for people or JSON; exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from studio.cli import main
from tests.conftest import ROOT
from tests.models.fake_models import t5_encoder, wan_diffusers, wan_file, wan_vae


def library(root):
    wan_file(root / "diffusion_models" / "wan2.2_ti2v_5B_fp16.safetensors", "5B", 48)
    wan_file(root / "diffusion_models" / "wan2.1_t2v_1.3B_fp16.safetensors", "1.3B", 16)
    wan_vae(root / "vae" / "wan_2.1_vae.safetensors")
    t5_encoder(root / "text_encoders" / "umt5_xxl_fp16.safetensors")
    (root / "checkpoints").mkdir()
    (root / "checkpoints" / "old.ckpt").write_bytes(b"\x80\x04")
    wan_diffusers(root / "Wan2.2-TI2V-5B-Diffusers", "5B", 48)
    return root


def test_json_lists_every_entry_in_full(tmp_path, capsys):
    library(tmp_path)
    assert main(["models", "--models", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["folders"] == [{"path": str(tmp_path), "source": "--models", "exists": True}]
    models = {m["name"]: m for m in doc["models"]}
    assert set(models) == {"wan2.2_ti2v_5B_fp16", "wan2.1_t2v_1.3B_fp16", "wan_2.1_vae", "umt5_xxl_fp16", "old.ckpt",
                           "Wan2.2-TI2V-5B-Diffusers"}
    ti2v = models["wan2.2_ti2v_5B_fp16"]
    assert ti2v["status"] == "incomplete" and ti2v["family"] == "wan2.2" and ti2v["variant"] == "TI2V-5B"
    assert ti2v["problems"] == ["no VAE: put wan2.2_vae in vae/ (wan_2.1_vae.safetensors is the Wan 2.1 VAE, which "
                                "does not fit this model)"]
    assert ti2v["dtype"] == "F16" and ti2v["size_bytes"] == os.path.getsize(ti2v["path"]) and ti2v["parameters"] > 0
    assert set(ti2v) >= {"name", "path", "layout", "family", "variant", "parameters", "size_bytes", "dtype",
                         "components", "status", "message"}
    assert models["old.ckpt"]["status"] == "refused" and "pickle" in models["old.ckpt"]["message"]
    assert models["Wan2.2-TI2V-5B-Diffusers"]["status"] == "usable"


def test_table_for_people(tmp_path, capsys):
    library(tmp_path)
    assert main(["models", "--models", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"models in {tmp_path} (from --models): 6 found"
    assert out[1].split() == ["STATUS", "KIND", "NAME", "MODEL", "PARAMS", "DTYPE", "SIZE"]
    row = next(i for i, line in enumerate(out) if "wan2.2_ti2v_5B_fp16" in line)
    assert out[row].split()[:4] == ["incomplete", "generator", "wan2.2_ti2v_5B_fp16", "Wan2.2-TI2V-5B"]
    assert out[row + 1].strip().startswith("Wan2.2-TI2V-5B: no VAE: put wan2.2_vae in vae/")
    assert out[row + 2].strip() == str(tmp_path / "diffusion_models" / "wan2.2_ti2v_5B_fp16.safetensors")
    row = next(i for i, line in enumerate(out) if "wan2.1_t2v_1.3B_fp16" in line)
    assert out[row].split()[0] == "usable" and out[row + 1].strip() == "Wan2.1-T2V-1.3B: ready"


def test_a_file_name_with_a_line_break_stays_on_its_row(tmp_path, capsys):
    wan_file(tmp_path / "diffusion_models" / "two\nlines.safetensors", "1.3B", 16)
    assert main(["models", "--models", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 + 3 and "two?lines" in out[2]


def test_a_models_folder_that_does_not_exist_is_exit_2(tmp_path, capsys):
    assert main(["models", "--models", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.strip() == f"--models {tmp_path / 'nope'}: no such folder"
    (tmp_path / "file").write_text("x")
    assert main(["models", "--models", str(tmp_path / "file")]) == 2
    assert capsys.readouterr().err.strip() == f"--models {tmp_path / 'file'}: not a folder"
    assert main(["models", "--models", ""]) == 2


def test_environment_then_default_folder(tmp_path, capsys, monkeypatch):
    library(tmp_path / "lib")
    monkeypatch.setenv("CINEGRAPH_MODELS", str(tmp_path / "lib"))
    assert main(["models", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["folders"][0]["source"] == "CINEGRAPH_MODELS" and len(doc["models"]) == 6
    monkeypatch.delenv("CINEGRAPH_MODELS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["models"]) == 0          # no folder yet: noted, not an error
    captured = capsys.readouterr()
    default = tmp_path / "data" / "cinegraph" / "models"
    assert f"{default} (default) does not exist" in captured.err
    assert captured.out.splitlines()[0] == f"models in {default} (from default): 0 found"


def test_the_command_imports_no_torch(tmp_path):
    library(tmp_path)
    code = ("import sys; from studio.cli import main; rc = main(['models', '--models', sys.argv[1], '--json']);"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'diffusers', "
            "'transformers')); print(heavy, file=sys.stderr); sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "[]"
    assert len(json.loads(r.stdout)["models"]) == 6
