"""Publication: every table and figure a report publishes is protected, audited and rendered here."""
