"""Chart of accounts, journals and balanced journal entries."""
