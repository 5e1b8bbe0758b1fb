// Package numindex holds compiled, immutable sets of phone numbers: the
// in-memory index national do-not-call registries (10^7–10^8 numbers) are
// checked against. A number is its Key, the value of its E.164 digits; a
// Set is built once from a registry's keys, serialized with AppendBinary to
// be stored, and loaded by every process with Load (or LoadInPlace, which
// answers from the bytes read without copying them).
//
// # Why partitioned Elias–Fano
//
// A registry's numbers are dense within a country's mobile ranges and
// separated by huge gaps between countries. Elias–Fano codes n ascending
// numbers spanning u in about 2 + log2(u/n) bits each, about half a bit above
// the information-theoretic bound, and answers a look-up without decoding
// the others. Coding fixed partitions of 128 keys separately, each relative
// to its first key, keeps that bound local: the gap between +45… and +447…
// costs one partition, not a wider code for every number, and a look-up
// reads one partition. A directory finds it from the key's value, with no
// search among partitions: the key's high 32 bits pick a region (a
// country's range holds one or a few), in which the partitions' first keys spread about evenly,
// so a slot a half partition wide, indexed by the key's offset in the
// region, names the partition its start is in and, with the next slot,
// the at most one partition that may start inside it. A look-up reads
// two adjacent slots, the partition's entry (first key and code
// position, the next partition's beside it), then a few words of codes.
// The directory (about 8 bytes a partition) is derived by Build and Load
// from the entries, not stored. 10M mobile
// numbers of two countries take about 1.2 bytes each (a map takes 30,
// roaring64 2); the figures and the command that measures them are in
// BENCHMARKS.md, section "Registry index".
//
// Within a partition of m keys k_0 < … < k_{m-1}, with offsets d_i = k_i -
// k_0 and span u = d_{m-1}, l = floor(log2(u/m)) low bits of each d_i are
// stored verbatim, and the high parts d_i>>l in unary: a bit vector of m +
// (u>>l) + 1 bits with a one at d_i>>l + i for each key. The zeros close
// buckets of 2^l values: the keys whose offsets have high part h are the
// run of ones after the h-th zero (from the vector's start when h is 0),
// found by counting zeros a word at a time.
//
// # Serialized form
//
// AppendBinary writes 64-bit little-endian words; with P = ceil(n/128)
// partitions:
//
//	word              content
//	0                 bytes "LPNI", then version (uint32, 1)
//	1                 n, the number of keys
//	2                 T, the length of the codes in bits
//	3+2p              partition p's first key (ascending in p)
//	3+2p+1            partition p's meta: bits 0–5 its l, bits 6–15 the
//	                  length of its high bit vector, bits 16–63 the bit
//	                  where its codes start (0, then where p-1's end)
//	3+2P …            the codes, ceil(T/64) words: each partition's m low
//	                  parts of l bits, then its high bit vector, packed
//	                  from bit 0 of each word up, partitions back to back;
//	                  the last word's unused bits are 0
//
// An empty Set is the first three words. Equal sets give equal bytes. Load
// copies the words as they are (a memory copy on little-endian machines;
// LoadInPlace uses them where they lie) and checks the header, the
// lengths, that first keys ascend and that every partition's codes are in
// range and back to back — enough that no look-up can fail — but decodes
// no key: a bit flipped inside a partition's codes is for the caller's
// content hash to catch.
package numindex
