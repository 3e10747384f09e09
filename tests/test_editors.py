"""The editor set-ups in docs/editors.md start the real server command."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from .harness import ROOT

VSCODE = ROOT / "editors" / "vscode"
DOC = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")


def test_vscode_extension_starts_asynclint_server():
    manifest = json.loads((VSCODE / "package.json").read_text())
    assert (VSCODE / manifest["main"]).is_file()
    assert "onLanguage:python" in manifest["activationEvents"]
    assert manifest["contributes"]["configuration"]["properties"]["asynclint.command"]["default"] == ["asynclint", "server"]
    assert f"code --install-extension asynclint-{manifest['version']}.vsix" in DOC


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_vscode_extension_is_valid_javascript():
    proc = subprocess.run(["node", "--check", str(VSCODE / "extension.js")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_neovim_snippet_starts_asynclint_server():
    lua = re.search(r"```lua\n(.*?)```", DOC, re.S).group(1)
    assert 'cmd = { "asynclint", "server" }' in lua
    assert "vim.lsp.start(" in lua and 'pattern = "python"' in lua
