package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printList is how the CLI's list commands answer: with asJSON one JSON
// object per line (nothing for none), else empty (a sentence saying how to
// make the first one) when there are no items, else a table with header
// whose cells row gives for each item.
func printList[T any](w io.Writer, asJSON bool, items []T, empty string, header []string, row func(T) []string) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, it := range items {
			if err := enc.Encode(it); err != nil {
				return err
			}
		}
		return nil
	}
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, empty)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, it := range items {
		fmt.Fprintln(tw, strings.Join(row(it), "\t"))
	}
	return tw.Flush()
}

// listTime is t in local time to the minute, as list tables show times, or
// none when t is nil.
func listTime(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Local().Format("2006-01-02 15:04")
}
