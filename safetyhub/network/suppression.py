"""Small-cell suppression for everything a network shows in aggregate: a cell drawn from fewer
than MIN_ORGANIZATIONS organizations or fewer than MIN_EVENTS events is never shown, nor one
that could be recovered by subtracting shown cells from a shown total (complementary
suppression). Pure: no Django."""

MIN_ORGANIZATIONS = 5
MIN_EVENTS = 11  # the CMS cell-size rule
