package numindex_test

import (
	"fmt"

	"github.com/leadprivacy/leadprivacy/internal/numindex"
	"github.com/leadprivacy/leadprivacy/phone"
)

func Example() {
	var keys []uint64
	for _, n := range []phone.Number{"+4520123456", "+447700900123", "+4520123456", "+4520123457"} {
		k, ok := numindex.Key(n)
		if !ok {
			panic("not E.164")
		}
		keys = append(keys, k)
	}
	set := numindex.Build(keys)

	stored, err := set.AppendBinary(nil)
	if err != nil {
		panic(err)
	}
	loaded, err := numindex.Load(stored)
	if err != nil {
		panic(err)
	}
	k, _ := numindex.Key("+447700900123")
	fmt.Println(loaded.Len(), loaded.Contains(k), loaded.Contains(k+1))
	for k := range loaded.All() {
		fmt.Println(numindex.Number(k))
	}
	// Output:
	// 3 true false
	// +4520123456
	// +4520123457
	// +447700900123
}

func ExampleSet_ContainsSorted() {
	set := numindex.Build([]uint64{4520123456, 4520123458})
	queries := []uint64{4520123455, 4520123456, 4520123456, 4520123458} // ascending
	found := make([]bool, len(queries))
	set.ContainsSorted(queries, found)
	fmt.Println(found)
	// Output: [false true true true]
}

func ExampleLoad() {
	_, err := numindex.Load([]byte("not an index"))
	fmt.Println(err)
	// Output: leadprivacy: numindex: Load: invalid argument: snapshot: byte 0: length 12 is not a whole number of 8-byte words of at least 3
}
