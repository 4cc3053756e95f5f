//! The hash type (being built; see the collections issue).

/// A hash value.
#[derive(Debug, Clone, Default)]
pub struct Hash {}

impl Hash {
    /// The name `OBJECT ENCODING` replies with.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }

    /// Approximate heap bytes, for `MEMORY USAGE`.
    pub fn heap_size(&self) -> usize {
        0
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
