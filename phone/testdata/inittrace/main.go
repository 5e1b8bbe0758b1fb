// Command inittrace imports package phone, for TestInitCost to read its
// GODEBUG=inittrace=1 line.
package main

import _ "github.com/leadprivacy/leadprivacy/phone"

func main() {}
