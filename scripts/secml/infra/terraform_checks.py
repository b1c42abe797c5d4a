"""The tflint core rules secml relies on, run over Terraform module folders.

tflint is a Go program that cannot be installed offline, so these rules are implemented here
with python-hcl2: a module folder must not declare what it never uses, must type and describe its
interface, and must keep Terraform's standard module structure, so every module reads like a
registry module. Rule names are tflint's, so a finding means the same thing to a reviewer who
knows tflint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2.rules.base import AttributeRule, BlockRule

# Files every module folder has (Terraform's standard module structure, plus the README that
# carries the generated interface documentation and the versions.tf that pins providers).
REQUIRED_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")

_VALUES = hcl2.SerializationOptions(
    with_comments=False, strip_string_quotes=True, explicit_blocks=False, preserve_heredocs=False
)


@dataclass(frozen=True)
class Finding:
    """One rule broken at one place; `line` is None for a file that is missing."""

    file: Path
    line: int | None
    rule: str
    message: str

    def sort_key(self) -> tuple[Path, int, str, str]:
        return (self.file, self.line or 0, self.rule, self.message)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"{where}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class _Block:
    """A top-level block of a .tf file: its labels (`("variable", "name")`,
    `("data", "aws_region", "current")`, `("locals",)`...), where it starts and its contents."""

    file: Path
    line: int
    labels: tuple[str, ...]
    body: dict[str, Any]
    attribute_lines: dict[str, int]

    @property
    def kind(self) -> str:
        return self.labels[0]

    def text(self) -> str:
        """The block's contents as text (comments dropped), to look for references in."""
        return json.dumps(self.body)


def _line(element: BlockRule | AttributeRule) -> int:
    return int(element.to_lark().meta.line)


def _blocks(path: Path) -> Iterator[_Block]:
    start = hcl2.parses(path.read_text(encoding="utf-8"), discard_comments=True)
    for child in start.body.children:
        if isinstance(child, BlockRule):
            yield _Block(
                file=path,
                line=_line(child),
                labels=tuple(str(label.serialize(_VALUES)) for label in child.labels),
                body=child.body.serialize(_VALUES),
                attribute_lines={
                    str(attribute.identifier.serialize(_VALUES)): _line(attribute)
                    for attribute in child.body.children
                    if isinstance(attribute, AttributeRule)
                },
            )


def _reference(prefix: str, *names: str) -> re.Pattern[str]:
    """`var.NAME`, `local.NAME` or `data.TYPE.NAME` as a whole reference (not `var.NAME_2`)."""
    address = r"\.".join(re.escape(part) for part in (prefix, *names))
    return re.compile(rf"(?<![\w.-]){address}(?![\w-])")


def _unused_declarations(blocks: Sequence[_Block]) -> Iterator[Finding]:
    """Variables, locals and data sources nothing refers to (a variable's own validation does
    not count as a use)."""
    texts = [(block, block.text()) for block in blocks]

    def referenced(pattern: re.Pattern[str], declared_in: _Block | None) -> bool:
        return any(pattern.search(text) for block, text in texts if block is not declared_in)

    rule = "terraform_unused_declarations"
    for block in blocks:
        if block.kind == "variable":
            (name,) = block.labels[1:]
            if not referenced(_reference("var", name), declared_in=block):
                yield Finding(block.file, block.line, rule, f'variable "{name}" is declared but not used')
        elif block.kind == "data":
            data_type, name = block.labels[1:]
            if not referenced(_reference("data", data_type, name), declared_in=block):
                yield Finding(block.file, block.line, rule, f'data "{data_type}" "{name}" is declared but not used')
        elif block.kind == "locals":
            for name, line in block.attribute_lines.items():
                if not referenced(_reference("local", name), declared_in=None):
                    yield Finding(block.file, line, rule, f"local.{name} is declared but not used")


def _documented_interface(blocks: Sequence[_Block]) -> Iterator[Finding]:
    """Every variable has a type and a description; every output has a description."""
    for block in blocks:
        if block.kind not in ("variable", "output"):
            continue
        name = block.labels[1]
        if not str(block.body.get("description") or "").strip():
            yield Finding(
                block.file,
                block.line,
                f"terraform_documented_{block.kind}s",
                f'{block.kind} "{name}" has no description',
            )
        if block.kind == "variable" and "type" not in block.body:
            yield Finding(block.file, block.line, "terraform_typed_variables", f'variable "{name}" has no type')


def _standard_module_structure(module_dir: Path, blocks: Sequence[_Block]) -> Iterator[Finding]:
    """The standard files exist, and variables and outputs live in their own files."""
    rule = "terraform_standard_module_structure"
    for name in REQUIRED_FILES:
        if not (module_dir / name).is_file():
            yield Finding(module_dir / name, None, rule, f"module has no {name}")
    for block in blocks:
        expected = {"variable": "variables.tf", "output": "outputs.tf"}.get(block.kind)
        if expected is not None and block.file.name != expected:
            yield Finding(block.file, block.line, rule, f'{block.kind} "{block.labels[1]}" belongs in {expected}')


def _used_providers(blocks: Sequence[_Block]) -> dict[str, _Block]:
    """Local names of the providers the module configures or whose resources it declares, each
    with the first block that uses it."""
    used: dict[str, _Block] = {}
    for block in blocks:
        if block.kind == "provider":
            used.setdefault(block.labels[1], block)
        elif block.kind in ("resource", "data"):
            explicit = str(block.body.get("provider", "")).removeprefix("${").removesuffix("}")
            used.setdefault(explicit.split(".")[0] if explicit else block.labels[1].split("_")[0], block)
    return used


def _terraform_settings(module_dir: Path, blocks: Sequence[_Block]) -> Iterator[Finding]:
    """A Terraform version constraint, and a source and version constraint for every provider
    the module uses, in a required_providers block."""
    settings = [block for block in blocks if block.kind == "terraform"]
    if not any("required_version" in block.body for block in settings):
        yield Finding(
            module_dir / "versions.tf", None, "terraform_required_version", "terraform.required_version is not set"
        )
    requirement_blocks = [block for block in settings if "required_providers" in block.body]
    if not requirement_blocks:
        yield Finding(
            module_dir / "versions.tf",
            None,
            "terraform_required_providers",
            "terraform.required_providers is not declared",
        )
        return
    required: dict[str, Any] = {}
    for block in requirement_blocks:
        for entry in block.body["required_providers"]:
            required.update(entry)
    for name, first_use in sorted(_used_providers(blocks).items()):
        requirement = required.get(name)
        if not isinstance(requirement, dict) or not {"source", "version"} <= requirement.keys():
            yield Finding(
                first_use.file,
                first_use.line,
                "terraform_required_providers",
                f'provider "{name}" needs a source and a version constraint in required_providers',
            )


def check_module(module_dir: Path) -> list[Finding]:
    """Every rule over one module folder (its .tf files, not its sub-folders)."""
    blocks = [block for path in sorted(module_dir.glob("*.tf")) for block in _blocks(path)]
    findings = [
        *_unused_declarations(blocks),
        *_documented_interface(blocks),
        *_standard_module_structure(module_dir, blocks),
        *_terraform_settings(module_dir, blocks),
    ]
    return sorted(findings, key=Finding.sort_key)


def check(module_dirs: Iterable[Path]) -> list[Finding]:
    """Every rule over every module folder given."""
    return [finding for module_dir in module_dirs for finding in check_module(Path(module_dir))]
