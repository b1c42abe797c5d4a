"""The tflint core rules and the terraform-docs block, on small scratch modules: each rule fires on
the mistake it exists for and stays quiet on a clean module, and a README whose block no longer
matches the code is found and rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from secml.core.checkout import terraform_dir
from secml.infra import lint, terraform_checks, terraform_docs

VERSIONS = """terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
}
"""
VARIABLES = """variable "name" {
  description = "Name of the bucket."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = object({ owner = string, cost_centre = optional(string) })
  default     = { owner = "security" }
}
"""
MAIN = """resource "aws_s3_bucket" "this" {
  bucket = var.name
  tags   = var.tags
}
"""
OUTPUTS = """output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}
"""


def write_module(folder: Path, **overrides: str) -> Path:
    files = {"versions.tf": VERSIONS, "variables.tf": VARIABLES, "main.tf": MAIN, "outputs.tf": OUTPUTS}
    files |= {name.replace("_tf", ".tf"): text for name, text in overrides.items()}
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "README.md").write_text("# scratch\n")
    return folder


def rules(folder: Path) -> list[str]:
    return [finding.rule for finding in terraform_checks.check([folder])]


def test_a_clean_module_has_no_findings(tmp_path: Path) -> None:
    assert terraform_checks.check([write_module(tmp_path / "m")]) == []


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"main_tf": MAIN + 'data "aws_region" "current" {}\n'}, "terraform_unused_declarations"),
        ({"main_tf": MAIN + 'locals {\n  unused = "x"\n}\n'}, "terraform_unused_declarations"),
        (
            {"variables_tf": VARIABLES + 'variable "spare" {\n  description = "d"\n  type = string\n}\n'},
            "terraform_unused_declarations",
        ),
        (
            {"variables_tf": VARIABLES.replace('  description = "Name of the bucket."\n', "")},
            "terraform_documented_variables",
        ),
        ({"variables_tf": VARIABLES.replace("  type        = string\n", "", 1)}, "terraform_typed_variables"),
        ({"outputs_tf": OUTPUTS.replace('  description = "ARN of the bucket."\n', "")}, "terraform_documented_outputs"),
        (
            {"main_tf": MAIN + 'output "id" {\n  description = "d"\n  value = aws_s3_bucket.this.id\n}\n'},
            "terraform_standard_module_structure",
        ),
        ({"versions_tf": 'terraform {\n  required_version = ">= 1.5"\n}\n'}, "terraform_required_providers"),
    ],
)
def test_each_rule_fires_on_its_mistake(tmp_path: Path, overrides: dict[str, str], rule: str) -> None:
    assert rule in rules(write_module(tmp_path / "m", **overrides))


def test_a_missing_standard_file_is_named(tmp_path: Path) -> None:
    folder = write_module(tmp_path / "m")
    (folder / "outputs.tf").unlink()
    findings = terraform_checks.check([folder])
    assert [(f.rule, f.file.name, f.line) for f in findings] == [
        ("terraform_standard_module_structure", "outputs.tf", None)
    ]


def test_the_docs_block_lists_inputs_and_outputs_and_tracks_the_code(tmp_path: Path) -> None:
    folder = write_module(tmp_path / "m")
    assert terraform_docs.drifted([folder]) == [folder / "README.md"]
    assert terraform_docs.update(folder) is True
    readme = (folder / "README.md").read_text()
    assert readme.startswith("# scratch\n")
    assert '| <a name="input_name"></a> [name](#input\\_name) | Name of the bucket. | `string` | n/a | yes |' in readme
    assert "`object({ owner = string, cost_centre = optional(string) })`" in readme
    assert "[bucket\\_arn](#output\\_bucket\\_arn)" in readme
    assert terraform_docs.drifted([folder]) == []
    assert terraform_docs.update(folder) is False  # nothing to change: the file is left alone
    (folder / "variables.tf").write_text(VARIABLES.replace("Name of the bucket.", "Bucket name."))
    assert terraform_docs.drifted([folder]) == [folder / "README.md"]


def test_the_project_modules_pass_their_own_rules_and_docs() -> None:
    configs = lint.configurations(terraform_dir())
    assert {config.name for config in configs} >= {"terraform", "ingest", "workshop", "existing-account"}
    assert terraform_checks.check(configs) == []
    assert terraform_docs.drifted(configs) == []


def test_updating_docs_skips_a_module_without_a_readme_and_the_rules_name_it(tmp_path: Path) -> None:
    folder = write_module(tmp_path / "m")
    (folder / "README.md").unlink()
    result = lint.documentation([folder], update=True)  # no traceback: nothing to update
    assert not result.passed and "README.md" in result.output and not (folder / "README.md").exists()
    assert "module has no README.md" in lint.module_rules([folder]).output
