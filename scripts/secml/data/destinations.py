"""Where generated files go: a local folder or an `s3://bucket/prefix`, behind one `write`.

S3 writes are many small objects (one per CloudTrail delivery window), so they run on a thread
pool with one client; `close` waits for them and raises the first failure.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

from secml.core import storage

S3_WRITERS = 16
_PENDING_UPLOADS = 4 * S3_WRITERS  # bounds the bodies held in memory while uploads run


class Destination:
    """Write relative keys under a root; use as a context manager so S3 uploads are awaited."""

    def __init__(self, url: str, s3_client: Any = None) -> None:
        self.url = url
        self._futures: list[Future[Any]] = []
        self._pool: ThreadPoolExecutor | None = None
        if storage.is_s3(url):
            storage.split_s3(url)  # a URL without a bucket fails here, before any work
            self._s3 = s3_client or storage.s3_client()
            self._pool = ThreadPoolExecutor(max_workers=S3_WRITERS, thread_name_prefix="secml-s3")

    def write(self, key: str, data: bytes) -> None:
        location = storage.child(self.url, key)
        if self._pool is None:
            storage.write_bytes(location, data)
            return
        if len(self._futures) >= _PENDING_UPLOADS:
            self._futures.pop(0).result()
        bucket, object_key = storage.split_s3(location)
        self._futures.append(self._pool.submit(self._s3.put_object, Bucket=bucket, Key=object_key, Body=data))

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

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
