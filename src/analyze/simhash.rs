//! 64-bit SimHash fingerprints and the shingle overlap used to confirm near-duplicates.
//!
//! Text is normalized before shingling — lower-cased, with everything but letters and digits
//! dropped — so that the edits mirrors make (swapped punctuation, spacing, full-width commas)
//! leave the fingerprint as it was. Shingles are runs of [`SHINGLE_CHARS`] characters, hashed
//! with xxh3. Two texts whose fingerprints differ in at most [`NEAR_BITS`] bits are near
//! duplicates; up to [`CANDIDATE_BITS`], they are candidates whose shingle sets must overlap
//! by [`MIN_CONTAINMENT`] (short mirror items, where one added source line moves many bits).
//!
//! Not here: the register of fingerprints and the decision which article is an original
//! ([`crate::dedupe`]).

use xxhash_rust::xxh3::xxh3_64;

/// Characters per shingle.
pub const SHINGLE_CHARS: usize = 4;
/// Fingerprints this close are near-duplicates without further checks.
pub const NEAR_BITS: u32 = 3;
/// Fingerprints this close are checked by shingle overlap.
pub const CANDIDATE_BITS: u32 = 12;
/// Share of the shorter text's shingles found in the longer one that confirms a candidate.
pub const MIN_CONTAINMENT: f64 = 0.75;

/// Lower-cased letters and digits of `text`, and the byte offset where each character starts
/// (plus the end), so shingles are hashed as slices without building strings.
fn normalized(text: &str) -> (String, Vec<usize>) {
    let mut norm = String::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len() / 2);
    for c in text.chars() {
        // Common Han characters are letters with no case: the Unicode tables are for the others.
        if crate::segment::is_common_han(c) {
            starts.push(norm.len());
            norm.push(c);
        } else if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                starts.push(norm.len());
                norm.push(l);
            }
        }
    }
    starts.push(norm.len());
    (norm, starts)
}

/// Hashes of the text's distinct shingles, sorted (a text shorter than a shingle is one shingle):
/// what [`simhash`] votes over and [`containment`] compares.
pub fn shingles(text: &str) -> Vec<u64> {
    let (norm, starts) = normalized(text);
    let chars = starts.len() - 1;
    let mut out: Vec<u64> = if chars == 0 {
        Vec::new()
    } else if chars <= SHINGLE_CHARS {
        vec![xxh3_64(norm.as_bytes())]
    } else {
        (0..=chars - SHINGLE_CHARS)
            .map(|i| xxh3_64(&norm.as_bytes()[starts[i]..starts[i + SHINGLE_CHARS]]))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// The SimHash of `text`'s shingles.
pub fn simhash(text: &str) -> u64 {
    fingerprint(&shingles(text))
}

/// `SPREAD[b]` has, in byte `j`, bit `j` of `b`: adding it to a word counts the set bits of
/// one hash byte in eight byte-wide counters at once.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut j = 0;
        while j < 8 {
            table[b] |= ((b as u64 >> j) & 1) << (8 * j);
            j += 1;
        }
        b += 1;
    }
    table
};

/// Bit `i` is set where more than half of `hashes` have bit `i` set: the SimHash vote. The
/// bits are counted eight at a time in byte-wide counters (flushed before they can overflow)
/// rather than one at a time; this ran over every shingle of every article.
fn fingerprint(hashes: &[u64]) -> u64 {
    let mut ones = [0u32; 64];
    for block in hashes.chunks(255) {
        let mut counters = [0u64; 8];
        for &h in block {
            for (k, counter) in counters.iter_mut().enumerate() {
                *counter += SPREAD[((h >> (8 * k)) & 0xff) as usize];
            }
        }
        for (k, counter) in counters.iter().enumerate() {
            for j in 0..8 {
                ones[8 * k + j] += ((counter >> (8 * j)) & 0xff) as u32;
            }
        }
    }
    // A bit wins when its ones outnumber its zeros.
    let n = hashes.len() as u32;
    ones.iter().enumerate().filter(|&(_, &o)| 2 * o > n).fold(0, |acc, (bit, _)| acc | 1 << bit)
}

pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The share of the smaller set that the larger one contains; both are [`shingles`]: sorted and
/// distinct, so one merge-like walk counts the common hashes (no hash set is built for each
/// candidate the register checks).
pub fn containment(a: &[u64], b: &[u64]) -> f64 {
    debug_assert!(a.is_sorted_by(|x, y| x < y) && b.is_sorted_by(|x, y| x < y), "not shingles");
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < small.len() && j < large.len() {
        match small[i].cmp(&large[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / small.len() as f64
}

/// Whether a candidate's text confirms a near-duplicate whose fingerprint is between
/// [`NEAR_BITS`] and [`CANDIDATE_BITS`] away: `probe` (the new text's [`shingles`]) overlaps
/// it by at least [`MIN_CONTAINMENT`].
pub fn confirms(probe: &[u64], candidate_text: &str) -> bool {
    containment(probe, &shingles(candidate_text)) >= MIN_CONTAINMENT
}

/// A 64-bit SimHash: a number inside the program, 16 lower-case hex digits in JSON.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Simhash(pub u64);

crate::hex16!(Simhash, "a SimHash");

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "36氪获悉，某新能源车企宣布完成新一轮融资，本轮融资由多家机构联合领投，资金将用于电池研发和充电网络建设。公司表示，今年交付量同比增长两倍。";

    #[test]
    fn punctuation_and_spacing_do_not_move_the_fingerprint() {
        let swapped = STORY.replace('，', ",").replace('。', ". ");
        assert_eq!(simhash(STORY), simhash(&swapped));
    }

    #[test]
    fn an_added_source_line_is_a_confirmed_near_duplicate() {
        let copy = format!("{STORY}\n\n（本文来源：网络转载）");
        let (a, b) = (simhash(STORY), simhash(&copy));
        assert!(distance(a, b) <= CANDIDATE_BITS, "distance {}", distance(a, b));
        assert!(confirms(&shingles(&copy), STORY));
    }

    #[test]
    fn different_stories_are_far_apart() {
        let other = "央行今日公布数据，上月人民币贷款增加一万亿元，社会融资规模存量同比增长百分之十，广义货币余额保持平稳增长。";
        assert!(distance(simhash(STORY), simhash(other)) > CANDIDATE_BITS);
        assert!(!confirms(&shingles(other), STORY));
    }

    /// The vote one bit and one hash at a time, as SimHash is defined.
    fn fingerprint_bit_by_bit(hashes: &[u64]) -> u64 {
        let mut votes = [0i32; 64];
        for h in hashes {
            for (bit, vote) in votes.iter_mut().enumerate() {
                *vote += ((h >> bit) & 1) as i32 * 2 - 1;
            }
        }
        votes.iter().enumerate().filter(|(_, &v)| v > 0).fold(0, |acc, (bit, _)| acc | 1 << bit)
    }

    #[test]
    fn the_byte_wise_vote_is_the_bit_by_bit_vote() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Around the counters' flush at 255 hashes, ties (even counts), all ones and all zeros.
        for n in [0usize, 1, 2, 3, 254, 255, 256, 510, 511, 1000, 3001] {
            let hashes: Vec<u64> = (0..n).map(|_| next()).collect();
            assert_eq!(fingerprint(&hashes), fingerprint_bit_by_bit(&hashes), "{n} hashes");
            let skewed: Vec<u64> = hashes.iter().map(|h| h | 0xF0F0_0000_0000_00FF).collect();
            assert_eq!(fingerprint(&skewed), fingerprint_bit_by_bit(&skewed), "{n} skewed hashes");
        }
        for n in [255usize, 256, 600] {
            for h in [u64::MAX, 0] {
                assert_eq!(fingerprint(&vec![h; n]), fingerprint_bit_by_bit(&vec![h; n]), "{n} × {h:x}");
            }
        }
    }

    #[test]
    fn hex_is_sixteen_digits_both_ways() {
        let json = serde_json::to_string(&Simhash(0xab)).unwrap();
        assert_eq!(json, "\"00000000000000ab\"");
        assert_eq!(serde_json::from_str::<Simhash>(&json).unwrap(), Simhash(0xab));
        assert!(serde_json::from_str::<Simhash>("\"ab\"").is_err(), "a bad value is an error, not 0");
    }

    #[test]
    fn shingles_are_sorted_and_distinct() {
        // Repeats: the same four characters come round again and again.
        for text in ["哈哈哈哈哈哈哈哈", STORY, "abcabcabcabc", "", "一二"] {
            let s = shingles(text);
            assert!(s.windows(2).all(|w| w[0] < w[1]), "{text}: {s:?}");
        }
        assert_eq!(shingles("哈哈哈哈哈哈哈哈").len(), 1);
    }

    #[test]
    fn containment_by_merge_is_the_share_of_common_hashes() {
        use std::collections::HashSet;
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |range: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % range
        };
        // Drawn from small ranges, so that the two sets share many values; empty sets too.
        for (n, m, range) in
            [(0, 5, 10), (5, 0, 10), (1, 1, 2), (30, 80, 100), (500, 200, 600), (50, 50, u64::MAX)]
        {
            let (mut a, mut b): (Vec<u64>, Vec<u64>) =
                ((0..n).map(|_| next(range)).collect(), (0..m).map(|_| next(range)).collect());
            for v in [&mut a, &mut b] {
                v.sort_unstable();
                v.dedup();
            }
            let (sa, sb): (HashSet<u64>, HashSet<u64>) =
                (a.iter().copied().collect(), b.iter().copied().collect());
            let small = if sa.len() <= sb.len() { &sa } else { &sb };
            let expected = match small.len() {
                0 => 0.0,
                len => sa.intersection(&sb).count() as f64 / len as f64,
            };
            assert_eq!(containment(&a, &b), expected, "{n} and {m} from 0..{range}");
        }
    }
}
