//! The word model: completes the current word from a trie of past words, and guesses the
//! first letter of the next word from the previous one.
//!
//! Word characters are `[A-Za-z0-9'-]` (case-sensitive); a word ends at any other byte.
//! Every finished word of two or more characters is added to a trie whose edges count how
//! often each prefix continued with each character, and to a table of whole-word counts.
//!
//! * Inside a word, the node for the current prefix gives a distribution over continuations
//!   (`count / Σ counts`). If the prefix has also been seen as a whole word `c` times,
//!   `c / (c + Σ counts)` of the mass moves to eleven word-ending bytes (space, newline,
//!   CR and `,.;:!?)]`). Confidence grows with prefix length (full at three characters)
//!   and with the number of distinct continuations (full at two), times the model's hit rate.
//! * Between words, a table keyed by the previous word counts which byte started the next
//!   word; confidence grows with that count (full at five) and is scaled by 0.3.
//!
//! The hit rate counts a hit when the byte that came had more than 5 % of the model's mass.
//! The reference re-walks the trie from the root at every byte and gives each node 256
//! child pointers (2.5 KB); here a cursor follows the current prefix and a node holds only
//! the edges it has, which keeps the output identical and the trie a hundred times smaller.

use super::fastmath::{FNV_OFFSET, fnv_key, fnv_step};
use super::table::HashTable;

/// The bytes that can end a word, where a whole-word match puts its mass.
const WORD_ENDINGS: [u8; 11] = [b' ', b'\n', b'\r', b',', b'.', b';', b':', b'!', b'?', b')', b']'];

/// Longer words are truncated to their first 255 characters (the model stays in the word).
const MAX_WORD_LEN: usize = 255;

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'\'' || byte == b'-'
}

/// A trie edge: the next character, how often a finished word continued this prefix with
/// it (unused for edges out of the root), and the node it leads to.
struct Edge {
    byte: u8,
    count: u32,
    child: u32,
}

#[derive(Default)]
struct Node {
    edges: Vec<Edge>,
}

const ROOT: u32 = 0;

struct Trie {
    nodes: Vec<Node>,
}

impl Trie {
    fn new() -> Self {
        Trie { nodes: vec![Node::default()] }
    }

    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        self.nodes[node as usize].edges.iter().find(|e| e.byte == byte).map(|e| e.child)
    }

    fn insert(&mut self, word: &[u8]) {
        let mut node = ROOT;
        for &byte in word {
            let next_id = self.nodes.len() as u32;
            let edges = &mut self.nodes[node as usize].edges;
            let child = match edges.iter_mut().find(|e| e.byte == byte) {
                Some(edge) => {
                    edge.count += 1;
                    edge.child
                }
                None => {
                    edges.push(Edge { byte, count: 1, child: next_id });
                    self.nodes.push(Node::default());
                    next_id
                }
            };
            node = child;
        }
    }
}

/// Counts of the bytes that started a word after a given word.
#[derive(Default)]
struct NextStart {
    total: u32,
    counts: Vec<(u8, u32)>,
}

/// The word being read: its bytes, the trie node they lead to, and its running hash.
struct CurrentWord {
    bytes: Vec<u8>,
    node: Option<u32>,
    hash_state: u64,
}

pub(crate) struct WordModel {
    trie: Trie,
    word_counts: HashTable<u32>,
    next_starts: HashTable<NextStart>,
    current: Option<CurrentWord>,
    /// Key of the last finished word, once there is one.
    last_word: Option<u64>,
    hits: f64,
    attempts: f64,
    /// The distribution and confidence of the last prediction, scored at the next update.
    predicted: [f64; 256],
    predicted_confidence: Option<f64>,
}

impl WordModel {
    pub(crate) fn new() -> Self {
        WordModel {
            trie: Trie::new(),
            word_counts: HashTable::new(4096),
            next_starts: HashTable::new(2048),
            current: None,
            last_word: None,
            hits: 1.0,
            attempts: 2.0,
            predicted: [0.0; 256],
            predicted_confidence: None,
        }
    }

    fn hit_rate(&self) -> f64 {
        self.hits / self.attempts
    }

    /// The model's distribution and confidence, if it has one.
    pub(crate) fn predict(&mut self) -> Option<(&[f64; 256], f64)> {
        let confidence = match &self.current {
            Some(word) => self.predict_continuation(word.node, word.bytes.len(), word.hash_state),
            None => self.predict_word_start(),
        };
        self.predicted_confidence = Some(confidence.unwrap_or(0.0));
        confidence.map(|c| (&self.predicted, c))
    }

    fn predict_continuation(&mut self, node: Option<u32>, len: usize, hash_state: u64) -> Option<f64> {
        let edges = &self.trie.nodes[node? as usize].edges;
        if edges.is_empty() {
            return None;
        }
        let hit_rate = self.hit_rate();
        let q = &mut self.predicted;
        q.fill(0.0);
        let total: u32 = edges.iter().map(|e| e.count).sum();
        let inv_total = 1.0 / f64::from(total);
        for edge in edges {
            q[usize::from(edge.byte)] = f64::from(edge.count) * inv_total;
        }
        let whole_word = self.word_counts.get(fnv_key(hash_state)).copied().unwrap_or(0);
        if whole_word > 0 {
            let boundary = f64::from(whole_word) / f64::from(whole_word + total);
            q.iter_mut().for_each(|p| *p *= 1.0 - boundary);
            for &byte in &WORD_ENDINGS {
                q[usize::from(byte)] += boundary / WORD_ENDINGS.len() as f64;
            }
        }
        let prefix_factor = (len as f64 / 3.0).min(1.0);
        let continuation_factor = (edges.len() as f64 * 0.5).min(1.0);
        let confidence = prefix_factor * continuation_factor * hit_rate;
        normalize_unclamped(q);
        Some(confidence)
    }

    fn predict_word_start(&mut self) -> Option<f64> {
        let starts = self.next_starts.get(self.last_word?).filter(|s| s.total > 0)?;
        let hit_rate = self.hit_rate();
        let q = &mut self.predicted;
        q.fill(0.0);
        let inv = 1.0 / f64::from(starts.total);
        for &(byte, count) in &starts.counts {
            q[usize::from(byte)] = f64::from(count) * inv;
        }
        let confidence = (f64::from(starts.total) / 5.0).min(1.0) * (0.3 * hit_rate);
        normalize_unclamped(q);
        Some(confidence)
    }

    pub(crate) fn update(&mut self, byte: u8) {
        if let Some(confidence) = self.predicted_confidence.take()
            && confidence > 0.01
        {
            self.attempts += 1.0;
            if self.predicted[usize::from(byte)] > 0.05 {
                self.hits += 1.0;
            }
            if self.attempts > 500.0 {
                self.hits *= 0.99;
                self.attempts *= 0.99;
            }
        }

        if is_word_byte(byte) {
            if self.current.is_none() {
                if let Some(last) = self.last_word {
                    let starts = self.next_starts.get_or_insert(last).expect("unbounded table");
                    starts.total += 1;
                    match starts.counts.iter_mut().find(|(b, _)| *b == byte) {
                        Some((_, count)) => *count += 1,
                        None => starts.counts.push((byte, 1)),
                    }
                }
                self.current = Some(CurrentWord { bytes: Vec::new(), node: Some(ROOT), hash_state: FNV_OFFSET });
            }
            let word = self.current.as_mut().expect("a word was just started");
            if word.bytes.len() < MAX_WORD_LEN {
                word.bytes.push(byte);
                word.node = word.node.and_then(|node| self.trie.child(node, byte));
                word.hash_state = fnv_step(word.hash_state, byte);
            }
        } else if let Some(word) = self.current.take() {
            let key = fnv_key(word.hash_state);
            if word.bytes.len() >= 2 {
                *self.word_counts.get_or_insert(key).expect("unbounded table") += 1;
                self.trie.insert(&word.bytes);
            }
            self.last_word = Some(key);
        }
    }
}

/// Scales `q` to sum to 1 (summing in index order, as the reference does), leaving zeros.
fn normalize_unclamped(q: &mut [f64; 256]) {
    let sum: f64 = q.iter().sum();
    let inv = 1.0 / sum;
    q.iter_mut().for_each(|p| *p *= inv);
}
