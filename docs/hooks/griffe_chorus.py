"""A griffe extension for the API reference: what static analysis alone would miss or garble.

- ``OnboardingService``'s use cases are class attributes built by
  ``command(module.function)`` or ``query(module.function)``
  (``service/use_cases.py``, with ``functools.wraps``). Read statically they
  are attributes without a docstring; here each becomes the method it is at
  run time: the use case's signature, ``self`` in place of the context, its
  docstring, and a ``command`` or ``query`` label.
- The docstrings are written for Sphinx: roles cross-reference
  (``:class:`Notifier```, ``:meth:`~.context.Context.close```...) and ``::``
  opens a literal block. Each role becomes inline code that links to the
  object's entry when the reference renders it, and stays plain code when it
  does not (a private module, the standard library); a literal block becomes
  a fenced one (Python after a sentence, plain text after a bare ``::``).
"""

from __future__ import annotations

import html
import re
import textwrap
from typing import Any

import griffe

PACKAGE = "chorus_onboarding"
FACADE = "chorus_onboarding.service.facade.OnboardingService"
WRAPPERS = ("command", "query")  # service/use_cases.py; each method is labelled with its own

_ROLE = re.compile(r":(?:class|meth|func|data|mod|attr|exc|obj):`(?P<target>[^`]+)`")


class ChorusOnboarding(griffe.Extension):
    """Turns the facade's wrapped use cases into methods and Sphinx roles into links."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.path != PACKAGE:
            return
        facade = pkg.modules_collection.get_member(FACADE)
        assert isinstance(facade, griffe.Class)
        for name, member in list(facade.members.items()):
            method = _use_case_method(facade, name, member)
            if method is not None:
                facade.set_member(name, method)
        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = _markdown(obj, obj.docstring.value)


def _use_case_method(facade: griffe.Class, name: str, member: Any) -> griffe.Function | None:
    """The method ``name = command(module.use_case)`` makes, or None for any other member."""
    if member.is_alias or not isinstance(member, griffe.Attribute):
        return None
    call = member.value
    if not isinstance(call, griffe.ExprCall) or str(call.function) not in WRAPPERS:
        return None
    wrapper = str(call.function)
    (argument,) = call.arguments
    module, _, function = str(argument).partition(".")
    assert facade.parent is not None
    use_case = facade.modules_collection.get_member(facade.parent.resolve(module)).get_member(
        function
    )
    assert isinstance(use_case, griffe.Function), f"{name}: {argument} is not a function"
    context, *rest = use_case.parameters
    assert context.name == "ctx", f"{use_case.path}: the context comes first"
    method = griffe.Function(
        name,
        lineno=member.lineno,
        endlineno=member.endlineno,
        parameters=griffe.Parameters(
            griffe.Parameter("self", kind=griffe.ParameterKind.positional_only), *rest
        ),
        returns=use_case.returns,
        docstring=None,
        parent=facade,
    )
    if use_case.docstring is not None:
        method.docstring = griffe.Docstring(
            use_case.docstring.value,
            lineno=use_case.docstring.lineno,
            endlineno=use_case.docstring.endlineno,
            parent=method,
        )
    method.labels.add(wrapper)
    return method


def _walk(obj: griffe.Object) -> list[griffe.Object]:
    """The object and every member defined under it (aliases left to their targets)."""
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias:
            found.extend(_walk(member))  # type: ignore[arg-type]
    return found


def _markdown(scope: griffe.Object, text: str) -> str:
    """A docstring written for Sphinx, in the Markdown mkdocstrings renders."""

    def reference(match: re.Match[str]) -> str:
        return _reference(scope, match["target"])

    return _ROLE.sub(reference, _fence_literal_blocks(text))


def _fence_literal_blocks(text: str) -> str:
    """reST literal blocks (a paragraph ending in ``::``, then an indented block) as fences."""
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.rstrip().endswith("::"):
            out.append(line)
            continue
        bare = line.strip() == "::"
        if not bare:
            out.append(line.rstrip()[:-1])  # "forking::" reads "forking:"
        block: list[str] = []
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith(" ")):
            block.append(lines[index])
            index += 1
        while block and not block[-1].strip():
            block.pop()
        body = textwrap.dedent("\n".join(line for line in block)).strip("\n")
        out.extend(["", "```text" if bare else "```python", *body.splitlines(), "```", ""])
    return "\n".join(out)


def _reference(scope: griffe.Object, target: str) -> str:
    """A role's target as inline code, linked if the reference renders it."""
    short = target.startswith("~")
    path = target.lstrip("~!")
    title = path.rsplit(".", 1)[-1] if short else path.lstrip(".")
    found = _find(scope, path)
    code = f"<code>{html.escape(title)}</code>"
    if found is None:
        return code
    return f'<autoref identifier="{html.escape(found)}" optional>{code}</autoref>'


def _find(scope: griffe.Object, path: str) -> str | None:
    """The canonical path of what ``path`` names from ``scope``, as Sphinx would look it up."""
    collection = scope.modules_collection
    candidates: list[str] = []
    if path.startswith("."):
        module = scope if scope.is_module else scope.module
        package = module.path if module.is_init_module else module.parent.path  # type: ignore[union-attr]
        candidates.append(package + path)
    else:
        head, _, tail = path.partition(".")
        try:
            resolved = scope.resolve(head)
        except griffe.NameResolutionError:
            resolved = head
        candidates.append(f"{resolved}.{tail}" if tail else resolved)
        candidates.append(path)
    for candidate in candidates:
        try:
            obj = collection.get_member(candidate)
        except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
        if obj is None:
            continue
        try:
            return str(obj.canonical_path if not obj.is_alias else obj.final_target.path)
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
    return None
