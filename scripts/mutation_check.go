//go:build ignore

// mutation_check reads the JSON report of a gremlins run and checks it
// against the documented equivalent mutants: every mutant that lived must be
// listed there with the reason it cannot be killed, and the efficacy over the
// other mutants must be at least 95%. Used by scripts/mutation.sh:
//
//	go run scripts/mutation_check.go report.json scripts/mutation-equivalent.txt
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type report struct {
	Files []struct {
		FileName  string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

// An equivalence is identified by file, mutator and the source line with
// "@@" where the mutation is, so it survives code moving up or down and
// lapses when the line itself changes.
func key(file, typ, line string, col int) string {
	if col-1 > len(line) {
		col = len(line) + 1
	}
	return file + " | " + typ + " | " + strings.TrimSpace(line[:col-1]+"@@"+line[col-1:])
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/mutation_check.go report.json equivalents.txt")
		os.Exit(2)
	}
	var r report
	data, err := os.ReadFile(os.Args[1])
	check(err)
	check(json.Unmarshal(data, &r))

	equivalent := map[string]string{} // key -> reason
	used := map[string]bool{}
	f, err := os.Open(os.Args[2])
	check(err)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, " | ", 4)
		if len(parts) != 4 {
			fmt.Fprintf(os.Stderr, "bad line in %s: %s\n", os.Args[2], line)
			os.Exit(2)
		}
		equivalent[strings.Join(parts[:3], " | ")] = parts[3]
	}
	check(sc.Err())

	killed, lived, timedOut, unexplained := 0, 0, 0, 0
	for _, file := range r.Files {
		src, err := os.ReadFile(file.FileName)
		check(err)
		lines := strings.Split(string(src), "\n")
		for _, m := range file.Mutations {
			switch m.Status {
			case "KILLED":
				killed++
				continue
			case "LIVED":
				lived++
			case "TIMED OUT":
				timedOut++ // the tests hung: detected, but gremlins leaves these out
				continue
			default:
				continue
			}
			k := key(file.FileName, m.Type, lines[m.Line-1], m.Column)
			if reason, ok := equivalent[k]; ok {
				used[k] = true
				fmt.Printf("lived, equivalent: %s:%d:%d %s: %s\n", file.FileName, m.Line, m.Column, m.Type, reason)
				continue
			}
			unexplained++
			fmt.Printf("LIVED, NOT EXPLAINED: %s:%d:%d\n    %s\n", file.FileName, m.Line, m.Column, k)
		}
	}
	for k := range equivalent {
		if !used[k] {
			fmt.Printf("note: no surviving mutant matches the documented equivalent %q\n", k)
		}
	}
	raw := 100 * float64(killed) / float64(killed+lived)
	detected := 100 * float64(killed+timedOut) / float64(killed+timedOut+lived)
	adjusted := 100 * float64(killed) / float64(killed+unexplained)
	fmt.Printf("killed %d, timed out %d, lived %d (%d documented equivalent)\n", killed, timedOut, lived, lived-unexplained)
	fmt.Printf("efficacy %.2f%% (gremlins: killed/(killed+lived)); %.2f%% counting timeouts as detected (as PIT and Stryker do); %.2f%% without the equivalent mutants\n",
		raw, detected, adjusted)
	if unexplained > 0 || adjusted < 95 {
		fmt.Println("FAIL: kill the unexplained mutants or document why they are equivalent")
		os.Exit(1)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
