//! Shared fixtures of the authz test suite.
