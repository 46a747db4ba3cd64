"""Items and services sold, VAT categories and rates per country."""
