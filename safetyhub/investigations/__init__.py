"""Investigation and resolution of safety events: what to investigate (the Safety Assessment
Code), RCA² reviews and aggregate reviews, actions rated on the action hierarchy,
communication and resolution after harm, care for the caregiver, and the evidence these
records give the PSSM readiness view and the board."""
