"""Prints nanobot's own system prompt for a workspace, built by nanobot's ContextBuilder.

    python3 bench/prompt-cache/nanobot-prompt.py <nanobot-source-dir> <workspace> [channel]

<nanobot-source-dir> holds nanobot's `nanobot/` package (for example `git archive v0.3.0 nanobot`
of github.com/HKUDS/nanobot). Its third-party imports that the prompt builder does not use
(loguru, tiktoken, httpx, ...) may be missing here (PyPI is not reachable): they are replaced by
empty stand-ins, which is enough as long as building the system prompt never calls them. jinja2
(nanobot's template engine) must be real; the script fails otherwise.
"""
import importlib.abc
import importlib.machinery
import sys
import types
from pathlib import Path
from unittest import mock

REAL = {"jinja2", "pydantic", "pydantic_core", "typing_extensions", "annotated_types"}


class _Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = mock.MagicMock(name=f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path: only modules nothing else could find get a stand-in."""

    def find_spec(self, fullname, path, target=None):
        root = fullname.split(".")[0]
        if root in REAL or root == "nanobot" or root in sys.stdlib_module_names:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = _Stub(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def main() -> None:
    source, workspace = Path(sys.argv[1]), Path(sys.argv[2])
    channel = sys.argv[3] if len(sys.argv) > 3 else "telegram"
    sys.path.insert(0, str(source))
    sys.meta_path.append(_StubFinder())
    from nanobot.agent.context import ContextBuilder

    prompt = ContextBuilder(workspace, timezone="UTC").build_system_prompt(channel=channel)
    sys.stdout.write(prompt)


main()
