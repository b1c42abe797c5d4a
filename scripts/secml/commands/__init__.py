"""Subcommands of `secml`: the CLI edge. Each subcommand module defines `register(subparsers)` and
sets a `handler(args, target) -> int` default on every parser it adds; `options` holds the options
several subcommands share.

Modules here import only light things at module level and import heavy ones inside their
handlers, so `secml` starts fast."""
