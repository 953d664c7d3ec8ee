"""The one exception the SPC engine raises for bad input."""


class SPCInputError(ValueError):
    """Input that no chart can be computed from.

    The message names the point (1-based) or the option and the rule it breaks, in words a
    user can act on, e.g. ``point 7: the denominator is negative``.
    """
