"""The command layer: one function per thing a user asks of the registry, answering a typed result.

The two front ends read their own inputs and present the result their own way:

* :mod:`modelyard.cli` turns command-line arguments into calls here and renders the result as
  text (:mod:`modelyard.render`) or JSON, with an exit status;
* :mod:`modelyard.action_steps` turns action inputs into the same calls and writes outputs,
  annotations and a step summary (:mod:`modelyard.action_summary`).

So a command behaves the same from a terminal and from a workflow, and neither front end talks to
the registry itself. Every result carries ``data``: the registry's JSON, which ``--json`` prints.
Nothing here imports :mod:`modelyard.client` at import time (the CLI starts in milliseconds).
"""
