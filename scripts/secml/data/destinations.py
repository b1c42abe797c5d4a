"""Where generated files go: a local folder or an `s3://bucket/prefix`, behind one `write`.

S3 writes are many small objects (one per CloudTrail delivery window), so they run on a thread
pool; `close` waits for them and raises the first failure.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

S3_SCHEME = "s3://"
S3_WRITERS = 16
_PENDING_UPLOADS = 4 * S3_WRITERS  # bounds the bodies held in memory while uploads run


def split_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> (`bucket`, `some/prefix/`); the prefix is '' or ends in '/'."""
    bucket, _, prefix = url[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {url!r}")
    return bucket, (prefix.strip("/") + "/") if prefix.strip("/") else ""


class Destination:
    """Write relative keys under a root; use as a context manager so S3 uploads are awaited."""

    def __init__(self, url: str, s3_client: Any = None) -> None:
        self.url = url
        self._futures: list[Future[Any]] = []
        self._pool: ThreadPoolExecutor | None = None
        if url.startswith(S3_SCHEME):
            self.bucket, self.prefix = split_s3_url(url)
            if s3_client is None:
                import boto3

                s3_client = boto3.client("s3")
            self._s3 = s3_client
            self._pool = ThreadPoolExecutor(max_workers=S3_WRITERS, thread_name_prefix="secml-s3")
        else:
            self.root = Path(url)

    def child(self, name: str) -> str:
        """The URL of a sub-folder (`name/`) of this destination."""
        return f"{self.url.rstrip('/')}/{name}"

    def write(self, key: str, data: bytes) -> None:
        if self._pool is None:
            path = self.root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        else:
            if len(self._futures) >= _PENDING_UPLOADS:
                self._futures.pop(0).result()
            self._futures.append(self._pool.submit(self._s3.put_object, Bucket=self.bucket, Key=self.prefix + key, Body=data))

    def close(self) -> None:
        if self._pool is None:
            return
        try:
            for future in self._futures:
                future.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._futures.clear()

    def __enter__(self) -> Destination:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()
