"""Where models are looked for: --models, then CINEGRAPH_MODELS, then preferences, then the per-user default."""

from __future__ import annotations

import os

from studio.generators.neural.library import default_models_folder, model_folders


def test_per_user_default_on_each_system():
    home = os.path.join(os.sep, "home", "ana")
    assert default_models_folder("linux", {}, home) == os.path.join(home, ".local", "share", "cinegraph", "models")
    xdg = os.path.join(os.sep, "data", "xdg")
    assert default_models_folder("linux", {"XDG_DATA_HOME": xdg}, home) == os.path.join(xdg, "cinegraph", "models")
    # a relative XDG_DATA_HOME is invalid by the spec and ignored
    assert default_models_folder("linux", {"XDG_DATA_HOME": "rel"}, home).startswith(os.path.join(home, ".local"))
    assert default_models_folder("darwin", {}, home) == os.path.join(home, "Library", "Application Support",
                                                                     "Cinegraph", "models")
    appdata = os.path.join("C:", "Users", "ana", "AppData", "Roaming")
    assert default_models_folder("win32", {"APPDATA": appdata}, home) == os.path.join(appdata, "Cinegraph", "models")


def test_the_first_source_given_wins(tmp_path):
    a, b, c = (str(tmp_path / n) for n in "abc")
    env = {"CINEGRAPH_MODELS": b, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    assert (model_folders([a], env, c).paths, model_folders([a], env, c).source) == ((a,), "--models")
    assert (model_folders(None, env, c).paths, model_folders(None, env, c).source) == ((b,), "CINEGRAPH_MODELS")
    assert model_folders(None, {}, c).source == "preferences" and model_folders(None, {}, c).paths == (c,)
    default = model_folders(None, {"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert default.source == "default" and default.paths == (str(tmp_path / "xdg" / "cinegraph" / "models"),)


def test_several_folders_separated_by_pathsep_expanded_and_deduplicated(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    text = os.pathsep.join(["~/one", "", str(tmp_path / "two"), "~/one"])
    got = model_folders(None, {"CINEGRAPH_MODELS": text})
    assert got.paths == (str(tmp_path / "one"), str(tmp_path / "two"))
    # --models is repeatable and each value may hold several folders
    got = model_folders([str(tmp_path / "x"), os.pathsep.join([str(tmp_path / "y"), str(tmp_path / "x")])], {})
    assert got.paths == (str(tmp_path / "x"), str(tmp_path / "y"))


def test_relative_folders_are_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert model_folders(["models"], {}).paths == (str(tmp_path / "models"),)
