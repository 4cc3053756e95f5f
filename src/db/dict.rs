use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
pub struct Dict<K, V>(HashMap<K, V>);
impl<K: Hash + Eq, V> Default for Dict<K, V> {
    fn default() -> Self {
        Dict(HashMap::new())
    }
}
impl<K: Hash + Eq, V> Dict<K, V> {
    pub fn new() -> Self {
        Dict(HashMap::new())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn get<Q: ?Sized + Hash + Eq>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.0.get(k)
    }
    pub fn get_mut<Q: ?Sized + Hash + Eq>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.0.get_mut(k)
    }
    pub fn contains_key<Q: ?Sized + Hash + Eq>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.contains_key(k)
    }
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.0.insert(k, v)
    }
    pub fn remove<Q: ?Sized + Hash + Eq>(&mut self, k: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        self.0.remove_entry(k)
    }
    pub fn random_entry(&self, _rng: &mut impl rand::Rng) -> Option<(&K, &V)> {
        self.0.iter().next()
    }
    pub fn sample(&self, n: usize, _rng: &mut impl rand::Rng, mut f: impl FnMut(&K, &V)) {
        for (k, v) in self.0.iter().take(n) {
            f(k, v)
        }
    }
    pub fn mem_usage(&self) -> usize {
        self.0.capacity() * 48
    }
    pub fn is_rehashing(&self) -> bool {
        false
    }
    pub fn rehash_for(&mut self, _d: std::time::Duration) -> bool {
        false
    }
    pub fn try_shrink(&mut self) -> bool {
        false
    }
}
