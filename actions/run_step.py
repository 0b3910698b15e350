"""Entry point of the composite actions' run steps: ``python3 "$GITHUB_ACTION_PATH/../run_step.py" <step>``.

Run as a script, Python puts this file's directory (``actions/``) first on ``sys.path``, so the
``modelyard`` package next to it is the one imported: no ``pip install``, no ``PYTHONPATH``, and
nothing in the job's working directory can shadow it. The logic lives in
``modelyard.action_steps``.
"""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - runners may carry an older python3; say so clearly
    version = ".".join(map(str, sys.version_info[:3]))
    print(
        "::error title=modelyard needs Python 3.11+::python3 on this runner is "
        f"{version}; add actions/setup-python (python-version: '3.12') before this step"
    )
    sys.exit(1)

from modelyard.action_steps import main

sys.exit(main())
