"""IP Insights hyperparameters under SageMaker's names, with SageMaker's defaults and valid ranges,
so a configuration that runs locally runs unchanged on SageMaker and vice versa."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from secml.core.errors import InputError


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    integer: bool


# Valid values as documented for SageMaker's IP Insights (ip-insights-hyperparameters).
RANGES: dict[str, Range] = {
    "num_entity_vectors": Range(1, 250_000_000, True),
    "vector_dim": Range(4, 4096, True),
    "batch_metrics_publish_interval": Range(1, float("inf"), True),
    "epochs": Range(1, float("inf"), True),
    "learning_rate": Range(1e-6, 10.0, False),
    "mini_batch_size": Range(1, 500_000, True),
    "num_ip_encoder_layers": Range(0, 100, True),
    "random_negative_sampling_rate": Range(0, 500, True),
    "shuffled_negative_sampling_rate": Range(0, 500, True),
    "weight_decay": Range(0.0, 10.0, False),
}


# SageMaker also refuses a job whose two negative sampling rates sum outside this range
# (`random_negative_sampling_rate + shuffled_negative_sampling_rate`, R + S).
NEGATIVE_SAMPLING_SUM = Range(1, 500, True)


class HyperparameterError(InputError):
    """A hyperparameter outside SageMaker's documented range, named with the range it needs."""


@dataclass(frozen=True)
class Hyperparameters:
    """SageMaker requires num_entity_vectors and vector_dim; the defaults here are the workshop's
    (its notebook's values), the optional ones are SageMaker's own defaults."""

    num_entity_vectors: int = 20_000
    vector_dim: int = 128
    batch_metrics_publish_interval: int = 1000
    epochs: int = 10
    learning_rate: float = 0.001
    mini_batch_size: int = 10_000
    num_ip_encoder_layers: int = 1
    random_negative_sampling_rate: int = 1
    shuffled_negative_sampling_rate: int = 1
    weight_decay: float = 0.00001

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            valid = RANGES[field.name]
            if valid.integer and (isinstance(value, bool) or not isinstance(value, int)):
                raise HyperparameterError(f"{field.name} must be an integer, got {value!r}")
            if not isinstance(value, (int, float)) or not valid.low <= value <= valid.high:
                high = "" if valid.high == float("inf") else f" and <= {valid.high:g}"
                raise HyperparameterError(
                    f"{field.name}={value!r} is out of range: SageMaker accepts >= {valid.low:g}{high}"
                )
        negative_rates = self.random_negative_sampling_rate + self.shuffled_negative_sampling_rate
        if not NEGATIVE_SAMPLING_SUM.low <= negative_rates <= NEGATIVE_SAMPLING_SUM.high:
            raise HyperparameterError(
                f"random_negative_sampling_rate + shuffled_negative_sampling_rate = {negative_rates} is out of "
                f"range: SageMaker accepts {NEGATIVE_SAMPLING_SUM.low:g} to {NEGATIVE_SAMPLING_SUM.high:g} "
                "(at least one kind of negative sample)"
            )

    def as_sagemaker(self) -> dict[str, str]:
        """The string-to-string map a SageMaker training job takes."""
        return {name: str(value) for name, value in asdict(self).items()}

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Hyperparameters:
        """Build from a mapping such as saved metadata or SageMaker's string map."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise HyperparameterError(f"unknown hyperparameter(s): {', '.join(unknown)}")
        converted: dict[str, Any] = {}
        for name, value in values.items():
            caster = int if RANGES[name].integer else float
            try:
                converted[name] = caster(value)
            except (TypeError, ValueError) as error:
                raise HyperparameterError(f"{name}: {value!r} is not a number") from error
        return cls(**converted)
