"""Learning networks: organizations that share de-identified lessons, suppressed aggregates and
shared goals (recommendations 13–17 of the National Action Plan)."""
