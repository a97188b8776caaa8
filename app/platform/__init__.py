"""What every domain stands on but that is not a domain: the job queue and its worker, the audit log,
idempotency keys, and the housekeeping jobs of their tables. It may import `app.core` and `app.models`;
`app.core` never imports it."""
