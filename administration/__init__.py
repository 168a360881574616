"""Administration: accounts, roles, the audit log, alert memory and the admin's rule settings."""
