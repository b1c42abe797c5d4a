"""The scorer handler lives at the top of lambda_src/, as in the deployed zip."""

from __future__ import annotations

import sys

from secml.core.checkout import lambda_src_dir

if str(lambda_src_dir()) not in sys.path:
    sys.path.insert(0, str(lambda_src_dir()))
