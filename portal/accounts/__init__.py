"""Accounts: users, roles, sign-in, registration, profile and bulk import."""
