package leadprivacy_test

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// snippetImports are the packages the README snippet may use, by name.
var snippetImports = map[string]string{
	"audit":       "github.com/leadprivacy/leadprivacy/audit",
	"blocklist":   "github.com/leadprivacy/leadprivacy/blocklist",
	"context":     "context",
	"errors":      "errors",
	"filepath":    "path/filepath",
	"fmt":         "fmt",
	"leadprivacy": "github.com/leadprivacy/leadprivacy",
	"note":        "golang.org/x/mod/sumdb/note",
	"os":          "os",
	"phone":       "github.com/leadprivacy/leadprivacy/phone",
	"postgres":    "github.com/leadprivacy/leadprivacy/storage/postgres",
	"rand":        "crypto/rand",
	"sqlite":      "github.com/leadprivacy/leadprivacy/storage/sqlite",
	"storage":     "github.com/leadprivacy/leadprivacy/storage",
	"time":        "time",
	"uuid":        "github.com/google/uuid",
}

// TestREADMESnippet checks that README.md's Go fragment is gofmt'd, and
// compiles and runs as the body of a func(ctx context.Context) error
// ending in "return err", leaving no file in its working directory.
func TestREADMESnippet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(readme, []byte("\n```go\n"))
	snippet, _, ok2 := bytes.Cut(rest, []byte("\n```\n"))
	if !ok || !ok2 {
		t.Fatal("README.md has no ```go block")
	}
	snippet = append(snippet, '\n')
	formatted, err := format.Source(snippet)
	if err != nil {
		t.Fatalf("README snippet does not parse: %v", err)
	}
	if !bytes.Equal(formatted, snippet) {
		t.Errorf("README snippet is not gofmt'd; gofmt makes it:\n%s", formatted)
	}

	body := "func run(ctx context.Context) error {\n" + string(snippet) + "return err\n}\n"
	f, err := parser.ParseFile(token.NewFileSet(), "", "package main\n"+body, 0)
	if err != nil {
		t.Fatalf("README snippet is not a function body: %v", err)
	}
	uses := []string{"context", "fmt", "os"} // main below
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil && !slices.Contains(uses, id.Name) {
				uses = append(uses, id.Name) // unresolved: a package name
			}
		}
		return true
	})
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n")
	for _, name := range uses {
		path, ok := snippetImports[name]
		if !ok {
			t.Fatalf("README snippet uses %s: add its import path to snippetImports", name)
		}
		src.WriteString(strconv.Quote(path) + "\n")
	}
	src.WriteString(")\n\n" + body + `
func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`)
	dir := t.TempDir()
	main := filepath.Join(dir, "main.go")
	if err := os.WriteFile(main, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "snippet")
	if out, err := exec.Command("go", "build", "-o", bin, main).CombinedOutput(); err != nil {
		t.Fatalf("README snippet does not compile: %v\n%s\n%s", err, out, src.String())
	}
	work := t.TempDir()
	run := exec.Command(bin)
	run.Dir = work
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("README snippet failed: %v\n%s", err, out)
	}
	if left, _ := os.ReadDir(work); len(left) > 0 {
		t.Errorf("README snippet left %s in its working directory", left[0].Name())
	}
}
