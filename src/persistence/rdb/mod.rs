//! RDB format.
