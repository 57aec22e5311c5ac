"""Surveys: enterprise satisfaction surveys by single-use link, published only as aggregates."""
