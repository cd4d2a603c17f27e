// Command funclen lists the longest functions of the tree, longest first:
// the measure behind "a function fits on one screen" (see
// docs/ARCHITECTURE.md). Tests are left out: a table is long by nature.
//
//	go run ./tools/funclen [-n 10] [dir ...]   (default: pkg tools)
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type function struct {
	where string // file:line
	name  string // Name or (Recv).Name
	lines int    // from func to the closing brace
}

func main() {
	n := flag.Int("n", 10, "how many functions to list")
	flag.Parse()
	dirs := flag.Args()
	if len(dirs) == 0 {
		dirs = []string{"pkg", "tools"}
	}
	var all []function
	for _, dir := range dirs {
		fns, err := functions(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "funclen:", err)
			os.Exit(1)
		}
		all = append(all, fns...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].lines > all[j].lines })
	for i := 0; i < *n && i < len(all); i++ {
		fmt.Printf("%4d  %-40s %s\n", all[i].lines, all[i].name, all[i].where)
	}
}

// functions parses every non-test Go file under dir.
func functions(dir string) ([]function, error) {
	var fns []function
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			start, end := fset.Position(fd.Pos()), fset.Position(fd.End())
			fns = append(fns, function{
				where: fmt.Sprintf("%s:%d", path, start.Line),
				name:  receiver(fd) + fd.Name.Name,
				lines: end.Line - start.Line + 1,
			})
		}
		return nil
	})
	return fns, err
}

// receiver is "(T)." for a method, "" for a function.
func receiver(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if idx, ok := t.(*ast.IndexExpr); ok {
		t = idx.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return "(" + id.Name + ")."
	}
	return ""
}
