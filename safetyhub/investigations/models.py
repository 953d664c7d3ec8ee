

# Communication and resolution after harm, and care for the caregiver: their own module,
# imported here so Django finds their models.
from .models_resolution import (  # noqa: F401
    ResolutionContact,
    ResolutionQuestion,
    ResolutionRecord,
    SupportOffer,
)
