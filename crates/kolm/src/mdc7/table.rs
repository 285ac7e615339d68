//! The hash table every MDC7 model keys its contexts with.
//!
//! Midicoth identifies a context by the 64-bit FNV-1a hash of its bytes and never compares
//! the bytes themselves, so two contexts whose hashes collide share one entry. A faithful
//! port must do the same, and must reproduce the only other behaviour visible in the
//! output: PPM and high-order tables accept a bounded number of distinct keys (the first
//! ones seen) and afterwards only update existing entries. Slot layout and probe order are
//! invisible in the output. Like the reference, this table uses open addressing with
//! linear probing, key 0 for an empty slot, and doubles when a new key arrives at more than
//! 60 % load — so a capped table ends at the same size as the reference's.

/// A map from non-zero 64-bit keys to values, optionally refusing new keys beyond a limit.
pub(crate) struct HashTable<V> {
    keys: Vec<u64>,
    values: Vec<V>,
    used: usize,
    key_limit: usize,
}

impl<V: Default> HashTable<V> {
    /// A table with room for `capacity` slots (a power of two) and no key limit.
    pub(crate) fn new(capacity: usize) -> Self {
        Self::with_key_limit(capacity, usize::MAX)
    }

    /// A table that refuses new keys once it holds `key_limit` of them.
    pub(crate) fn with_key_limit(capacity: usize, key_limit: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        let mut values = Vec::with_capacity(capacity);
        values.resize_with(capacity, V::default);
        HashTable { keys: vec![0; capacity], values, used: 0, key_limit }
    }

    /// Number of keys stored.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.used
    }

    /// Number of slots.
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.keys.len()
    }

    fn mask(&self) -> usize {
        self.keys.len() - 1
    }

    /// The slot holding `key`, or the empty slot where it would go.
    #[inline]
    fn probe(&self, key: u64) -> usize {
        debug_assert_ne!(key, 0);
        let mask = self.mask();
        let mut slot = key as usize & mask;
        loop {
            let k = self.keys[slot];
            if k == key || k == 0 {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The value stored under `key`.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<&V> {
        let slot = self.probe(key);
        (self.keys[slot] == key).then(|| &self.values[slot])
    }

    /// The value under `key`, inserted as `V::default()` if absent. `None` when the key is
    /// new and the table is at its key limit.
    #[inline]
    pub(crate) fn get_or_insert(&mut self, key: u64) -> Option<&mut V> {
        let mut slot = self.probe(key);
        if self.keys[slot] != key {
            if self.used >= self.key_limit {
                return None;
            }
            if self.used * 5 > self.keys.len() * 3 {
                self.grow();
                slot = self.probe(key);
            }
            self.keys[slot] = key;
            self.used += 1;
        }
        Some(&mut self.values[slot])
    }

    fn grow(&mut self) {
        let capacity = self.keys.len() * 2;
        let old_keys = std::mem::replace(&mut self.keys, vec![0; capacity]);
        let mut old_values = std::mem::take(&mut self.values);
        self.values.resize_with(capacity, V::default);
        for (key, value) in old_keys.into_iter().zip(old_values.iter_mut()) {
            if key != 0 {
                let slot = self.probe(key);
                self.keys[slot] = key;
                self.values[slot] = std::mem::take(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_updates_and_grows() {
        let mut table: HashTable<u32> = HashTable::new(4);
        for key in 1..=1000u64 {
            *table.get_or_insert(key * 0x9E37_79B9).unwrap() += key as u32;
        }
        *table.get_or_insert(7 * 0x9E37_79B9).unwrap() += 1;
        assert_eq!(table.len(), 1000);
        assert_eq!(table.get(7 * 0x9E37_79B9), Some(&8));
        assert_eq!(table.get(1000 * 0x9E37_79B9), Some(&1000));
        assert_eq!(table.get(12345), None);
    }

    #[test]
    fn key_limit_refuses_only_new_keys() {
        let mut table: HashTable<u32> = HashTable::with_key_limit(8, 3);
        for key in 1..=3 {
            *table.get_or_insert(key).unwrap() = 1;
        }
        assert!(table.get_or_insert(4).is_none());
        *table.get_or_insert(2).unwrap() += 1;
        assert_eq!(table.get(2), Some(&2));
        assert_eq!(table.get(4), None);
        assert_eq!(table.len(), 3);
    }

    #[test]
    fn a_capped_table_stops_growing_where_the_reference_does() {
        // The reference's high-order tables hold at most 629,146 keys in 2^20 slots.
        let mut table: HashTable<u32> = HashTable::with_key_limit(8192, 629_146);
        for key in 1..=700_000u64 {
            let _ = table.get_or_insert(key.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        }
        assert_eq!(table.len(), 629_146);
        assert_eq!(table.capacity(), 1 << 20);
    }
}
