"""argparse value types for flags that are no run parameter, as :class:`~prooftools.options.Option`
constraints (one message formula: ``argument --n: must be an integer ≥ 1; got 'abc'``).

Flags that set a run parameter are generated from its declaration instead
(:func:`prooftools.cli.run_flags.add_run_flags`).

>>> positive_int("3")
3
"""

from __future__ import annotations

from prooftools.options import Option

__all__ = ["nonneg_int", "positive_float", "positive_int", "probability"]

#: an integer ≥ 1
positive_int = Option("value", int, low=1, closed="left", optional=False).parse
#: an integer ≥ 0
nonneg_int = Option("value", int, low=0, closed="left", optional=False).parse
#: a finite number > 0
positive_float = Option("value", float, low=0, optional=False).parse
#: a number in (0, 1)
probability = Option("value", float, low=0, high=1, optional=False).parse
