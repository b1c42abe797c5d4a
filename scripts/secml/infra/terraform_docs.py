"""Interface documentation of Terraform modules, in terraform-docs' format, kept in each module's
README.md.

terraform-docs is a Go program that cannot be installed offline, so its markdown table output is
produced here with python-hcl2: the block between `<!-- BEGIN_TF_DOCS -->` and
`<!-- END_TF_DOCS -->` is what `terraform-docs markdown table --sort-by required --lockfile=false`
writes (Requirements, Providers, Modules, Resources, Inputs, Outputs), so either tool can
maintain it. Everything outside the markers is the module's own introduction and is left alone.
Types are rendered on one line (`object({ bucket = string, prefix = string })`) and defaults as
one-line JSON, so the block only changes when the interface does.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

BEGIN_MARKER = "<!-- BEGIN_TF_DOCS -->"
END_MARKER = "<!-- END_TF_DOCS -->"
README = "README.md"
REGISTRY = "https://registry.terraform.io/providers"

_VALUES = hcl2.SerializationOptions(
    with_comments=False, strip_string_quotes=True, explicit_blocks=False, preserve_heredocs=False
)


@dataclass(frozen=True)
class Input:
    name: str
    description: str
    type: str
    default: Any
    required: bool


@dataclass(frozen=True)
class Output:
    name: str
    description: str


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    mode: str  # "resource" or "data source", as terraform-docs words it
    provider: str


@dataclass(frozen=True)
class ModuleCall:
    name: str
    source: str
    version: str | None


@dataclass(frozen=True)
class ModuleInterface:
    """What terraform-docs documents about a module folder."""

    terraform_version: str | None
    provider_requirements: dict[str, dict[str, str]]  # local name -> {source, version}
    providers: list[str]
    module_calls: list[ModuleCall]
    resources: list[Resource]
    inputs: list[Input]
    outputs: list[Output]


def _expression(value: Any) -> str:
    """python-hcl2 wraps expressions as `${...}`; the source text is what is inside."""
    text = str(value)
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return text


def readable_type(type_expression: str) -> str:
    """A type constraint as one line of HCL, with spaces inside non-empty object braces:
    `object({bucket = string})` becomes `object({ bucket = string })`."""
    text = _expression(type_expression)
    out: list[str] = []
    in_string = False
    for index, char in enumerate(text):
        if in_string:
            out.append(char)
            in_string = not (char == '"' and text[index - 1] != "\\")
        elif char == '"':
            in_string = True
            out.append(char)
        elif char == "{" and text[index + 1 : index + 2] not in ("}", ""):
            out.append("{ ")
        elif char == "}" and index > 0 and text[index - 1] != "{":
            out.append(" }")
        else:
            out.append(char)
    return "".join(out)


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=_VALUES)


def _labelled(entries: list[dict[str, Any]]) -> Iterable[tuple[str, Any]]:
    """(label, body) of every block in a group such as `variable` or `output`."""
    for entry in entries:
        yield from entry.items()


def interface(module_dir: Path) -> ModuleInterface:
    """Read the interface of the module in `module_dir` (its .tf files, not its sub-folders)."""
    terraform_version: str | None = None
    requirements: dict[str, dict[str, str]] = {}
    provider_configs: set[str] = set()
    module_calls: list[ModuleCall] = []
    resources: list[Resource] = []
    inputs: list[Input] = []
    outputs: list[Output] = []

    for path in sorted(module_dir.glob("*.tf")):
        document = _load(path)
        for settings in document.get("terraform", []):
            terraform_version = settings.get("required_version", terraform_version)
            for block in settings.get("required_providers", []):
                requirements.update({name: dict(spec) for name, spec in block.items()})
        for name, _ in _labelled(document.get("provider", [])):
            provider_configs.add(name)
        for name, body in _labelled(document.get("module", [])):
            module_calls.append(ModuleCall(name, str(body["source"]), body.get("version")))
        for mode, group in (("resource", "resource"), ("data source", "data")):
            for resource_type, named in _labelled(document.get(group, [])):
                for name, body in named.items():
                    explicit = _expression(body["provider"]).split(".")[0] if "provider" in body else None
                    provider = explicit or resource_type.split("_")[0]
                    resources.append(Resource(resource_type, name, mode, provider))
        for name, body in _labelled(document.get("variable", [])):
            inputs.append(
                Input(
                    name=name,
                    description=str(body.get("description", "")),
                    type=readable_type(body["type"]) if "type" in body else "any",
                    default=body.get("default"),
                    required="default" not in body,
                )
            )
        for name, body in _labelled(document.get("output", [])):
            outputs.append(Output(name, str(body.get("description", ""))))

    return ModuleInterface(
        terraform_version=terraform_version,
        provider_requirements=requirements,
        providers=sorted(provider_configs | {resource.provider for resource in resources}),
        module_calls=sorted(module_calls, key=lambda call: call.name),
        resources=sorted(resources, key=lambda r: (r.type, r.name, r.mode)),
        inputs=sorted(inputs, key=lambda i: (not i.required, i.name)),
        outputs=sorted(outputs, key=lambda o: o.name),
    )


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.strip().replace("|", "\\|").replace("\n", "<br/>")


def _anchor(kind: str, name: str) -> str:
    """terraform-docs' linkable name cell: `<a name="input_x"></a> [x](#input\\_x)`."""
    escaped = name.replace("_", "\\_")
    return f'<a name="{kind}_{name}"></a> [{escaped}](#{kind}\\_{escaped})'


def _default(value: Any) -> str:
    return _cell(f"`{json.dumps(value, ensure_ascii=False)}`")


def _table(title: str, header: str, divider: str, rows: list[str], empty: str) -> str:
    if not rows:
        return f"## {title}\n\n{empty}\n"
    return f"## {title}\n\n{header}\n{divider}\n" + "".join(f"{row}\n" for row in rows)


def _resource_link(resource: Resource, requirements: dict[str, dict[str, str]]) -> str:
    source = requirements.get(resource.provider, {}).get("source", f"hashicorp/{resource.provider}")
    kind = "resources" if resource.mode == "resource" else "data-sources"
    page = resource.type.removeprefix(f"{resource.provider}_")
    return f"[{resource.type}.{resource.name}]({REGISTRY}/{source}/latest/docs/{kind}/{page})"


def render(module_dir: Path) -> str:
    """The terraform-docs block for the module in `module_dir`, markers included."""
    module = interface(Path(module_dir))
    requirements = [(_anchor("requirement", "terraform"), module.terraform_version)] if module.terraform_version else []
    requirements += [
        (_anchor("requirement", name), spec.get("version", "n/a"))
        for name, spec in sorted(module.provider_requirements.items())
    ]
    sections = [
        _table(
            "Requirements",
            "| Name | Version |",
            "|------|---------|",
            [f"| {name} | {_cell(version or 'n/a')} |" for name, version in requirements],
            "No requirements.",
        ),
        _table(
            "Providers",
            "| Name | Version |",
            "|------|---------|",
            [f"| {_anchor('provider', name)} | n/a |" for name in module.providers],
            "No providers.",
        ),
        _table(
            "Modules",
            "| Name | Source | Version |",
            "|------|--------|---------|",
            [
                f"| {_anchor('module', call.name)} | {call.source} | {call.version or 'n/a'} |"
                for call in module.module_calls
            ],
            "No modules.",
        ),
        _table(
            "Resources",
            "| Name | Type |",
            "|------|------|",
            [f"| {_resource_link(r, module.provider_requirements)} | {r.mode} |" for r in module.resources],
            "No resources.",
        ),
        _table(
            "Inputs",
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
            [
                f"| {_anchor('input', i.name)} | {_cell(i.description)} | {_cell(f'`{i.type}`')} | "
                f"{'n/a' if i.required else _default(i.default)} | {'yes' if i.required else 'no'} |"
                for i in module.inputs
            ],
            "No inputs.",
        ),
        _table(
            "Outputs",
            "| Name | Description |",
            "|------|-------------|",
            [f"| {_anchor('output', o.name)} | {_cell(o.description)} |" for o in module.outputs],
            "No outputs.",
        ),
    ]
    return f"{BEGIN_MARKER}\n" + "\n".join(sections) + END_MARKER


def _current_block(readme_text: str) -> str | None:
    begin = readme_text.find(BEGIN_MARKER)
    end = readme_text.find(END_MARKER, begin)
    if begin < 0 or end < 0:
        return None
    return readme_text[begin : end + len(END_MARKER)]


def _with_block(readme_text: str, block: str) -> str:
    """The README with `block` in place of the current one, or appended when it has none."""
    current = _current_block(readme_text)
    if current is None:
        return readme_text.rstrip("\n") + "\n\n" + block + "\n"
    return readme_text.replace(current, block, 1)


def update(module_dir: Path) -> bool:
    """Rewrite the block in the module's README.md (which must exist: the introduction above the
    block is written by hand); True when the README changed. The new README is written beside the
    old one, given its permissions and renamed over it, so a reader never sees half a file."""
    readme = Path(module_dir) / README
    text = readme.read_text(encoding="utf-8")
    updated = _with_block(text, render(module_dir))
    if updated == text:
        return False
    handle, staged = tempfile.mkstemp(dir=readme.parent, prefix=f".{README}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(updated)
        shutil.copymode(readme, staged)
        os.replace(staged, readme)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
    return True


def drifted(module_dirs: Iterable[Path]) -> list[Path]:
    """READMEs whose block is missing or differs from what the module's code says."""
    stale = []
    for module_dir in module_dirs:
        readme = Path(module_dir) / README
        current = _current_block(readme.read_text(encoding="utf-8")) if readme.is_file() else None
        if current != render(Path(module_dir)):
            stale.append(readme)
    return stale
