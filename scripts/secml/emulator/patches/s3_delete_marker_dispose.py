"""S3: deleting the last versions of a key that has a delete marker answers 500 in moto 5.2.5.

moto's versioned key store disposes of every version of a key it pops, and its delete markers have
no `dispose` (AttributeError → HTTP 500). Terraform's `force_destroy` of a versioned bucket deletes
every version and every delete marker, so emptying a bucket where an object was ever deleted
(a staged upload replaced, a part removed) retries for ever and `terraform destroy` never ends.
A delete marker holds no data to dispose of: give it a `dispose` that does nothing, as AWS simply
removes the marker.
"""

from __future__ import annotations

from moto.s3.models import FakeDeleteMarker


def _dispose(self: FakeDeleteMarker, garbage: bool = False) -> None:
    """A delete marker has no value buffer to release."""


def apply() -> None:
    FakeDeleteMarker.dispose = _dispose
