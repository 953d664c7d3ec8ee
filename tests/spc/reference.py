"""Where the qicharts2 reference outputs are read from.

They ship inside the repository (tests/spc/data/qicharts2/, copied from the project's
shared reference folder; PROVENANCE.md there says where they came from), so a fresh clone
needs nothing beside it. `QICHARTS2_REFERENCE` points the tests at another folder of the
same shape, e.g. a larger set of cases produced the same way.
"""

import os
from pathlib import Path

REFERENCE = Path(
    os.environ.get("QICHARTS2_REFERENCE") or Path(__file__).resolve().parent / "data" / "qicharts2"
)
