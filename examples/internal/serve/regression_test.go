package serve

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/openslot/openslot"
)

// TestRunHelp: -h prints the flags and is not an error, so that
// "go run ./examples/clinicapi -h" exits 0 instead of printing
// "flag: help requested" and exiting 1.
func TestRunHelp(t *testing.T) {
	p := Program{Name: "example", Addr: "127.0.0.1:0",
		Setup: func(context.Context, *openslot.Scheduler, string, *slog.Logger) (http.Handler, error) {
			t.Fatal("Setup ran for -h")
			return nil, nil
		}}
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out bytes.Buffer
		if err := p.Run(context.Background(), []string{arg}, func(string) string { return "" }, &out, nil); err != nil {
			t.Errorf("%s: %v", arg, err)
		}
		if !strings.Contains(out.String(), "-postgres") {
			t.Errorf("%s printed %q, want the flags", arg, out.String())
		}
	}
}
