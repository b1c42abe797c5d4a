"""Subcommands of `secml`. Each module defines `register(subparsers)` and sets a
`handler(args, target) -> int` default on every parser it adds."""
