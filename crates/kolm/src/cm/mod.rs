//! kolm's native engine: bitwise context mixing (codecs 2–20 of the `.kolm` format).
//!
//! # How it predicts
//!
//! Each byte is coded as eight binary decisions, most significant bit first. Before each bit
//! every model states P(bit = 1) given what it sees, the mixer combines those opinions into
//! one, two adaptive probability maps correct it, and the [binary arithmetic coder](coder)
//! codes the bit with it. Then every part learns from the bit. The decoder runs the very
//! same predictor ([`model::Predictor`]), so it can decode the bit and learn the same way.
//!
//! The models (all [adaptive counters](counter), P(1) with a confidence count):
//!
//! - **order 0 and order 1**: counters indexed directly by the bits of the byte so far and the
//!   previous byte;
//! - **orders 2 and up** (which ones depends on the level): the last *n* bytes are hashed and
//!   the counters of the context kept in a [`counter::ContextTable`], a cache line per nibble;
//! - **words** (text): a hash of the current word (letters, case-folded; the last byte
//!   between words) and, at levels 3–9, of the current and previous word together, so text
//!   predicts well across the irregular spacing of words. Level 2 (from codec 13) has the
//!   first alone, in place of orders 4 and 6: with orders 2, 3 and 5 it codes the corpus
//!   1.4 % smaller in about 3 % less time; the word pair as a fifth context would take
//!   another 0.75 % off for a quarter more time;
//! - **match** ([`matcher`]): the byte that followed the last occurrence of the last six
//!   bytes, trusted according to how long the match has held; at levels 3–9 (from codec 12)
//!   and at level 2 (from codec 13), a second model of matches of at least twelve bytes;
//! - **sparse** (levels 6–9): five contexts of bytes at fixed offsets that skip the nearest
//!   (byte 2; byte 3; bytes 2–3; bytes 1 and 3; bytes 3–4 back), for binary structures that
//!   repeat with noise in between, such as machine code and tables of numbers;
//! - **records** (levels 6–9, [`record`]): a record length *R* detected from repeating byte
//!   distances, and three contexts: the byte *R* back with the previous byte, the three
//!   bytes around *R* back, and the bytes *R* and 2*R* back. A fax image's scan lines or a
//!   table's rows then predict each other. From codec 15 the encoder counts the block's
//!   votes first and writes a picture's row length ahead of the block, so that both sides
//!   start from it;
//! - **tokens** (levels 6–9, from codec 15, [`tokens`]): while the data looks like text,
//!   seven contexts of words and the gaps between them take the tables of the sparse
//!   contexts and of the first two record contexts, which predict nothing on text;
//! - **indirect** (levels 6–9, from codec 5): the two bytes that followed the previous byte
//!   the last two times it occurred, with that byte; and the byte that followed the previous
//!   two bytes the last time, with those two. They carry what came next in the same context
//!   earlier, which a long context needs many repeats to learn (spreadsheets, code, markup).
//!
//! - **text** (levels 6–9, from codec 7): the current word with the word before the previous
//!   one (a skip), the last three words, and the character above in the previous line with
//!   the column, which also sees the columns of tables and spreadsheets;
//! - **1-bit image** (levels 6–9, from codec 7, [`image`]): when the record model has found
//!   a row length, each bit is a pixel, predicted from its neighbours to the left and in the
//!   three rows above, at the bit level rather than in whole bytes; from codec 11 on, with
//!   shapes that look further along the rows above, to where the next edge is coming from;
//!   from codec 15 on, twelve more pixel contexts in the inputs of the byte contexts that a
//!   picture silences.
//! - **layout** (levels 6–9, from codec 9): the column; the column with the previous line's
//!   length; and how many brackets are open and whether a double quote is, with the last
//!   byte. The column alone tells where the lines of fixed-width text break, which no
//!   context of bytes or words sees (alice29.txt: 1.6 % smaller with the three).
//! - **character classes** (levels 8–9, from codec 11): each byte's class (space, small
//!   letter, capital, digit, sentence punctuation, line break, other ASCII, above 127); the
//!   classes of the last eight bytes with the last byte, of the fourteen before the last two
//!   with those two bytes, of the last six with the current word, and of the last sixteen
//!   alone. They see the shape of what came before past its exact bytes: a number's digits,
//!   the end of a sentence, a run of binary (at level 9, the first three: the seven small
//!   corpus files 0.4 % smaller, 1 MB samples of seven larger ones 1.0 %, for about a sixth
//!   more time; the fourth, another 0.05 % and 0.2 %); with them, a seventh mixer gate by
//!   the classes of the last three bytes (another 0.3 % and 0.2 %). Measured and not kept:
//!   a fifth class context (four classes with the column; 0.07 % and 0.08 %), the current
//!   word with the column or with the word two back (0.04 % and 0.03 %), and the class
//!   gate in place of the word gate (0.13 %, against 0.30 % beside it).
//!
//! These thirteen tables (sixteen from codec 9, twenty at levels 8–9 from codec 11) are
//! smaller than the orders' (at most 2^20 buckets, the layout tables 2^16; from codec 15,
//! half the orders' for a small block), as their contexts are few; the image contexts have
//! tables of their own.
//!
//! From codec 8 on, levels 6–9 also keep **byte histories** ([`history`]): each order's and
//! word context remembers the byte that last followed it and how many times in a row, and
//! the contexts whose byte still agrees with the bits so far vote on the next bit (two mixer
//! inputs). There the counters of the orders, words and text contexts settle (they count up
//! to 255 updates, not 20), while the sparse, record and indirect contexts keep adapting
//! fast; and while a 1-bit image's pixels predict better than the order-2 context, on rows
//! of at least 64 bytes, the other byte contexts are silenced (all but the lowest order and
//! the record contexts): the mixer did not learn to ignore them well enough (fax image
//! ptt5: 2.2 % smaller).
//!
//! Each hashed context's counter also feeds a **confidence map**, an adaptive probability
//! for each (count, probability) a counter can be in: what a counter seen twice at P = 0.9
//! has really meant, as against one seen two hundred times. From codec 9 on, every level's
//! maps also tell apart the last two bits the counter saw ([`counter`]), which cost no
//! memory and catch a context that has just changed its mind (kennedy.xls at level 2: 5 %
//! smaller; 1 MB samples of the corpus at level 5: 1.3 %).
//!
//! The [mixer](mixer) weighs the models in the logistic domain ([`logistic`]) with weights
//! chosen by gates: the match state with the bits of the byte so far, the previous byte with
//! them, and at levels 6–9 also the byte two back (or a 1-bit image's neighbourhood), the
//! two bytes before the previous one and (from codec 9) the letters of the current word so
//! far with the previous byte's high nibble, and how many orders have seen their context at
//! this bit with the match length, and at levels 8–9 (codec 11) the classes of the last three
//! bytes; the gates' predictions are averaged. It learns online.
//! Its output is refined by [APMs](apm) keyed by the partial byte and by the previous byte
//! (or the image neighbourhood), and the refined and unrefined probabilities are averaged
//! (1/4 mixer, 1/8 first APM, 5/8 second). A third, keyed by a hash of the last two bytes
//! with the partial byte, gained nothing at level 9 on small files, whichever share of the
//! average it was given.
//!
//! From codec 14 on, levels 6–9 refine more (the seven small corpus files at level 9:
//! 0.30 % smaller with the image columns of [`image`] and the smaller tables of
//! [`Config::log_buckets_per_byte`]):
//!
//! - a **miss history**: which of the last bits the final probability put on the wrong
//!   side (the latest; any of the seven before; any of the eight before those) joins the
//!   match state in the first gate and the partial byte in its APM. After a surprise the
//!   models are less to be trusted, as paq8px's final stages know (−0.06 %);
//! - an **APM by the match**: the byte the match model expects, with its length class and
//!   the partial byte, a third refinement in the average (1/4 mixer, 1/8, 3/8 and 2/8 the
//!   APMs). It keeps the expected byte after a bit has disagreed, so it learns what comes
//!   in place of an expected byte, such as a capital for a small letter (−0.01 %; 200 KB of
//!   alice29.txt at level 6, −0.05 %);
//! - the APMs' **both knots learn** around each probability, not the nearer alone (−0.07 %).
//!
//! Measured and not kept at level 9 on those files: an APM by a hash of the last two bytes
//! beside the one by the match (−0.03 % more); the mixer skipping its update where the
//! error is below 6/4096, as paq8px's does (−0.03 %, no faster); the match model's
//! expected byte as a hashed context, with the previous byte or the last three (−0.02 %);
//! a third mixer input per context, its stretched counter while the counter has seen one
//! bit value only (−0.18 % for a third more inputs; codec 16 keeps it for the orders and
//! words alone); bit-history states in the style of
//! paq's, with an adaptive probability per state, beside each context's counter (+0.58 %)
//! or in place of it (+0.37 %): the counter and its confidence map already say what a
//! state says. From codec 10 on, levels 1–5 keep only the order-1 APM and give it
//! the mixer's output as the mixer forms it, in the stretched domain (1/4 mixer, 3/4 APM):
//! these stages are on the path every bit waits for, and this takes two table look-ups and
//! an APM off it, about a tenth of level 2's time, for 0.03 % (level 2) to 0.05 % (level 5)
//! more output on 1 MB samples of the corpus.
//!
//! From codec 16 on, levels 6–9 go further (the seven small corpus files at level 9: 0.49 %
//! smaller, 186,964 → 186,046 bytes; each figure below is what the part is worth there):
//!
//! - **deterministic inputs**: an order's or word's counter that has only ever seen one bit
//!   value ([`counter::deterministic`]) gives a third input, its stretched probability, so
//!   that the mixer weighs a context that never failed apart from one that is merely
//!   confident (−0.18 %); and the seen-orders gate counts such orders (up to 3) in place of
//!   the match length, which the first gate has (−0.05 %). For every context, not only the
//!   orders and words, another 0.02 % for a sixth more time;
//! - **16-bit probabilities**: the APMs' refinements keep 16 bits and the coder takes them,
//!   so that a bit all but certain costs less than the 1/4096 floor (−0.03 %; kennedy.xls
//!   0.7 %);
//! - **match recovery** ([`matcher`]): a long match that misses one byte goes on after it
//!   (sum −0.2 %);
//! - the **quote state** (`model::Nesting`): whether a single quote is open, told from an
//!   apostrophe by the bytes around it, in the layout contexts, the class gate and the
//!   current token's context (alice29.txt −0.9 %: its dialogue's closing quotes);
//! - the **narrow mixer** ([`mixer`]): dot products summed in 32 bits, the same output to a
//!   few bytes in 7 % fewer instructions, which pay for the inputs above.
//!
//! Measured and not kept: APMs by hashes of the last two, three or four bytes or of the
//! word (−0.01 % to −0.05 %); the byte two back with the partial byte as the third gate
//! (+0.03 %); the count of deterministic orders in the first gate (+0.1 %) or the partial
//! byte's APM (+0.01 %); the quote state in the word gate (+0.02 %); the engine compiled
//! for AVX-512 as well as AVX2 (no faster here).
//!
//! From codec 17 on, levels 6–9 fit each table to its context ([`model::fitted_halvings`]).
//! A table's size follows the block's length, but order 2 fills a few thousand buckets
//! whatever the length, and a bucket's place is random, so a sparse table is touched on
//! most of its pages, which the system must find and clear. Before coding a block of more
//! than 128 KiB the encoder runs the contexts alone over it, counts the homes their keys
//! take, and halves each table while its keys would still fill at most 2/5 of them; the
//! sizes go ahead of the payload, half a byte a table. At level 9, lcet10.txt needs 428 MB
//! instead of 594 and ptt5 360 instead of 729, for 61 bytes more on the seven small corpus
//! files; the pass costs about 3 % more instructions in the encoder and none in the
//! decoder, and on this project's virtual machine it saved up to 1.8 s of the kernel's
//! time per file where fresh memory was dear. From codec 18 on, levels 1–5 fit theirs too:
//! level 2 compresses bible.txt in a fifth less time for 35 bytes more.
//!
//! From codec 19 on, levels 6–9 choose a record length by decayed scores of votes
//! ([`record`]), and from codec 20 they go further on tables and in the mixer (the eight
//! corpus files that paq8px finishes at level 9: 1.9 % smaller, 198,393 → 194,561 bytes;
//! kennedy.xls 23 %):
//!
//! - the **record's new bytes** ([`model`]'s `new_bytes_hash`): while records of 4 to 64
//!   bytes are detected, the first sparse context's table holds a hash of the byte one
//!   record back and of the last record's worth of bytes, each byte that repeats the byte
//!   one record before it masked. A table's row number makes every order-*n* context that
//!   spans it new in every record; masked, the context keeps the cell's column and type
//!   (kennedy.xls −16 %);
//! - **settling weight sets** ([`mixer::WarmUp::Settling`]): a set that has learnt
//!   thousands of times learns at a third of the mixer's rate (kennedy.xls −4.9 %, the texts
//!   −0.1 to −0.2 %);
//! - **final mixers** ([`mixer`]): a second layer, one small mixer per gate over all the
//!   gates' outputs, chosen by that gate's context without the partial byte, whose average
//!   replaces the gates' (−0.7 %: kennedy.xls −4.6 %, sum −3.0 %).
//!
//! Measured and not kept on kennedy.xls: the new bytes as a second context, over a whole
//! record (−0.6 %), or with the byte that followed them last time, the cell above
//! (−0.4 %); a context of the position within the row by the second-best record length
//! (2,963 bytes: −0.1 %, as rows of other lengths shift it); a mixer gate by the position
//! within the record (−0.3 %). On the eight files, two final mixers (by the first and the
//! last gates' contexts) beside the gates' average rather than one per gate in place of
//! it: 0.16 % larger.
//!
//! # The fast path
//!
//! Level 1 (from codec 4 on) codes blocks of at least 512 KiB differently: it sorts them by
//! the Burrows–Wheeler transform and codes the sorted bytes with a small model whose tables
//! fit in the processor's cache ([`sorted`] explains it). That is about five times faster
//! and, on most large files, a few percent larger; smaller blocks, where the engine is worth
//! its time, still take it.
//!
//! Levels 2–9 (from codec 6 on) sort a block of 512 KiB or more only where a trial on
//! samples of it finds the engine no better ([`sorting_pays`]): noisy data, such as the
//! 12-bit samples of a scanned x-ray, where the engine's contexts learn nothing that the
//! small model does not, at five to ten times the time. A byte before the payload records
//! the choice.
//!
//! # Speed
//!
//! A bit costs the engine about a thousand instructions at level 2 and half as much again
//! at level 5, and the processor waits for memory besides: each hashed context touches a
//! new cache line for each nibble, and the mixer's and APM's weights by the previous byte
//! are megabytes read at random. Three things keep that in check, none of which changes a
//! coded byte:
//!
//! - The predictor is compiled for the shape of each level's model, its number of hashed
//!   contexts and of mixer vectors ([`with_shape!`]). Its loops over contexts and weights
//!   then have fixed lengths, without the set-up and remainder that a loop of unknown
//!   length pays each time (level 2: a sixth fewer instructions in all).
//! - Every table a coming bit or nibble will need is asked for before it is needed: the
//!   next nibble's buckets when the byte's hashes are known, the weight sets and APM
//!   curves of both values of the next bit.
//! - The encoder, which knows each byte before coding it, asks a byte ahead for the second
//!   nibble's buckets, the orders' buckets for the next byte and the match model's next
//!   slot ([`coder::BitPredictor::foresee`]). The decoder cannot.
//!
//! What remains is mostly waiting: at level 5 the loads in flight are the limit, and asking
//! for more buckets ahead (the word contexts') gained nothing.
//!
//! # Determinism
//!
//! Everything on the coded path is integer arithmetic: counters, the logistic tables (built
//! from 33 integer knots), the mixer's fixed-point weights, the coder. The same block gives
//! the same bytes on every machine, and a block never depends on another.
//!
//! # Payload
//!
//! A coded block's payload is the arithmetic coder's output and nothing else: the block's
//! length, level and checks are in the `.kolm` block record.

mod apm;
mod coder;
mod counter;
mod history;
mod image;
mod logistic;
mod matcher;
pub(crate) mod memory;
mod mixer;
mod model;
mod record;
mod sorted;
mod tokens;

pub(crate) use image::ImageShapes;
pub(crate) use mixer::WarmUp;
pub(crate) use sorted::memory as sorted_memory;

use crate::Error;
use crate::simd::Kernel;

/// The newest revision of the level table ([`crate::Level`]'s `cm_config`): 1 is codec 2,
/// 2 is codec 3, which adds the sparse and record contexts to levels 6–9, and 3 is codec 4,
/// in which level 1 codes blocks of at least [`SORTED_FROM`] bytes by the fast path of
/// [`sorted`], 4 is codec 5, which adds the indirect contexts to levels 6–9, 5 is codec 6,
/// in which levels 2–9 sort the large blocks that a trial finds the engine no better on, 6
/// is codec 7, which adds the text and 1-bit image contexts and two mixer gates to levels
/// 6–9, 7 is codec 8, which adds byte histories, steady counters and muting by images to
/// levels 6–9, 8 is codec 9, in which every level's confidence maps see the counters' last
/// two bits and levels 6–9 add the layout contexts and the word and seen-orders gates, and 9
/// is codec 10, in which levels 1–5 refine the mixer's output by one APM (about a tenth
/// faster), 10 is codec 11, in which levels 6–9 take the image model's edge contexts and
/// levels 8–9 add the character-class contexts, 11 is codec 12, in which every level's
/// mixer warms up each weight set by itself ([`WarmUp::EachSet`]), and 12 is codec 13, in
/// which level 2 (the default) takes orders 2, 3 and 5 and the current word in place of
/// orders 2, 3, 4 and 6, and the second match model (the corpus 1.4 % smaller in about 3 %
/// less time), and level 5 takes level 6's byte histories and order-2 gates (1.7 % smaller
/// for a fifth more time). 13 is codec 14, 14 codec 15, 15 codec 16 and 16 codec 17, which
/// change levels 6–9 only (see `Level::cm_config`), and 17 is codec 18, for speed: every
/// level fits its tables, the model of sorted bytes drops its APM ([`Config::sorted_apm`]),
/// and level 2 drops order 2 and the second match model and halves its tables (the corpus
/// 2.4 % larger at level 2, in about a fifth less time), and 18 is codec 19, in which
/// levels 6–9 find record lengths by scores of recent votes ([`Config::scored_records`]),
/// and 19 is codec 20, in which levels 6–9 let each mixer weight set settle below the
/// mixer's rate once it has learnt long ([`WarmUp::Settling`]) and hash a record's new
/// bytes in place of the first sparse context ([`Config::new_bytes`]).
pub(crate) const LATEST_REVISION: u8 = 19;

/// The smallest tables, in base-2 logarithm of their buckets, that a block fits to what its
/// contexts fill ([`Config::fits_tables`]): 2^18 buckets, 16 MiB.
pub(crate) const FITTED_FROM: u32 = 18;

/// A size the predictor's code learns when it runs rather than when it is compiled: see
/// [`with_shape!`].
pub(crate) const ANY: usize = 0;

/// The smallest block that level 1 sorts (from codec 4 on), and that levels 2–9 consider
/// sorting (from codec 6 on): 512 KiB. Smaller blocks take
/// the engine, which codes texts of 120–430 KB about 4 % smaller than the sorted path does
/// (alice29.txt 2.030 against 2.113 bpb), in a fraction of a second; sorted, lcet10.txt would
/// be larger than MDC7 makes it.
pub(crate) const SORTED_FROM: usize = 1 << 19;

/// What a level runs: the set of models and their table sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Config {
    /// Context orders kept in hashed tables (orders 0 and 1 are always direct).
    pub(crate) orders: &'static [u8],
    /// How many word contexts run: none, the current word (or the last byte between words),
    /// or that and the current word with the previous one.
    pub(crate) word_contexts: usize,
    /// Whether the sparse contexts run (bytes at fixed offsets, skipping the nearest).
    pub(crate) sparse: bool,
    /// Whether the record contexts run (bytes one and two detected record lengths back).
    pub(crate) record: bool,
    /// Whether the two indirect contexts run (the bytes that last followed the current
    /// order-1 and order-2 contexts).
    pub(crate) indirect: bool,
    /// Whether the 1-bit image contexts run (with the record contexts, which find the rows).
    pub(crate) image: bool,
    /// Whether the three text contexts run (words skipping one, three words, the column).
    pub(crate) text: bool,
    /// Whether the mixer has two more gates, by the byte two back (or an image's
    /// neighbourhood) and by the two bytes before the previous one.
    pub(crate) order2_gates: bool,
    /// Whether the orders' and words' contexts keep byte histories ([`history`]): two more
    /// mixer inputs.
    pub(crate) byte_histories: bool,
    /// Whether the counters of the orders, words and text contexts count to 255 rather than
    /// 20, settling where the sparse, record and indirect contexts keep adapting.
    pub(crate) steady_contexts: bool,
    /// Whether a 1-bit image silences the byte contexts (but the lowest order and the
    /// record contexts) while its pixels predict better, on rows of at least
    /// [`image::MUTING_ROW`] bytes.
    pub(crate) image_mutes: bool,
    /// How the mixer learns faster at first, which small inputs and seldom met weight sets
    /// gain from.
    pub(crate) warm_up: WarmUp,
    /// Whether a second match model runs, of matches of at least twelve bytes.
    pub(crate) long_match: bool,
    /// Whether the confidence maps also tell apart the last two bits each hashed counter
    /// saw ([`counter`]).
    pub(crate) last_bits: bool,
    /// Whether the three layout contexts run: the column, the column with the previous
    /// line's length, and the bracket depth and quotes with the last byte.
    pub(crate) layout: bool,
    /// Whether the mixer has a fifth gate, by the letters of the current word and the last
    /// byte's high nibble.
    pub(crate) word_gate: bool,
    /// Whether the mixer has a sixth gate, by how many orders have seen their context at
    /// this bit and the match length.
    pub(crate) seen_orders_gate: bool,
    /// The shapes of the 1-bit image model's wider contexts: from codec 11, rows one to
    /// three up looking further to either side, where the next edge is coming from, counters
    /// that adapt faster, and, on rows as wide as a picture's, two mixer gates keyed by
    /// pixels; from codec 14, with two shapes giving way to columns eight rows deep.
    pub(crate) image_shapes: ImageShapes,
    /// Whether the four character-class contexts run: the classes (letter, capital, digit,
    /// space, punctuation, …) of the last bytes, alone and with the last bytes or the word;
    /// and a seventh mixer gate, by the classes of the last three bytes.
    pub(crate) classes: bool,
    /// Base-2 logarithm of how many buckets each table of a block too small to fill it holds
    /// for each of its bytes (the block's length rounded up to a power of two): 2 at first,
    /// 1 at levels 6–9 from codec 11 (as many as a byte can touch) and 0 from codec 14.
    /// Levels 6–9 have twenty and more tables, which the system must clear before use: for
    /// the seven small corpus files at level 9, codec 11 made 3 bytes more in all, codec 14
    /// 66 bytes more (0.035 %), and 0.9 GB of tables at most instead of 1.8. Clearing them
    /// had taken more time than coding: on a virtual machine that backs fresh memory only
    /// when it is first touched, those seven files took 11.6 s instead of 6.3 s (one
    /// process after another, alternating with the other size).
    pub(crate) log_buckets_per_byte: u32,
    /// Whether the tables of the contexts other than the orders and words hold half as many
    /// buckets as theirs (still at most 2^20; codec 15). A small block's twenty such tables
    /// then take half the memory: lcet10.txt at level 9 needs 591 MB instead of 868, for
    /// 0.06 % more output, and the seven small corpus files 69 bytes (0.04 %) more. Fresh
    /// memory costs more than its size on this project's virtual machines: above about 600
    /// MB, lcet10.txt spent 0.6–0.8 s of its 2.7–3.2 s in the kernel, below it 0.06–0.09 s.
    pub(crate) half_side_tables: bool,
    /// Whether one APM, by the previous byte, refines the mixer's output, taken in the
    /// stretched domain as the mixer forms it; else two, by the partial byte and by the
    /// previous byte, refine the stretched probability.
    pub(crate) single_apm: bool,
    /// Whether the APMs learn at both knots around each probability they refine, rather than
    /// at the nearer (codec 14).
    pub(crate) apm_both_knots: bool,
    /// Whether the mixer's first gate and the APM by the partial byte also see which of the
    /// last bits the model got wrong (codec 14).
    pub(crate) miss_history: bool,
    /// Whether a third APM refines the mixer's output by the match model's expected byte and
    /// length (codec 14).
    pub(crate) match_apm: bool,
    /// Whether each block's payload starts with the row length its record detector starts
    /// from, and a row length once held stands against its multiples (codec 15; see
    /// [`record`]).
    pub(crate) row_hint: bool,
    /// Whether the token contexts take the sparse contexts' tables and two of the record
    /// contexts' while the data looks like text (codec 15; see [`tokens`]).
    pub(crate) tokens: bool,
    /// Whether twelve more pixel contexts take the inputs of the byte contexts that a 1-bit
    /// image silences (codec 15; see [`image`]).
    pub(crate) more_pixels: bool,
    /// Whether the final probability is coded in 16 bits rather than 12 (codec 16): the
    /// APMs keep 16 bits, and a bit that all but certainly comes costs less than the
    /// 1/4096 floor of 12 bits.
    pub(crate) fine_probabilities: bool,
    /// Whether the mixer sums its dot products in 32 bits (codec 16; see [`mixer`]): at
    /// level 9, 7.5 % fewer instructions for the same output to a byte or two.
    pub(crate) narrow_mixer: bool,
    /// Whether each order's and word's counter that has seen one bit value only gives a
    /// third mixer input, and the seen-orders gate counts such orders (codec 16; see
    /// [`counter::deterministic`]).
    pub(crate) deterministic: bool,
    /// Whether a match model that misses after a long match goes on from the byte after the
    /// miss (codec 16; see [`matcher`]).
    pub(crate) match_recovery: bool,
    /// Whether the layout contexts and the class gate see whether a single quote is open
    /// (codec 16; see [`model::Quotes`]).
    pub(crate) quotes: bool,
    /// Whether a block whose tables reach 2^[`FITTED_FROM`] buckets sizes each table by
    /// what its context fills in that block, and says so at the head of its payload (codec
    /// 17; see [`model::fitted_halvings`]).
    pub(crate) fitted_tables: bool,
    /// Base-2 logarithm of each hashed table's bucket count (64 bytes a bucket).
    pub(crate) log_buckets: u32,
    /// Base-2 logarithm of the match model's hash table entries (4 bytes each).
    pub(crate) log_match: u32,
    /// A component switched off, to measure what it is worth; `None` in every level.
    pub(crate) without: Option<Component>,
    /// Which blocks are sorted by the Burrows–Wheeler transform and coded by the small model
    /// of sorted bytes instead.
    pub(crate) sorting: Sorting,
    /// Whether the model of sorted bytes refines its mixer's prediction by an APM (before
    /// codec 18; see [`sorted`]).
    pub(crate) sorted_apm: bool,
    /// Whether the record detector takes the distance with the most recent votes rather
    /// than the last to win eight in a row (codec 19; see [`record`]).
    pub(crate) scored_records: bool,
    /// Whether, while records of [`model::NEW_BYTES_RECORDS`] bytes are detected, the first
    /// sparse context's table holds the record's new bytes (codec 20; see [`record`]).
    pub(crate) new_bytes: bool,
    /// Whether the mixer has final mixers in place of its gates' average (codec 20; see
    /// [`mixer`]).
    pub(crate) final_mixers: bool,
}

/// Which blocks of a level take the fast path of [`sorted`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sorting {
    /// None: the engine codes every block.
    Never,
    /// Every block of at least this many bytes (level 1, from codec 4 on).
    From(usize),
    /// Blocks of at least this many bytes where a trial finds the engine no better
    /// ([`sorting_pays`]); the payload's first byte says which way the block went (levels
    /// 2–9, from codec 6 on).
    Chosen(usize),
}

/// How one block is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// Always this way, as the level and the block's length say.
    Fixed(Method),
    /// By the engine or the sorted path, as the trial chooses; the payload says which.
    Chosen,
}

/// A part of the native engine that can be switched off to measure its worth
/// ([`crate::ablation`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Component {
    /// The hashed context of the last *n* bytes.
    Order(u8),
    /// The word contexts.
    Words,
    /// The sparse contexts.
    Sparse,
    /// The record-length detector and its contexts.
    Record,
    /// The context of the record's new bytes, in the first sparse context's table while
    /// short records are detected (from codec 20).
    NewBytes,
    /// The two indirect contexts.
    Indirect,
    /// The 1-bit image contexts (which run only with the record model).
    Image,
    /// The three text contexts.
    Text,
    /// The mixer's third and fourth gates, by the bytes two and three back.
    Order2Gates,
    /// The byte histories of the orders' and words' contexts.
    ByteHistories,
    /// The three layout contexts (column, line length, brackets and quotes).
    Layout,
    /// The four character-class contexts and the mixer's seventh gate, by classes.
    Classes,
    /// The mixer's fifth gate, by the letters of the current word.
    WordGate,
    /// The mixer's sixth gate, by how many orders have seen their context.
    SeenOrdersGate,
    /// The final mixers in place of the gates' average (from codec 20).
    FinalMixers,
    /// The mixer's warm-up: faster learning at first, for the whole mixer (levels 6–9 before
    /// codec 12) or for each weight set (from codec 12).
    WarmUp,
    /// The counters' last two bits in the confidence maps.
    LastBits,
    /// The match model (and its say in choosing mixer weights).
    Match,
    /// The second match model, of matches of at least twelve bytes (from codec 12).
    LongMatch,
    /// The maps that learn what each counter's confidence is worth.
    ConfidenceMaps,
    /// The mixer's second gate, which picks weights by the previous byte.
    ByteGate,
    /// The miss history in the mixer's first gate and the partial byte's APM (from codec 14).
    MissHistory,
    /// The APM by the match model's expected byte (from codec 14).
    MatchApm,
    /// The row length told ahead in each block, held against its multiples (from codec 15).
    RowHint,
    /// The token contexts, in the sparse and two record contexts' tables on text (from
    /// codec 15).
    Tokens,
    /// The more pixel contexts of 1-bit images, in the silenced contexts' inputs (from codec
    /// 15).
    MorePixels,
    /// The deterministic counters' inputs and their count in the seen-orders gate (from
    /// codec 16).
    Deterministic,
    /// The single-quote state in the layout contexts and the class gate (from codec 16).
    Quotes,
    /// The two adaptive probability maps after the mixer.
    Apms,
    /// The x86 branch filter applied to blocks that look like machine code (outside the
    /// engine proper: it changes the bytes the engine sees).
    X86Filter,
    /// The fast path for large blocks: the Burrows–Wheeler transform and the model of
    /// sorted bytes, for every large block at level 1 and for those a trial chooses at
    /// levels 2–9. Without it the engine codes them all.
    Sorting,
}

impl std::fmt::Display for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Component::Order(order) => write!(f, "order {order}"),
            Component::Words => f.write_str("word model"),
            Component::Sparse => f.write_str("sparse contexts"),
            Component::Record => f.write_str("record model"),
            Component::NewBytes => f.write_str("record's new bytes"),
            Component::Indirect => f.write_str("indirect contexts"),
            Component::Image => f.write_str("1-bit image contexts"),
            Component::Text => f.write_str("text contexts"),
            Component::Order2Gates => f.write_str("order-2 gates"),
            Component::ByteHistories => f.write_str("byte histories"),
            Component::Layout => f.write_str("layout contexts"),
            Component::Classes => f.write_str("class contexts"),
            Component::WordGate => f.write_str("word gate"),
            Component::SeenOrdersGate => f.write_str("seen-orders gate"),
            Component::WarmUp => f.write_str("mixer warm-up"),
            Component::FinalMixers => f.write_str("final mixers"),
            Component::LastBits => f.write_str("counters' last bits"),
            Component::Match => f.write_str("match model"),
            Component::LongMatch => f.write_str("long match model"),
            Component::ConfidenceMaps => f.write_str("confidence maps"),
            Component::ByteGate => f.write_str("byte gate"),
            Component::MissHistory => f.write_str("miss history"),
            Component::MatchApm => f.write_str("match APM"),
            Component::RowHint => f.write_str("row-length hint"),
            Component::Tokens => f.write_str("token contexts"),
            Component::MorePixels => f.write_str("more pixel contexts"),
            Component::Deterministic => f.write_str("deterministic inputs"),
            Component::Quotes => f.write_str("quote state"),
            Component::Apms => f.write_str("APMs"),
            Component::X86Filter => f.write_str("x86 filter"),
            Component::Sorting => f.write_str("sorted fast path"),
        }
    }
}

impl Config {
    /// The configuration for a block of `len` bytes: tables no larger than such a block can
    /// fill (each byte touches two buckets per table; see [`Config::log_buckets_per_byte`]),
    /// so small blocks start fast. Encoder and decoder both know `len`, so both size the
    /// tables alike.
    pub(crate) fn for_block(&self, len: usize) -> Config {
        let fill_log = (len.max(1) as u64).next_power_of_two().ilog2() + self.log_buckets_per_byte;
        Config {
            log_buckets: self.log_buckets.min(fill_log.max(8)),
            log_match: self.log_match.min(fill_log.max(8)),
            ..*self
        }
    }

    /// Whether a block under this configuration (a block's: [`Config::for_block`]) sizes
    /// its tables by what its contexts fill ([`Config::fitted_tables`]): where the level
    /// does and the block's tables reach 2^[`FITTED_FROM`] buckets. Smaller blocks' tables
    /// are 8 MiB at most, which the sizes at the head of the payload (half a byte a table)
    /// would not be worth.
    pub(crate) fn fits_tables(&self) -> bool {
        self.fitted_tables && self.log_buckets >= FITTED_FROM
    }

    /// How a block of `len` bytes is coded.
    fn path(&self, len: usize) -> Path {
        match self.sorting {
            _ if !self.runs(Component::Sorting) => Path::Fixed(Method::Engine),
            Sorting::From(from) if len >= from => Path::Fixed(Method::Sorted),
            Sorting::Chosen(from) if len >= from => Path::Chosen,
            _ => Path::Fixed(Method::Engine),
        }
    }

    /// Whether some blocks of `len` bytes may take the fast path of [`sorted`].
    pub(crate) fn may_sort(&self, len: usize) -> bool {
        self.path(len) != Path::Fixed(Method::Engine)
    }

    /// Bytes of model state, not counting the block's own buffers.
    pub(crate) fn model_bytes(&self) -> u64 {
        let apm_contexts = self.partial_byte_apm_contexts() as u64
            + 65_536
            + image::NEIGHBOURHOODS as u64
            + if self.runs(Component::MatchApm) { model::MATCH_APM_CONTEXTS as u64 } else { 0 };
        let fixed = (256 + 65_536) * 4 + apm_contexts * 33 * 2 + 3 * 256 * 4;
        let kinds = model::ContextKind::all(self);
        kinds.iter().map(|kind| 64u64 << kind.log_buckets(self)).sum::<u64>()
            + (4 << self.log_match) * (1 + u64::from(self.runs(Component::LongMatch)))
            + mixer::Mixer::<ANY>::weight_bytes(self.mixer_width(), &self.gate_sets())
            + if self.warm_up.counts_each_set() { mixer::Mixer::<ANY>::set_count_bytes(&self.gate_sets()) } else { 0 }
            + if self.runs(Component::FinalMixers) {
                mixer::Mixer::<ANY>::final_mixer_bytes(self.gate_sets().len())
            } else {
                0
            }
            + if self.runs(Component::Image) {
                image::ImageModel::table_bytes(self.log_image_entries(), self.runs(Component::MorePixels))
            } else {
                0
            }
            + fixed
    }

    /// Whether `part` runs: the level has it and it is not switched off (and the image
    /// contexts also need the record model, which finds their rows).
    pub(crate) fn runs(&self, part: Component) -> bool {
        self.without != Some(part)
            && match part {
                Component::Order(order) => self.orders.contains(&order),
                Component::Words => self.word_contexts > 0,
                Component::Sparse => self.sparse,
                Component::Record => self.record,
                Component::FinalMixers => self.final_mixers,
                Component::NewBytes => self.new_bytes && self.runs(Component::Record) && self.runs(Component::Sparse),
                Component::Indirect => self.indirect,
                Component::Image => self.image && self.runs(Component::Record),
                Component::Text => self.text,
                Component::Order2Gates => self.order2_gates,
                Component::ByteHistories => self.byte_histories,
                Component::Layout => self.layout,
                Component::Classes => self.classes,
                Component::WordGate => self.word_gate,
                Component::SeenOrdersGate => self.seen_orders_gate,
                Component::WarmUp => self.warm_up != WarmUp::Never,
                Component::LongMatch => self.long_match,
                Component::LastBits => self.last_bits && self.runs(Component::ConfidenceMaps),
                Component::Sorting => self.sorting != Sorting::Never,
                Component::MissHistory => self.miss_history,
                Component::RowHint => self.row_hint && self.runs(Component::Record),
                Component::Tokens => self.tokens && self.runs(Component::Sparse),
                Component::MorePixels => self.more_pixels && self.runs(Component::Image) && self.image_mutes,
                Component::Deterministic => self.deterministic,
                Component::Quotes => self.quotes && self.runs(Component::Layout),
                Component::MatchApm => {
                    self.match_apm && !self.single_apm && self.runs(Component::Apms) && self.runs(Component::Match)
                }
                _ => true,
            }
    }

    /// Base-2 logarithm of the counters in each image table: four per bucket of the other
    /// tables, so that they shrink with small blocks alike.
    pub(crate) fn log_image_entries(&self) -> u32 {
        self.log_buckets + 2
    }

    /// The mixer's inputs: orders 0 and 1, each hashed context (with its confidence map's),
    /// the byte histories, the match models, the image contexts and a constant.
    pub(crate) fn mixer_width(&self) -> usize {
        let contexts = model::ContextKind::all(self).len();
        2 + contexts * (1 + usize::from(self.runs(Component::ConfidenceMaps)))
            + self.deterministic_contexts()
            + if self.runs(Component::ByteHistories) { 2 } else { 0 }
            + usize::from(self.runs(Component::Match))
            + usize::from(self.runs(Component::LongMatch))
            + if self.runs(Component::Image) { image::CONTEXTS } else { 0 }
            + 1
    }

    /// How many contexts give an input while their counter is deterministic: the orders and
    /// words ([`Config::deterministic`]), the first contexts.
    pub(crate) fn deterministic_contexts(&self) -> usize {
        if self.runs(Component::Deterministic) {
            model::ContextKind::all(self).iter().filter(|kind| kind.contextual()).count()
        } else {
            0
        }
    }

    /// The predictor's shape: the mixer's vectors of [`mixer::LANES`] inputs, and the number
    /// of hashed contexts ([`with_shape!`]).
    fn shape(&self) -> (usize, usize) {
        (self.mixer_width().div_ceil(mixer::LANES), model::ContextKind::all(self).len())
    }

    /// The curves of the APM by the partial byte: one per partial byte, times the eight
    /// states of the miss history where the level keeps one.
    pub(crate) fn partial_byte_apm_contexts(&self) -> usize {
        256 << (3 * usize::from(self.runs(Component::MissHistory)))
    }

    /// The weight sets of each of the mixer's gates ([`model::Gate`]), in its order.
    pub(crate) fn gate_sets(&self) -> Vec<usize> {
        model::Gate::all(self).into_iter().map(|gate| gate.sets(self)).collect()
    }
}

/// The bits of the last `count` bytes (all eight from 8 on) in a number that holds the last
/// eight, the latest in the low byte.
#[inline(always)]
fn low_bytes(count: usize) -> u64 {
    if count >= 8 { u64::MAX } else { (1 << (8 * count)) - 1 }
}

/// Asks the processor to start loading the cache line of `table[index]`; only speed depends
/// on it. The index is not checked: a prefetch of an address outside the table is a hint
/// that loads nothing useful, and checking it cost a compare and a branch on every bit.
#[inline(always)]
fn prefetch<T>(table: &[T], index: usize) {
    debug_assert!(index < table.len());
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults, reads nothing into the program and
    // changes no memory, whatever the address; `wrapping_add` makes the pointer without
    // claiming it is in bounds.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            table.as_ptr().wrapping_add(index).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (table, index);
}

/// Reports coding progress every this many bytes.
const PROGRESS_STEP: usize = 1 << 16;

/// Codes `data` into a payload, calling `progress` with the bytes coded since its last call.
pub(crate) fn encode_payload(data: &[u8], config: &Config, progress: &mut dyn FnMut(u64)) -> Vec<u8> {
    encode_with(Kernel::detect(), data, config, progress)
}

fn encode_with(kernel: Kernel, data: &[u8], config: &Config, progress: &mut dyn FnMut(u64)) -> Vec<u8> {
    let (method, recorded) = match config.path(data.len()) {
        Path::Fixed(method) => (method, false),
        Path::Chosen if sorting_pays(kernel, data, config) => (Method::Sorted, true),
        Path::Chosen => (Method::Engine, true),
    };
    let mut payload = match method {
        Method::Engine => encode_by_engine(kernel, data, config, progress),
        Method::Sorted => sorted::encode(data, config.sorted_apm, progress),
    };
    if recorded {
        payload.insert(0, method as u8);
    }
    payload
}

/// Runs `$body` with `V` and `C` the number of vectors in `$config`'s mixer and of its
/// hashed contexts as constants, where that is the shape of a level's predictor (levels 1,
/// 2, 3, 4, 5, 6–7 and 8–9 in turn), and as [`ANY`] otherwise (a configuration without some
/// part, for the ablation). The predictor's hot loops then have fixed lengths: no set-up and
/// remainder to pay for each, which for a dozen mixer inputs cost as much as the loop's own
/// work.
macro_rules! with_shape {
    ($config:expr, |V, C| $body:expr) => {{
        // Every level must find its arm, which a test checks.
        match $config.shape() {
            (2, 3) => shaped!(2, 3, $body),
            (2, 4) => shaped!(2, 4, $body),
            (3, 6) => shaped!(3, 6, $body),
            (3, 7) => shaped!(3, 7, $body),
            (3, 8) => shaped!(3, 8, $body),
            (9, 24) => shaped!(9, 24, $body),
            (10, 28) => shaped!(10, 28, $body),
            _ => shaped!(ANY, ANY, $body),
        }
    }};
}

/// `$body` with the constants `V` and `C`, for [`with_shape!`].
macro_rules! shaped {
    ($vectors:expr, $contexts:expr, $body:expr) => {{
        const V: usize = $vectors;
        const C: usize = $contexts;
        $body
    }};
}

fn encode_by_engine(kernel: Kernel, data: &[u8], config: &Config, progress: &mut dyn FnMut(u64)) -> Vec<u8> {
    let config = config.for_block(data.len());
    with_shape!(config, |V, C| encode_by_engine_with::<V, C>(kernel, data, &config, progress))
}

fn encode_by_engine_with<const VECTORS: usize, const CONTEXTS: usize>(
    kernel: Kernel,
    data: &[u8],
    config: &Config,
    progress: &mut dyn FnMut(u64),
) -> Vec<u8> {
    let row_hint = if config.runs(Component::RowHint) { record::row_length_hint(data) } else { 0 };
    let halvings = if config.fits_tables() { model::fitted_halvings(config, data, row_hint) } else { Vec::new() };
    let mut predictor = model::Predictor::<VECTORS, CONTEXTS>::new(config, data.len(), row_hint, &halvings);
    let mut encoder = coder::Encoder::with_capacity(data.len() / 2 + 16);
    for chunk in data.chunks(PROGRESS_STEP) {
        coder::encode_bytes_in(kernel, chunk, &mut predictor, &mut encoder);
        progress(chunk.len() as u64);
    }
    let coded = encoder.finish();
    let mut head = Vec::new();
    if config.runs(Component::RowHint) {
        head.extend(u16::try_from(row_hint).expect("a hint fits 16 bits").to_le_bytes());
    }
    // Two contexts' halvings a byte, the first in the low nibble.
    head.extend(halvings.chunks(2).map(|pair| pair[0] | pair.get(1).map_or(0, |second| second << 4)));
    if head.is_empty() { coded } else { [head, coded].concat() }
}

/// The tables' halvings at the head of an engine payload where the block fits its tables
/// ([`Config::fits_tables`]), each checked against the smallest table kolm writes; and the
/// rest of the payload.
fn split_halvings<'a>(payload: &'a [u8], config: &Config) -> Result<(Vec<u8>, &'a [u8]), Error> {
    if !config.fits_tables() {
        return Ok((Vec::new(), payload));
    }
    let kinds = model::ContextKind::all(config);
    let Some((packed, rest)) = payload.split_at_checked(kinds.len().div_ceil(2)) else {
        return Err(Error::Corrupt("a coded block too short to hold its table sizes".into()));
    };
    let mut halvings: Vec<u8> = packed.iter().flat_map(|&byte| [byte & 15, byte >> 4]).collect();
    if halvings.len() > kinds.len() && halvings.pop() != Some(0) {
        return Err(Error::Corrupt("a block's table sizes end in a size that no table has".into()));
    }
    for (index, (kind, &halving)) in kinds.iter().zip(&halvings).enumerate() {
        let log = kind.log_buckets(config);
        if u32::from(halving) > log.saturating_sub(model::MIN_FITTED_LOG) {
            return Err(Error::Corrupt(format!(
                "a block halves table {index} {halving} times from 2^{log} buckets, below the \
                 2^{} that kolm writes at least",
                model::MIN_FITTED_LOG
            )));
        }
    }
    Ok((halvings, rest))
}

/// The row length at the head of an engine payload where `config` writes one ([`record`]),
/// and the rest of the payload.
fn split_row_hint<'a>(payload: &'a [u8], config: &Config) -> Result<(u32, &'a [u8]), Error> {
    if !config.runs(Component::RowHint) {
        return Ok((0, payload));
    }
    let Some((hint, rest)) = payload.split_first_chunk::<2>() else {
        return Err(Error::Corrupt("a coded block too short to hold its row length".into()));
    };
    match u32::from(u16::from_le_bytes(*hint)) {
        hint @ 1..record::MIN_ROW => Err(Error::Corrupt(format!(
            "a block gives its rows as {hint} bytes, where kolm writes 0 or at least {}",
            record::MIN_ROW
        ))),
        hint => Ok((hint, rest)),
    }
}

/// How a block is coded; where the level chooses ([`Sorting::Chosen`]), the payload's first
/// byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Engine = 0,
    Sorted = 1,
}

/// The trial of [`sorting_pays`] codes this many samples of a block…
const TRIAL_SAMPLES: usize = 4;
/// …of this many bytes each, both ways.
const TRIAL_SAMPLE_LEN: usize = 1 << 16;
/// A block is sorted where the engine codes its samples in at least this many hundredths
/// of what the sorted path makes of them.
const TRIAL_PERCENT: usize = 97;

/// Whether the sorted path codes `data` about as small as the engine would, so that the
/// engine is not worth its time: both code the same samples, spread over the block, and the
/// engine must make them more than 3 % smaller.
///
/// The engine's contexts pay on nearly all data: text, code, tables and executables come
/// out 5–40 % smaller than sorted, and their samples 5–52 % smaller (the corpus's files at
/// levels 2–9; the closest is git.elf at level 2, 4.8 %). Noisy data such as a scanned x-ray
/// (12-bit samples) is the exception: there the long contexts learn nothing, and the sorted
/// path is as small (3.443 bits a byte against the engine's 3.46–3.54) at a fifth to a tenth
/// of the time; its samples come out up to 5 % larger by the engine (0.8 % smaller at level
/// 9). Every step is integer, so every machine chooses alike, and the decoder reads the
/// choice instead of making it.
fn sorting_pays(kernel: Kernel, data: &[u8], config: &Config) -> bool {
    let sample_len = (data.len() / TRIAL_SAMPLES).min(TRIAL_SAMPLE_LEN);
    let mut samples = Vec::with_capacity(sample_len * TRIAL_SAMPLES);
    for part in 0..TRIAL_SAMPLES {
        let middle = data.len() * (2 * part + 1) / (2 * TRIAL_SAMPLES);
        let start = middle.saturating_sub(sample_len / 2);
        samples.extend_from_slice(&data[start..start + sample_len]);
    }
    let engine_len = encode_by_engine(kernel, &samples, config, &mut |_| {}).len();
    let sorted_len = sorted::encode(&samples, config.sorted_apm, &mut |_| {}).len();
    engine_len * 100 >= sorted_len * TRIAL_PERCENT
}

/// Decodes the `len` bytes of a block from its payload.
pub(crate) fn decode_payload(
    payload: &[u8],
    len: usize,
    config: &Config,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<u8>, Error> {
    let (method, payload) = match config.path(len) {
        Path::Fixed(method) => (method, payload),
        Path::Chosen => match payload.split_first() {
            Some((&byte, rest)) if byte == Method::Engine as u8 => (Method::Engine, rest),
            Some((&byte, rest)) if byte == Method::Sorted as u8 => (Method::Sorted, rest),
            Some((&byte, _)) => {
                return Err(Error::Corrupt(format!("a block names coding method {byte}, which kolm does not know")));
            }
            None => return Err(Error::Corrupt("a coded block without its coding method".into())),
        },
    };
    match method {
        Method::Engine => decode_by_engine(payload, len, config, progress),
        Method::Sorted => sorted::decode(payload, len, config.sorted_apm, progress),
    }
}

fn decode_by_engine(
    payload: &[u8],
    len: usize,
    config: &Config,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<u8>, Error> {
    let config = config.for_block(len);
    with_shape!(config, |V, C| decode_by_engine_with::<V, C>(payload, len, &config, progress))
}

fn decode_by_engine_with<const VECTORS: usize, const CONTEXTS: usize>(
    payload: &[u8],
    len: usize,
    config: &Config,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<u8>, Error> {
    let (row_hint, payload) = split_row_hint(payload, config)?;
    let (halvings, payload) = split_halvings(payload, config)?;
    // The history grows as bytes are decoded: a damaged length cannot make it allocate more
    // than the payload really codes. It is the output, so it is returned rather than copied.
    let mut predictor = model::Predictor::<VECTORS, CONTEXTS>::new(config, len.min(1 << 20), row_hint, &halvings);
    let mut decoder = coder::Decoder::new(payload);
    let kernel = Kernel::detect();
    let mut decoded = 0;
    while decoded < len {
        let chunk = (len - decoded).min(PROGRESS_STEP);
        coder::decode_bytes_in(kernel, chunk, &mut predictor, &mut decoder, &mut |_| {});
        decoded += chunk;
        decoder.check_end()?;
        progress(chunk as u64);
    }
    Ok(predictor.into_history())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CONFIG: Config = Config {
        orders: &[2, 3, 4, 6],
        word_contexts: 2,
        sparse: true,
        record: true,
        log_buckets: 12,
        log_match: 16,
        without: None,
        sorting: Sorting::Never,
        sorted_apm: false,
        scored_records: true,
        new_bytes: true,
        final_mixers: true,
        indirect: true,
        image: true,
        text: true,
        order2_gates: true,
        warm_up: WarmUp::EachSet,
        long_match: true,
        last_bits: true,
        layout: true,
        word_gate: true,
        seen_orders_gate: true,
        single_apm: false,
        image_shapes: ImageShapes::Columns,
        apm_both_knots: true,
        miss_history: true,
        row_hint: true,
        tokens: true,
        more_pixels: true,
        half_side_tables: true,
        fine_probabilities: true,
        narrow_mixer: true,
        deterministic: true,
        match_recovery: true,
        quotes: true,
        fitted_tables: true,
        match_apm: true,
        classes: true,
        log_buckets_per_byte: 2,
        byte_histories: true,
        steady_contexts: true,
        image_mutes: true,
    };

    fn round_trip(data: &[u8]) -> Vec<u8> {
        let payload = encode_payload(data, &TEST_CONFIG, &mut |_| {});
        let back = decode_payload(&payload, data.len(), &TEST_CONFIG, &mut |_| {}).unwrap();
        assert_eq!(back, data);
        payload
    }

    #[test]
    fn round_trips_text_binary_and_edge_cases() {
        let text = corpus("alice29.txt");
        let payload = round_trip(&text[..40_000]);
        // English at well under 3 bits per byte even from a cold start.
        assert!(payload.len() * 8 < 40_000 * 3, "{} bytes", payload.len());
        round_trip(b"");
        round_trip(b"a");
        round_trip(&[0u8; 10_000]);
        round_trip(&(0..=255u8).cycle().take(5000).collect::<Vec<_>>());
    }

    #[test]
    fn the_sorted_path_round_trips_text_binary_and_edge_cases() {
        let sorting = Config { sorting: Sorting::From(0), ..TEST_CONFIG };
        let mut inputs = vec![
            Vec::new(),
            b"a".to_vec(),
            vec![0u8; 100_000],
            (0..=255u8).cycle().take(70_000).collect(),
            corpus("kennedy.xls")[..200_000].to_vec(),
        ];
        inputs.push(corpus("alice29.txt"));
        for data in &inputs {
            let payload = encode_payload(data, &sorting, &mut |_| {});
            let rows: Vec<u8> = crate::bwt::forward(data).1.iter().flat_map(|row| row.to_le_bytes()).collect();
            assert_eq!(&payload[..rows.len()], &rows[..], "the recorded rows lead");
            let back = decode_payload(&payload, data.len(), &sorting, &mut |_| {}).unwrap();
            assert!(back == *data, "{} bytes", data.len());
        }
        // English at about 2.1 bits per byte, a spreadsheet's records at about 0.5.
        let coded = |data: &[u8]| encode_payload(data, &sorting, &mut |_| {}).len() as f64 * 8.0 / data.len() as f64;
        assert!(coded(&inputs[5]) < 2.2, "alice29.txt: {} bits per byte", coded(&inputs[5]));
        assert!(coded(&inputs[4]) < 0.6, "kennedy.xls: {} bits per byte", coded(&inputs[4]));
        // A run costs next to nothing: 16-bit probabilities leave no 1/4096 floor per bit
        // (which would cost 35 bytes here). The payload starts with eight recorded rows.
        let zeros = encode_payload(&inputs[2], &sorting, &mut |_| {}).len();
        assert!(zeros < 8 * 4 + 16, "{zeros} bytes");
    }

    /// Zeros but for 5 % of random bytes: no context tells more about them than their
    /// frequencies do.
    fn sparse_noise(len: usize) -> Vec<u8> {
        let mut state = 12_345u32;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if (state >> 8) % 100 < 5 { (state >> 16) as u8 } else { 0 }
            })
            .collect()
    }

    #[test]
    fn a_level_that_chooses_sorts_noise_and_models_text() {
        let level = crate::Level::new(2).unwrap().cm_config(LATEST_REVISION);
        assert_eq!(level.sorting, Sorting::Chosen(SORTED_FROM));
        let choosing = Config { sorting: Sorting::Chosen(0), ..level };
        let text = corpus("alice29.txt");
        let code = |data: &[u8]| encode_payload(data, &choosing, &mut |_| {});
        let decode = |payload: &[u8], len| decode_payload(payload, len, &choosing, &mut |_| {});
        for (data, method) in [(text.clone(), Method::Engine), (sparse_noise(300_000), Method::Sorted)] {
            let payload = code(&data);
            assert_eq!(payload[0], method as u8, "{} bytes", data.len());
            assert!(decode(&payload, data.len()).unwrap() == data);
        }
        // Blocks too small to sample fully are still coded one way or the other.
        for data in [&b""[..], b"a", &[0; 100]] {
            assert_eq!(decode(&code(data), data.len()).unwrap(), data);
        }
        let mut payload = code(&text);
        payload[0] = 7;
        assert!(matches!(decode(&payload, text.len()), Err(Error::Corrupt(why)) if why.contains("method 7")));
        assert!(decode(&[], text.len()).is_err(), "no method byte");
    }

    #[test]
    fn damaged_sorted_payloads_fail_or_differ_but_never_panic() {
        let sorting = Config { sorting: Sorting::From(0), ..TEST_CONFIG };
        // Not a periodic text: rotating one by its period changes nothing.
        let text = corpus("alice29.txt");
        let text = &text[..5000];
        let payload = encode_payload(text, &sorting, &mut |_| {});
        assert!(decode_payload(&payload[..3], text.len(), &sorting, &mut |_| {}).is_err(), "no rows");
        assert!(decode_payload(&payload[..payload.len() / 3], text.len(), &sorting, &mut |_| {}).is_err());
        let mut bad_primary = payload.clone();
        bad_primary[..4].copy_from_slice(&(text.len() as u32 + 1).to_le_bytes());
        assert!(decode_payload(&bad_primary, text.len(), &sorting, &mut |_| {}).is_err());
        // (Not the last bytes: the coder's flush writes more than the decoder needs; the
        // block's checksum covers the rest.)
        for at in [0, 1, 4, payload.len() / 2] {
            let mut flipped = payload.clone();
            flipped[at] ^= 0x08;
            if let Ok(back) = decode_payload(&flipped, text.len(), &sorting, &mut |_| {}) {
                assert!(back != text, "flip at {at}");
            }
        }
    }

    #[test]
    fn every_compilation_of_the_coding_loop_writes_the_same_bytes() {
        let text = corpus("alice29.txt");
        // The kernel detected here (AVX2 on most x86-64 machines) against the portable one.
        let portable = encode_with(Kernel::Portable, &text[..30_000], &TEST_CONFIG, &mut |_| {});
        assert_eq!(portable, encode_payload(&text[..30_000], &TEST_CONFIG, &mut |_| {}));
        // Every level's predictor is compiled for its shape, and codes as the one for any.
        let data = &text[..20_000];
        for level in 1..=9 {
            let config = crate::Level::new(level).unwrap().cm_config(LATEST_REVISION).for_block(data.len());
            assert_eq!(with_shape!(config, |V, C| (V, C)), config.shape(), "level {level}");
            if ![2, 5, 7, 9].contains(&level) {
                continue;
            }
            let fixed = encode_by_engine(Kernel::detect(), data, &config, &mut |_| {});
            let any = encode_by_engine_with::<ANY, ANY>(Kernel::detect(), data, &config, &mut |_| {});
            assert!(fixed == any, "level {level}");
            let back = decode_by_engine_with::<ANY, ANY>(&fixed, data.len(), &config, &mut |_| {});
            assert!(back.unwrap() == data, "level {level}");
        }
    }

    #[test]
    fn memory_estimate_covers_the_tables() {
        for level in 1..=9 {
            let config = crate::Level::new(level).unwrap().cm_config(LATEST_REVISION);
            let tables = model::Predictor::<ANY, ANY>::new(&config, 0, 0, &[]).model_bytes() as u64;
            let estimate = config.model_bytes();
            assert!(tables <= estimate && estimate < tables + (16 << 20), "level {level}: {tables} vs {estimate}");
            // Small blocks get small tables: four buckets a byte, one at levels 6–9 (codec 14).
            assert!(config.for_block(1000).log_buckets <= 12);
            let alice = config.for_block(152_089).log_buckets;
            assert_eq!(alice, config.log_buckets.min(if level >= 6 { 18 } else { 20 }), "level {level}");
        }
    }

    /// Each bit chooses its weight sets in the order of `Gate`'s variants, and loads the
    /// previous byte's a bit ahead from a fixed slot: that holds only while `Gate::all` keeps
    /// that order, for every level and every gate switched off.
    #[test]
    fn gates_keep_the_order_of_their_variants() {
        let gate_parts = [
            Component::ByteGate,
            Component::Order2Gates,
            Component::WordGate,
            Component::SeenOrdersGate,
            Component::Classes,
        ];
        for level in 1..=9 {
            let config = crate::Level::new(level).unwrap().cm_config(LATEST_REVISION);
            for without in std::iter::once(None).chain(gate_parts.map(Some)) {
                let gates = model::Gate::all(&Config { without, ..config });
                assert!(gates.is_sorted_by_key(|&gate| gate as usize), "level {level} without {without:?}");
                assert!(gates.len() <= mixer::MAX_GATES && gates[0] == model::Gate::MatchState);
                let slot = gates.iter().position(|&gate| gate == model::Gate::PreviousByte);
                assert!(slot.is_none_or(|slot| slot == model::Gate::PREVIOUS_BYTE_SLOT));
            }
        }
    }

    /// A file of `testdata/corpus`.
    fn corpus(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../../testdata/corpus/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// Asserts that the first 200 KB of corpus file `name` come out at least `least_gain`
    /// smaller with `config` than with `without`, which lacks `what`.
    fn assert_pays(name: &str, config: &Config, without: &Config, least_gain: f64, what: &str) {
        let data = corpus(name);
        let data = &data[..data.len().min(200_000)];
        let coded = |config: &Config| encode_payload(data, config, &mut |_| {}).len();
        let (with, without) = (coded(config), coded(without));
        eprintln!("{name}: {with} bytes, {without} without the {what}");
        assert!((with as f64) < (1.0 - least_gain) * without as f64, "{name}: {with} vs {without} without the {what}");
    }

    /// Asserts that each of `parts`' components pays its way on its file under `config`
    /// ([`assert_pays`] against `config` with that component switched off).
    fn assert_parts_pay(config: &Config, parts: &[(&str, Component, f64)]) {
        for &(name, part, least_gain) in parts {
            assert_pays(name, config, &Config { without: Some(part), ..*config }, least_gain, &part.to_string());
        }
    }

    /// The contexts of levels 6–9 pay their way on the data they are for: a fax image of
    /// 216-byte scan lines, a spreadsheet, a SPARC executable, English text.
    #[test]
    fn level_6_contexts_pay_their_way() {
        // Codec 14's table: from codec 15 the token contexts see much of what the text
        // contexts and the byte histories see in English (alice29.txt 0.03 % and 0.20 %
        // larger without them); `levels_6_to_9_of_codec_15_pay_their_way` checks the tokens.
        let config = crate::Level::new(6).unwrap().cm_config(13);
        assert_parts_pay(
            &config,
            &[
                ("ptt5", Component::Record, 0.2),
                ("kennedy.xls", Component::Record, 0.005),
                ("kennedy.xls", Component::Indirect, 0.005),
                ("sum", Component::Sparse, 0.02),
                ("ptt5", Component::Image, 0.1),
                // 13.8 % from codec 12, whose mixer warms up each weight set (above 15 % before).
                ("kennedy.xls", Component::Text, 0.12),
                ("alice29.txt", Component::Text, 0.002),
                ("alice29.txt", Component::Order2Gates, 0.003),
                ("sum", Component::Order2Gates, 0.02),
                ("alice29.txt", Component::ByteHistories, 0.002),
                ("fields.c", Component::ByteHistories, 0.004),
                ("alice29.txt", Component::Layout, 0.01),
                ("fields.c", Component::Layout, 0.002),
                ("alice29.txt", Component::WordGate, 0.004),
                ("alice29.txt", Component::SeenOrdersGate, 0.001),
                ("kennedy.xls", Component::SeenOrdersGate, 0.002),
                ("kennedy.xls", Component::LastBits, 0.03),
                ("sum", Component::LastBits, 0.002),
            ],
        );
    }

    /// Warming up each weight set by itself (codec 12) pays against no warm-up at level 2,
    /// and against the whole mixer's warm-up that levels 6–9 had before.
    #[test]
    fn warming_up_each_weight_set_pays_its_way() {
        let level = |level| crate::Level::new(level).unwrap().cm_config(LATEST_REVISION);
        for name in ["fields.c", "sum"] {
            let config = level(2);
            let without = Config { without: Some(Component::WarmUp), ..config };
            // From codec 13 on, level 2 has the word context: sum 1.4 %, fields.c 2.2 %.
            assert_pays(name, &config, &without, 0.012, "mixer warm-up at level 2");
            let config = level(6);
            let whole = Config { warm_up: WarmUp::Mixer, ..config };
            // From codec 16 on, with the deterministic inputs, fields.c 0.36 %.
            assert_pays(name, &config, &whole, 0.003, "warm-up of each set, against the whole mixer's");
        }
    }

    /// The second match model (codec 12, levels 3–9; codec 13, level 2) pays its way at level 4 on
    /// text and on the records of a spreadsheet, where long repeats are often not the most
    /// recent occurrence of their last six bytes.
    #[test]
    fn the_long_match_model_pays_its_way() {
        let config = crate::Level::new(4).unwrap().cm_config(LATEST_REVISION);
        let without = Config { without: Some(Component::LongMatch), ..config };
        // Measured on the first 200 KB: 0.09 %, 0.62 % and 0.14 %; at level 5 (codec 12, before
        // its byte histories) on 1 MB samples of larger files (xml, bible.txt) 0.3 % in all.
        for (name, least_gain) in [("lcet10.txt", 0.0005), ("kennedy.xls", 0.003), ("ptt5", 0.0005)] {
            assert_pays(name, &config, &without, least_gain, "long match model");
        }
    }

    /// Asserts that `level` of level table `revision` codes each of `gains`' files at least its
    /// least gain smaller than the level of the revision before did; returns its config.
    fn assert_revision_pays(level: u8, revision: u8, gains: &[(&str, f64)]) -> Config {
        let level = crate::Level::new(level).unwrap();
        let (config, before) = (level.cm_config(revision), level.cm_config(revision - 1));
        for &(name, least_gain) in gains {
            assert_pays(name, &config, &before, least_gain, &format!("models of codec {}", revision + 1));
        }
        config
    }

    /// Level 2 of codec 13 (orders 2, 3 and 5, the current word, two match models) beats
    /// level 2 of codec 12 (orders 2, 3, 4 and 6, one match model) on English, C and a
    /// spreadsheet, and its word context pays its way on English and HTML.
    #[test]
    fn level_2_of_codec_13_pays_its_way() {
        // Measured on the first 200 KB: 2.2 %, 3.8 % and 3.1 % smaller; without the word
        // context, alice29.txt 2.7 % and cp.html 3.2 % larger.
        let config = assert_revision_pays(2, 12, &[("alice29.txt", 0.01), ("fields.c", 0.01), ("kennedy.xls", 0.02)]);
        let without = Config { without: Some(Component::Words), ..config };
        for (name, least_gain) in [("alice29.txt", 0.01), ("cp.html", 0.01)] {
            assert_pays(name, &config, &without, least_gain, &Component::Words.to_string());
        }
    }

    /// Level 5 of codec 13, with level 6's byte histories and order-2 gates, beats level 5 of
    /// codec 12 on English, a spreadsheet and a SPARC executable, and each part pays its way.
    #[test]
    fn level_5_of_codec_13_pays_its_way() {
        // Measured on the first 200 KB: 0.6 %, 13.7 % and 4.4 % smaller; without the byte
        // histories 0.29 % and 1.8 % larger, without the gates 0.30 % and 2.6 %.
        let config = assert_revision_pays(5, 12, &[("alice29.txt", 0.003), ("kennedy.xls", 0.07), ("sum", 0.02)]);
        assert_parts_pay(
            &config,
            &[
                ("alice29.txt", Component::ByteHistories, 0.0015),
                ("sum", Component::ByteHistories, 0.009),
                ("alice29.txt", Component::Order2Gates, 0.0015),
                ("sum", Component::Order2Gates, 0.013),
            ],
        );
    }

    /// Levels 6–9 of codec 14 beat those of codec 13 on a fax image, English and a SPARC
    /// executable, and each of the new parts pays its way: the image model's columns, the miss
    /// history, the APM by the match, and APMs learning at both knots.
    #[test]
    fn levels_6_to_9_of_codec_14_pay_their_way() {
        // Measured at level 6 on the first 200 KB: 1.24 %, 0.24 % and 0.40 % smaller; without
        // the columns ptt5 1.07 % larger, without the miss history, the APM by the match and
        // learning at both knots alice29.txt 0.09 %, 0.05 % and 0.17 %.
        let config = assert_revision_pays(6, 13, &[("ptt5", 0.007), ("alice29.txt", 0.0012), ("sum", 0.002)]);
        for (name, without, least_gain, what) in [
            ("ptt5", Config { image_shapes: ImageShapes::Edges, ..config }, 0.006, "image columns".to_string()),
            (
                "alice29.txt",
                Config { without: Some(Component::MissHistory), ..config },
                0.0005,
                Component::MissHistory.to_string(),
            ),
            (
                "alice29.txt",
                Config { without: Some(Component::MatchApm), ..config },
                0.0002,
                Component::MatchApm.to_string(),
            ),
            ("alice29.txt", Config { apm_both_knots: false, ..config }, 0.001, "learning at both knots".to_string()),
        ] {
            assert_pays(name, &config, &without, least_gain, &what);
        }
    }

    /// Levels 6–9 of codec 15 beat those of codec 14 on a fax image and on English, and each
    /// of the new parts pays its way: the row-length hint, the more pixel contexts and the
    /// token contexts.
    #[test]
    fn levels_6_to_9_of_codec_15_pay_their_way() {
        // Measured at level 6 on the first 200 KB: ptt5 17.4 % and alice29.txt 0.61 % smaller;
        // without the hint ptt5 15.0 % larger, without the more pixel contexts 4.0 %, and
        // alice29.txt without the tokens 0.63 %.
        let config = assert_revision_pays(6, 14, &[("ptt5", 0.1), ("alice29.txt", 0.004)]);
        assert_parts_pay(
            &config,
            &[
                ("ptt5", Component::RowHint, 0.09),
                ("ptt5", Component::MorePixels, 0.02),
                ("alice29.txt", Component::Tokens, 0.004),
            ],
        );
    }

    /// Levels 6–9 of codec 16 beat those of codec 15 on English and on a SPARC executable,
    /// and each new part pays its way: the deterministic inputs, the quote state,
    /// the fine probabilities and the match model's recovery. The narrow mixer is for speed,
    /// and codes all but the same.
    #[test]
    fn levels_6_to_9_of_codec_16_pay_their_way() {
        // Measured at level 6 on the first 200 KB: alice29.txt 1.26 % and sum 0.73 % smaller;
        // without the deterministic inputs 0.49 % and 0.44 % larger, alice29.txt without the
        // quote state 0.83 %, kennedy.xls without the fine probabilities 0.71 %, sum without
        // the match recovery 0.29 %; lcet10.txt the same to the byte with exact products.
        let config = assert_revision_pays(6, 15, &[("alice29.txt", 0.008), ("sum", 0.004)]);
        assert_parts_pay(
            &config,
            &[
                ("alice29.txt", Component::Deterministic, 0.002),
                ("sum", Component::Deterministic, 0.002),
                ("alice29.txt", Component::Quotes, 0.004),
            ],
        );
        for (name, without, least_gain, what) in [
            ("kennedy.xls", Config { fine_probabilities: false, ..config }, 0.004, "fine probabilities"),
            ("sum", Config { match_recovery: false, ..config }, 0.0015, "match recovery"),
        ] {
            assert_pays(name, &config, &without, least_gain, what);
        }
        let data = &corpus("lcet10.txt")[..200_000];
        let coded = |config: &Config| encode_payload(data, config, &mut |_| {}).len() as f64;
        let (narrow, exact) = (coded(&config), coded(&Config { narrow_mixer: false, ..config }));
        assert!(
            (narrow / exact - 1.0).abs() < 0.0005,
            "{narrow} bytes with narrow dot products, {exact} with exact ones"
        );
    }

    /// Levels 6–9 of codec 20 beat those of codec 19 on a spreadsheet and on English, and
    /// each new part pays its way: the context of a record's new bytes on the spreadsheet,
    /// the final mixers on the spreadsheet, a SPARC executable and English, and weight sets
    /// that settle below the mixer's rate on the spreadsheet.
    #[test]
    fn levels_6_to_9_of_codec_20_pay_their_way() {
        // Measured at level 6 on the first 200 KB: kennedy.xls 17.0 % and alice29.txt 0.37 %
        // smaller; kennedy.xls 9.1 % larger without the new bytes, 6.2 % without the final
        // mixers (sum 2.6 %, alice29.txt 0.19 %) and 2.4 % without settling.
        let config = assert_revision_pays(6, 19, &[("kennedy.xls", 0.12), ("alice29.txt", 0.002)]);
        assert_parts_pay(
            &config,
            &[
                ("kennedy.xls", Component::NewBytes, 0.06),
                ("kennedy.xls", Component::FinalMixers, 0.03),
                ("sum", Component::FinalMixers, 0.013),
                ("alice29.txt", Component::FinalMixers, 0.001),
            ],
        );
        assert_pays("kennedy.xls", &config, &Config { warm_up: WarmUp::EachSet, ..config }, 0.012, "settling");
    }

    /// Fitted tables (codec 17) take a fraction of the memory for all but the same output,
    /// on English and on a fax image, in blocks just large enough to carry their sizes.
    #[test]
    fn fitted_tables_take_less_memory_for_all_but_the_same_output() {
        // Measured at level 6 on the first 140,000 bytes: alice29.txt's tables 64 % of full
        // size for 25 bytes more (31,976 -> 32,001), ptt5's 13 % for 12 more (4,378 -> 4,390).
        let config = crate::Level::new(6).unwrap().cm_config(16);
        for (name, most_memory) in [("alice29.txt", 0.75), ("ptt5", 0.25)] {
            let data = &corpus(name)[..140_000];
            let block = config.for_block(data.len());
            assert!(block.fits_tables() && !Config { fitted_tables: false, ..block }.fits_tables());
            let halvings = model::fitted_halvings(&block, data, record::row_length_hint(data));
            let memory = |halvings: &[u8]| model::Predictor::<ANY, ANY>::new(&block, 0, 0, halvings).table_bytes();
            let (fitted, full) = (memory(&halvings), memory(&[]));
            assert!(
                (fitted as f64) < most_memory * full as f64,
                "{name}: {fitted} bytes of tables fitted, {full} full"
            );
            let coded = |config: &Config| encode_payload(data, config, &mut |_| {}).len() as f64;
            let (fitted, full) = (coded(&config), coded(&Config { fitted_tables: false, ..config }));
            // Besides the sizes, half a byte for each of the 24 tables.
            assert!(fitted < full * 1.001 + 12.0, "{name}: {fitted} bytes with fitted tables, {full} without");
        }
    }

    /// Settings of levels 6–9 that are not parts of their own pay their way too: the byte
    /// contexts silenced while a fax image's pixels predict better, and the orders', words'
    /// and text contexts' counters settling (codec 8); the image model's edge contexts
    /// (codec 11). Measured with codec 14's level table, whose image model has no more pixel
    /// contexts: those need the columns of codec 14's shapes.
    #[test]
    fn level_6_settings_pay_their_way() {
        let config = crate::Level::new(6).unwrap().cm_config(13);
        for (name, without, least_gain, what) in [
            ("ptt5", Config { image_mutes: false, ..config }, 0.008, "muted byte contexts"),
            ("alice29.txt", Config { steady_contexts: false, ..config }, 0.001, "steady counters"),
            ("kennedy.xls", Config { steady_contexts: false, ..config }, 0.008, "steady counters"),
            ("ptt5", Config { image_shapes: ImageShapes::Near, ..config }, 0.015, "image model's edge contexts"),
        ] {
            assert_pays(name, &config, &without, least_gain, what);
        }
    }

    /// The class contexts and gate of levels 8–9 (codec 11) pay their way on English, HTML
    /// and a SPARC executable.
    #[test]
    fn the_class_contexts_pay_their_way_at_level_8() {
        let config = crate::Level::new(8).unwrap().cm_config(LATEST_REVISION);
        let without = Config { without: Some(Component::Classes), ..config };
        for (name, least_gain) in [("alice29.txt", 0.005), ("sum", 0.005), ("cp.html", 0.005)] {
            assert_pays(name, &config, &without, least_gain, &Component::Classes.to_string());
        }
    }

    /// The counters' last bits pay at the small levels too (codec 9): level 2 on a
    /// spreadsheet and on English.
    #[test]
    fn the_counters_last_bits_pay_their_way_at_level_2() {
        let config = crate::Level::new(2).unwrap().cm_config(LATEST_REVISION);
        let without = Config { without: Some(Component::LastBits), ..config };
        for (name, least_gain) in [("kennedy.xls", 0.03), ("alice29.txt", 0.0005)] {
            assert_pays(name, &config, &without, least_gain, &Component::LastBits.to_string());
        }
    }

    #[test]
    fn progress_adds_up_to_the_length() {
        for config in [TEST_CONFIG, Config { sorting: Sorting::From(0), ..TEST_CONFIG }] {
            for len in [0usize, 1, 65_535, 65_536, 65_537, 200_000] {
                let data = vec![7u8; len];
                let mut total = 0;
                let payload = encode_payload(&data, &config, &mut |n| total += n);
                assert_eq!(total, len as u64, "encode {len}");
                total = 0;
                decode_payload(&payload, len, &config, &mut |n| total += n).unwrap();
                assert_eq!(total, len as u64, "decode {len}");
            }
        }
    }

    #[test]
    fn damaged_payloads_fail_or_differ_but_never_panic() {
        let text = b"It was the best of times, it was the worst of times, it was the age of wisdom".repeat(20);
        let payload = encode_payload(&text, &TEST_CONFIG, &mut |_| {});
        assert!(decode_payload(&payload[..payload.len() / 3], text.len(), &TEST_CONFIG, &mut |_| {}).is_err());
        let mut flipped = payload.clone();
        flipped[payload.len() / 2] ^= 0x10;
        if let Ok(back) = decode_payload(&flipped, text.len(), &TEST_CONFIG, &mut |_| {}) {
            assert_ne!(back, text);
        }
    }
}
