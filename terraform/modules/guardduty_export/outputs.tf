# No outputs: nothing reads the destination back.
