"""`python -m ldptrain.content check PATH...` until the group is registered under `ldptrain`."""

from ldptrain.cli.content import content

content(prog_name="python -m ldptrain.content")
