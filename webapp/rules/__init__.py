"""The one table of customer field rules, and everything generated from it."""
