// Package numindex holds compiled, immutable sets of phone numbers: the
// in-memory index national do-not-call registries are checked against.
package numindex
