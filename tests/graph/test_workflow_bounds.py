"""Hostile workflow files: every bound of the loader reported with its JSON path, values in
messages shortened, and saves that follow links, keep modes and clean up after a kill."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.errors import Problem, WorkflowError, shown
from studio.graph import Graph
from studio.graph import limits
from studio.graph import workflow as wf
from studio.graph.params import FilePath, String, Text
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
RAW = "@@RAW@@"


def doc(nodes, links=(), **top):
    d = {"format": "cinegraph", "version": wf.VERSION, "nodes": list(nodes), "links": list(links), "ui": {}}
    d.update(top)
    return d


def with_raw(document: dict, raw: str) -> str:
    """The JSON of ``document`` with the string RAW replaced by ``raw`` written as is."""
    return json.dumps(document).replace(json.dumps(RAW), raw)


def problems_of(text, registry, **kw) -> list[str]:
    with pytest.raises(WorkflowError) as err:
        wf.loads(text, registry, **kw)
    return [str(p) for p in err.value.problems]


@pytest.fixture(scope="module")
def registry():
    from studio.graph.registry import default_registry
    return default_registry()


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


# -- numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["frames", "pos[0]", "version"])
def test_a_5000_digit_integer_is_reported_with_its_path(registry, where):
    d = example("camera_move.cgraph")
    gen = next(i for i, n in enumerate(d["nodes"]) if n["type"] == "FlowGenerator")
    if where == "frames":
        d["nodes"][gen]["params"]["frames"] = RAW
        path = f"nodes[{gen}].params.frames"
    elif where == "pos[0]":
        d["nodes"][gen]["pos"][0] = RAW
        path = f"nodes[{gen}].pos[0]"
    else:
        d["version"] = RAW
        path = "version"
    lines = problems_of(with_raw(d, "7" * 5000), registry)
    assert lines == [f"{path}: a number of 5000 digits (77777777777777777777…); numbers are at most "
                     f"{limits.MAX_NUMBER_DIGITS} digits"]


def test_numbers_beyond_a_double_and_nan_are_refused_not_kept(toy_registry):
    nodes = [{"id": "a", "type": "Const", "pos": [RAW, 0], "params": {"value": 1}},
             {"id": "b", "type": "Const", "pos": [0, 0], "params": {"value": RAW}}]
    lines = problems_of(with_raw(doc(nodes), "1e999"), toy_registry)
    assert lines == ["nodes[0].pos[0]: 1e999 is too large for a number (about +-1.8e308 at most)",
                     "nodes[1].params.value: 1e999 is too large for a number (about +-1.8e308 at most)"]
    for constant in ("NaN", "Infinity", "-Infinity"):
        text = with_raw(doc(nodes[:1]), constant)
        assert problems_of(text, toy_registry) == [
            f"nodes[0].pos[0]: {constant} is not a number a workflow may hold (JSON numbers are finite)"]


def test_a_huge_position_is_reported_and_leniently_reset(toy_registry):
    d = doc([{"id": "a", "type": "Const", "pos": [1e300, 5], "params": {}}])
    assert problems_of(json.dumps(d), toy_registry) == ["nodes[0].pos: a position within +-1e+09, got [1e+300, 5]"]
    g, problems = wf.loads(json.dumps(d), toy_registry, strict=False)
    assert g.nodes["a"].pos == (0, 0) and len(problems) == 1


def test_a_lenient_load_reports_a_bound_once_and_keeps_the_rest(toy_registry):
    d = doc([{"id": "a", "type": "Const", "pos": [RAW, 0], "params": {"value": 2.5}},
             {"id": "b", "type": "Add", "pos": [10, 0], "params": {}}],
            [{"source": "a", "output": "value", "target": "b", "input": "a"}])
    g, problems = wf.loads(with_raw(d, "9" * 5000), toy_registry, strict=False)
    assert [p.where for p in problems] == ["nodes[0].pos[0]"], "no second line for nodes[0].pos"
    assert g.nodes["a"].params["value"] == 2.5 and g.nodes["a"].pos == (0, 0)
    assert len(g.links) == 1


def test_a_keyframe_hold_of_ten_to_the_thirty_is_refused_by_the_schema(registry):
    d = example("keyframes.cgraph")
    d["nodes"][0]["params"]["keys"][2]["hold"] = 10 ** 30
    assert problems_of(json.dumps(d), registry) == [
        f"nodes[0].params.keys[2].hold: at most {limits.MAX_FRAME}, got 1000000000000000000000000000000"]


def test_a_keyframe_chain_may_not_run_past_the_last_frame(registry):
    d = example("keyframes.cgraph")
    key = d["nodes"][0]["params"]["keys"][2]
    key["frame"], key["hold"] = limits.MAX_FRAME - 10, 11
    assert problems_of(json.dumps(d), registry) == [
        f"nodes[0].params.keys[2].hold: frame {limits.MAX_FRAME - 10} held 11 frames ends past frame "
        f"{limits.MAX_FRAME}, the longest a keyframe chain may be"]
    key["hold"] = 10
    wf.loads(json.dumps(d), registry)     # exactly to the last frame is fine


def test_curve_keys_and_handles_are_bounded(toy_registry):
    curve = {"keys": [{"frame": 0, "value": 1}, {"frame": limits.MAX_FRAME + 1, "value": 2},
                      {"frame": 5, "value": 3, "out": [1e300, 0]}]}
    d = doc([{"id": "a", "type": "Const", "params": {"value": curve}}])
    lines = problems_of(json.dumps(d), toy_registry)
    assert lines[0] == (f"nodes[0].params.value.keys[1].frame: {limits.MAX_FRAME + 1} is past the last frame "
                        f"a curve may key ({limits.MAX_FRAME})")
    assert lines[1].startswith("nodes[0].params.value.keys[2].out: a handle within +-100000 frames")


# -- nesting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [950, 100_000])
def test_params_nested_deeper_than_the_limit_are_reported_with_their_path(registry, depth):
    d = example("animate_still.cgraph")
    d["nodes"].append({"id": "Future1", "type": "FromTheFuture", "params": {"p": RAW}})
    text = with_raw(d, "[" * depth + "]" * depth)
    lines = problems_of(text, registry)
    n = len(d["nodes"]) - 1
    # the document is level 1, nodes 2, the node 3, params 4, p 5: p's 60th sub-list is level 65
    assert lines == [f"nodes[{n}].params.p" + "[0]" * (limits.MAX_DEPTH - 4) +
                     f": nested more than {limits.MAX_DEPTH} levels deep"]


def test_nesting_up_to_the_limit_loads_and_round_trips(toy_registry):
    d = doc([{"id": "z", "type": "Future", "params": {"p": RAW}}])
    inner = limits.MAX_DEPTH - 4
    text = with_raw(d, "[" * inner + "]" * inner)      # p's innermost list is level 64
    g, problems = wf.loads(text, toy_registry)
    assert problems == []
    assert wf.to_document(g)["nodes"][0]["params"] == json.loads(text)["nodes"][0]["params"]


# -- texts, lists, keys, files -------------------------------------------------------------------
def test_a_10_mb_name_is_reported_in_one_short_line(registry):
    d = example("animate_still.cgraph")
    d["nodes"][0]["name"] = "n" * 10_000_000
    lines = problems_of(json.dumps(d), registry)
    assert lines == [f"nodes[0].name: a text '{'n' * 30}…' (10000000 characters); texts are at most "
                     f"{limits.MAX_STRING_CHARS} characters"]


@pytest.mark.parametrize("param, limit, what", [(String("reel"), limits.MAX_LINE_CHARS, ""),
                                                (Text("prompt"), limits.MAX_TEXT_CHARS, "this text is "),
                                                (FilePath("path"), limits.MAX_PATH_CHARS, "a file path is ")])
def test_text_params_have_documented_lengths_and_say_so_briefly(param, limit, what):
    assert param.check("r" * limit) == []
    assert param.check("r" * (limit + 1)) == [
        ("", f"{what}at most {limit} characters, got '{'r' * 60}…' ({limit + 1} characters)")]


def test_a_one_line_param_holds_no_line_break_or_control_character():
    for bad in ("A001\n", "A\t1", "A\x1e1", "A\u20281"):
        assert String("reel").check(bad) == [("", f"expected one line without control characters, got {bad!r}")]
    assert String("reel").check("Bobine été 1") == []


def test_a_path_with_a_nul_character_is_refused():
    assert FilePath("path").check("a\0b") == [("", "a file path cannot hold a NUL character, got 'a\\x00b'")]


def test_ids_types_and_link_ports_are_one_line_texts_and_names_are_bounded(toy_registry):
    long = "x" * (limits.MAX_LINE_CHARS + 1)
    d = doc([{"id": long, "type": "Const"}, {"id": "b", "type": "Co\nnst"},
             {"id": "c", "type": "Const", "name": "n" * (limits.MAX_NAME_CHARS + 1)},
             {"id": "e", "type": "Const", "name": "a title\twith a tab"}],
            [{"source": "e", "output": "val\nue", "target": "c", "input": "a"}])
    lines = problems_of(json.dumps(d), toy_registry)
    assert [line.split(":")[0] for line in lines] == ["nodes[0].id", "nodes[1].type", "nodes[2].name", "links[0].output"]
    assert lines[1] == "nodes[1].type: expected one line without control characters, got 'Co\\nnst'"
    assert all(len(line) < 200 and line.isprintable() for line in lines)


def test_odd_keys_are_quoted_in_json_paths_so_a_problem_stays_one_line(toy_registry):
    d = doc([{"id": "a", "type": "Const", "params": {"x\ny": 1}}], ui={"a\u2028b": RAW})
    lines = problems_of(with_raw(d, "1e999"), toy_registry)
    assert lines == ['ui["a\\u2028b"]: 1e999 is too large for a number (about +-1.8e308 at most)',
                     'nodes[0].params["x\\ny"]: Const has no param \'x\\ny\'']
    assert all(len(line.splitlines()) == 1 for line in lines)


def test_a_list_longer_than_the_limit_is_reported_with_its_path(toy_registry):
    d = doc([], [1] * (limits.MAX_ITEMS + 1))
    assert problems_of(json.dumps(d), toy_registry) == [
        f"links: a list of {limits.MAX_ITEMS + 1} items; lists are at most {limits.MAX_ITEMS} items"]


def test_a_key_longer_than_the_limit_is_reported_and_dropped(toy_registry):
    d = doc([{"id": "a", "type": "Const", "k" * 5000: 1}])
    assert problems_of(json.dumps(d), toy_registry) == [
        f"nodes[0]: a key '{'k' * 30}…' (5000 characters); keys are at most {limits.MAX_KEY_CHARS} characters"]
    g, _ = wf.loads(json.dumps(d), toy_registry, strict=False)
    assert g.nodes["a"].extra == {}


def test_a_file_over_the_size_limit_is_refused(tmp_path, toy_registry):
    path = tmp_path / "big.cgraph"
    with open(path, "wb") as fh:
        fh.write(json.dumps(doc([]))[:-1].encode() + b', "pad": "')
        fh.truncate(limits.MAX_FILE_BYTES + 10)      # sparse: cheap to make
    with pytest.raises(WorkflowError) as err:
        wf.load(path, toy_registry)
    assert [str(p) for p in err.value.problems] == [
        f"the file is larger than {limits.MAX_FILE_BYTES // 2**20} MiB, the most a workflow may be"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_folder_a_fifo_or_a_device_is_refused_without_reading_it(tmp_path, toy_registry):
    fifo = tmp_path / "pipe.cgraph"
    os.mkfifo(fifo)
    for path, what in ((tmp_path, "a folder"), (fifo, "a FIFO (named pipe)"), ("/dev/zero", "a device")):
        with pytest.raises(WorkflowError) as err:
            wf.load(path, toy_registry)         # a FIFO would block, /dev/zero never end
        assert str(err.value.problems[0]) == f"this is {what}, not a workflow file"


@pytest.mark.parametrize("text, line", [
    (b"", "the file is empty"),
    (b"  \n", "the file is empty"),
    (b"[1, 2]", "expected a JSON object at the top, got a list"),
    (b"5", "expected a JSON object at the top, got a number"),
    (b"9" * 5000, "a number of 5000 digits (99999999999999999999…); numbers are at most 300 digits"),
    (b"NaN", "NaN is not a number a workflow may hold (JSON numbers are finite)"),
    (b"\xff\xfe{}", "not UTF-8 text (invalid start byte at byte 0)"),
    (b'{"format": "cinegraph", "version": 1, "nodes": [', "not valid JSON: Expecting value at line 1 column 49"),
])
def test_files_that_are_no_workflow_give_one_problem_line(toy_registry, text, line):
    assert problems_of(text, toy_registry) == [line]


def test_a_byte_order_mark_is_accepted(toy_registry):
    g, problems = wf.loads(b"\xef\xbb\xbf" + json.dumps(doc([{"id": "a", "type": "Const"}])).encode(), toy_registry)
    assert list(g.nodes) == ["a"] and problems == []


def test_a_ring_of_many_nodes_loses_one_link_in_linear_time(toy_registry):
    n = 20_000
    nodes = [{"id": f"a{i}", "type": "Add"} for i in range(n)]
    links = [{"source": f"a{i}", "output": "value", "target": f"a{(i + 1) % n}", "input": "a"} for i in range(n)]
    start = time.perf_counter()
    g, problems = wf.loads(json.dumps(doc(nodes, links)), toy_registry, strict=False)
    assert time.perf_counter() - start < 5
    assert [str(p) for p in problems] == [f"links[{n - 1}]: the graph has a cycle through a0, a1, a2, a3, a4, a5, … "
                                          f"({n} nodes); the link a{n - 1}.value -> a0.a was dropped"]
    assert len(g.links) == n - 1
    g.topological_order()


def test_problems_are_capped_with_a_count_of_the_rest(toy_registry):
    d = doc(["not a node"] * (limits.MAX_PROBLEMS + 50))
    lines = problems_of(json.dumps(d), toy_registry)
    assert len(lines) == limits.MAX_PROBLEMS + 1
    assert lines[-1] == "… and 50 more problems"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values, where=st.sampled_from(["top", "node", "pos", "params", "param", "link", "sequence", "ui"]))
def test_any_json_anywhere_gives_a_graph_or_problem_lines(toy_registry, value, where):
    d = doc([{"id": "a", "type": "Const", "pos": [0, 0], "params": {"value": 1}}, {"id": "b", "type": "Add"}],
            [{"source": "a", "output": "value", "target": "b", "input": "a"}])
    target = {"top": (d, "nodes"), "node": (d["nodes"], 0), "pos": (d["nodes"][0], "pos"),
              "params": (d["nodes"][0], "params"), "param": (d["nodes"][0]["params"], "value"),
              "link": (d["links"], 0), "sequence": (d, "sequence"), "ui": (d, "ui")}[where]
    target[0][target[1]] = value
    for strict in (True, False):
        try:
            g, problems = wf.loads(json.dumps(d), toy_registry, strict=strict)
        except WorkflowError as exc:
            assert exc.problems and all(len(str(p)) < 400 for p in exc.problems)
        else:
            wf.dumps(g)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_give_a_graph_or_problem_lines(data):
    from tests.conftest import TOY_TYPES
    from studio.graph import Registry
    try:
        wf.loads(data, Registry(TOY_TYPES))
    except WorkflowError as exc:
        assert exc.problems


def test_the_cli_reports_a_hostile_file_with_exit_2_and_no_traceback(tmp_path):
    d = example("camera_move.cgraph")
    d["nodes"][0]["pos"][0] = RAW
    d["nodes"].append({"id": "Future1", "type": "FromTheFuture", "params": {"p": RAW}})
    path = tmp_path / "hostile.cgraph"
    path.write_text(with_raw(d, "1" * 5000), "utf-8")
    r = subprocess.run([sys.executable, "-m", "studio.cli", "validate", str(path)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert f"{path}: nodes[0].pos[0]: a number of 5000 digits" in r.stderr
    assert f"nodes[{len(d['nodes']) - 1}].params.p: a number of 5000 digits" in r.stderr
    assert len(r.stderr) < 2000


# -- shown --------------------------------------------------------------------------------------
def test_shown_cuts_long_values_and_says_how_long_they_were():
    assert shown("abc") == "'abc'"
    assert shown("y" * 10_000_000) == "'" + "y" * 60 + "…' (10000000 characters)"
    assert shown(list(range(5000))).endswith(", …] (5000 items)")
    assert shown(10 ** 5000) == "<a whole number of about 5001 digits>"
    assert shown({"a": 1}) == "{'a': 1}"
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert shown(deep) == "[[[[…]]]]"


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.text() | st.integers() | st.floats(), lambda c: st.lists(c) | st.dictionaries(st.text(), c),
                    max_leaves=30))
def test_shown_is_short_for_any_value(value):
    assert len(shown(value)) <= 60 + 8 + len(" (00000000 characters)")


# -- saving ---------------------------------------------------------------------------------------
def small_graph(toy_registry) -> Graph:
    g = Graph(toy_registry)
    g.add("Const", value=2.0)
    return g


def partials(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".partial"))


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symbolic links")
def test_saving_through_a_symbolic_link_writes_its_target_and_keeps_the_link(tmp_path, toy_registry):
    real_dir, link_dir = tmp_path / "project", tmp_path / "desk"
    real_dir.mkdir()
    link_dir.mkdir()
    target = real_dir / "shot.cgraph"
    target.write_text("old", "utf-8")
    link = link_dir / "shot.cgraph"
    link.symlink_to(target)
    wf.save(small_graph(toy_registry), link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text("utf-8"))["format"] == "cinegraph"
    assert partials(real_dir) == [] and partials(link_dir) == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_a_saved_file_keeps_its_mode_and_a_new_one_gets_the_umask_default(tmp_path, toy_registry):
    old = tmp_path / "shared.cgraph"
    old.write_text("old", "utf-8")
    os.chmod(old, 0o664)
    wf.save(small_graph(toy_registry), old)
    assert os.stat(old).st_mode & 0o777 == 0o664
    new = tmp_path / "new.cgraph"
    mask = os.umask(0o027)
    try:
        wf.save(small_graph(toy_registry), new)
    finally:
        os.umask(mask)
    assert os.stat(new).st_mode & 0o777 == 0o640


def test_the_temporary_file_is_named_as_ours(tmp_path, toy_registry, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(wf.os, "replace", spy)
    wf.save(small_graph(toy_registry), tmp_path / "shot.cgraph")
    assert re.fullmatch(rf"\.shot\.cgraph\.cinegraph-{os.getpid()}\.[0-9a-f]{{8}}\.partial", seen[0])


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_save_removes_temporaries_of_dead_processes_only(tmp_path, toy_registry):
    path = tmp_path / "shot.cgraph"
    dead = tmp_path / wf.partial_name("shot.cgraph", _dead_pid())
    alive_proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        alive = tmp_path / wf.partial_name("shot.cgraph", alive_proc.pid)
        other = tmp_path / wf.partial_name("other.cgraph", _dead_pid())
        foreign = tmp_path / ".shot.cgraph.abc123.partial"       # not ours: no cinegraph-PID
        for f in (dead, alive, other, foreign):
            f.write_text("half", "utf-8")
        wf.save(small_graph(toy_registry), path)
        assert not dead.exists()
        assert alive.exists() and other.exists() and foreign.exists()
    finally:
        alive_proc.kill()
        alive_proc.wait()


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_saves_killed_outright_leave_nothing_after_the_next_save(tmp_path, toy_registry):
    path = tmp_path / "shot.cgraph"
    script = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from tests.conftest import TOY_TYPES\n"
        "from studio.graph import Graph, Registry\n"
        "from studio.graph import workflow as wf\n"
        "g = Graph(Registry(TOY_TYPES)); g.add('Const', value=1.0)\n"
        "g.ui['pad'] = ['x' * 1000] * 20000\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    wf.save(g, sys.argv[1])\n")
    for delay in (0.05, 0.15, 0.3):
        p = subprocess.Popen([sys.executable, "-c", script, str(path), str(ROOT)], stdout=subprocess.PIPE)
        assert p.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        if path.exists():
            assert json.loads(path.read_text("utf-8"))["format"] == "cinegraph", "a kill never damages the file"
    wf.save(small_graph(toy_registry), path)
    assert partials(tmp_path) == []


def test_saving_onto_a_folder_is_refused_before_anything_is_written(tmp_path, toy_registry):
    folder = tmp_path / "shot.cgraph"
    folder.mkdir()
    (folder / "inside.txt").write_text("keep", "utf-8")
    with pytest.raises(WorkflowError) as err:
        wf.save(small_graph(toy_registry), folder)
    assert str(err.value) == f"{folder}: cannot save workflow\n  this is a folder: save the workflow under a file " \
                             f"name (ending in .cgraph)"
    assert sorted(os.listdir(tmp_path)) == ["shot.cgraph"] and os.listdir(folder) == ["inside.txt"]


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symbolic links")
def test_relative_media_paths_are_relative_to_the_real_file(tmp_path, toy_registry):
    from studio.graph import NodeType, Output, Registry
    reg = Registry([NodeType("Load", "Load", "Test", lambda ctx, path: {}, outputs=(Output("x", "Any"),),
                             params=(FilePath("path"),), description="Loads a file.")])
    project = tmp_path / "project"
    (project / "media").mkdir(parents=True)
    clip = project / "media" / "clip.png"
    clip.write_bytes(b"")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = elsewhere / "shot.cgraph"
    link.symlink_to(project / "shot.cgraph")
    g = Graph(reg)
    g.add("Load", path=str(clip))
    wf.save(g, link)
    saved = json.loads((project / "shot.cgraph").read_text("utf-8"))
    assert saved["nodes"][0]["params"]["path"] == "media/clip.png"
    g2, _ = wf.load(link, reg)
    assert next(iter(g2.nodes.values())).params["path"] == str(clip)
