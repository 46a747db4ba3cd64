"""facturo: billing and receivables for service businesses."""
